"""``samverka import projects`` and ``samverka import financing``: validation, atomicity,
matching rules and re-import."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from imports_builders import (
    FINANCING_HEADER,
    PROJECT_HEADER,
    csv_bytes,
    make_org,
    make_programme,
    make_project,
    make_user,
)
from openpyxl import Workbook

from command_support import run_command
from samverka.actors.models import Organisation
from samverka.core.models import AuditEntry
from samverka.programmes.models import FinancingLine, Project, StatusChange
from samverka.programmes.services.imports import (
    MunicipalityIndex,
    import_financing,
    import_projects,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def project_row(reference: str = "RTP-1", **overrides: Any) -> list[str]:
    values = {
        "reference": reference,
        "title": f"Projekt {reference}",
        "programme": "rtp",
        "measure": "1.1",
        "applicant_name": "Sundsvalls kommun",
        "applicant_orgnr": "",
        "status": "granted",
        "start_date": "2008-01-01",
        "end_date": "2009-12-31",
        "municipalities": "2281",
        "description": "",
    }
    values.update(overrides)
    return [values[column] for column in PROJECT_HEADER]


def financing_row(reference: str = "RTP-1", **overrides: Any) -> list[str]:
    values = {
        "project_reference": reference,
        "financier_name": "Tillväxtverket",
        "financier_category": "state",
        "year": "2008",
        "budget_sek": "100000",
        "decided_sek": "90000",
        "outcome_sek": "",
    }
    values.update(overrides)
    return [values[column] for column in FINANCING_HEADER]


def run_projects(*rows: list[str], **options: Any) -> Any:
    return import_projects(csv_bytes(PROJECT_HEADER, list(rows)), filename="p.csv", **options)


def run_financing(*rows: list[str], **options: Any) -> Any:
    return import_financing(csv_bytes(FINANCING_HEADER, list(rows)), filename="f.csv", **options)


def errors_of(report: Any) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


def counts() -> tuple[int, int, int, int, int]:
    return (
        Project.objects.count(),
        Organisation.objects.count(),
        StatusChange.objects.count(),
        FinancingLine.objects.count(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def programme() -> Any:
    return make_programme("rtp", measures=("1.1", "1.2", "3.4b"))


# Projects ----------------------------------------------------------------------------------


def test_import_projects_creates_projects_applicants_and_history(programme: Any) -> None:
    officer = make_user("officer", role="programme_officer")
    report = run_projects(
        project_row("RTP-1", measure="1.1|3.4b", municipalities="2281|Timrå", description="Om"),
        project_row("RTP-2", applicant_name="Mittuniversitetet", status="Beviljad"),
        project_row(
            "RTP-3",
            applicant_name="Norrlandsfiber AB",
            applicant_orgnr="5560360793",
            status="draft",
            start_date="",
            end_date="",
            municipalities="",
        ),
        actor=officer,
    )

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 3, 0, 0)
    one = Project.objects.get(reference="RTP-1")
    assert (one.title, one.programme, one.status, one.description) == (
        "Projekt RTP-1",
        programme,
        "granted",
        "Om",
    )
    assert sorted(m.code for m in one.measures.all()) == ["1.1", "3.4b"]
    assert sorted(a.code for a in one.municipalities.all()) == ["2262", "2281"]
    assert (str(one.start_date), str(one.end_date)) == ("2008-01-01", "2009-12-31")
    applicants = {o.name: (o.helix, o.orgnr) for o in Organisation.objects.order_by("name").all()}
    assert applicants == {
        "Mittuniversitetet": ("academia", None),
        "Norrlandsfiber AB": ("company", "556036-0793"),
        "Sundsvalls kommun": ("public", None),
    }
    three = Project.objects.get(reference="RTP-3")
    assert (three.status, three.start_date, list(three.municipalities.all())) == ("draft", None, [])
    assert list(
        StatusChange.objects.filter(project=one).values_list(
            "from_status", "to_status", "actor__username"
        )
    ) == [("", "granted", "officer")]
    assert AuditEntry.objects.filter(action="project.imported", actor=officer).count() == 3
    assert AuditEntry.objects.filter(action="organisation.imported").count() == 3


def test_import_projects_same_applicant_on_several_rows_is_created_once(programme: Any) -> None:
    report = run_projects(project_row("A"), project_row("B"), project_row("C"))

    assert report.created == 3
    assert Organisation.objects.filter(name="Sundsvalls kommun").count() == 1


def test_import_projects_matches_applicant_by_orgnr_before_name(programme: Any) -> None:
    known = make_org("Norrlandsfiber Aktiebolag", orgnr="556036-0793")

    run_projects(project_row(applicant_name="Norrlandsfiber AB", applicant_orgnr="556036-0793"))

    assert Project.objects.get().applicant == known
    assert Organisation.objects.count() == 1


def test_import_projects_matches_applicant_by_exact_name_and_learns_its_orgnr(
    programme: Any,
) -> None:
    known = make_org("Sundsvalls kommun", helix="public")

    run_projects(project_row(applicant_orgnr="212000-2411"))

    known.refresh_from_db()
    assert Project.objects.get().applicant == known
    assert known.orgnr == "212000-2411"
    assert Organisation.objects.count() == 1


def test_import_projects_same_file_twice_changes_nothing(programme: Any) -> None:
    rows = [project_row("RTP-1", municipalities="UpplandsVäsby,LillaEdet"), project_row("RTP-2")]
    first = run_projects(*rows)
    before = counts()

    second = run_projects(*rows)

    assert (first.created, second.created, second.updated, second.unchanged) == (2, 0, 0, 2)
    assert counts() == before


def test_import_projects_reimport_updates_and_records_status_change(programme: Any) -> None:
    run_projects(project_row("RTP-1", description="Första"))

    report = run_projects(
        project_row(
            "RTP-1", title="Nytt namn", status="running", measure="1.2", municipalities="2262"
        )
    )

    assert (report.created, report.updated) == (0, 1)
    project = Project.objects.get(reference="RTP-1")
    assert (project.title, project.status, project.description) == (
        "Nytt namn",
        "running",
        "Första",  # an empty cell keeps the description
    )
    assert [m.code for m in project.measures.all()] == ["1.2"]
    assert [a.code for a in project.municipalities.all()] == ["2262"]
    assert list(project.status_changes.values_list("from_status", "to_status")) == [
        ("", "granted"),
        ("granted", "running"),
    ]
    entry = AuditEntry.objects.filter(action="project.imported").order_by("-id").first()
    assert entry.changes["title"] == ["Projekt RTP-1", "Nytt namn"]
    assert entry.changes["measures"] == [["1.1"], ["1.2"]]


def test_import_projects_without_municipalities_column_keeps_them(programme: Any) -> None:
    make_project(programme, "RTP-1", municipalities=("2281",), status="granted")
    header = [c for c in PROJECT_HEADER if c != "municipalities"]
    row = [
        v
        for c, v in zip(PROJECT_HEADER, project_row("RTP-1"), strict=True)
        if c != "municipalities"
    ]

    report = import_projects(csv_bytes(header, [row]), filename="p.csv")

    assert report.ok, report.errors
    assert [a.code for a in Project.objects.get().municipalities.all()] == ["2281"]


def test_import_projects_swedish_status_words_and_semicolons(programme: Any) -> None:
    rows = [
        project_row("A", status="Utkast"),
        project_row("B", status="under bedömning"),
        project_row("C", status="In assessment"),
        project_row("D", status="AVSLUTAD"),
        project_row("E", status="final report"),
    ]
    data = b"\xef\xbb\xbf" + csv_bytes(PROJECT_HEADER, rows, delimiter=";").getvalue()

    report = import_projects(io.BytesIO(data), filename="p.csv")

    assert report.ok, report.errors
    assert dict(Project.objects.values_list("reference", "status")) == {
        "A": "draft",
        "B": "in_assessment",
        "C": "in_assessment",
        "D": "closed",
        "E": "final_report",
    }


def test_import_projects_xlsx(programme: Any, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(PROJECT_HEADER)
    sheet.append(project_row("X-1", municipalities="114|Lilla Edet kommun"))
    path = tmp_path / "p.xlsx"
    workbook.save(path)

    with path.open("rb") as handle:
        report = import_projects(handle, filename="p.xlsx")

    assert report.ok, report.errors
    assert sorted(a.code for a in Project.objects.get().municipalities.all()) == ["0114", "1462"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("UpplandsVäsby", "0114"),
        ("upplands väsby", "0114"),
        ("Upplands Väsby kommun", "0114"),
        ("LillaEdet", "1462"),
        ("ÖstraGöinge", "1256"),
        ("upplandsbro", "0139"),
        ("Upplands-Bro", "0139"),
        ("Malung-Sälen kommun", "2023"),
        ("DalsEd", "1438"),
        ("Arjeplogs kommun", "2506"),
        ("Stenungsund", "1415"),
        ("0114", "0114"),
        ("114", "0114"),
    ],
)
def test_municipality_names_match_ignoring_case_spaces_hyphens_and_kommun(
    text: str, code: str
) -> None:
    area = MunicipalityIndex().find(text)
    assert area is not None
    assert area.code == code


@pytest.mark.parametrize("text", ["Stenungssund", "Atlantis", "9999", "Stockholms län"])
def test_municipality_index_unknown_names_find_nothing(text: str) -> None:
    assert MunicipalityIndex().find(text) is None


@pytest.mark.parametrize(
    ("overrides", "column", "words"),
    [
        ({"reference": ""}, "reference", "missing"),
        ({"reference": "R" * 41}, "reference", "40"),
        ({"title": ""}, "title", "missing"),
        ({"programme": "nope"}, "programme", "'nope'"),
        ({"measure": "1.1|9.9"}, "measure", "'9.9'"),
        ({"applicant_name": ""}, "applicant_name", "missing"),
        ({"applicant_orgnr": "123"}, "applicant_orgnr", "123"),
        ({"status": "approved"}, "status", "'approved'"),
        ({"status": ""}, "status", "missing"),
        ({"start_date": "1/1/2008"}, "start_date", "'1/1/2008'"),
        ({"end_date": "2007-12-31"}, "end_date", "before the start date"),
        ({"municipalities": "2281|Stenungssund"}, "municipalities", "'Stenungssund'"),
        ({"municipalities": "9999"}, "municipalities", "'9999'"),
    ],
)
def test_import_projects_bad_row_names_row_and_column_and_writes_nothing(
    programme: Any, overrides: dict[str, str], column: str, words: str
) -> None:
    before = counts()

    values = dict(overrides)
    bad = project_row(values.pop("reference", "BAD"), **values)

    report = run_projects(project_row("OK-1"), bad, project_row("OK-2"))

    assert not report.ok
    assert errors_of(report) == [(3, column)]
    assert words in report.errors[0].message
    assert (report.created, report.written) == (0, False)
    assert counts() == before


def test_import_projects_duplicate_reference_names_first_row(programme: Any) -> None:
    report = run_projects(project_row("R-1"), project_row("R-2"), project_row("R-1"))

    assert errors_of(report) == [(4, "reference")]
    assert "row 2" in report.errors[0].message
    assert Project.objects.count() == 0


def test_import_projects_cannot_move_a_project_to_another_programme(programme: Any) -> None:
    make_programme("other", measures=("1.1",))
    make_project(programme, "RTP-1")

    report = run_projects(project_row("RTP-1", programme="other"))

    assert errors_of(report) == [(2, "programme")]
    assert Project.objects.get().programme == programme


def test_import_projects_reports_every_bad_row_in_row_order(programme: Any) -> None:
    report = run_projects(
        project_row("A", status="x", municipalities="Atlantis"),
        project_row("B"),
        project_row("C", programme="nope"),
    )

    assert errors_of(report) == [(2, "status"), (2, "municipalities"), (4, "programme")]
    assert report.summary() == "Nothing imported: 2 of 3 rows have errors."


def test_import_projects_bad_row_leaves_existing_projects_untouched(programme: Any) -> None:
    run_projects(project_row("RTP-1"))
    before = counts()

    report = run_projects(project_row("RTP-1", title="Ändrad"), project_row("B", status="?"))

    assert not report.ok
    assert counts() == before
    assert Project.objects.get().title == "Projekt RTP-1"


def test_import_projects_dry_run_writes_nothing(programme: Any) -> None:
    report = run_projects(project_row("A"), project_row("B"), dry_run=True)

    assert (report.ok, report.created, report.written) == (True, 2, False)
    assert counts() == (0, 0, 0, 0, 0)


def test_import_projects_missing_column_is_a_file_error(programme: Any) -> None:
    report = import_projects(csv_bytes(["reference", "title"], [["A", "B"]]), filename="p.csv")

    assert "missing column(s): programme, measure" in report.file_error
    assert Project.objects.count() == 0


def test_import_projects_query_count_does_not_grow_with_rows(
    programme: Any, django_assert_max_num_queries: Any
) -> None:
    few = [project_row(f"A-{i}", applicant_name=f"Bolag {i} AB") for i in range(3)]
    many = [
        project_row(f"B-{i}", applicant_name=f"Firma {i} AB", municipalities="2281|2262")
        for i in range(60)
    ]
    with django_assert_max_num_queries(25) as small:
        run_projects(*few)
    # Only the number of INSERT batches grows (SQLite allows 999 parameters per statement).
    with django_assert_max_num_queries(len(small.captured_queries) + 2):
        assert run_projects(*many).created == 60


# Financing ---------------------------------------------------------------------------------


@pytest.fixture
def project(programme: Any) -> Project:
    return make_project(programme, "RTP-1")  # 2008-01-01 to 2010-12-31


def test_import_financing_creates_lines_and_financiers(project: Project) -> None:
    known = make_org("Region Västernorrland", helix="public")

    report = run_financing(
        financing_row(budget_sek="1 234 500", decided_sek="1\u00a0000\u00a0000", outcome_sek=""),
        financing_row(financier_name="Region Västernorrland", financier_category="Landsting"),
        financing_row(financier_name="SCA AB", financier_category="Privat", year="2009"),
        financing_row(financier_name="EU", financier_category="EU", year="2010"),
        financing_row(financier_name="Timrå kommun", financier_category="Kommunal"),
    )

    assert report.ok, report.errors
    assert report.created == 5
    lines = {
        (line.financier.name, line.category, line.year): (
            line.budget_sek,
            line.decided_sek,
            line.outcome_sek,
        )
        for line in FinancingLine.objects.select_related("financier")
    }
    assert lines == {
        ("Tillväxtverket", "state", 2008): (1234500, 1000000, 0),
        ("Region Västernorrland", "county_council", 2008): (100000, 90000, 0),
        ("SCA AB", "private", 2009): (100000, 90000, 0),
        ("EU", "eu", 2010): (100000, 90000, 0),
        ("Timrå kommun", "municipal", 2008): (100000, 90000, 0),
    }
    assert FinancingLine.objects.filter(financier=known).count() == 1
    helix = dict(Organisation.objects.values_list("name", "helix"))
    assert (helix["Tillväxtverket"], helix["SCA AB"]) == ("public", "company")


def test_import_financing_same_key_updates_the_line(project: Project) -> None:
    run_financing(financing_row(outcome_sek="0"))
    before = counts()

    again = run_financing(financing_row(outcome_sek="0"))
    changed = run_financing(financing_row(outcome_sek="85 000"))

    assert (again.unchanged, again.created, again.updated) == (1, 0, 0)
    assert (changed.created, changed.updated) == (0, 1)
    assert counts()[:4] == before[:4]
    line = FinancingLine.objects.get()
    assert (line.budget_sek, line.decided_sek, line.outcome_sek) == (100000, 90000, 85000)
    entry = AuditEntry.objects.filter(action="financing.imported").order_by("-id").first()
    assert entry.changes == {"outcome_sek": [0, 85000]}


def test_import_financing_other_category_or_year_is_another_line(project: Project) -> None:
    run_financing(
        financing_row(), financing_row(year="2009"), financing_row(financier_category="eu")
    )

    assert FinancingLine.objects.count() == 3


@pytest.mark.parametrize(
    ("overrides", "column", "words"),
    [
        ({"project_reference": "NOPE"}, "project_reference", "'NOPE'"),
        ({"project_reference": ""}, "project_reference", "missing"),
        ({"financier_name": ""}, "financier_name", "missing"),
        ({"financier_category": "bank"}, "financier_category", "'bank'"),
        ({"year": "2011"}, "year", "outside the project period"),
        ({"year": "2007"}, "year", "outside the project period"),
        ({"year": "08"}, "year", "'08'"),
        ({"budget_sek": "-5"}, "budget_sek", "negative"),
        ({"decided_sek": "12,5"}, "decided_sek", "whole number"),
        ({"outcome_sek": "ett"}, "outcome_sek", "whole number"),
    ],
)
def test_import_financing_bad_row_names_row_and_column_and_writes_nothing(
    project: Project, overrides: dict[str, str], column: str, words: str
) -> None:
    before = counts()

    values = {"year": "2009", **overrides}
    bad = financing_row(values.pop("project_reference", "RTP-1"), **values)

    report = run_financing(financing_row(), bad)

    assert errors_of(report) == [(3, column)]
    assert words in report.errors[0].message
    assert counts() == before


def test_import_financing_duplicate_key_in_file_is_a_bad_row(project: Project) -> None:
    report = run_financing(financing_row(), financing_row(budget_sek="5"))

    assert errors_of(report) == [(3, "year")]
    assert "row 2" in report.errors[0].message
    assert FinancingLine.objects.count() == 0


def test_import_financing_year_free_when_project_has_no_dates(programme: Any) -> None:
    make_project(programme, "OPEN", start_date=None, end_date=None)

    report = run_financing(financing_row("OPEN", year="1999"))

    assert report.ok, report.errors


# The command -------------------------------------------------------------------------------


def command(*args: str) -> tuple[int, str, str]:
    """Run ``samverka import``; return (exit status, stdout, stderr)."""
    return run_command("import", *args)


def test_command_import_projects_bad_row_exits_2(programme: Any, tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_bytes(
        csv_bytes(PROJECT_HEADER, [project_row("A", municipalities="Stenungssund")]).getvalue()
    )

    status, out, err = command("projects", str(path))

    assert (status, out) == (2, "")
    assert err.splitlines()[0] == (
        f"{path}: row 2, column municipalities: unknown municipality 'Stenungssund'"
    )
    assert Project.objects.count() == 0


def test_command_import_projects_then_financing(programme: Any, tmp_path: Path) -> None:
    projects = tmp_path / "p.csv"
    projects.write_bytes(csv_bytes(PROJECT_HEADER, [project_row("RTP-1")]).getvalue())
    financing = tmp_path / "f.csv"
    financing.write_bytes(csv_bytes(FINANCING_HEADER, [financing_row("RTP-1")]).getvalue())

    assert command("projects", str(projects)) == (
        0,
        "Imported 1 rows: 1 created, 0 updated, 0 unchanged.\n",
        "",
    )
    status, out, _err = command("financing", str(financing), "--format", "json")

    assert status == 0
    assert (json.loads(out)["created"], FinancingLine.objects.count()) == (1, 1)


def test_command_import_financing_bad_row_exits_2(project: Project, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(FINANCING_HEADER, [financing_row(budget_sek="-100")]).getvalue())

    status, _out, err = command("financing", str(path))

    assert status == 2
    assert err.startswith(f"{path}: row 2, column budget_sek: ")
    assert FinancingLine.objects.count() == 0
