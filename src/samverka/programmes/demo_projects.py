"""Demo projects of RTP Västernorrland 2008-2010 whose financing reproduces seed 004's chapter 7
table ("Budget och utfall per finansiär", MSEK with one decimal) to the SEK.

The projects, their owners and financiers are fictional (names end with " (demo)"); only the
table's 45 cells are the seed's. Each cell is split over the projects active in that year by
fixed weights, rounded to thousands of SEK, and the last project takes the remainder, so every
category's budget and outcome per year add up exactly to the printed cell. The printed totals
and the text's average outcome are stored as :class:`StatedFigure` rows so that
``samverka check projects`` can show where the document's own arithmetic differs from its table.

``load_demo_projects`` is idempotent: it matches projects on reference, organisations on name,
lines on (project, financier, category, year), reports on (project, kind, due date) and stated
figures on (programme, label), and brings them to the values below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TextIO

from django.db import transaction

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.geo.models import Area
from samverka.programmes.enums import FigureMetric, FinancierCategory, ProjectStatus, ReportKind
from samverka.programmes.models import (
    FinancingLine,
    FollowUpReport,
    Measure,
    Programme,
    Project,
    StatedFigure,
)

PROGRAMME_CODE = "rtp-vasternorrland-2008-2010"
MSEK_TENTH = 100_000  # the table's last digit, in SEK
ROUND_TO = 1_000

S, M, C, E, P = (
    FinancierCategory.STATE,
    FinancierCategory.MUNICIPAL,
    FinancierCategory.COUNTY_COUNCIL,
    FinancierCategory.EU,
    FinancierCategory.PRIVATE,
)
CATEGORIES = (S, M, C, E, P)

# Seed 004, chapter 7, in tenths of MSEK: (budget, outcome) per year; 2008 has only a budget.
TABLE: dict[str, dict[int, tuple[int, int]]] = {
    S: {2004: (4345, 4779), 2005: (4863, 3694), 2006: (3940, 3914), 2007: (3292, 2529)},
    M: {2004: (1610, 1035), 2005: (1019, 536), 2006: (835, 690), 2007: (959, 541)},
    C: {2004: (211, 150), 2005: (211, 88), 2006: (228, 53), 2007: (112, 45)},
    E: {2004: (2707, 2099), 2005: (722, 819), 2006: (1460, 1229), 2007: (903, 709)},
    P: {2004: (3790, 6577), 2005: (3354, 4299), 2006: (3093, 2358), 2007: (2372, 1720)},
}
BUDGET_2008 = {S: 4274, M: 1389, C: 97, E: 4211, P: 2516}
for _category, _budget in BUDGET_2008.items():
    TABLE[_category][2008] = (_budget, 0)

# The totals printed in the table and the average in the text, in tenths of MSEK. Four totals
# differ from their column sums by 0.1 and the average by 49.6 MSEK; the check reports them.
PRINTED_TOTALS = {
    (2004, "budget"): 12663,
    (2004, "outcome"): 14640,
    (2005, "budget"): 10168,
    (2005, "outcome"): 9436,
    (2006, "budget"): 9555,
    (2006, "outcome"): 8243,
    (2007, "budget"): 7638,
    (2007, "outcome"): 5543,
    (2008, "budget"): 12487,
}
PRINTED_AVERAGE_OUTCOME_MSEK = 897

FINANCIERS = {
    S: ("Statlig finansiär (demo)", Helix.PUBLIC),
    M: ("Exempelkommunen (demo)", Helix.PUBLIC),
    C: ("Landstinget Exempel (demo)", Helix.PUBLIC),
    E: ("EU-programmet Exempel (demo)", Helix.PUBLIC),
}
COMPANIES = (
    "Exempelbolaget Alfa AB (demo)",
    "Exempelbolaget Beta AB (demo)",
    "Exempelbolaget Gamma AB (demo)",
    "Exempelbolaget Delta AB (demo)",
)
OWNERS = (
    ("Utvecklingsbolaget Exempel (demo)", Helix.PUBLIC),
    ("Exempelhögskolan (demo)", Helix.ACADEMIA),
    ("Föreningen Exempelbygd (demo)", Helix.CIVIL_SOCIETY),
)
MUNICIPALITIES = ("2260", "2262", "2280", "2281", "2282", "2283", "2284")


@dataclass(frozen=True)
class ProjectSpec:
    number: int
    title: str
    first_year: int
    last_year: int
    status: str


def _specs() -> list[ProjectSpec]:
    titles = (
        "Skogsnäring i förändring",
        "Besöksnäring Höga Kusten",
        "Entreprenörskap i skolan",
        "Bredband på landsbygden",
        "Innovationsmiljö processindustri",
        "Kompetens för vården",
        "Logistiknav Bottenhavet",
        "Unga företagare",
        "Energieffektiva företag",
        "Kulturella näringar",
        "Livsmedel från Ådalen",
        "Inflyttning och integration",
        "Teknikcollege",
        "Hamnutveckling",
        "Företagsklimat i samverkan",
        "Forskning möter näringsliv",
        "Bioraffinaderi \N{EN DASH} förstudie",
        "Digitala tjänster",
        "Turismdestination fjäll och kust",
        "Kvinnors företagande",
        "Tillväxt i glesbygd",
        "Grön logistik",
    )
    periods = (
        [(2004, 2005, ProjectStatus.CLOSED)] * 6
        + [(2006, 2007, ProjectStatus.CLOSED)] * 4
        + [(2006, 2007, ProjectStatus.FINAL_REPORT)] * 2
        + [(2004, 2007, ProjectStatus.CLOSED)] * 4
        + [(2008, 2010, ProjectStatus.RUNNING)] * 3
        + [(2008, 2010, ProjectStatus.GRANTED)] * 3
    )
    return [
        ProjectSpec(n, title, first, last, status)
        for n, (title, (first, last, status)) in enumerate(zip(titles, periods, strict=True), 1)
    ]


def _split(total: int, weights: list[int]) -> list[int]:
    """``total`` SEK split by ``weights`` in whole thousands; the last share takes the rest, so
    the shares always add up to ``total`` exactly."""
    whole = sum(weights)
    shares = [total * w // whole // ROUND_TO * ROUND_TO for w in weights[:-1]]
    return [*shares, total - sum(shares)]


def _weight(project: int, category_index: int, year: int) -> int:
    return 1 + (project * 7 + category_index * 3 + year) % 5


def planned_lines(specs: list[ProjectSpec]) -> dict[tuple[int, str, int], tuple[int, int]]:
    """(project number, category, year) → (budget SEK, outcome SEK) reproducing :data:`TABLE`."""
    lines: dict[tuple[int, str, int], tuple[int, int]] = {}
    for index, category in enumerate(CATEGORIES):
        for year, (budget, outcome) in TABLE[category].items():
            active = [s.number for s in specs if s.first_year <= year <= s.last_year]
            weights = [_weight(n, index, year) for n in active]
            budgets = _split(budget * MSEK_TENTH, weights)
            # Outcome spreads differently from the budget: some projects spend more than planned.
            outcomes = _split(outcome * MSEK_TENTH, list(reversed(weights)))
            for number, b, o in zip(active, budgets, outcomes, strict=True):
                lines[(number, category, year)] = (b, o)
    return lines


@transaction.atomic
def load_demo_projects(*, stdout: TextIO | None = None) -> dict[str, int]:
    """Create or update the demo projects of RTP Västernorrland 2008-2010.

    Needs the programme (code :data:`PROGRAMME_CODE`) and its measures, loaded by the programme
    structure demo; without the programme nothing is written and all counts are zero. Returns the
    number of demo projects, financing lines, follow-up reports and stated figures of the
    programme after loading.
    """
    programme = Programme.objects.filter(code=PROGRAMME_CODE).first()
    if programme is None:
        if stdout is not None:
            stdout.write(f"demo projects: programme {PROGRAMME_CODE} not loaded; skipped\n")
        return {"projects": 0, "financing_lines": 0, "reports": 0, "stated_figures": 0}

    measures = list(
        Measure.objects.filter(programme=programme, sub_measures__isnull=True).order_by(
            "position", "code"
        )
    )
    areas = {a.code: a for a in Area.objects.filter(code__in=MUNICIPALITIES)}
    financiers = {
        category: _organisation(name, helix, areas["2281"])
        for category, (name, helix) in FINANCIERS.items()
    }
    companies = [_organisation(name, Helix.COMPANY, areas["2281"]) for name in COMPANIES]
    owners = [_organisation(name, helix, areas["2280"]) for name, helix in OWNERS]

    specs = _specs()
    lines = planned_lines(specs)
    projects: dict[int, Project] = {}
    for spec in specs:
        n = spec.number
        project, _created = Project.objects.update_or_create(
            reference=f"DEMO-RTP-{n:03d}",
            defaults={
                "programme": programme,
                "title": f"{spec.title} (demo)",
                "applicant": owners[n % len(owners)],
                "description": "Fiktivt demoprojekt; finansieringen återger tabellen i kapitel 7.",
                "start_date": date(spec.first_year, 1, 1),
                "end_date": date(spec.last_year, 12, 31),
                "status": spec.status,
                "decided_at": datetime(spec.first_year - 1, 11, 15, 10, tzinfo=UTC),
                "submitted_at": datetime(spec.first_year - 1, 9, 1, 10, tzinfo=UTC),
                "expected_jobs_women": 2 + n % 4,
                "expected_jobs_men": 2 + n % 3,
                "expected_participants_women": 10 + 3 * (n % 5),
                "expected_participants_men": 10 + 2 * (n % 6),
                "is_demo": True,
            },
        )
        if measures:
            project.measures.set([measures[n % len(measures)]])
        codes = [MUNICIPALITIES[n % 7]] + ([MUNICIPALITIES[(n + 3) % 7]] if n % 3 == 0 else [])
        project.municipalities.set([areas[c] for c in codes if c in areas])
        project.partners.set([companies[n % len(companies)]])
        projects[n] = project
        _reports(project, spec)

    for (n, category, year), (budget, outcome) in lines.items():
        financier = companies[n % len(companies)] if category == P else financiers[category]
        # Decided amounts cover what was spent: a decision is at least the outcome.
        FinancingLine.objects.update_or_create(
            project=projects[n],
            financier=financier,
            category=category,
            year=year,
            defaults={
                "budget_sek": budget,
                "decided_sek": max(budget, outcome),
                "outcome_sek": outcome,
            },
        )
    _stated_figures(programme)

    demo_projects = Project.objects.filter(programme=programme, is_demo=True)
    counts = {
        "projects": demo_projects.count(),
        "financing_lines": FinancingLine.objects.filter(project__in=demo_projects).count(),
        "reports": FollowUpReport.objects.filter(project__in=demo_projects).count(),
        "stated_figures": programme.stated_figures.count(),
    }
    if stdout is not None:
        stdout.write(
            "demo projects: {projects} projects, {financing_lines} financing lines, "
            "{reports} follow-up reports, {stated_figures} stated figures\n".format(**counts)
        )
    return counts


def _organisation(name: str, helix: str, municipality: Area | None) -> Organisation:
    organisation, _created = Organisation.objects.get_or_create(
        name=name,
        is_demo=True,
        defaults={"helix": helix, "municipality": municipality, "website": ""},
    )
    return organisation


def _reports(project: Project, spec: ProjectSpec) -> None:
    """A progress report after the first year; a submitted final report for finished projects."""
    n = spec.number
    if spec.status == ProjectStatus.GRANTED:
        return
    due = date(spec.first_year + 1, 2, 28)
    FollowUpReport.objects.update_or_create(
        project=project,
        kind=ReportKind.PROGRESS,
        due_date=due,
        defaults={
            "submitted_at": datetime(due.year, 2, 20, 12, tzinfo=UTC),
            "jobs_women": n % 3,
            "jobs_men": n % 2,
            "participants_women": 5 + n % 7,
            "participants_men": 4 + n % 5,
            "text": "Lägesrapport (demo).",
        },
    )
    if spec.status in (ProjectStatus.CLOSED, ProjectStatus.FINAL_REPORT):
        due = date(spec.last_year + 1, 3, 31)
        FollowUpReport.objects.update_or_create(
            project=project,
            kind=ReportKind.FINAL,
            due_date=due,
            defaults={
                "submitted_at": datetime(due.year, 3, 25, 12, tzinfo=UTC),
                "jobs_women": 1 + n % 4,
                "jobs_men": 1 + n % 3,
                "new_companies": n % 3,
                "participants_women": 12 + n % 9,
                "participants_men": 10 + n % 8,
                "text": "Slutrapport (demo).",
            },
        )


def _stated_figures(programme: Programme) -> None:
    metric_names = {"budget": FigureMetric.BUDGET, "outcome": FigureMetric.OUTCOME}
    words = {"budget": "Budget", "outcome": "Utfall"}
    for (year, metric), tenths in PRINTED_TOTALS.items():
        StatedFigure.objects.update_or_create(
            programme=programme,
            label=f"Tabell kap. 7: Totalt {words[metric]} {year}",
            defaults={
                "metric": metric_names[metric],
                "category": "",
                "year_from": year,
                "year_to": year,
                "amount_sek": tenths * MSEK_TENTH,
                # Printed with one decimal: anything within half a tenth is rounding.
                "tolerance_sek": MSEK_TENTH // 2,
            },
        )
    StatedFigure.objects.update_or_create(
        programme=programme,
        label="Kap. 7: genomsnittligt utfall 2004\N{EN DASH}2007",
        defaults={
            "metric": FigureMetric.AVERAGE_OUTCOME,
            "category": "",
            "year_from": 2004,
            "year_to": 2007,
            "amount_sek": PRINTED_AVERAGE_OUTCOME_MSEK * 1_000_000,
            "tolerance_sek": 500_000,
        },
    )
