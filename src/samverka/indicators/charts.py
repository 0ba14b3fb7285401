"""The indicator page's charts: the area against the nation over time, women and men over time,
and a county map of one period. Server-rendered SVG from :mod:`samverka.core.charts` (no chart
library, no script: the Content Security Policy allows neither inline scripts nor a CDN); each
chart sits next to the table with the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from samverka.core.charts import OUTCOME_COLOUR, choropleth, line_chart
from samverka.indicators.enums import Aggregation
from samverka.indicators.models import Indicator

AREA_COLOUR = OUTCOME_COLOUR
NATION_COLOUR = "#6b6b6b"
WOMEN_COLOUR = "#b35806"
MEN_COLOUR = "#1f4e79"


def _floats(values: Sequence[Decimal | None]) -> list[float | None]:
    return [None if v is None else float(v) for v in values]


def as_index(values: Sequence[Decimal | None], base: int) -> list[float | None]:
    """``values`` as an index with the value at position ``base`` = 100."""
    first = values[base]
    if not first:
        return [None for _v in values]
    return [None if v is None else float(v / first * 100) for v in values]


def area_vs_nation_chart(
    *,
    indicator: Indicator,
    periods: Sequence[str],
    area_name: str,
    area_values: Sequence[Decimal | None],
    nation_name: str,
    nation_values: Sequence[Decimal | None],
) -> SafeString:
    """Lines of the area and the nation. Counts (``sum`` indicators) are drawn as an index with
    the first period both have = 100, since a county and the nation differ by orders of
    magnitude; rates are drawn as they are."""
    if not any(v is not None for v in area_values):
        return mark_safe("")
    unit, decimals = indicator.unit, indicator.decimals
    area_series, nation_series = _floats(area_values), _floats(nation_values)
    desc = _(
        "Lines of %(area)s and %(nation)s per period, in %(unit)s; the table gives the figures."
    ) % {"area": area_name, "nation": nation_name, "unit": unit}
    if indicator.aggregation == Aggregation.SUM:
        common = [
            i for i, (a, n) in enumerate(zip(area_values, nation_values, strict=True)) if a and n
        ]
        if common:
            base = common[0]
            area_series = as_index(area_values, base)
            nation_series = as_index(nation_values, base)
            unit = _("index, %(period)s = 100") % {"period": periods[base]}
            decimals = 1
            desc = _(
                "Lines of %(area)s and %(nation)s as an index (%(period)s = 100) so that their "
                "development can be compared; the table gives the figures."
            ) % {"area": area_name, "nation": nation_name, "period": periods[base]}
    series = [(area_name, AREA_COLOUR, area_series, "")]
    if area_name != nation_name and any(v is not None for v in nation_series):
        series.append((nation_name, NATION_COLOUR, nation_series, "6 4"))
    return line_chart(
        periods=list(periods),
        series=series,
        title=_("%(area)s against %(nation)s") % {"area": area_name, "nation": nation_name},
        desc=desc,
        unit=unit,
        decimals=decimals,
    )


def gender_chart(
    *,
    indicator: Indicator,
    periods: Sequence[str],
    area_name: str,
    women: Sequence[Decimal | None],
    men: Sequence[Decimal | None],
) -> SafeString:
    """Lines of women and men in one area (solid and dashed, so they differ by more than
    colour)."""
    if not any(v is not None for v in [*women, *men]):
        return mark_safe("")
    return line_chart(
        periods=list(periods),
        series=[
            (_("Women"), WOMEN_COLOUR, _floats(women), ""),
            (_("Men"), MEN_COLOUR, _floats(men), "6 4"),
        ],
        title=_("Women and men in %(area)s") % {"area": area_name},
        desc=_(
            "Lines of the values for women and men in %(area)s per period, in %(unit)s; the "
            "table gives the figures."
        )
        % {"area": area_name, "unit": indicator.unit},
        unit=indicator.unit,
        decimals=indicator.decimals,
    )


def county_map_chart(
    *,
    indicator: Indicator,
    values: dict[str, Decimal | None],
    period: str,
    highlight: str | None = None,
) -> SafeString:
    """The counties shaded by their value in ``period``; rates are classed from their smallest
    value (classes from 0 would put every county in the top class)."""
    numbers = {code: float(v) for code, v in values.items() if v is not None}
    if not numbers:
        return mark_safe("")
    low = 0.0 if indicator.aggregation == Aggregation.SUM else min(numbers.values())
    return choropleth(
        level="county",
        values=numbers,
        title=_("%(indicator)s per county, %(period)s")
        % {"indicator": indicator.name, "period": period},
        desc=_(
            "Map of the counties shaded by their value in %(period)s, in %(unit)s; counties "
            "without a value are grey. The table of counties gives the figures."
        )
        % {"period": period, "unit": indicator.unit},
        unit=indicator.unit,
        low=low,
        highlight=highlight,
        decimals=indicator.decimals,
    )
