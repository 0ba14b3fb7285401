"""Reading indicator values: a series for one area, the latest value, the area against the nation,
women and men, and a county map.

Every reader here is one query on ``Value`` that the unique constraint (indicator, area, gender,
period) serves as index, except for area groups, whose values are computed on read (two queries:
the group's members, then the sums per period).

Values come back as ``Decimal`` (``None`` where the source flags a figure as missing); use
:func:`json_number` to print them. Periods are strings ("2005", "2026M01", "2026K1", "2026H1"); a
series has one frequency, so sorting the strings sorts the periods.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypedDict

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from samverka.geo.models import NATION_CODE, Area, AreaKind
from samverka.indicators.enums import Aggregation, Gender
from samverka.indicators.models import AreaGroup, Indicator, Value
from samverka.indicators.services.store import NIL_STATUS

#: A year, a month ("2026M01"), a quarter ("2026K1") or a half-year ("2026H1").
PERIOD_RE = re.compile(r"^\d{4}(M(0[1-9]|1[0-2])|K[1-4]|H[12])?$")
GENDERS = tuple(Gender.values)


class SeriesPoint(TypedDict):
    period: str
    value: Decimal | None
    derived: bool
    revised: bool


def value_status(value: Decimal | None, status: str) -> str | None:
    """What a value without a figure means, for the JSON outputs: "nil" (nothing to report,
    the source's "-", which adds up as 0), "missing" (not available: "..", "." …) or None for
    an ordinary figure."""
    if status == NIL_STATUS:
        return "nil"
    return "missing" if value is None else None


class CountyMap(dict[str, Decimal | None]):
    """``{county_code: value}`` for one period; ``period`` is None when there is no data."""

    period: str | None = None


# Validation helpers (shared with the API and the commands) -------------------------------------


def validate_period(period: str, *, field: str = "period") -> str:
    """``period`` stripped, or ValidationError naming ``field`` when it is not a period."""
    period = (period or "").strip()
    if not PERIOD_RE.match(period):
        raise ValidationError(
            {
                field: _(
                    '"%(period)s" is not a period: use a year "2005", a month "2026M01", '
                    'a quarter "2026K1" or a half-year "2026H1".'
                )
                % {"period": period}
            }
        )
    return period


def validate_gender(gender: str, *, field: str = "gender") -> str:
    """``gender`` in upper case, or ValidationError when it is not T, K or M."""
    gender = (gender or "").strip().upper()
    if gender not in GENDERS:
        raise ValidationError(
            {field: _('"%(gender)s" is not a gender: use T, K or M.') % {"gender": gender}}
        )
    return gender


def is_percent_unit(unit: str) -> bool:
    """Whether an indicator's unit is a percentage (then ratios are multiplied by 100)."""
    unit = (unit or "").strip().lower()
    return "%" in unit or unit in {"procent", "percent", "andel i procent", "per cent"}


def json_number(value: Decimal | None) -> int | float | None:
    """A value for JSON: an int when integral, else a float (None stays None)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _indicator_filter(indicator: Indicator | str) -> dict[str, Any]:
    if isinstance(indicator, Indicator):
        return {"indicator_id": indicator.pk}
    return {"indicator__code": indicator}


def period_filter(start: str | None, end: str | None) -> Q:
    """Periods from ``start`` to ``end`` inclusive; a year as ``end`` includes its months."""
    q = Q()
    if start:
        q &= Q(period__gte=start)
    if end:
        # "2012M05" > "2012" as strings, so a plain year end means "before the next year".
        q &= Q(period__lt=str(int(end) + 1)) if end.isdigit() else Q(period__lte=end)
    return q


def _as_indicator(indicator: Indicator | str) -> Indicator:
    if isinstance(indicator, Indicator):
        return indicator
    return Indicator.objects.select_related("numerator", "denominator").get(code=indicator)


# Readers ----------------------------------------------------------------------------------------


def series(
    *,
    indicator: Indicator | str,
    area_code: str,
    gender: str = Gender.TOTAL,
    start: str | None = None,
    end: str | None = None,
) -> list[SeriesPoint]:
    """The values of ``indicator`` (an Indicator or its code) for one area and gender, sorted by
    period, optionally limited to periods ``start``..``end`` (inclusive; a year as ``end``
    includes that year's months and quarters).

    ``area_code`` is an area's code ("00", "22", "2281") or an AreaGroup's slug (anything that is
    not all digits), whose values are computed on read (see :func:`group_series`). Returns ``[{"period", "value", "derived",
    "revised"}]``; an unknown area, group or indicator gives an empty list (the callers validate
    names first when they must tell).
    """
    if is_group_code(area_code):
        return group_series(
            indicator=_as_indicator(indicator),
            group_slug=area_code,
            gender=gender,
            start=start,
            end=end,
        )
    rows = (
        Value.objects.filter(
            period_filter(start, end),
            **_indicator_filter(indicator),
            area__code=area_code,
            gender=gender,
        )
        .order_by("period")
        .values_list("period", "value", "derived", "revised")
    )
    return [{"period": p, "value": v, "derived": d, "revised": r} for p, v, d, r in rows.iterator()]


def latest(
    *, indicator: Indicator | str, area_code: str, gender: str = Gender.TOTAL
) -> SeriesPoint | None:
    """The latest value (by period) that is not missing, or None when there is none."""
    if is_group_code(area_code):
        points = [
            p
            for p in series(indicator=indicator, area_code=area_code, gender=gender)
            if p["value"] is not None
        ]
        return points[-1] if points else None
    row = (
        Value.objects.filter(
            **_indicator_filter(indicator),
            area__code=area_code,
            gender=gender,
            value__isnull=False,
        )
        .order_by("-period")
        .values_list("period", "value", "derived", "revised")
        .first()
    )
    if row is None:
        return None
    return {"period": row[0], "value": row[1], "derived": row[2], "revised": row[3]}


def compare_with_nation(
    *,
    indicator: Indicator | str,
    area_code: str,
    gender: str = Gender.TOTAL,
    start: str | None = None,
    end: str | None = None,
) -> list[dict[str, Any]]:
    """Rows for a chart of the area against the nation, in long format (one row per area and
    period, sorted by period then area): ``{"period", "area", "name", "value", "derived"}``.

    ``area`` is the area's code (or the group's slug) and ``name`` its name; rows with a missing
    value are left out. For the nation itself only its own rows come back.
    """
    names = dict(Area.objects.filter(code__in=[area_code, NATION_CODE]).values_list("code", "name"))
    rows: list[dict[str, Any]] = []
    if area_code not in names:
        group = AreaGroup.objects.filter(slug=area_code).first()
        if group is not None:
            for point in series(
                indicator=indicator, area_code=area_code, gender=gender, start=start, end=end
            ):
                if point["value"] is not None:
                    rows.append(
                        {
                            "period": point["period"],
                            "area": area_code,
                            "name": group.name,
                            "value": point["value"],
                            "derived": True,
                        }
                    )
    codes = [c for c in (area_code, NATION_CODE) if c in names]
    values = (
        Value.objects.filter(
            period_filter(start, end),
            **_indicator_filter(indicator),
            area__code__in=codes,
            gender=gender,
            value__isnull=False,
        )
        .order_by("period")
        .values_list("period", "area__code", "value", "derived")
    )
    rows.extend(
        {"period": p, "area": a, "name": names[a], "value": v, "derived": d}
        for p, a, v, d in values
    )
    order = {area_code: 0, NATION_CODE: 1}
    rows.sort(key=lambda r: (r["period"], order.get(r["area"], 2)))
    return rows


def gender_series(
    *,
    indicator: Indicator | str,
    area_code: str,
    start: str | None = None,
    end: str | None = None,
    genders: Iterable[str] = (Gender.WOMEN, Gender.MEN),
) -> list[dict[str, Any]]:
    """Rows for a chart of women and men in one area (long format, sorted by period then gender):
    ``{"period", "gender", "value", "derived"}``; missing values are left out. One query."""
    values = (
        Value.objects.filter(
            period_filter(start, end),
            **_indicator_filter(indicator),
            area__code=area_code,
            gender__in=list(genders),
            value__isnull=False,
        )
        .order_by("period", "gender")
        .values_list("period", "gender", "value", "derived")
    )
    return [{"period": p, "gender": g, "value": v, "derived": d} for p, g, v, d in values]


def county_map(
    *, indicator: Indicator | str, period: str | None = None, gender: str = Gender.TOTAL
) -> CountyMap:
    """``{county_code: value}`` for ``period``, or for the latest period in which some county has
    a value; the period used is on the result's ``period`` attribute. One query (the latest period
    is a subquery)."""
    counties = Value.objects.filter(
        **_indicator_filter(indicator),
        area__kind=AreaKind.COUNTY,
        gender=gender,
        value__isnull=False,
    )
    if period is None:
        latest_period = counties.order_by().values("indicator").annotate(p=Max("period"))
        counties = counties.filter(period__in=latest_period.values("p"))
    else:
        counties = counties.filter(period=period)
    result = CountyMap()
    for code, p, value in counties.values_list("area__code", "period", "value"):
        result[code] = value
        result.period = p
    if period is not None:
        result.period = period
    return result


# Area groups ------------------------------------------------------------------------------------


def group_series(
    *,
    indicator: Indicator,
    group_slug: str,
    gender: str = Gender.TOTAL,
    start: str | None = None,
    end: str | None = None,
) -> list[SeriesPoint]:
    """An AreaGroup's series, computed on read and marked derived.

    - ``sum`` indicators: the sum over the member areas, for the periods in which every member has
      a value (a partial sum would look like a fall).
    - ``mean``/``ratio`` indicators with numerator and denominator: Σ numerator / Σ denominator
      over the members (× 100 when the unit is a percentage), for periods where every member has
      both.
    - other ``mean``/``ratio`` indicators: not available (an empty list).
    """
    members = list(AreaGroup.objects.filter(slug=group_slug).values_list("areas", flat=True))
    members = [m for m in members if m is not None]
    if not members:
        return []
    if indicator.aggregation == Aggregation.SUM:
        sums = _member_sums(indicator.pk, members, gender, start, end)
        return [
            {"period": p, "value": total, "derived": True, "revised": revised}
            for p, (total, revised) in sorted(sums.items())
        ]
    if indicator.numerator_id and indicator.denominator_id:
        num = _member_sums(indicator.numerator_id, members, gender, start, end)
        den = _member_sums(indicator.denominator_id, members, gender, start, end)
        scale = Decimal(100) if is_percent_unit(indicator.unit) else Decimal(1)
        points: list[SeriesPoint] = []
        for p in sorted(set(num) & set(den)):
            if den[p][0]:
                points.append(
                    {
                        "period": p,
                        "value": num[p][0] / den[p][0] * scale,
                        "derived": True,
                        "revised": num[p][1] or den[p][1],
                    }
                )
        return points
    return []


def _member_sums(
    indicator_id: int,
    members: list[int],
    gender: str,
    start: str | None,
    end: str | None,
) -> dict[str, tuple[Decimal, bool]]:
    """``{period: (sum, any_revised)}`` over periods where all ``members`` have a value."""
    rows: QuerySet[Value] = (
        Value.objects.filter(
            period_filter(start, end),
            indicator_id=indicator_id,
            area_id__in=members,
            gender=gender,
            value__isnull=False,
        )
        .order_by()
        .values("period")
        .annotate(total=Sum("value"), n=Count("id"), revised=Count("id", filter=Q(revised=True)))
    )
    need = len(set(members))
    return {r["period"]: (r["total"], bool(r["revised"])) for r in rows if r["n"] == need}


def is_group_code(code: str) -> bool:
    """Area codes are digits ("00", "22", "2281"); anything else names an AreaGroup by slug."""
    return not code.isdigit()


def area_or_group_exists(code: str) -> bool:
    """Whether ``code`` names an area or an area group."""
    if is_group_code(code):
        return AreaGroup.objects.filter(slug=code).exists()
    return Area.objects.filter(code=code).exists()
