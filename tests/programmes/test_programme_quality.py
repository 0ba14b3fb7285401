"""``samverka check projects``: data-quality findings and exit status."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samverka.actors.models import Organisation
from samverka.programmes import demo_projects
from samverka.programmes.enums import FigureMetric, ProjectStatus, ReportKind
from samverka.programmes.models import (
    FinancingLine,
    FollowUpReport,
    Measure,
    PriorityArea,
    Programme,
    Project,
    StatedFigure,
)
from samverka.programmes.services.quality import check_projects

TODAY = date(2026, 6, 1)


@pytest.fixture
def clean(db: Any, make_organisation: Any) -> Programme:
    """A programme whose one project is closed, reported and consistent."""
    programme = Programme.objects.create(
        code="ren", name="Rent program", start_year=2004, end_year=2005
    )
    area = PriorityArea.objects.create(programme=programme, number=1, name="Område")
    measure = Measure.objects.create(
        programme=programme, priority_area=area, code="1.1", name="Åtgärd"
    )
    project = Project.objects.create(
        reference="REN-1",
        programme=programme,
        title="Rent projekt",
        applicant=make_organisation("Sökande"),
        status=ProjectStatus.CLOSED,
        start_date=date(2004, 1, 1),
        end_date=date(2005, 12, 31),
    )
    project.measures.add(measure)
    FinancingLine.objects.create(
        project=project,
        financier=make_organisation("Staten"),
        category="state",
        year=2004,
        budget_sek=1_000_000,
        decided_sek=900_000,
        outcome_sek=800_000,
    )
    FollowUpReport.objects.create(
        project=project,
        kind=ReportKind.FINAL,
        due_date=date(2006, 3, 1),
        submitted_at=datetime(2006, 2, 1, tzinfo=UTC),
    )
    StatedFigure.objects.create(
        programme=programme,
        label="Budget 2004",
        metric=FigureMetric.BUDGET,
        year_from=2004,
        year_to=2004,
        amount_sek=1_000_000,
    )
    return programme


def findings_of(programme: Programme) -> set[tuple[str, str]]:
    return {(f.kind, f.subject) for f in check_projects(programme=programme, today=TODAY)}


def test_check_clean_programme_has_no_findings(clean: Programme) -> None:
    assert check_projects(programme=clean, today=TODAY) == []


def test_check_command_clean_programme_exits_0(clean: Programme) -> None:
    out = io.StringIO()
    call_command("check", "projects", "--programme", "ren", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == []


def test_check_reports_each_kind_of_inconsistency(clean: Programme, make_organisation: Any) -> None:
    project = Project.objects.get(reference="REN-1")
    line = project.financing_lines.get()
    line.outcome_sek = 950_000  # above the decided 900 000
    line.save()
    FinancingLine.objects.create(
        project=project, financier=line.financier, category="eu", year=2007, decided_sek=1
    )
    no_measure = Project.objects.create(
        reference="REN-2",
        programme=clean,
        title="Utan åtgärd",
        applicant=project.applicant,
        status=ProjectStatus.RUNNING,
        start_date=date(2004, 1, 1),
        end_date=date(2005, 12, 31),
    )
    FinancingLine.objects.create(
        project=no_measure,
        financier=make_organisation("Kommunen"),
        category="municipal",
        year=2005,
        budget_sek=5,
    )
    rejected = Project.objects.create(
        reference="REN-3",
        programme=clean,
        title="Avslag",
        applicant=project.applicant,
        status=ProjectStatus.REJECTED,
    )
    rejected.measures.set(project.measures.all())
    FinancingLine.objects.create(
        project=rejected, financier=line.financier, category="state", year=2004, outcome_sek=7
    )
    assert findings_of(clean) == {
        ("outcome_above_decision", "REN-1"),
        ("line_outside_period", "REN-1"),
        ("missing_measure", "REN-2"),
        ("decision_missing", "REN-2"),
        ("missing_final_report", "REN-2"),
        ("outcome_without_grant", "REN-3"),
    }


def test_check_stated_figure_beyond_tolerance(clean: Programme) -> None:
    figure = clean.stated_figures.get()
    figure.amount_sek = 1_000_000 - 50_000
    figure.tolerance_sek = 50_000
    figure.save()
    assert findings_of(clean) == set()
    figure.tolerance_sek = 49_999
    figure.save()
    (finding,) = check_projects(programme=clean, today=TODAY)
    assert finding.kind == "stated_figure_mismatch"
    assert finding.subject == "ren"
    assert finding.message == (
        "Budget 2004: dokumentet anger 1,0 mnkr, uppgifterna ger 1,0 mnkr "
        "(skillnad +50\N{NO-BREAK SPACE}000 kr)."
    )


def test_check_demo_reports_the_seeds_printed_differences(db: Any) -> None:
    from test_programme_reports import programme_with_structure

    programme = programme_with_structure()
    demo_projects.load_demo_projects()
    findings = check_projects(programme=programme, today=date(2009, 6, 1))
    messages = sorted(f.message for f in findings if f.kind == "stated_figure_mismatch")
    assert len(messages) == 5, findings
    joined = "\n".join(messages)
    for stated, actual in [
        ("1\N{NO-BREAK SPACE}016,8", "1\N{NO-BREAK SPACE}016,9"),
        ("955,5", "955,6"),
        ("824,3", "824,4"),
        ("554,3", "554,4"),
        ("897,0", "946,6"),
    ]:
        assert f"anger {stated} mnkr, uppgifterna ger {actual} mnkr (" in joined
    # In mid-2009 the demo has no other inconsistency.
    assert {f.kind for f in findings} == {"stated_figure_mismatch"}


def test_check_command_with_findings_exits_1(clean: Programme) -> None:
    Project.objects.filter(reference="REN-1").update(status=ProjectStatus.RUNNING)
    FollowUpReport.objects.all().delete()
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("check", "projects", "--programme", "ren", stdout=out, stderr=io.StringIO())
    assert exc.value.code == 1
    assert "REN-1: [missing_final_report]" in out.getvalue()


def test_check_command_unknown_programme_exits_2(db: Any) -> None:
    with pytest.raises(CommandError) as exc:
        call_command("check", "projects", "--programme", "saknas")
    assert exc.value.returncode == 2


def test_check_command_without_projects_is_djangos_system_check(db: Any) -> None:
    out = io.StringIO()
    call_command("check", stdout=out)
    assert "System check identified no issues" in out.getvalue()


def test_check_query_count_does_not_grow_with_projects(clean: Programme) -> None:
    def run() -> None:
        check_projects(programme=clean, today=TODAY)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        run()
    project = Project.objects.get(reference="REN-1")
    for n in range(5):
        copy = Project.objects.create(
            reference=f"REN-X{n}",
            programme=clean,
            title="Kopia",
            applicant=project.applicant,
            status=ProjectStatus.RUNNING,
        )
        FinancingLine.objects.create(
            project=copy,
            financier=Organisation.objects.first(),
            category="state",
            year=2004,
            outcome_sek=5,
        )
    with CaptureQueriesContext(connection) as many:
        run()
    assert len(many.captured_queries) == len(few.captured_queries)
