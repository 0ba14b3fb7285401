"""The programme import: the demo documents, re-import without losing projects, path-named
errors with nothing written, and the command line."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.utils import translation

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.core.importing import RowError
from samverka.core.models import AuditEntry
from samverka.programmes.demo import DATA, load_programme_demo
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.models import (
    Measure,
    MeasureGoal,
    PriorityArea,
    Programme,
    Project,
    SelectionCriterion,
    StatedFigure,
)
from samverka.programmes.services.structure import import_programme

pytestmark = pytest.mark.django_db

RTP = DATA / "rtp-vasternorrland-2008-2010.yaml"
RTP_CODES = {
    *(f"1.{n}" for n in range(1, 6)),
    *(f"2.{n}" for n in range(1, 6)),
    *(f"3.{n}" for n in range(1, 8)),
    "3.4a",
    "3.4b",
    "3.4c",
}


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are English source strings; the Swedish catalogue is tested elsewhere."""
    with translation.override("en"):
        yield


def small_document(**overrides: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "code": "testprogram",
        "name": "Testprogrammet",
        "period": {"start": 2020, "end": 2022},
        "owner": "Region Test",
        "criteria": [{"name": "Innovativitet", "weight": 2}, {"name": "Jobb", "weight": 1}],
        "priority_areas": [
            {
                "number": 1,
                "name": "Dynamik",
                "goal": "Fler företag",
                "measures": [
                    {"code": "1.1", "name": "Kompetens", "goals": ["Fler jobb"]},
                    {
                        "code": "1.2",
                        "name": "Skog",
                        "measures": [{"code": "1.2a", "name": "Biomassa"}],
                    },
                ],
            }
        ],
    }
    document.update(overrides)
    return document


def run(document: Any, *, filename: str = "programme.yaml", **kwargs: Any) -> Any:
    text = document if isinstance(document, str) else yaml.safe_dump(document, allow_unicode=True)
    return import_programme(io.BytesIO(text.encode("utf-8")), filename=filename, **kwargs)


def row_counts() -> tuple[int, ...]:
    return (
        Programme.objects.count(),
        PriorityArea.objects.count(),
        Measure.objects.count(),
        MeasureGoal.objects.count(),
        SelectionCriterion.objects.count(),
        StatedFigure.objects.count(),
        Organisation.objects.count(),
        AuditEntry.objects.count(),
    )


def errors_of(report: Any) -> list[str]:
    return [str(error) for error in report.errors]


def test_import_rtp_file_creates_whole_structure() -> None:
    with RTP.open("rb") as handle:
        report = import_programme(handle, filename=RTP.name)

    assert (report.ok, report.errors, report.file_error) == (True, [], "")
    programme = Programme.objects.get(code="rtp-vasternorrland-2008-2010")
    assert (programme.start_year, programme.end_year) == (2008, 2010)
    assert programme.owner.name == "Länsstyrelsen Västernorrland"
    assert programme.owner.helix == Helix.PUBLIC
    assert list(programme.priority_areas.values_list("number", flat=True)) == [1, 2, 3]
    assert set(programme.measures.values_list("code", flat=True)) == RTP_CODES
    assert programme.measures.top_level().count() == 17
    assert set(programme.measures.filter(parent__code="3.4").values_list("code", flat=True)) == {
        "3.4a",
        "3.4b",
        "3.4c",
    }
    weights = list(programme.criteria.values_list("weight", flat=True))
    assert weights == [Decimal(1)] * 8


def test_import_rtp_goals_are_the_seeds_words_with_2011_deadline() -> None:
    with RTP.open("rb") as handle:
        import_programme(handle, filename=RTP.name)

    goals = MeasureGoal.objects.filter(
        measure__code="1.1", measure__programme__code__startswith="rtp"
    )

    assert goals.first().text == (
        "Förbättring av sysselsättningsgraden för befolkningen 20+ år i förhållande till riket"
    )
    assert set(goals.values_list("deadline_year", flat=True)) == {2011}
    assert MeasureGoal.objects.filter(measure__code="3.4a").count() == 6


