"""Reading series: ordering, period and gender filters, the latest value, area groups computed on
read, the area against the nation and the county map; each one query."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from indicator_values_builders import make_indicator, put_values

from samverka.geo.models import Area
from samverka.indicators.models import AreaGroup
from samverka.indicators.services.series import (
    compare_with_nation,
    county_map,
    gender_series,
    json_number,
    latest,
    series,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def population() -> Any:
    indicator = make_indicator("folkmangd", aggregation="sum", gender_split=True)
    put_values(
        indicator,
        [
            ("00", "2007", "T", 9182927),
            ("00", "2005", "T", 9047752),
            ("00", "2006", "T", 9113257),
            ("22", "2006", "T", 243978),
            ("22", "2005", "T", 244543),
            ("22", "2005", "K", 122000),
            ("22", "2005", "M", 122543),
            ("23", "2006", "T", 127000),
            ("23", "2007", "T", None),
        ],
    )
    put_values(indicator, [("22", "2007", "T", "243500.5")], derived=True, revised=True)
    return indicator


def test_series_is_sorted_by_period(population: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        points = series(indicator=population, area_code="00")

    assert points == [
        {"period": "2005", "value": Decimal(9047752), "derived": False, "revised": False},
        {"period": "2006", "value": Decimal(9113257), "derived": False, "revised": False},
        {"period": "2007", "value": Decimal(9182927), "derived": False, "revised": False},
    ]


def test_series_by_code_filters_periods_and_gender(population: Any) -> None:
    points = series(indicator="folkmangd", area_code="22", start="2006", end="2007")
    women = series(indicator="folkmangd", area_code="22", gender="K")

    assert [(p["period"], p["value"], p["derived"]) for p in points] == [
        ("2006", Decimal(243978), False),
        ("2007", Decimal("243500.5"), True),
    ]
    assert [(p["period"], p["value"]) for p in women] == [("2005", Decimal(122000))]


def test_series_end_year_includes_its_months() -> None:
    indicator = make_indicator()
    put_values(
        indicator,
        [("00", p, "T", i) for i, p in enumerate(["2025M12", "2026M01", "2026M12", "2027M01"])],
    )

    points = series(indicator=indicator, area_code="00", start="2026", end="2026")

    assert [p["period"] for p in points] == ["2026M01", "2026M12"]


def test_series_unknown_area_is_empty(population: Any) -> None:
    assert series(indicator=population, area_code="9999") == []


def test_latest_skips_missing_values(population: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        point = latest(indicator=population, area_code="23")

    assert point == {"period": "2006", "value": Decimal(127000), "derived": False, "revised": False}
    assert latest(indicator=population, area_code="01") is None


def test_group_series_sums_members_in_complete_periods() -> None:
    indicator = make_indicator(aggregation="sum")
    group = AreaGroup.objects.create(slug="hoga-kusten", name="Höga kusten")
    group.areas.set(Area.objects.filter(code__in=["2280", "2282"]))
    put_values(
        indicator,
        [("2280", "2020", "T", 10), ("2282", "2020", "T", 5), ("2280", "2021", "T", 11)],
    )

    points = series(indicator=indicator, area_code="hoga-kusten")

    assert points == [{"period": "2020", "value": Decimal(15), "derived": True, "revised": False}]


def test_group_series_of_a_ratio_uses_its_components() -> None:
    employed = make_indicator(aggregation="sum")
    population = make_indicator(aggregation="sum")
    rate = make_indicator(
        aggregation="ratio", unit="procent", numerator=employed, denominator=population
    )
    group = AreaGroup.objects.create(slug="inland", name="Inlandet")
    group.areas.set(Area.objects.filter(code__in=["2260", "2283"]))
    put_values(employed, [("2260", "2020", "T", 30), ("2283", "2020", "T", 60)])
    put_values(population, [("2260", "2020", "T", 50), ("2283", "2020", "T", 70)])

    points = series(indicator=rate, area_code="inland")

    assert [(p["period"], p["value"]) for p in points] == [("2020", Decimal(75))]


def test_group_series_of_a_mean_without_components_is_not_available() -> None:
    rate = make_indicator(aggregation="mean")
    group = AreaGroup.objects.create(slug="inland", name="Inlandet")
    group.areas.set(Area.objects.filter(code__in=["2260"]))
    put_values(rate, [("2260", "2020", "T", 30)])

    assert series(indicator=rate, area_code="inland") == []


def test_compare_with_nation_is_long_format(population: Any) -> None:
    rows = compare_with_nation(indicator=population, area_code="22", start="2006", end="2006")

    assert rows == [
        {
            "period": "2006",
            "area": "22",
            "name": "Västernorrlands län",
            "value": Decimal(243978),
            "derived": False,
        },
        {
            "period": "2006",
            "area": "00",
            "name": Area.objects.get(code="00").name,
            "value": Decimal(9113257),
            "derived": False,
        },
    ]


def test_gender_series_has_women_and_men(population: Any) -> None:
    assert gender_series(indicator=population, area_code="22") == [
        {"period": "2005", "gender": "K", "value": Decimal(122000), "derived": False},
        {"period": "2005", "gender": "M", "value": Decimal(122543), "derived": False},
    ]


def test_county_map_takes_the_latest_period_with_data(
    population: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(1):
        counties = county_map(indicator=population)

    assert counties == {"22": Decimal("243500.5")}
    assert counties.period == "2007"
    assert county_map(indicator=population, period="2006") == {
        "22": Decimal(243978),
        "23": Decimal(127000),
    }


def test_json_number_is_int_when_integral() -> None:
    assert json_number(Decimal("9047752.000000")) == 9047752
    assert isinstance(json_number(Decimal("9047752.000000")), int)
    assert json_number(Decimal("78.25")) == 78.25
    assert json_number(None) is None
