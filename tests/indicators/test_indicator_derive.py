"""Derived values: parents from their children, T from K + M, ratios from their components, and
the refusal to add up rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from indicator_values_builders import VASTERNORRLAND, make_indicator, put_values, value_of

from samverka.geo.models import Area
from samverka.indicators.models import Value
from samverka.indicators.services.derive import derive_values

pytestmark = pytest.mark.django_db


def _municipality_totals(indicator, period="2020", gender="T", start=1):
    """Values start, start+1, … for the seven municipalities of Västernorrland."""
    rows = [(code, period, gender, start + i) for i, code in enumerate(VASTERNORRLAND)]
    put_values(indicator, rows)
    return sum(r[3] for r in rows)


def test_derive_sum_county_is_the_sum_of_its_municipalities() -> None:
    indicator = make_indicator(aggregation="sum")
    total = _municipality_totals(indicator, start=100)  # 100 + 101 + … + 106

    counts = derive_values(indicator=indicator)

    county = value_of(indicator, "22", "2020")
    assert (county.value, county.derived, county.revised) == (Decimal(total), True, False)
    assert total == 721
    assert counts.created == 1
    # The nation needs every county: with only one, nothing is derived for it.
    assert value_of(indicator, "00", "2020") is None


def test_derive_sum_keeps_the_source_value_of_a_county() -> None:
    indicator = make_indicator(aggregation="sum")
    _municipality_totals(indicator)
    put_values(indicator, [("22", "2020", "T", 999)])

    counts = derive_values(indicator=indicator)

    county = value_of(indicator, "22", "2020")
    assert (county.value, county.derived) == (Decimal(999), False)
    assert counts.created == 0


def test_derive_sum_needs_every_child() -> None:
    indicator = make_indicator(aggregation="sum")
    put_values(indicator, [(code, "2020", "T", 5) for code in VASTERNORRLAND[:-1]])
    put_values(indicator, [(VASTERNORRLAND[-1], "2020", "T", None)])  # flagged ".."

    derive_values(indicator=indicator)

    assert value_of(indicator, "22", "2020") is None


def test_derive_total_from_women_and_men_when_the_source_gives_no_total() -> None:
    indicator = make_indicator(aggregation="sum", gender_split=True)
    put_values(indicator, [("2281", "2020", "K", 10), ("2281", "2020", "M", 12)])

    derive_values(indicator=indicator)

    total = value_of(indicator, "2281", "2020", "T")
    assert (total.value, total.derived) == (Decimal(22), True)


def test_derive_parent_total_uses_the_source_totals_not_women_plus_men() -> None:
    indicator = make_indicator(aggregation="sum", gender_split=True)
    rows = []
    for code in VASTERNORRLAND:
        # The published total is one more than K + M (as SCB's totals can be).
        rows += [(code, "2020", "K", 10), (code, "2020", "M", 20), (code, "2020", "T", 31)]
    put_values(indicator, rows)

    derive_values(indicator=indicator)

    assert value_of(indicator, "22", "2020", "T").value == Decimal(31 * 7)
    assert value_of(indicator, "22", "2020", "K").value == Decimal(70)
    assert value_of(indicator, "22", "2020", "M").value == Decimal(140)
    # The municipalities' own totals stay as published.
    assert value_of(indicator, "2281", "2020", "T").derived is False


def test_derive_nation_from_all_counties_bottom_up() -> None:
    indicator = make_indicator(aggregation="sum")
    municipalities = list(Area.objects.municipalities().values_list("code", flat=True))
    put_values(indicator, [(code, "2019", "T", 2) for code in municipalities])

    counts = derive_values(indicator=indicator)

    nation = value_of(indicator, "00", "2019")
    assert (nation.value, nation.derived) == (Decimal(2 * 290), True)
    assert len(municipalities) == 290
    assert counts.created == 22  # 21 counties and the nation
    assert value_of(indicator, "09", "2019").value == Decimal(2)  # Gotland: one municipality


def test_derive_refreshes_a_stored_derived_value_when_children_change() -> None:
    indicator = make_indicator(aggregation="sum")
    _municipality_totals(indicator, start=1)  # 1..7 → 28
    derive_values(indicator=indicator)
    Value.objects.filter(indicator=indicator, area__code="2281").update(value=Decimal(104))

    counts = derive_values(indicator=indicator)

    assert value_of(indicator, "22", "2020").value == Decimal(28 - 4 + 104)
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 0)


def test_derive_removes_a_derived_value_that_can_no_longer_be_derived() -> None:
    indicator = make_indicator(aggregation="sum")
    _municipality_totals(indicator)
    derive_values(indicator=indicator)
    Value.objects.filter(indicator=indicator, area__code="2281").delete()

    counts = derive_values(indicator=indicator)

    assert counts.removed == 1
    assert value_of(indicator, "22", "2020") is None


def test_derive_twice_changes_nothing() -> None:
    indicator = make_indicator(aggregation="sum")
    _municipality_totals(indicator)
    derive_values(indicator=indicator)

    counts = derive_values(indicator=indicator)

    assert counts.as_dict() == {"created": 0, "updated": 0, "unchanged": 1, "removed": 0}


def test_derive_only_the_periods_asked_for() -> None:
    indicator = make_indicator(aggregation="sum")
    _municipality_totals(indicator, period="2019")
    _municipality_totals(indicator, period="2020")

    derive_values(indicator=indicator, periods=["2020"])

    assert value_of(indicator, "22", "2019") is None
    assert value_of(indicator, "22", "2020") is not None


@pytest.mark.parametrize("aggregation", ["mean", "ratio"])
def test_derive_rate_without_components_is_refused(aggregation: str) -> None:
    indicator = make_indicator("sysselsattningsgrad", aggregation=aggregation, unit="%")
    _municipality_totals(indicator)

    with pytest.raises(ValidationError, match="sysselsattningsgrad"):
        derive_values(indicator=indicator)

    assert value_of(indicator, "22", "2020") is None


def test_derive_ratio_with_components_is_sum_of_numerators_over_sum_of_denominators() -> None:
    employed = make_indicator("employed", aggregation="sum")
    population = make_indicator("population-20-64", aggregation="sum")
    rate = make_indicator(
        "employment-rate",
        aggregation="ratio",
        unit="%",
        numerator=employed,
        denominator=population,
    )
    put_values(employed, [(code, "2020", "T", 80) for code in VASTERNORRLAND])
    put_values(employed, [("2281", "2021", "T", 90)])
    put_values(population, [(code, "2020", "T", 100) for code in VASTERNORRLAND[:6]])
    put_values(population, [(VASTERNORRLAND[6], "2020", "T", 300)])
    # A published rate of a municipality is kept, even if it differs from 80/100.
    put_values(rate, [("2260", "2020", "T", "79.5")])

    derive_values(indicator=rate)

    # Σ employed 560 / Σ population 900 × 100
    assert value_of(rate, "22", "2020").value == (Decimal(560) / Decimal(900) * 100).quantize(
        Decimal("0.000001")
    )
    assert value_of(rate, "2260", "2020").value == Decimal("79.5")
    assert value_of(rate, "2260", "2020").derived is False
    assert value_of(rate, "2281", "2020").value == Decimal(80)
    assert value_of(rate, "2281", "2021") is None  # no denominator for 2021
    # The components themselves are not written.
    assert value_of(employed, "22", "2020") is None
