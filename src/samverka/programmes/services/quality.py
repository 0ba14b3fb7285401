"""Data-quality checks of the project database (``samverka check projects``).

Each check is one query (or one aggregate per programme) and yields :class:`Finding` rows:

- ``line_outside_period``: a financing line whose year lies outside the project's start-end years;
- ``outcome_above_decision``: a financing line of a granted project whose outcome exceeds the
  amount decided for it;
- ``decision_missing``: a granted project with financing lines but nothing decided on any of them
  (the lines do not add up to a decision);
- ``outcome_without_grant``: outcome recorded on an application that was never granted;
- ``missing_measure``: a project (or application) linked to no measure;
- ``missing_final_report``: a granted project past its end date, not closed, with no submitted
  final report;
- ``stated_figure_mismatch``: a figure printed in the programme document (:class:`StatedFigure`)
  that differs from the data by more than its tolerance.

Budget above the decision is not a finding: the budget is indicative and decisions may be lower.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from samverka.programmes.enums import GRANTED_STATUSES, FigureMetric, ProjectStatus, ReportKind
from samverka.programmes.models import (
    FinancingLine,
    FollowUpReport,
    Programme,
    Project,
    StatedFigure,
)
from samverka.programmes.services.reports import counted_projects, msek

GRANTED = GRANTED_STATUSES  # the short name this module's queries use


@dataclass(frozen=True)
class Finding:
    kind: str
    subject: str  # a project reference, or the programme code
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_projects(
    *, programme: Programme | None = None, today: date | None = None
) -> list[Finding]:
    """All findings for one programme, or for every programme when ``programme`` is None,
    ordered by subject and kind. ``today`` (default: the local date) decides which projects are
    past their end."""
    today = today or timezone.localdate()
    projects = Project.objects.all()
    programmes = Programme.objects.all()
    if programme is not None:
        projects = projects.for_programme(programme)
        programmes = programmes.filter(pk=programme.pk)
    findings = [
        *_lines_outside_period(projects),
        *_outcome_above_decision(projects),
        *_decision_missing(projects),
        *_outcome_without_grant(projects),
        *_missing_measure(projects),
        *_missing_final_report(projects, today),
        *_stated_figures(programmes),
    ]
    return sorted(findings, key=lambda f: (f.subject, f.kind, f.message))


def _lines(projects: QuerySet[Project]) -> QuerySet[FinancingLine]:
    return FinancingLine.objects.filter(project__in=projects).select_related("project", "financier")


def _lines_outside_period(projects: QuerySet[Project]) -> list[Finding]:
    lines = _lines(projects).annotate(
        first=ExtractYear("project__start_date"), last=ExtractYear("project__end_date")
    )
    lines = lines.filter(
        Q(project__start_date__isnull=False, year__lt=F("first"))
        | Q(project__end_date__isnull=False, year__gt=F("last"))
    )
    return [
        Finding(
            "line_outside_period",
            line.project.reference,
            _(
                "Financing line %(year)s (%(financier)s) lies outside the project period %(start)s–%(end)s."
            )
            % {
                "year": line.year,
                "financier": line.financier.name,
                "start": line.project.start_date or "…",
                "end": line.project.end_date or "…",
            },
        )
        for line in lines
    ]


def _outcome_above_decision(projects: QuerySet[Project]) -> list[Finding]:
    lines = _lines(projects).filter(project__status__in=GRANTED, outcome_sek__gt=F("decided_sek"))
    return [
        Finding(
            "outcome_above_decision",
            line.project.reference,
            _(
                "Outcome %(outcome)s SEK in %(year)s (%(financier)s) is above the decided %(decided)s SEK."
            )
            % {
                "outcome": line.outcome_sek,
                "decided": line.decided_sek,
                "year": line.year,
                "financier": line.financier.name,
            },
        )
        for line in lines
    ]


def _decision_missing(projects: QuerySet[Project]) -> list[Finding]:
    totals = (
        projects.filter(status__in=GRANTED)
        .annotate(decided=Sum("financing_lines__decided_sek"))
        .filter(decided=0)  # NULL (no lines at all) is not 0: those have nothing to decide
    )
    return [
        Finding(
            "decision_missing",
            project.reference,
            _("The project is granted but none of its financing lines has a decided amount."),
        )
        for project in totals
    ]


def _outcome_without_grant(projects: QuerySet[Project]) -> list[Finding]:
    totals = (
        projects.exclude(status__in=GRANTED)
        .annotate(outcome=Sum("financing_lines__outcome_sek"))
        .filter(outcome__gt=0)
    )
    return [
        Finding(
            "outcome_without_grant",
            project.reference,
            _("Outcome of %(outcome)s SEK is recorded, but the application is %(status)s.")
            % {"outcome": project.outcome, "status": project.get_status_display()},
        )
        for project in totals
    ]


def _missing_measure(projects: QuerySet[Project]) -> list[Finding]:
    return [
        Finding("missing_measure", project.reference, _("The project is linked to no measure."))
        for project in projects.filter(measures__isnull=True)
    ]


def _missing_final_report(projects: QuerySet[Project], today: date) -> list[Finding]:
    final = FollowUpReport.objects.filter(
        project=OuterRef("pk"), kind=ReportKind.FINAL, submitted_at__isnull=False
    )
    late = (
        projects.filter(status__in=GRANTED, end_date__lt=today)
        .exclude(status=ProjectStatus.CLOSED)
        .exclude(Exists(final))
    )
    return [
        Finding(
            "missing_final_report",
            project.reference,
            _("The project ended on %(end)s but has no submitted final report.")
            % {"end": project.end_date},
        )
        for project in late
    ]


def figure_value(figure: StatedFigure) -> int:
    """What the data says for a stated figure: a sum (budget/outcome over its years) or a yearly
    average (over year_from-year_to inclusive), in SEK, from the projects the reports count."""
    lines = FinancingLine.objects.filter(
        project__in=counted_projects(figure.programme),
        year__gte=figure.year_from,
        year__lte=figure.year_to,
    )
    if figure.category:
        lines = lines.filter(category=figure.category)
    field = (
        "budget_sek"
        if figure.metric in (FigureMetric.BUDGET, FigureMetric.AVERAGE_BUDGET)
        else "outcome_sek"
    )
    total = int(lines.aggregate(total=Sum(field))["total"] or 0)
    if figure.metric in (FigureMetric.AVERAGE_BUDGET, FigureMetric.AVERAGE_OUTCOME):
        return round(total / (figure.year_to - figure.year_from + 1))
    return total


def _stated_figures(programmes: QuerySet[Programme]) -> list[Finding]:
    findings = []
    # One aggregate per stated figure: a programme stores a handful of them.
    for figure in StatedFigure.objects.filter(programme__in=programmes).select_related("programme"):
        actual = figure_value(figure)
        if abs(actual - figure.amount_sek) > figure.tolerance_sek:
            findings.append(
                Finding(
                    "stated_figure_mismatch",
                    figure.programme.code,
                    _(
                        "%(label)s: the document states %(stated)s MSEK, the data gives "
                        "%(actual)s MSEK (difference %(difference)s SEK)."
                    )
                    % {
                        "label": figure.label,
                        "stated": msek(figure.amount_sek),
                        "actual": msek(actual),
                        "difference": f"{actual - figure.amount_sek:+,}".replace(
                            ",", "\N{NO-BREAK SPACE}"
                        ),
                    },
                )
            )
    return findings