def test_import_rtp_stated_figures_hold_printed_totals() -> None:
    with RTP.open("rb") as handle:
        import_programme(handle, filename=RTP.name)

    figures = {f.label: f for f in StatedFigure.objects.all()}

    assert figures["Tabell kap. 7: Totalt Budget 2004"].amount_sek == 1_266_300_000
    assert figures["Tabell kap. 7: Totalt Utfall 2007"].amount_sek == 554_300_000
    assert figures["Kap. 7: genomsnittligt utfall 2004\u20132007"].amount_sek == 897_000_000
    private = figures["Kap. 7: genomsnittlig privat medfinansiering (utfall) 2004\u20132007"]
    assert (private.category, private.amount_sek) == ("private", 374_000_000)


def test_demo_loader_is_idempotent_and_marks_demo() -> None:
    first = load_programme_demo()
    counts = row_counts()
    second = load_programme_demo()

    assert first["programmes"] == 2
    assert second["created"] + second["updated"] == 0
    assert row_counts() == counts
    assert set(Programme.objects.values_list("code", "is_demo")) == {
        ("rtp-vasternorrland-2008-2010", True),
        ("ris-jamtland-harjedalen-2025", True),
    }
    assert Programme.objects.get(code="ris-jamtland-harjedalen-2025").priority_areas.count() == 5


def test_reimport_updates_in_place_and_keeps_project(make_organisation: Any) -> None:
    run(small_document())
    measure = Measure.objects.get(code="1.1")
    programme = measure.programme
    project = Project.objects.create(
        reference="P-1",
        programme=programme,
        title="Projekt",
        applicant=make_organisation(),
        status=ProjectStatus.RUNNING,
    )
    project.measures.add(measure, Measure.objects.get(code="1.2a"))
    changed = small_document(name="Testprogrammet (reviderat)")
    area = changed["priority_areas"][0]
    area["measures"][0]["name"] = "Kompetens och arbetsmarknad"
    area["measures"][0]["goals"] = ["Fler jobb", "Fler företag"]
    area["measures"][1]["measures"] = []  # 1.2a has a project: kept, with a warning

    report = run(changed)

    assert report.ok
    measure.refresh_from_db()
    assert (measure.pk, measure.name) == (
        Measure.objects.get(code="1.1").pk,
        "Kompetens och arbetsmarknad",
    )
    assert list(measure.goals.values_list("text", flat=True)) == ["Fler jobb", "Fler företag"]
    assert Programme.objects.get().name == "Testprogrammet (reviderat)"
    assert set(project.measures.values_list("code", flat=True)) == {"1.1", "1.2a"}
    assert Measure.objects.filter(code="1.2a").exists()
    assert "1.2a" in " ".join(report.warnings)
    assert "1.2a" in report.summary()


def test_reimport_removes_measure_without_projects() -> None:
    run(small_document())
    changed = small_document()
    changed["priority_areas"][0]["measures"].pop(0)  # 1.1, without projects

    report = run(changed)

    assert report.ok
    assert set(Measure.objects.values_list("code", flat=True)) == {"1.2", "1.2a"}
    assert report.warnings == []


def test_reimport_same_document_changes_nothing() -> None:
    run(small_document())
    counts = row_counts()

    report = run(small_document())

    assert (report.created, report.updated) == (0, 0)
    assert row_counts() == counts


