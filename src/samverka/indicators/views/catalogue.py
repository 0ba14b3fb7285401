"""Pages of the indicator database: the catalogue (search, filters, exports) and the indicator
page (the method book entry, charts and the values table)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from samverka.core.exports import FORMATS, table_response
from samverka.geo.models import NATION_CODE, Area, AreaKind
from samverka.indicators import charts
from samverka.indicators.enums import Gender, Source
from samverka.indicators.models import Indicator, Value
from samverka.indicators.services.series import compare_with_nation, county_map, gender_series

PAGE_SIZE = 50


class IndicatorFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False)
    source = forms.ChoiceField(
        label=gettext_lazy("Source"),
        required=False,
        choices=[("", gettext_lazy("all sources")), *Source.choices],
    )
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), required=False)
    gender_split = forms.ChoiceField(
        label=gettext_lazy("By gender"),
        required=False,
        choices=[
            ("", gettext_lazy("all")),
            ("yes", gettext_lazy("split by gender")),
            ("no", gettext_lazy("not split")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        units = (
            Indicator.objects.exclude(unit="")
            .order_by("unit")
            .values_list("unit", flat=True)
            .distinct()
        )
        self.fields["unit"].choices = [("", _("all units")), *((u, u) for u in units)]


def filter_indicators(
    queryset: QuerySet[Indicator],
    *,
    q: str = "",
    source: str = "",
    unit: str = "",
    gender_split: str = "",
) -> QuerySet[Indicator]:
    """Indicators whose code, names or definition contain ``q``, from ``source``, in ``unit``,
    split by gender or not ("yes"/"no")."""
    if q:
        queryset = queryset.filter(
            Q(code__icontains=q)
            | Q(name_sv__icontains=q)
            | Q(name_en__icontains=q)
            | Q(definition__icontains=q)
        )
    if source:
        queryset = queryset.filter(source=source)
    if unit:
        queryset = queryset.filter(unit=unit)
    if gender_split in ("yes", "no"):
        queryset = queryset.filter(gender_split=gender_split == "yes")
    return queryset


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    form = IndicatorFilterForm(request.GET or None)
    queryset = Indicator.objects.order_by("code")
    if form.is_bound and form.is_valid():
        queryset = filter_indicators(queryset, **form.cleaned_data)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Code"),
            _("Name"),
            _("Unit"),
            _("Source"),
            _("Source table"),
            _("Aggregation"),
            _("Split by gender"),
            _("Definition"),
        ]
        rows = (
            [
                i.code,
                i.name,
                i.unit,
                i.get_source_display(),
                i.source_reference,
                i.get_aggregation_display(),
                _("yes") if i.gender_split else _("no"),
                i.definition,
            ]
            for i in queryset
        )
        return table_response(headers, rows, fmt=export, filename="indicators")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = "indicators/catalogue.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


def _default_area(indicator: Indicator) -> str:
    """The first county with a value, else any area with one, else the nation."""
    values = Value.objects.filter(indicator=indicator, value__isnull=False).order_by("area__code")
    code = values.filter(area__kind=AreaKind.COUNTY).values_list("area__code", flat=True).first()
    return code or values.values_list("area__code", flat=True).first() or NATION_CODE


def _number(value: Decimal | None) -> float | int | str:
    """A value for a spreadsheet cell (a number, not text)."""
    if value is None:
        return ""
    return int(value) if value == value.to_integral_value() else float(value)


@require_GET
def indicator_page(request: HttpRequest, code: str) -> HttpResponse:
    indicator = get_object_or_404(Indicator, code=code)
    areas = list(
        Area.objects.filter(indicator_values__indicator=indicator)
        .distinct()
        .order_by("code")
        .only("code", "name", "kind", "parent_id")
    )
    by_code = {a.code: a for a in areas}
    area_code = request.GET.get("area") or _default_area(indicator)
    area = by_code.get(area_code) or get_object_or_404(Area, code=area_code)
    nation = by_code.get(NATION_CODE) or Area.objects.get(code=NATION_CODE)

    # One query for the table: the area and the nation, every gender.
    cells: dict[tuple[str, str, str], Value] = {}
    for value in (
        Value.objects.filter(indicator=indicator, area__code__in={area.code, NATION_CODE})
        .select_related("area")
        .prefetch_related("revisions")
    ):
        cells[(value.period, value.area.code, value.gender)] = value
    if request.GET.get("export") in FORMATS:
        headers = [
            _("Area code"),
            _("Area"),
            _("Period"),
            _("Gender"),
            _("Value"),
            _("Status"),
            _("Derived"),
            _("Revised"),
            _("Source"),
        ]
        rows = (
            [
                v.area.code,
                v.area.name,
                v.period,
                v.gender,
                _number(v.value),
                v.status,
                _("yes") if v.derived else "",
                _("yes") if v.revised else "",
                v.source,
            ]
            for _key, v in sorted(
                cells.items(), key=lambda kv: (kv[0][1] != area.code, kv[0][0], kv[0][2])
            )
        )
        return table_response(
            headers, rows, fmt=request.GET["export"], filename=f"{indicator.code}-{area.code}"
        )

    periods = sorted({p for p, _a, _g in cells})
    genders = [Gender.TOTAL, Gender.WOMEN, Gender.MEN] if indicator.gender_split else [Gender.TOTAL]
    columns = [(area, g) for g in genders]
    if area.code != NATION_CODE:
        columns.append((nation, Gender.TOTAL))
    table = [
        {"period": p, "cells": [cells.get((p, a.code, g)) for a, g in columns]} for p in periods
    ]

    comparison = compare_with_nation(indicator=indicator, area_code=area.code)
    own = {r["period"]: r["value"] for r in comparison if r["area"] == area.code}
    national = {r["period"]: r["value"] for r in comparison if r["area"] == NATION_CODE}
    chart_periods = sorted(set(own) | set(national))
    area_chart = charts.area_vs_nation_chart(
        indicator=indicator,
        periods=chart_periods,
        area_name=area.name,
        area_values=[own.get(p) for p in chart_periods],
        nation_name=nation.name,
        nation_values=[national.get(p) for p in chart_periods],
    )
    gender_chart = ""
    if indicator.gender_split:
        by_gender: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for row in gender_series(indicator=indicator, area_code=area.code):
            by_gender[row["gender"]][row["period"]] = row["value"]
        gender_periods = sorted(set(by_gender[Gender.WOMEN]) | set(by_gender[Gender.MEN]))
        gender_chart = charts.gender_chart(
            indicator=indicator,
            periods=gender_periods,
            area_name=area.name,
            women=[by_gender[Gender.WOMEN].get(p) for p in gender_periods],
            men=[by_gender[Gender.MEN].get(p) for p in gender_periods],
        )

    map_period = request.GET.get("period") or None
    counties = county_map(indicator=indicator, period=map_period)
    county_names = dict(Area.objects.counties().values_list("code", "name"))
    county = area.county
    map_chart = (
        charts.county_map_chart(
            indicator=indicator,
            values=dict(counties),
            period=counties.period,
            highlight=county.code if county else None,
        )
        if counties.period
        else ""
    )
    county_rows = sorted(
        ((code, county_names.get(code, code), value) for code, value in counties.items()),
        key=lambda r: r[0],
    )
    markers = {
        "derived": any(v.derived for v in cells.values()),
        "revised": any(v.revised for v in cells.values()),
    }
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "area": area,
            "nation": nation,
            "areas": areas,
            "columns": columns,
            "table": table,
            "area_chart": area_chart,
            "gender_chart": gender_chart,
            "map_chart": map_chart,
            "map_period": counties.period,
            "map_periods": periods,
            "county_rows": county_rows,
            "markers": markers,
            "number_format": f"{indicator.decimals}g",
            "goals": indicator.goals.select_related("measure__programme", "area"),
        },
    )
