"""API router of the indicator database (mounted under /api/v1/).

Reading is open: the method book, values by area, period and gender, and the status of a
programme's measure goals. Changing an indicator's definition needs a token or a session of a
platform admin or programme officer (``services.definitions.can_edit_indicators``).
"""

# No "from __future__ import annotations": ninja must see the real types.

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from samverka.api.auth import write_auth
from samverka.geo.models import Area
from samverka.indicators.models import AreaGroup, Indicator, Value
from samverka.indicators.schemas import (
    GoalStatusOut,
    IndicatorDetail,
    IndicatorFilters,
    IndicatorIn,
    IndicatorOut,
    ValueFilters,
    ValueOut,
)
from samverka.indicators.services import goals
from samverka.indicators.services.definitions import save_indicator
from samverka.indicators.services.series import (
    GENDERS,
    is_group_code,
    json_number,
    period_filter,
    series,
    validate_period,
    value_status,
)
from samverka.programmes.models import Programme

router = Router(tags=["indicators"])


def _get_indicator(code: str) -> Indicator:
    indicator = (
        Indicator.objects.select_related("numerator", "denominator").filter(code=code).first()
    )
    if indicator is None:
        raise Http404(_("No indicator %(code)s.") % {"code": code})
    return indicator


@router.get("/indicators", response=list[IndicatorOut], summary="The indicators (method book)")
def list_indicators(request: HttpRequest, filters: Query[IndicatorFilters]) -> Any:
    """All indicators by code; ``q`` searches code, names and definition."""
    indicators = Indicator.objects.all()
    if filters.q:
        for word in filters.q.split():
            indicators = indicators.filter(
                Q(code__icontains=word)
                | Q(name_sv__icontains=word)
                | Q(name_en__icontains=word)
                | Q(definition__icontains=word)
            )
    if filters.source:
        indicators = indicators.filter(source=filters.source)
    if filters.gender_split is not None:
        indicators = indicators.filter(gender_split=filters.gender_split)
    return list(indicators.order_by("code"))


@router.get("/indicators/{code}", response=IndicatorDetail, summary="One indicator")
def get_indicator(request: HttpRequest, code: str) -> Any:
    return _get_indicator(code)


@router.put(
    "/indicators/{code}",
    response={200: IndicatorDetail, 201: IndicatorDetail},
    auth=write_auth,
    summary="Create or change an indicator's definition",
)
def put_indicator(request: HttpRequest, code: str, payload: IndicatorIn) -> Any:
    """Sets the fields sent (platform admins and programme officers). A new indicator needs
    ``name_sv``; the answer is 201 for a new one, 200 for a change."""
    data = payload.dict(exclude_unset=True)
    for name in ("source", "aggregation"):
        if data.get(name) is not None:
            data[name] = str(data[name].value if hasattr(data[name], "value") else data[name])
    indicator, created = save_indicator(code=code, data=data, actor=request.auth)
    return Status(201 if created else 200, _get_indicator(indicator.code))


@router.get(
    "/indicators/{code}/values",
    response=list[ValueOut],
    summary="Values by area, period and gender",
)
def list_values(request: HttpRequest, code: str, filters: Query[ValueFilters]) -> Any:
    """Sorted by area, gender and period. ``area`` may be an area code or an area group's slug
    (a group's values are computed on read and marked derived). ``from``/``to`` limit the
    periods inclusively; a year as ``to`` includes that year's months and quarters."""
    indicator = _get_indicator(code)
    start = validate_period(filters.start, field="from") if filters.start else None
    end = validate_period(filters.end, field="to") if filters.end else None
    genders = [str(filters.gender)] if filters.gender else list(GENDERS)
    if filters.area:
        area = filters.area
        known = (
            AreaGroup.objects.filter(slug=area).exists()
            if is_group_code(area)
            else Area.objects.filter(code=area).exists()
        )
        if not known:
            raise ValidationError({"area": [_("No area or area group %(code)s.") % {"code": area}]})
    if filters.area and is_group_code(filters.area):
        return [
            {
                "area": filters.area,
                "gender": gender,
                **point,
                "value": json_number(point["value"]),
                "status": value_status(point["value"], ""),
            }
            for gender in genders
            for point in series(
                indicator=indicator, area_code=filters.area, gender=gender, start=start, end=end
            )
        ]
    values = Value.objects.filter(period_filter(start, end), indicator=indicator)
    if filters.area:
        values = values.filter(area__code=filters.area)
    if filters.gender:
        values = values.filter(gender=filters.gender)
    rows = values.order_by("area__code", "gender", "period").values_list(
        "area__code", "gender", "period", "value", "derived", "revised", "status"
    )
    return [
        {
            "area": a,
            "gender": g,
            "period": p,
            "value": json_number(v),
            "derived": d,
            "revised": r,
            "status": value_status(v, s),
        }
        for a, g, p, v, d, r, s in rows
    ]


@router.get(
    "/programmes/{code}/goals",
    response=list[GoalStatusOut],
    summary="Status of a programme's measure goals",
)
def programme_goal_status(request: HttpRequest, code: str) -> Any:
    """One entry per measure goal: baseline, target, current value, progress, expected progress
    and status (on_track, at_risk, off_track, no_data), with the values used. How each is
    computed: the docstring of ``samverka.indicators.services.goals``."""
    programme = Programme.objects.filter(code=code).first()
    if programme is None:
        raise Http404(_("No programme %(code)s.") % {"code": code})
    return [result.as_json() for result in goals.programme_goals(programme=programme)]
