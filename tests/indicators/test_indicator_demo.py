"""The indicator demo: indicators, values (SCB's population figures where real, demo values
marked as such) and RTP Västernorrland goals covering every status; idempotent."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest

from samverka.indicators.demo import load_indicator_demo
from samverka.indicators.models import Indicator, Value, ValueRevision
from samverka.indicators.services.goals import programme_goals
from samverka.programmes.demo import load_programme_demo
from samverka.programmes.models import MeasureGoal

pytestmark = pytest.mark.django_db

RTP = "rtp-vasternorrland-2008-2010"


@pytest.fixture
def demo() -> dict[str, Any]:
    load_programme_demo()
    return load_indicator_demo()


def test_indicator_demo_loads_indicators_values_and_goals(demo: dict[str, Any]) -> None:
    assert demo["indicators"] == 4
    assert demo["indicators_created"] == 4
    assert demo["goals_linked"] == 5
    assert set(Indicator.objects.filter(is_demo=True).values_list("code", flat=True)) == {
        "folkmangd",
        "nya-foretag",
        "sysselsattningsgrad-20-64",
        "sysselsattningsgrad-utrikes-fodda-20",
    }
    # The county, its seven municipalities and the nation, 2004–2011.
    employment = Indicator.objects.get(code="sysselsattningsgrad-20-64")
    areas = set(employment.values.values_list("area__code", flat=True))
    assert {"00", "22", "2260", "2262", "2280", "2281", "2282", "2283", "2284"} <= areas
    periods = sorted(set(employment.values.values_list("period", flat=True)))
    assert periods == [str(y) for y in range(2004, 2012)]


def test_indicator_demo_population_comes_from_scb_where_real(demo: dict[str, Any]) -> None:
    population = Indicator.objects.get(code="folkmangd")
    nation_2005 = Value.objects.get(
        indicator=population, area__code="00", period="2005", gender="T"
    )
    women_22 = Value.objects.get(indicator=population, area__code="22", period="2004", gender="K")
    total_22 = Value.objects.get(indicator=population, area__code="22", period="2004", gender="T")

    assert nation_2005.value == Decimal(9047752)  # SCB's published total
    assert nation_2005.derived is True
    assert (women_22.source, women_22.derived) == ("SCB BE0101A1", False)
    assert (total_22.value, total_22.derived) == (Decimal(244195), True)


def test_indicator_demo_method_text_says_demo(demo: dict[str, Any]) -> None:
    for indicator in Indicator.objects.filter(is_demo=True):
        assert "DEMOVÄRDEN" in indicator.method


def test_indicator_demo_goals_cover_every_status(demo: dict[str, Any]) -> None:
    statuses = {
        r.goal.text[:30]: r.status for r in programme_goals(programme=RTP) if r.goal.indicator_id
    }

    assert sorted(statuses.values()) == ["at_risk", "no_data", "off_track", "on_track", "on_track"]
    kinds = set(
        MeasureGoal.objects.filter(indicator__isnull=False).values_list("target_kind", flat=True)
    )
    assert kinds == {"absolute", "change", "relative_to_nation", "gender_share"}


def test_indicator_demo_is_idempotent(demo: dict[str, Any]) -> None:
    values = Value.objects.count()
    goals = list(
        MeasureGoal.objects.filter(indicator__isnull=False).values_list(
            "pk", "baseline_value", "target_value"
        )
    )
    out = io.StringIO()

    again = load_indicator_demo(stdout=out)

    assert again["indicators_created"] == 0
    assert again["values_created"] == 0
    assert again["values_updated"] == 0
    assert Value.objects.count() == values
    assert ValueRevision.objects.count() == 0
    assert goals == list(
        MeasureGoal.objects.filter(indicator__isnull=False).values_list(
            "pk", "baseline_value", "target_value"
        )
    )
    assert "goals linked: 5" in out.getvalue()


def test_indicator_demo_without_programme_links_no_goals(db: Any) -> None:
    counts = load_indicator_demo()

    assert counts["goals_linked"] == 0
    assert Value.objects.filter(indicator__code="nya-foretag").exists()
