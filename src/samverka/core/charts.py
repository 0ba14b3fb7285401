"""Server-rendered SVG charts and maps, shared by the programme reports and the indicator pages.

The markup carries no ``style`` attributes and no scripts (the Content Security Policy forbids
inline styles and scripts, and no chart library is loaded from a CDN); colours and sizes are SVG
presentation attributes. Every chart has a ``<title>`` and a ``<desc>``, is labelled by them
(``role="img"``, ``aria-labelledby``), and sits next to the table with the same figures, which is
its text alternative.
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


def fmt(value: float, decimals: int = 1) -> str:
    """A number with at most ``decimals`` decimals, trailing zeros dropped (SVG labels)."""
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def open_svg(width: int, height: int, title: str, desc: str, prefix: str) -> tuple[str, str]:
    uid = f"{prefix}-{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart" '
        f'aria-labelledby="{uid}-title {uid}-desc">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f'<desc id="{uid}-desc">{escape(desc)}</desc>'
    )
    return head, uid


def nice_max(value: float) -> float:
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
    top_value = nice_max(max(values, default=0))
    head, _uid = open_svg(width, height, title, desc, "bars")
    parts = [head]
    for i in range(5):
        tick = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(fmt(tick))}</text>'
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
                f"{escape(fmt(value))} {escape(unit)}</title></rect>"
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
    top_value = nice_max(max(values, default=0))
    head, _uid = open_svg(width, height, title, desc, "hbars")
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
                f"{escape(fmt(vals[r]))} {escape(unit)}</title></rect>"
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
    low: float = 0.0,
    highlight: str | None = None,
    decimals: int = 1,
) -> SafeString:
    """A map of counties (``level="county"``) or municipalities shaded by ``values`` (area code →
    value) in five equal classes from ``low`` (0 unless given: rates start near their smallest
    value) up to the largest value; areas without a value are grey. ``highlight`` outlines one
    area (the one the page is about).
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

    west, north = min(lons), max(lats)  # once: per point they made the map quadratic

    def xy(lon: float, lat: float) -> str:
        return f"{margin + (lon - west) * k * scale:.1f},{margin + (north - lat) * scale:.1f}"

    high = max(values.values(), default=0) or 1
    if high <= low:
        high = low + 1
    head, _uid = open_svg(width, height, title, desc, "map")
    parts = [head]
    outline: list[str] = []
    for feature in features:
        code, name = feature["properties"]["code"], feature["properties"]["name"]
        value = values.get(code)
        if value is None:
            fill = NO_DATA_COLOUR
        else:
            share = (value - low) / (high - low)
            fill = SCALE[max(0, min(int(share * len(SCALE)), len(SCALE) - 1))]
        path = " ".join(
            "M" + " L".join(xy(lon, lat) for lon, lat in ring) + " Z"
            for ring in _rings(feature["geometry"])
        )
        label = name if value is None else f"{name}: {fmt(value, decimals)} {unit}"
        if code == highlight:
            outline.append(
                f'<path d="{path}" fill="none" stroke="{TEXT_COLOUR}" stroke-width="2"/>'
            )
        parts.append(
            f'<path d="{path}" fill="{fill}" stroke="#ffffff" stroke-width="0.6">'
            f"<title>{escape(label)}</title></path>"
        )
    parts.extend(outline)
    y = map_h + 2 * margin + 8
    step = (high - low) / len(SCALE)
    for i, colour in enumerate(SCALE):
        lower, upper = low + step * i, low + step * (i + 1)
        parts.append(
            f'<rect x="{margin}" y="{y + i * 12:.1f}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{margin + 14}" y="{y + i * 12 + 9:.1f}" font-size="10" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(fmt(lower, decimals))}\N{EN DASH}'
            f"{escape(fmt(upper, decimals))} {escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def nice_range(low: float, high: float, ticks: int = 4) -> tuple[float, float, float]:
    """An axis ``(start, end, step)`` covering ``low``–``high`` with about ``ticks`` round steps
    (1, 2, 2.5 or 5 times a power of ten)."""
    if high < low:
        low, high = high, low
    span = high - low or abs(high) or 1.0
    raw = span / ticks
    power = 10 ** math.floor(math.log10(raw))
    step = next(s * power for s in (1, 2, 2.5, 5, 10) if raw <= s * power)
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    if end == start:
        end = start + step
    return start, end, step


def line_chart(
    *,
    periods: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None], str]],
    title: str,
    desc: str,
    unit: str,
    decimals: int = 1,
    width: int = 640,
    height: int = 300,
) -> SafeString:
    """Lines over ``periods``, one per series ``(name, colour, values, dash)`` where ``dash`` is
    an SVG ``stroke-dasharray`` ("" for solid) so that series differ by more than colour;
    ``None`` breaks the line. Each point carries a ``<title>`` with its figure."""
    left, right, top, bottom = 64, 16, 34, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _n, _c, vs, _d in series for v in vs if v is not None]
    start, end, step = nice_range(min(values, default=0), max(values, default=1))
    head, _uid = open_svg(width, height, title, desc, "lines")
    parts = [head]

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - start) / (end - start)

    def x_of(i: int) -> float:
        return left + (plot_w * i / (len(periods) - 1) if len(periods) > 1 else plot_w / 2)

    tick = start
    while tick <= end + step / 1000:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="0.5"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{TEXT_COLOUR}" {FONT}>{escape(fmt(tick, max(decimals, 1)))}</text>'
        )
        tick += step
    parts.append(
        f'<text x="{left}" y="14" font-size="11" fill="{TEXT_COLOUR}" {FONT}>{escape(unit)}</text>'
    )
    every = max(1, math.ceil(len(periods) / 12))
    for i, period in enumerate(periods):
        if i % every == 0 or i == len(periods) - 1:
            parts.append(
                f'<text x="{x_of(i):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT_COLOUR}" {FONT}>{escape(period)}</text>'
            )
    for name, colour, vals, dash in series:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        segment: list[str] = []
        segments = [segment]
        for i, value in enumerate(vals):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x_of(i):.1f},{y_of(value):.1f}")
        for points in segments:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2"{dash_attr}/>'
                )
        for i, value in enumerate(vals):
            if value is not None:
                parts.append(
                    f'<circle cx="{x_of(i):.1f}" cy="{y_of(value):.1f}" r="3.5" fill="{colour}">'
                    f"<title>{escape(name)} {escape(periods[i])}: "
                    f"{escape(fmt(value, decimals))} {escape(unit)}</title></circle>"
                )
    # Legend, top right: a short line in the series' colour and dash, then its name.
    x = width - right
    for name, colour, _vals, dash in reversed(series):
        x -= 7 * len(name) + 40
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<line x1="{x}" y1="10" x2="{x + 20}" y2="10" stroke="{colour}" '
            f'stroke-width="2"{dash_attr}/>'
            f'<text x="{x + 24}" y="14" font-size="11" fill="{TEXT_COLOUR}" {FONT}>'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