def test_dry_run_writes_nothing() -> None:
    counts = row_counts()

    report = run(small_document(), dry_run=True)

    assert report.ok
    assert report.created > 0
    assert row_counts() == counts


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["priority_areas"][0]["measures"][1]["measures"][0].pop("code"),
            "priority_areas[0].measures[1].measures[0].code: missing",
        ),
        (
            lambda d: d["criteria"][1].update(weight=-1),
            "criteria[1].weight: must be a number ≥ 0",
        ),
        (
            lambda d: d["criteria"][0].update(weight="much"),
            "criteria[0].weight: must be a number ≥ 0",
        ),
        (
            lambda d: d["priority_areas"][0]["measures"][1].update(code="1.1"),
            "priority_areas[0].measures[1].code: duplicate measure code '1.1' "
            "(also at priority_areas[0].measures[0])",
        ),
        (
            lambda d: d["priority_areas"][0]["measures"][0].update(code=1.1),
            'priority_areas[0].measures[0].code: must be text; put it in quotes, e.g. "1.1"',
        ),
        (
            lambda d: d.update(period={"start": 2022, "end": 2020}),
            "period.end: must not be before period.start",
        ),
        (lambda d: d.pop("period"), "period: missing"),
        (lambda d: d.update(priority_areas="many"), "priority_areas: must be a list"),
        (
            lambda d: d["priority_areas"][0].update(number="one"),
            "priority_areas[0].number: must be a whole number",
        ),
        (
            lambda d: d["priority_areas"][0]["measures"][0].update(mesures=[]),
            "priority_areas[0].measures[0].mesures: unknown key",
        ),
        (
            lambda d: d["priority_areas"][0]["measures"][0].update(goals=[{"deadline_year": 2011}]),
            "priority_areas[0].measures[0].goals[0].text: missing",
        ),
        (lambda d: d.update(code="Not a slug"), "code: must be lower-case letters"),
        (
            lambda d: d.update(
                stated_figures=[
                    {
                        "label": "x",
                        "metric": "mean",
                        "year_from": 2004,
                        "year_to": 2004,
                        "amount_sek": 1,
                    }
                ]
            ),
            "stated_figures[0].metric: unknown metric 'mean'",
        ),
    ],
)
def test_bad_document_names_path_and_writes_nothing(change: Any, expected: str) -> None:
    run(small_document(code="existing"))
    counts = row_counts()
    document = small_document()
    change(document)

    report = run(document)

    assert report.ok is False
    assert any(message.startswith(expected) for message in errors_of(report)), errors_of(report)
    assert row_counts() == counts


def test_bad_document_reports_every_problem() -> None:
    document = small_document()
    document["criteria"][0]["weight"] = -2
    document["priority_areas"][0]["measures"][0].pop("name")
    del document["name"]

    report = run(document)

    assert errors_of(report) == [
        "name: missing",
        "criteria[0].weight: must be a number ≥ 0",
        "priority_areas[0].measures[0].name: missing",
    ]
    assert report.summary() == "Nothing imported: the document has 3 problems."


def test_unreadable_yaml_names_the_line() -> None:
    report = run("code: x\nname: [unclosed\nperiod: {start: 2020}\n")

    assert report.ok is False
    assert "line 3" in report.file_error
    assert Programme.objects.count() == 0


def test_json_document_is_read() -> None:
    report = run(json.dumps(small_document()), filename="programme.json")

    assert report.ok
    assert Programme.objects.get().code == "testprogram"


def test_bad_json_names_the_line() -> None:
    report = run('{\n"code": "x",\n}', filename="programme.json")

    assert "line 3" in report.file_error


def test_not_a_mapping_is_an_error() -> None:
    report = run("- just\n- a list\n")

    assert errors_of(report) == ["must be a mapping of keys and values"]


def test_row_error_of_document_prints_path_only() -> None:
    assert str(RowError(0, "criteria[2].weight", "must be a number ≥ 0")) == (
        "criteria[2].weight: must be a number ≥ 0"
    )
    assert str(RowError(3, "name", "missing name")).endswith("name: missing name")


def test_import_command_exit_status_2_on_errors(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    document = small_document()
    document["priority_areas"][1:] = [{"number": 2, "name": "B", "measures": [{"name": "x"}]}]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    stderr = io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "programme", str(path), stderr=stderr)

    assert exit_info.value.code == 2
    assert "priority_areas[1].measures[0].code: missing" in stderr.getvalue()
    assert Programme.objects.count() == 0


def test_import_command_imports_rtp() -> None:
    stdout = io.StringIO()

    call_command("import", "programme", str(RTP), stdout=stdout)

    assert "Imported the programme" in stdout.getvalue()
    assert Measure.objects.filter(programme__code="rtp-vasternorrland-2008-2010").count() == 20


def test_owner_known_by_name_is_reused(make_organisation: Any) -> None:
    owner = make_organisation("Region Test", helix=Helix.PUBLIC)

    run(small_document())

    assert Programme.objects.get().owner == owner
    assert Organisation.objects.filter(name="Region Test").count() == 1


def test_import_records_audit_entries(make_user: Any) -> None:
    user = make_user()

    run(small_document(), actor=user)

    actions = set(AuditEntry.objects.filter(actor=user).values_list("action", flat=True))
    assert {"programme.created", "measure.created", "criterion.created"} <= actions
