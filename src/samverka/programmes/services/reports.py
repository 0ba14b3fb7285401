"""Reports of the programme and project database: the budget/outcome table of seed 004 chapter 7
and the portfolio per measure, municipality or county.

Which projects count: every project of the programme that was granted, whatever stage it has
reached since (granted, running, final report, closed). Drafts, applications under assessment
and rejected applications are wishes, not the programme's budget, so they are left out. The
budget is the indicative ``budget_sek`` of the financing lines (as applied for and granted), the
outcome their ``outcome_sek``; "granted" in the portfolio is the sum of ``decided_sek``.

All figures are computed in the database: the budget report with one grouped aggregate, the
portfolio with one query of correlated subqueries per key, so that the number of queries does
not grow with the number of projects.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from samverka.geo.models import Area
from samverka.programmes.enums import FinancierCategory
from samverka.programmes.models import FinancingLine, FollowUpReport, Measure, Programme, Project

UNIT = "SEK"
TOTAL = "total"
CATEGORIES: tuple[str, ...] = tuple(FinancierCategory.values)
GROUPINGS = ("measure", "municipality", "county")
RESULT_FIELDS = ("jobs_women", "jobs_men", "participants_women", "participants_men")

# The row labels of the printed table in seed 004 (the PDF keeps the document's Swedish shape).
SEED_LABELS = {
    "state": "Statlig",
    "municipal": "Kommunal",
    "county_council": "Landsting",
    "eu": "EU",
    "private": "Privat",
    TOTAL: "Totalt",
}


class UnknownProgramme(ObjectDoesNotExist):
    """No programme has the code asked for."""


def get_programme(code: str) -> Programme:
    """The programme with this code; raises :class:`UnknownProgramme` when there is none."""
    try:
        return Programme.objects.get(code=code)
    except Programme.DoesNotExist:
        raise UnknownProgramme(_("No programme has the code %(code)s.") % {"code": code}) from None


def counted_projects(programme: Programme) -> QuerySet[Project]:
    """The projects the reports count (see the module docstring)."""
    return Project.objects.for_programme(programme).granted()


# Budget ------------------------------------------------------------------------------------------


def budget_report(*, programme: Programme) -> dict[str, Any]:
    """Indicative budget and outcome per financier category and year, with a total per year.

    One row per category and year for every year from the first to the last year with financing
    (the programme's own period when there is no financing yet), zeros where nothing is recorded,
    followed per year by a row with category ``"total"`` whose amounts are the sums of that year's
    category rows. Amounts are whole SEK.
    """
    cells = (
        FinancingLine.objects.filter(project__in=counted_projects(programme))
        .order_by()
        .values("category", "year")
        .annotate(budget=Sum("budget_sek"), outcome=Sum("outcome_sek"))
    )
    amounts = {(c["category"], c["year"]): (int(c["budget"]), int(c["outcome"])) for c in cells}
    years = [year for _category, year in amounts]
    first, last = (min(years), max(years)) if years else (programme.start_year, programme.end_year)
    rows: list[dict[str, Any]] = []
    for year in range(first, last + 1):
        budget_total = outcome_total = 0
        for category in CATEGORIES:
            budget, outcome = amounts.get((category, year), (0, 0))
            budget_total += budget
            outcome_total += outcome
            rows.append(_budget_row(category, year, budget, outcome))
        rows.append(_budget_row(TOTAL, year, budget_total, outcome_total))
    return {"programme": programme.code, "unit": UNIT, "rows": rows}


def _budget_row(category: str, year: int, budget: int, outcome: int) -> dict[str, Any]:
    return {"category": category, "year": year, "budget_sek": budget, "outcome_sek": outcome}


def budget_table(report: dict[str, Any]) -> dict[str, Any]:
    """The budget report pivoted into the printed shape: categories as rows, budget and outcome
    columns per year. A year whose outcome is zero in every row (nothing reported yet, like 2008
    in the seed) has no outcome column.

    Returns ``{"years": [...], "columns": [(year, "budget"|"outcome"), ...],
    "rows": [{"category", "label", "cells": [SEK, ...]}, ...]}``.
    """
    by_key = {(r["category"], r["year"]): r for r in report["rows"]}
    years = sorted({r["year"] for r in report["rows"]})
    columns: list[tuple[int, str]] = []
    for year in years:
        columns.append((year, "budget"))
        if by_key[(TOTAL, year)]["outcome_sek"]:
            columns.append((year, "outcome"))
    rows = []
    for category in (*CATEGORIES, TOTAL):
        cells = [by_key[(category, year)][f"{metric}_sek"] for year, metric in columns]
        label = SEED_LABELS[category]
        rows.append({"category": category, "label": label, "cells": cells})
    return {"years": years, "columns": columns, "rows": rows}


def budget_export_rows(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for CSV/XLSX: the JSON rows as a flat table in SEK."""
    headers = ["programme", "category", "year", "budget_sek", "outcome_sek"]
    rows = [
        [report["programme"], r["category"], r["year"], r["budget_sek"], r["outcome_sek"]]
        for r in report["rows"]
    ]
    return headers, rows


def msek(amount_sek: int) -> str:
    """SEK as MSEK with one decimal in the Swedish style of the seed: "1 266,3"."""
    tenths = round(amount_sek / 100_000)
    whole, tenth = divmod(abs(tenths), 10)
    grouped = f"{whole:,}".replace(",", "\N{NO-BREAK SPACE}")
    return f"{'-' if tenths < 0 else ''}{grouped},{tenth}"


# Portfolio ---------------------------------------------------------------------------------------


def portfolio_report(*, programme: Programme, by: str = "measure") -> dict[str, Any]:
    """Projects, granted and outcome SEK, private share and reported results per measure,
    municipality or county (``by``).

    A project counts fully in each measure, municipality and county it works in, so the rows of a
    breakdown can add up to more than the programme total; the report's ``note`` says so.
    ``private_share`` is the private financiers' share of the granted (decided) amount, ``None``
    when nothing is granted. Results are those of each project's latest submitted follow-up
    report (reports are cumulative: a final report states the project's whole result).
    Measures are listed even without projects; municipalities and counties only with projects.
    Raises ``ValueError`` for an unknown ``by``.
    """
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping: {by}")
    projects = counted_projects(programme)
    if by == "measure":
        keys = Measure.objects.filter(programme=programme)
    elif by == "municipality":
        keys = Area.objects.municipalities()
    else:
        keys = Area.objects.counties()
    lookup = {"measure": "measures", "municipality": "municipalities"}.get(
        by, "municipalities__parent"
    )
    # The projects of one key as an IN-list: a project in two municipalities of one county is
    # one project of that county, so its lines and reports must not be joined in twice.
    key_projects = projects.filter(**{lookup: OuterRef(OuterRef("pk"))}).values("pk")
    lines = FinancingLine.objects.filter(project__in=key_projects)
    reports = _latest_submitted_reports().filter(project__in=key_projects)
    annotations: dict[str, Any] = {
        "n_projects": _scalar(
            projects.filter(**{lookup: OuterRef("pk")}), Count("pk", distinct=True)
        ),
        "granted_sek": _scalar(lines, Sum("decided_sek")),
        "outcome_sek": _scalar(lines, Sum("outcome_sek")),
        "private_sek": _scalar(
            lines.filter(category=FinancierCategory.PRIVATE), Sum("decided_sek")
        ),
    }
    for field in RESULT_FIELDS:
        annotations[field] = _scalar(reports, Sum(field))
    rows_qs = keys.annotate(**annotations)
    if by != "measure":
        rows_qs = rows_qs.filter(n_projects__gt=0)
    rows = []
    for key in rows_qs.order_by(*(["position", "code"] if by == "measure" else ["code"])):
        granted = int(key.granted_sek)
        row = {
            "key": key.code,
            "name": key.name,
            "projects": int(key.n_projects),
            "granted_sek": granted,
            "outcome_sek": int(key.outcome_sek),
            "private_share": round(int(key.private_sek) / granted, 4) if granted else None,
        }
        row.update({field: int(getattr(key, field)) for field in RESULT_FIELDS})
        rows.append(row)
    return {
        "programme": programme.code,
        "by": by,
        "rows": rows,
        "note": _portfolio_note(by),
    }


def _scalar(queryset: QuerySet, aggregate: Any) -> Coalesce:
    """One aggregate over ``queryset`` as a correlated scalar subquery (0 when empty)."""
    # A constant "group" gives one row per outer row: the aggregate over the whole subquery.
    subquery = queryset.order_by().values(_group=Value(1)).annotate(value=aggregate)
    subquery = subquery.values("value")
    return Coalesce(Subquery(subquery), 0, output_field=BigIntegerField())


def _latest_submitted_reports() -> QuerySet[FollowUpReport]:
    later = FollowUpReport.objects.filter(
        project=OuterRef("project"), submitted_at__isnull=False
    ).filter(
        Q(submitted_at__gt=OuterRef("submitted_at"))
        | Q(submitted_at=OuterRef("submitted_at"), pk__gt=OuterRef("pk"))
    )
    return FollowUpReport.objects.filter(submitted_at__isnull=False).exclude(Exists(later))


def _portfolio_note(by: str) -> str:
    if by == "measure":
        return _(
            "A project that works in several measures counts fully in each, so the rows can "
            "add up to more than the programme total."
        )
    return _(
        "A project that works in several municipalities counts fully in each of them (and once "
        "in each county), so the rows can add up to more than the programme total."
    )


def portfolio_export_rows(report: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Headers and rows for CSV/XLSX of the portfolio (amounts in SEK)."""
    fields = ["key", "name", "projects", "granted_sek", "outcome_sek", "private_share"]
    fields += list(RESULT_FIELDS)
    rows = [[row[f] for f in fields] for row in report["rows"]]
    return [report["by"], *fields[1:]], rows


def export_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> bytes:
    """CSV or XLSX bytes of a report table (through the shared, injection-safe writer)."""
    from samverka.core.exports import table_bytes

    return table_bytes(headers, rows, fmt)


# PDF ---------------------------------------------------------------------------------------------


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the Pango library it needs is not installed."""


def budget_document(
    *, programme: Programme, report: dict[str, Any], printed: bool = False
) -> dict[str, Any]:
    """What the budget page and the PDF show: the pivoted table in MSEK and the chart.

    ``printed`` gives the seed's own Swedish labels (the PDF is the document's table); otherwise
    the labels follow the active language.
    """
    from samverka.programmes.charts import budget_chart

    table = budget_table(report)
    if printed:
        labels = {
            "financier": "Finansiär",
            "budget": "Budget",
            "outcome": "Utfall",
            "title": "Budget och utfall per år, alla finansiärer",
        }
        caption = f"Budget och utfall per finansiär, MSEK: {programme.name}"
    else:
        labels = {"financier": _("Financier"), "budget": _("Budget"), "outcome": _("Outcome")}
        caption = _("Budget and outcome per financier, MSEK: %(name)s") % {"name": programme.name}
        category_labels = {**dict(FinancierCategory.choices), TOTAL: _("Total")}
        for row in table["rows"]:
            row["label"] = str(category_labels[row["category"]])
    return {
        "labels": labels,
        "caption": caption,
        "programme": programme,
        "report": report,
        "columns": table["columns"],
        "years": table["years"],
        "year_spans": [
            (year, sum(1 for y, _m in table["columns"] if y == year)) for year in table["years"]
        ],
        "table_rows": [
            {**row, "msek": [msek(cell) for cell in row["cells"]]} for row in table["rows"]
        ],
        "chart": budget_chart(table, labels if printed else None),
    }


def render_pdf(template: str, context: dict[str, Any]) -> bytes:
    """Render an HTML template to PDF with WeasyPrint.

    Raises :class:`PdfUnavailable` when WeasyPrint cannot be imported (it needs Pango from the
    operating system).
    """
    from django.template.loader import render_to_string
    from django.utils import timezone

    try:
        # Imported here: loading Pango is slow and the rest of the app works without it.
        from weasyprint import HTML
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            _(
                "PDF export needs WeasyPrint and the Pango library "
                "(Debian/Ubuntu: apt install libpango-1.0-0 libpangoft2-1.0-0): %(error)s"
            )
            % {"error": exc}
        ) from exc
    # WeasyPrint logs every layout step at INFO, which would end up in the command's stderr.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    html = render_to_string(template, {**context, "generated": timezone.localdate()})
    return HTML(string=html).write_pdf()


def budget_pdf(*, programme: Programme, report: dict[str, Any]) -> bytes:
    """The budget report as an A4 PDF page (table in the seed's shape and the chart)."""
    context = budget_document(programme=programme, report=report, printed=True)
    return render_pdf("programmes/pdf/budget.html", context)


def grouping_labels() -> list[tuple[str, str]]:
    """The portfolio's groupings with their labels in the active language."""
    return [("measure", _("Measure")), ("municipality", _("Municipality")), ("county", _("County"))]


def portfolio_document(*, programme: Programme, report: dict[str, Any]) -> dict[str, Any]:
    """What the portfolio page and its PDF show: the table, the chart and (by area) the map."""
    from samverka.programmes import charts

    by_labels = dict(grouping_labels())
    return {
        "programme": programme,
        "report": report,
        "by": report["by"],
        "by_label": by_labels[report["by"]],
        "chart": charts.portfolio_chart(report) if report["rows"] else "",
        "map": charts.portfolio_map(report),
    }


def portfolio_pdf(*, programme: Programme, report: dict[str, Any]) -> bytes:
    """The portfolio report as an A4 PDF: the table, the chart and, by area, the map."""
    return render_pdf(
        "programmes/pdf/portfolio.html", portfolio_document(programme=programme, report=report)
    )
