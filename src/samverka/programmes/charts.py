"""Server-rendered SVG charts and maps for the report pages and the PDF.

The markup carries no ``style`` attributes and no scripts (the Content Security Policy forbids
inline styles); colours and sizes are SVG presentation attributes. Every chart has a ``<title>``
and a ``<desc>``, is labelled by them (``role="img"``, ``aria-labelledby``), and sits next to the
table with the same figures, which is its text alternative.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

GEO_DIR = Path(__file__).resolve().parent.parent / "geo" / "static" / "geo"
BUDGET_COLOUR = "#7a9cc6"
OUTCOME_COLOUR = "#1f4e79"
TEXT_COLOUR = "#222222"
AXIS_COLOUR = "#888888"
NO_DATA_COLOUR = "#eeeeee"
# A sequential blue scale, light to dark (five classes).
SCALE = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
FONT = 'font-family="Noto Sans, sans-serif"'

_ids = count(1)


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(width: int, height: int, title: str, desc: str, prefix: str) -> tuple[str, str]:
    uid = f"{prefix}-{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        f'aria-labelledby="{uid}-title {uid}-desc">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
    )
    return head, uid


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def grouped_bars(
    *,
    groups: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    title: str,
    desc: str,
    unit: str,
    width: int = 640,
    height: int = 280,
) -> SafeString:
    """Vertical grouped bars: one group per label in ``groups``, one bar per series
    ``(name, colour, values)``; ``None`` leaves a gap (e.g. no outcome yet)."""
    left, right, top, bottom = 56, 12, 30, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _n, _c, vs in series for v in vs if v is not None]
    top_value = _nice_max(max(values, default=0))
    head, _uid = _open(width, height, title, desc, "bars")
    parts = [head]
    for i in range(5):
        tick = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(_fmt(tick))}</text>'
        )
    parts.append(
        f'<text x="{left}" y="14" font-size="11" fill="{TEXT_COLOUR}" {FONT}>{escape(unit)}</text>'
    )
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    for g, label in enumerate(groups):
        x0 = left + g * group_w + group_w * 0.15
        for s, (name, colour, vals) in enumerate(series):
            value = vals[g]
            if value is None:
                continue
            h = plot_h * value / top_value
            x = x0 + s * bar_w
            parts.append(
                f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{h:.1f}" fill="{colour}"><title>{escape(label)} {escape(name)}: '
                f"{escape(_fmt(value))} {escape(unit)}</title></rect>"
            )
        parts.append(
            f'<text x="{left + g * group_w + group_w / 2:.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle" font-size="11" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(label)}</text>"
        )
    # Legend, top right.
    x = width - right
    for name, colour, _vals in reversed(series):
        x -= 8 + 7 * len(name) + 14
        parts.append(
            f'<rect x="{x}" y="5" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="14" font-size="11" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def horizontal_bars(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float]]],
    title: str,
    desc: str,
    unit: str,
    width: int = 640,
) -> SafeString:
    """Horizontal grouped bars, one row per label (for portfolio rows with long names)."""
    left, right, top, row_h = 210, 20, 26, 12 * max(len(series), 1) + 10
    height = top + row_h * max(len(labels), 1) + 10
    plot_w = width - left - right
    values = [v for _n, _c, vs in series for v in vs]
    top_value = _nice_max(max(values, default=0))
    head, _uid = _open(width, height, title, desc, "hbars")
    parts = [head]
    x = left
    for name, colour, _vals in series:
        parts.append(
            f'<rect x="{x}" y="5" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="14" font-size="11" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(name)} ({escape(unit)})</text>"
        )
        x += 14 + 7 * (len(name) + len(unit) + 3) + 12
    for r, label in enumerate(labels):
        y0 = top + r * row_h
        short = label if len(label) <= 32 else label[:31] + "\N{HORIZONTAL ELLIPSIS}"
        parts.append(
            f'<text x="{left - 6}" y="{y0 + row_h / 2 + 2:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(short)}</text>'
        )
        for s, (name, colour, vals) in enumerate(series):
            w = plot_w * vals[r] / top_value
            parts.append(
                f'<rect x="{left}" y="{y0 + 4 + s * 12}" width="{w:.1f}" height="10" '
                f'fill="{colour}"><title>{escape(label)} {escape(name)}: '
                f"{escape(_fmt(vals[r]))} {escape(unit)}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


@cache
def _features(level: str) -> tuple[dict[str, Any], ...]:
    name = "counties.geojson" if level == "county" else "municipalities.geojson"
    with (GEO_DIR / name).open(encoding="utf-8") as handle:
        return tuple(json.load(handle)["features"])


def _rings(geometry: dict[str, Any]) -> Iterable[list[list[float]]]:
    polygons = (
        geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    )
    for polygon in polygons:
        yield from polygon


def choropleth(
    *,
    level: str,
    values: dict[str, float],
    title: str,
    desc: str,
    unit: str,
    counties: Iterable[str] | None = None,
    width: int = 360,
) -> SafeString:
    """A map of counties (``level="county"``) or municipalities shaded by ``values`` (area code →
    value) in five equal classes up to the largest value; areas without a value are grey.
    Municipality maps show only the municipalities of ``counties`` (all when None).

    Projection: equirectangular with longitudes scaled by cos(mean latitude), which keeps a
    county's shape recognisable at this size.
    """
    features = [
        f
        for f in _features(level)
        if counties is None
        or level == "county"
        or f["properties"].get("county_code") in set(counties)
    ]
    points = [pt for f in features for ring in _rings(f["geometry"]) for pt in ring]
    if not points:
        return mark_safe("")
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    span_x, span_y = (max(lons) - min(lons)) * k, max(lats) - min(lats)
    margin, legend_h = 6, 70
    scale = (width - 2 * margin) / span_x
    map_h = span_y * scale
    if map_h > 520:  # a tall country: fit the height instead
        scale = 520 / span_y
        map_h = 520
    height = int(map_h + 2 * margin + legend_h)

    def xy(lon: float, lat: float) -> str:
        return (
            f"{margin + (lon - min(lons)) * k * scale:.1f},{margin + (max(lats) - lat) * scale:.1f}"
        )

    high = max(values.values(), default=0) or 1
    head, _uid = _open(width, height, title, desc, "map")
    parts = [head]
    for feature in features:
        code, name = feature["properties"]["code"], feature["properties"]["name"]
        value = values.get(code)
        if value is None:
            fill = NO_DATA_COLOUR
        else:
            fill = SCALE[min(int(value / high * len(SCALE)), len(SCALE) - 1)]
        path = " ".join(
            "M" + " L".join(xy(lon, lat) for lon, lat in ring) + " Z"
            for ring in _rings(feature["geometry"])
        )
        label = name if value is None else f"{name}: {_fmt(value)} {unit}"
        parts.append(
            f'<path d="{path}" fill="{fill}" stroke="#ffffff" stroke-width="0.6">'
            f"<title>{escape(label)}</title></path>"
        )
    y = map_h + 2 * margin + 8
    for i, colour in enumerate(SCALE):
        low, up = high * i / len(SCALE), high * (i + 1) / len(SCALE)
        parts.append(
            f'<rect x="{margin}" y="{y + i * 12:.1f}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{margin + 14}" y="{y + i * 12 + 9:.1f}" font-size="10" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(_fmt(low))}\N{EN DASH}{escape(_fmt(up))} {escape(unit)}'
            "</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


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
