"""Charts and maps of the programme reports and the PDF (budget, portfolio), drawn with the
shared SVG helpers in :mod:`samverka.core.charts`."""

from __future__ import annotations

from typing import Any

from django.utils.safestring import SafeString, mark_safe

from samverka.core.charts import (  # noqa: F401 - re-exported for existing callers
    AXIS_COLOUR,
    BUDGET_COLOUR,
    NO_DATA_COLOUR,
    OUTCOME_COLOUR,
    SCALE,
    TEXT_COLOUR,
    choropleth,
    grouped_bars,
    horizontal_bars,
)


def budget_chart(table: dict[str, Any], labels: dict[str, str] | None = None) -> SafeString:
    """Budget and outcome per year (the table's totals), in MSEK; ``labels`` may give the
    series names (``budget``, ``outcome``) and the ``title``."""
    from django.utils.translation import gettext as _

    labels = labels or {}

    total = next(r for r in table["rows"] if r["category"] == "total")
    by_column = dict(zip(table["columns"], total["cells"], strict=True))
    years = table["years"]
    budget = [by_column[(y, "budget")] / 1e6 for y in years]
    outcome = [
        by_column[(y, "outcome")] / 1e6 if (y, "outcome") in by_column else None for y in years
    ]
    return grouped_bars(
        groups=[str(y) for y in years],
        series=[
            (labels.get("budget", _("Budget")), BUDGET_COLOUR, budget),
            (labels.get("outcome", _("Outcome")), OUTCOME_COLOUR, outcome),
        ],
        title=labels.get("title", _("Budget and outcome per year")),
        desc=_(
            "Bars of the total budget and outcome of all financiers per year, in MSEK; "
            "the table gives the same figures."
        ),
        unit="MSEK",
    )


def portfolio_chart(report: dict[str, Any]) -> SafeString:
    """Granted and outcome SEK per row of the portfolio, in MSEK."""
    from django.utils.translation import gettext as _

    rows = report["rows"]
    return horizontal_bars(
        labels=[
            f"{r['key']} {r['name']}" if report["by"] == "measure" else r["name"] for r in rows
        ],
        series=[
            (_("Granted"), BUDGET_COLOUR, [r["granted_sek"] / 1e6 for r in rows]),
            (_("Outcome"), OUTCOME_COLOUR, [r["outcome_sek"] / 1e6 for r in rows]),
        ],
        title=_("Granted and outcome per row"),
        desc=_(
            "Bars of the granted amount and the outcome of each row, in MSEK; the table "
            "gives the same figures."
        ),
        unit="MSEK",
    )


def portfolio_map(report: dict[str, Any]) -> SafeString:
    """The granted amount per county or municipality as a choropleth ("" for measures)."""
    from django.utils.translation import gettext as _

    if report["by"] not in ("county", "municipality"):
        return mark_safe("")
    values = {r["key"]: r["granted_sek"] / 1e6 for r in report["rows"]}
    counties = {code[:2] for code in values} if report["by"] == "municipality" else None
    return choropleth(
        level=report["by"],
        values=values,
        counties=counties,
        title=_("Granted amount per area"),
        desc=_(
            "Map shaded by the granted amount in MSEK; areas without projects are grey. "
            "The table gives the same figures."
        ),
        unit="MSEK",
    )
