"""Budget and portfolio reports, their exports, pages and the demo projects (seed 004 ch. 7)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from samverka.actors.models import Organisation
from samverka.geo.models import Area
from samverka.programmes import demo_projects
from samverka.programmes.enums import ProjectStatus, ReportKind
from samverka.programmes.models import (
    FinancingLine,
    FollowUpReport,
    Measure,
    PriorityArea,
    Programme,
    Project,
)
from samverka.programmes.services.reports import budget_report, msek, portfolio_report

CATS = ["state", "municipal", "county_council", "eu", "private"]
# Seed 004 chapter 7, MSEK: per category (budget 04, outcome 04, …, budget 08).
SEED = {
    "state": "434,5 477,9 486,3 369,4 394,0 391,4 329,2 252,9 427,4",
    "municipal": "161,0 103,5 101,9 53,6 83,5 69,0 95,9 54,1 138,9",
    "county_council": "21,1 15,0 21,1 8,8 22,8 5,3 11,2 4,5 9,7",
    "eu": "270,7 209,9 72,2 81,9 146,0 122,9 90,3 70,9 421,1",
    "private": "379,0 657,7 335,4 429,9 309,3 235,8 237,2 172,0 251,6",
}
SEED_COLUMNS = [
    (2004, "budget"),
    (2004, "outcome"),
    (2005, "budget"),
    (2005, "outcome"),
    (2006, "budget"),
    (2006, "outcome"),
    (2007, "budget"),
    (2007, "outcome"),
    (2008, "budget"),
]


def seed_cells() -> dict[tuple[str, int, str], int]:
    """The 45 cells in SEK (tenths of MSEK as integers, so no float rounding)."""
    cells = {}
    for category, text in SEED.items():
        for (year, metric), value in zip(SEED_COLUMNS, text.split(), strict=True):
            cells[(category, year, metric)] = int(value.replace(",", "")) * 100_000
    return cells


# Fixtures ----------------------------------------------------------------------------------------


@pytest.fixture
def programme(db: Any) -> Programme:
    return Programme.objects.create(
        code="test-prog", name="Testprogrammet", start_year=2004, end_year=2005
    )


@pytest.fixture
def make_project(
    programme: Programme, make_organisation: Callable[..., Organisation]
) -> Callable[..., Project]:
    area = PriorityArea.objects.create(programme=programme, number=1, name="Område")
    measures = {
        code: Measure.objects.create(
            programme=programme, priority_area=area, code=code, name=f"Åtgärd {code}", position=i
        )
        for i, code in enumerate(["1.1", "1.2"])
    }
    applicant = make_organisation("Sökande AB")
    counter = iter(range(1, 10_000))

    def make(
        *,
        measure: str = "1.1",
        municipalities: tuple[str, ...] = ("2281",),
        status: str = ProjectStatus.CLOSED,
        lines: tuple[tuple[str, int, int, int, int], ...] = (),
        results: tuple[int, int, int, int] | None = None,
    ) -> Project:
        n = next(counter)
        project = Project.objects.create(
            reference=f"T-{n:03d}",
            programme=programme,
            title=f"Projekt {n}",
            applicant=applicant,
            status=status,
            start_date=date(2004, 1, 1),
            end_date=date(2099, 12, 31),
        )
        project.measures.set([measures[measure]])
        project.municipalities.set(Area.objects.filter(code__in=municipalities))
        for category, year, budget, decided, outcome in lines:
            FinancingLine.objects.create(
                project=project,
                financier=make_organisation(f"Finansiär {n} {category} {year}"),
                category=category,
                year=year,
                budget_sek=budget,
                decided_sek=decided,
                outcome_sek=outcome,
            )
        if results is not None:
            jw, jm, pw, pm = results
            FollowUpReport.objects.create(
                project=project,
                kind=ReportKind.FINAL,
                due_date=date(2006, 3, 1),
                submitted_at=datetime(2006, 2, 1, tzinfo=UTC),
                jobs_women=jw,
                jobs_men=jm,
                participants_women=pw,
                participants_men=pm,
            )
        return project

    return make


@pytest.fixture
def hand_fixture(make_project: Callable[..., Project]) -> dict[str, Project]:
    """Three projects whose totals are worked out by hand in the tests below."""
    a = make_project(
        measure="1.1",
        municipalities=("2281", "2280"),
        lines=(
            ("state", 2004, 100_000, 90_000, 80_000),
            ("private", 2004, 50_000, 60_000, 70_000),
            ("eu", 2005, 30_000, 30_000, 10_000),
        ),
        results=(1, 2, 3, 4),
    )
    b = make_project(
        measure="1.2",
        municipalities=("2281",),
        status=ProjectStatus.RUNNING,
        lines=(("state", 2005, 200_000, 150_000, 0), ("municipal", 2005, 40_000, 40_000, 5_000)),
    )
    # Rejected: neither in the budget nor in the portfolio.
    c = make_project(
        measure="1.1", status=ProjectStatus.REJECTED, lines=(("state", 2004, 999_000, 0, 0),)
    )
    return {"a": a, "b": b, "c": c}


def programme_with_structure() -> Programme:
    """RTP Västernorrland with its measures: through the structure demo when its data file is in
    the repository, otherwise a minimal programme built here."""
    from samverka.programmes import demo

    data = Path(demo.__file__).parent / "data"
    if all((data / name).exists() for name in demo.DEMO_FILES):
        demo.load_programme_demo()
        return Programme.objects.get(code=demo_projects.PROGRAMME_CODE)
    programme = Programme.objects.create(
        code=demo_projects.PROGRAMME_CODE,
        name="RTP Västernorrland 2008-2010",
        start_year=2008,
        end_year=2010,
    )
    for number in (1, 2, 3):
        area = PriorityArea.objects.create(
            programme=programme, number=number, name=f"Område {number}"
        )
        for sub in (1, 2, 3):
            Measure.objects.create(
                programme=programme,
                priority_area=area,
                code=f"{number}.{sub}",
                name=f"Åtgärd {number}.{sub}",
                position=number * 10 + sub,
            )
    return programme


@pytest.fixture
def demo_programme(db: Any) -> Programme:
    programme = programme_with_structure()
    demo_projects.load_demo_projects()
    return programme


# Budget report -----------------------------------------------------------------------------------


def test_budget_report_totals_match_hand_computed_fixture(
    programme: Programme, hand_fixture: dict[str, Project]
) -> None:
    report = budget_report(programme=programme)
    rows = {(r["category"], r["year"]): (r["budget_sek"], r["outcome_sek"]) for r in report["rows"]}
    assert report["programme"] == "test-prog"
    assert report["unit"] == "SEK"
    assert len(report["rows"]) == 2 * 6  # 2004-2005, five categories and the total
    assert rows[("state", 2004)] == (100_000, 80_000)
    assert rows[("private", 2004)] == (50_000, 70_000)
    assert rows[("county_council", 2004)] == (0, 0)
    assert rows[("total", 2004)] == (150_000, 150_000)
    assert rows[("state", 2005)] == (200_000, 0)
    assert rows[("total", 2005)] == (270_000, 15_000)


def test_budget_report_without_data_covers_programme_period(programme: Programme) -> None:
    report = budget_report(programme=programme)
    assert {r["year"] for r in report["rows"]} == {2004, 2005}
    assert all(r["budget_sek"] == 0 and r["outcome_sek"] == 0 for r in report["rows"])


def test_budget_report_reproduces_seed_table_in_all_45_cells(demo_programme: Programme) -> None:
    report = budget_report(programme=demo_programme)
    got = {}
    for row in report["rows"]:
        got[(row["category"], row["year"], "budget")] = row["budget_sek"]
        got[(row["category"], row["year"], "outcome")] = row["outcome_sek"]
    expected = seed_cells()
    assert len(expected) == 45
    assert {key: got[key] for key in expected} == expected
    assert got[("total", 2008, "outcome")] == 0
    for year, metric in SEED_COLUMNS:
        column = sum(expected[(c, year, metric)] for c in CATS)
        assert got[("total", year, metric)] == column
    # The four totals the seed prints 0.1 lower than its column sums.
    assert msek(got[("total", 2005, "budget")]) == "1\N{NO-BREAK SPACE}016,9"
    assert msek(got[("total", 2006, "budget")]) == "955,6"
    assert msek(got[("total", 2006, "outcome")]) == "824,4"
    assert msek(got[("total", 2007, "outcome")]) == "554,4"


def test_demo_projects_are_idempotent_and_plausible(demo_programme: Programme) -> None:
    before = demo_projects.load_demo_projects()
    again = demo_projects.load_demo_projects()
    assert before == again
    assert 20 <= again["projects"] <= 30
    projects = Project.objects.filter(programme=demo_programme, is_demo=True)
    assert not projects.filter(measures__isnull=True).exists()
    assert (
        projects.filter(municipalities__parent__code="22")
        .values("municipalities")
        .distinct()
        .count()
        == 7
    )
    assert not FinancingLine.objects.filter(project__in=projects, decided_sek__lt=0).exists()
    from django.db.models import F

    assert not FinancingLine.objects.filter(
        project__in=projects, outcome_sek__gt=F("decided_sek")
    ).exists()
    assert (
        Organisation.objects.filter(financing_lines__project__in=projects)
        .exclude(name__endswith=" (demo)")
        .count()
        == 0
    )


def test_demo_projects_without_programme_create_nothing(db: Any) -> None:
    counts = demo_projects.load_demo_projects()
    assert counts == {"projects": 0, "financing_lines": 0, "reports": 0, "stated_figures": 0}
    assert not Project.objects.exists()


# Portfolio ---------------------------------------------------------------------------------------


def test_portfolio_by_measure_matches_hand_computed_fixture(
    programme: Programme, hand_fixture: dict[str, Project]
) -> None:
    report = portfolio_report(programme=programme, by="measure")
    assert report["by"] == "measure"
    assert "mer än programmets totalbelopp" in report["note"]
    assert report["rows"] == [
        {
            "key": "1.1",
            "name": "Åtgärd 1.1",
            "projects": 1,
            "granted_sek": 180_000,
            "outcome_sek": 160_000,
            "private_share": round(60_000 / 180_000, 4),
            "jobs_women": 1,
            "jobs_men": 2,
            "participants_women": 3,
            "participants_men": 4,
        },
        {
            "key": "1.2",
            "name": "Åtgärd 1.2",
            "projects": 1,
            "granted_sek": 190_000,
            "outcome_sek": 5_000,
            "private_share": 0.0,
            "jobs_women": 0,
            "jobs_men": 0,
            "participants_women": 0,
            "participants_men": 0,
        },
    ]


def test_portfolio_by_municipality_counts_a_project_in_each(
    programme: Programme, hand_fixture: dict[str, Project]
) -> None:
    report = portfolio_report(programme=programme, by="municipality")
    rows = {r["key"]: (r["name"], r["projects"], r["granted_sek"]) for r in report["rows"]}
    assert rows == {"2280": ("Härnösand", 1, 180_000), "2281": ("Sundsvall", 2, 370_000)}
    # Härnösand and Sundsvall together show more than the programme's 370 000 SEK.
    assert "mer än programmets totalbelopp" in report["note"]


def test_portfolio_by_county_counts_a_project_once(
    programme: Programme, hand_fixture: dict[str, Project]
) -> None:
    report = portfolio_report(programme=programme, by="county")
    assert [
        (r["key"], r["projects"], r["granted_sek"], r["outcome_sek"], r["jobs_men"])
        for r in report["rows"]
    ] == [("22", 2, 370_000, 165_000, 2)]


def test_portfolio_latest_submitted_report_gives_the_results(
    programme: Programme, make_project: Callable[..., Project]
) -> None:
    project = make_project(results=(1, 1, 1, 1))
    FollowUpReport.objects.create(
        project=project,
        kind=ReportKind.PROGRESS,
        due_date=date(2005, 3, 1),
        submitted_at=datetime(2005, 2, 1, tzinfo=UTC),
        jobs_women=9,
    )
    FollowUpReport.objects.create(
        project=project, kind=ReportKind.PROGRESS, due_date=date(2007, 3, 1), jobs_women=50
    )
    (row,) = [r for r in portfolio_report(programme=programme)["rows"] if r["projects"]]
    assert row["jobs_women"] == 1


def test_report_query_counts_do_not_grow_with_projects(
    programme: Programme, make_project: Callable[..., Project]
) -> None:
    def counts() -> list[int]:
        result = []
        for call in (
            lambda: budget_report(programme=programme),
            lambda: portfolio_report(programme=programme, by="measure"),
            lambda: portfolio_report(programme=programme, by="county"),
        ):
            with CaptureQueriesContext(connection) as ctx:
                call()
            result.append(len(ctx.captured_queries))
        return result

    make_project(lines=(("state", 2004, 1, 1, 1),), results=(1, 1, 1, 1))
    few = counts()
    for _ in range(5):
        make_project(
            measure="1.2",
            municipalities=("2281", "2380"),
            lines=(("eu", 2005, 2, 2, 2),),
            results=(1, 0, 1, 0),
        )
    assert counts() == few
    assert few == [1, 1, 1]


# Commands and exports ----------------------------------------------------------------------------


def run(*args: str) -> tuple[str, bytes]:
    text, binary = io.StringIO(), io.BytesIO()

    out = io.TextIOWrapper(binary, encoding="utf-8")
    call_command(*args, stdout=out, stderr=text)
    out.flush()
    return text.getvalue(), binary.getvalue()


def test_report_command_budget_json_is_the_report(demo_programme: Programme) -> None:
    _err, out = run("report", "budget", "--programme", demo_programme.code, "--format", "json")
    assert json.loads(out) == budget_report(programme=demo_programme)


def test_report_command_budget_csv_and_xlsx_parse_back(
    demo_programme: Programme, tmp_path: Path
) -> None:
    expected = [
        [demo_programme.code, r["category"], r["year"], r["budget_sek"], r["outcome_sek"]]
        for r in budget_report(programme=demo_programme)["rows"]
    ]
    _err, out = run("report", "budget", "--programme", demo_programme.code, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["programme", "category", "year", "budget_sek", "outcome_sek"]
    assert [[r[0], r[1], int(r[2]), int(r[3]), int(r[4])] for r in rows[1:]] == expected

    target = tmp_path / "budget.xlsx"
    call_command(
        "report",
        "budget",
        "--programme",
        demo_programme.code,
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    sheet = load_workbook(target).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[1:] == expected
    state_2004 = next(r for r in values if r[1] == "state" and r[2] == 2004)
    assert state_2004[3:] == [434_500_000, 477_900_000]


def test_report_command_csv_and_xlsx_guard_formulas(
    demo_programme: Programme, tmp_path: Path
) -> None:
    measure = demo_programme.measures.order_by("code").first()
    Measure.objects.filter(pk=measure.pk).update(name='=HYPERLINK("https://evil.example")')
    args = ("report", "portfolio", "--programme", demo_programme.code, "--by", "measure")

    _err, out = run(*args, "--format", "csv")
    call_command(*args, "--format", "xlsx", "--output", str(tmp_path / "p.xlsx"))

    names = [r[1] for r in csv.reader(io.StringIO(out.decode("utf-8-sig")), delimiter=";")]
    cells = [
        row[1] for row in load_workbook(tmp_path / "p.xlsx").active.iter_rows(values_only=True)
    ]
    guarded = '\'=HYPERLINK("https://evil.example")'
    assert guarded in names
    assert guarded in cells
    assert not any(str(name).startswith("=") for name in names + cells)


def test_report_command_portfolio_formats(demo_programme: Programme, tmp_path: Path) -> None:
    for by in ("measure", "municipality", "county"):
        _err, out = run("report", "portfolio", "--programme", demo_programme.code, "--by", by)
        assert json.loads(out) == portfolio_report(programme=demo_programme, by=by)
    report = portfolio_report(programme=demo_programme, by="county")
    assert [r["key"] for r in report["rows"]] == ["22"]
    total_granted = FinancingLine.objects.filter(project__programme=demo_programme).values_list(
        "decided_sek", flat=True
    )
    assert report["rows"][0]["granted_sek"] == sum(total_granted)
    target = tmp_path / "p.xlsx"
    call_command(
        "report",
        "portfolio",
        "--programme",
        demo_programme.code,
        "--by",
        "municipality",
        "--format",
        "xlsx",
        "-o",
        str(target),
    )
    values = list(load_workbook(target).active.iter_rows(values_only=True))
    assert values[0][:3] == ("municipality", "name", "projects")
    assert sorted(v[0] for v in values[1:]) == [
        "2260",
        "2262",
        "2280",
        "2281",
        "2282",
        "2283",
        "2284",
    ]


def test_report_command_unknown_programme_exits_2(db: Any) -> None:
    with pytest.raises(CommandError, match="no-such") as exc:
        call_command("report", "budget", "--programme", "no-such")
    assert exc.value.returncode == 2


def _weasyprint_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return shutil.which("pdftotext") is not None


@pytest.mark.skipif(not _weasyprint_available(), reason="WeasyPrint/Pango or pdftotext missing")
def test_report_command_budget_pdf_shows_the_table(
    demo_programme: Programme, tmp_path: Path
) -> None:
    target = tmp_path / "budget.pdf"
    call_command(
        "report",
        "budget",
        "--programme",
        demo_programme.code,
        "--format",
        "pdf",
        "--output",
        str(target),
    )
    assert target.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Budget och utfall per finansiär" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    for label, category in [
        ("Statlig", "state"),
        ("Kommunal", "municipal"),
        ("Landsting", "county_council"),
        ("EU", "eu"),
        ("Privat", "private"),
    ]:
        numbers = lines[label].split()[1:]
        assert [n.replace("\xa0", " ") for n in numbers] == SEED[category].split()
    assert "1 016,9" in lines["Totalt"].replace("\xa0", " ")


# Pages -------------------------------------------------------------------------------------------


def test_budget_page_is_public_with_table_and_accessible_chart(
    client: Any, demo_programme: Programme
) -> None:
    response = client.get(reverse("programmes:report-budget", args=[demo_programme.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "434,5" in html
    assert "1\N{NO-BREAK SPACE}464,0" in html
    assert "<svg" in html
    assert "<title" in html
    assert "<desc" in html
    assert 'role="img"' in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "style=" not in svg


def test_budget_page_exports_csv_and_pdf(client: Any, demo_programme: Programme) -> None:
    url = reverse("programmes:report-budget", args=[demo_programme.code])
    response = client.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1] == [demo_programme.code, "state", "2004", "434500000", "477900000"]
    if _weasyprint_available():
        response = client.get(url, {"export": "pdf"})
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


def test_portfolio_page_by_county_has_map_and_export(
    client: Any, demo_programme: Programme
) -> None:
    url = reverse("programmes:report-portfolio", args=[demo_programme.code])
    html = client.get(url, {"by": "county"}).content.decode()
    assert "Västernorrlands län" in html
    assert html.count('role="img" class="chart"') == 2  # chart and map
    assert html.count("<path") >= 21
    html = client.get(url, {"by": "municipality"}).content.decode()
    assert "Örnsköldsvik" in html
    assert "<path" in html
    response = client.get(url, {"by": "measure", "export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = next(sheet.iter_rows(values_only=True))
    assert header[:4] == ("measure", "name", "projects", "granted_sek")


def test_report_pages_unknown_programme_404(client: Any, db: Any) -> None:
    assert client.get(reverse("programmes:report-budget", args=["nope"])).status_code == 404
    assert client.get(reverse("programmes:report-portfolio", args=["nope"])).status_code == 404
