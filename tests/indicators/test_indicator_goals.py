"""Goal status: every target kind with hand-computed baseline, target, progress and status; the
values used; no data; a programme's goals in a bounded number of queries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation
from indicator_values_builders import make_goal, make_indicator, make_programme, put_values

from samverka.indicators.services.goals import (
    expected_progress,
    goal_status,
    period_time,
    programme_goals,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure() -> Any:
    return make_programme().measures.get()


@pytest.mark.parametrize(
    ("current", "progress", "status"),
    [
        (130, 0.6, "on_track"),  # (130 − 100) / (150 − 100); expected (2008 − 2005) / 5 = 0.6
        (120, 0.4, "at_risk"),  # 0.4 ≥ 0.6 − 0.25
        (105, 0.1, "off_track"),
        (160, 1.2, "on_track"),
    ],
)
def test_goal_absolute_progress_and_status(
    measure: Any, current: int, progress: float, status: str
) -> None:
    indicator = make_indicator()
    put_values(indicator, [("22", "2005", "T", 100), ("22", "2008", "T", current)])
    goal = make_goal(
        measure,
        indicator=indicator,
        area="22",
        baseline_period="2005",
        target_kind="absolute",
        target_value=150,
        deadline_year=2010,
    )

    result = goal_status(goal)

    assert (result.baseline, result.target, result.current) == (
        Decimal(100),
        Decimal(150),
        Decimal(current),
    )
    assert result.progress == pytest.approx(progress)
    assert result.expected_progress == pytest.approx(0.6)
    assert result.status == status
    assert [(u.role, u.area, u.gender, u.period, u.value) for u in result.used] == [
        ("baseline", "22", "T", "2005", Decimal(100)),
        ("current", "22", "T", "2008", Decimal(current)),
    ]


def test_goal_absolute_decrease_at_the_at_risk_boundary(measure: Any) -> None:
    unemployment = make_indicator(unit="%", aggregation="mean")
    put_values(unemployment, [("22", "2006", "T", 10), ("22", "2008", "T", 9)])
    goal = make_goal(
        measure,
        indicator=unemployment,
        area="22",
        baseline_period="2006",
        target_kind="absolute",
        target_value=6,
        deadline_year=2010,
    )

    result = goal_status(goal)

    # (9 − 10) / (6 − 10) = 0.25; expected (2008 − 2006) / 4 = 0.5; 0.25 ≥ 0.5 − 0.25
    assert (result.progress, result.expected_progress, result.status) == (0.25, 0.5, "at_risk")


def test_goal_change_uses_the_stated_baseline_value(measure: Any) -> None:
    companies = make_indicator()
    # The baseline value stated in the programme (200) wins over the stored 2005 value (190).
    put_values(companies, [("22", "2005", "T", 190), ("22", "2007", "T", 212)])
    goal = make_goal(
        measure,
        indicator=companies,
        area="22",
        baseline_period="2005",
        baseline_value=200,
        target_kind="change",
        target_value=15,
        deadline_year=2010,
    )

    result = goal_status(goal)

    # target 200 × 1.15 = 230; progress (212 − 200) / 30 = 0.4; expected 2/5 = 0.4
    assert result.target == Decimal(230)
    assert result.progress == pytest.approx(0.4)
    assert result.expected_progress == pytest.approx(0.4)
    assert result.status == "on_track"


def test_goal_change_for_women_follows_gender_k(measure: Any) -> None:
    indicator = make_indicator(gender_split=True)
    put_values(
        indicator,
        [
            ("2281", "2005", "K", 40),
            ("2281", "2009", "K", 44),
            ("2281", "2005", "T", 100),
            ("2281", "2009", "T", 200),
        ],
    )
    goal = make_goal(
        measure,
        indicator=indicator,
        area="2281",
        gender="K",
        baseline_period="2005",
        target_kind="change",
        target_value=25,
        deadline_year=2009,
    )

    result = goal_status(goal)

    # target 40 × 1.25 = 50; progress (44 − 40) / 10 = 0.4; expected 1 → 0.4 < 0.75: off track
    assert (result.target, result.current, result.progress) == (Decimal(50), Decimal(44), 0.4)
    assert result.status == "off_track"


def test_goal_relative_to_nation_as_ratio(measure: Any) -> None:
    rate = make_indicator(unit="%", aggregation="ratio")
    put_values(
        rate,
        [
            ("22", "2005", "T", 70),
            ("00", "2005", "T", 80),
            ("22", "2009", "T", 76),
            ("00", "2009", "T", 80),
            ("22", "2010", "T", 77),  # no nation value for 2010 yet: not current
        ],
    )
    goal = make_goal(
        measure,
        indicator=rate,
        area="22",
        baseline_period="2005",
        target_kind="relative_to_nation",
        relative_mode="ratio",
        target_value="0.95",
        deadline_year=2010,
    )

    result = goal_status(goal)

    # baseline 70/80 = 0.875; current 76/80 = 0.95 = target → progress 1; expected 4/5
    assert result.baseline == Decimal("0.875")
    assert result.current == Decimal("0.95")
    assert result.current_period == "2009"
    assert result.progress == pytest.approx(1.0)
    assert result.expected_progress == pytest.approx(0.8)
    assert result.status == "on_track"
    assert [(u.role, u.area, u.value) for u in result.used] == [
        ("baseline", "22", Decimal(70)),
        ("baseline", "00", Decimal(80)),
        ("current", "22", Decimal(76)),
        ("current", "00", Decimal(80)),
    ]


def test_goal_relative_to_nation_as_difference(measure: Any) -> None:
    rate = make_indicator(unit="%", aggregation="ratio")
    put_values(
        rate,
        [
            ("22", "2005", "T", 70),
            ("00", "2005", "T", 80),
            ("22", "2009", "T", 74),
            ("00", "2009", "T", 82),
        ],
    )
    goal = make_goal(
        measure,
        indicator=rate,
        area="22",
        baseline_period="2005",
        target_kind="relative_to_nation",
        relative_mode="difference",
        target_value=-5,
        deadline_year=2010,
    )

    result = goal_status(goal)

    # baseline −10; current 74 − 82 = −8; progress (−8 + 10) / (−5 + 10) = 0.4; expected 0.8
    assert (result.baseline, result.current, result.target) == (
        Decimal(-10),
        Decimal(-8),
        Decimal(-5),
    )
    assert result.progress == pytest.approx(0.4)
    assert result.status == "off_track"


def test_goal_gender_share_of_the_under_represented_gender(measure: Any) -> None:
    companies = make_indicator(gender_split=True)
    put_values(
        companies,
        [
            ("22", "2005", "K", 30),
            ("22", "2005", "M", 70),
            ("22", "2005", "T", 101),  # the published total is not used for shares
            ("22", "2008", "K", 36),
            ("22", "2008", "M", 64),
        ],
    )
    goal = make_goal(
        measure,
        indicator=companies,
        area="22",
        baseline_period="2005",
        target_kind="gender_share",
        target_value=40,
        deadline_year=2010,
    )

    result = goal_status(goal)

    # share of women 30 % → 36 %; progress (36 − 30) / (40 − 30) = 0.6; expected 3/5 = 0.6
    assert (result.baseline, result.current, result.target) == (
        Decimal(30),
        Decimal(36),
        Decimal(40),
    )
    assert result.progress == pytest.approx(0.6)
    assert result.status == "on_track"
    assert [(u.role, u.gender, u.period, u.value) for u in result.used] == [
        ("baseline", "K", "2005", Decimal(30)),
        ("baseline", "M", "2005", Decimal(70)),
        ("current", "K", "2008", Decimal(36)),
        ("current", "M", "2008", Decimal(64)),
    ]


def test_goal_gender_share_follows_men_when_they_are_fewer(measure: Any) -> None:
    care = make_indicator(gender_split=True)
    put_values(
        care,
        [
            ("22", "2006", "K", 80),
            ("22", "2006", "M", 20),
            ("22", "2007", "K", 78),
            ("22", "2007", "M", 22),
        ],
    )
    goal = make_goal(
        measure,
        indicator=care,
        area="22",
        baseline_period="2006",
        target_kind="gender_share",
        target_value=40,
        deadline_year=2010,
    )

    result = goal_status(goal)

    # men 20 % → 22 %; progress 2 / 20 = 0.1; expected 1/4 → 0.1 ≥ 0.0: at risk
    assert result.progress == pytest.approx(0.1)
    assert result.expected_progress == pytest.approx(0.25)
    assert result.status == "at_risk"


def test_goal_without_values_has_no_data(measure: Any) -> None:
    indicator = make_indicator()
    goal = make_goal(
        measure,
        indicator=indicator,
        area="22",
        baseline_period="2005",
        target_kind="absolute",
        target_value=10,
    )
    plain = make_goal(measure, text="Ett mål utan indikator")

    with translation.override("en"):
        result = goal_status(goal)

    assert (result.status, result.reason) == ("no_data", "No baseline value.")
    assert goal_status(plain).status == "no_data"
    assert result.as_json()["progress"] is None


def test_goal_status_as_json_has_numbers(measure: Any) -> None:
    indicator = make_indicator(code="nya-foretag")
    put_values(indicator, [("22", "2005", "T", 100), ("22", "2008", "T", "130.5")])
    goal = make_goal(
        measure,
        text="Fler nya företag",
        indicator=indicator,
        area="22",
        baseline_period="2005",
        target_kind="absolute",
        target_value=150,
        deadline_year=2010,
    )

    data = goal_status(goal).as_json()

    assert data["measure"] == "1.1"
    assert (data["indicator"], data["area"], data["gender"]) == ("nya-foretag", "22", "")
    assert (data["baseline"], data["target"], data["current"]) == (100, 150, 130.5)
    assert data["progress"] == pytest.approx(0.61)
    assert data["values_used"][1] == {
        "role": "current",
        "area": "22",
        "gender": "T",
        "period": "2008",
        "value": 130.5,
    }


def test_period_time_and_expected_progress() -> None:
    assert period_time("2008") == 2008
    assert period_time("2008M07") == 2008.5
    assert period_time("2008K2") == 2008.25
    assert period_time("2008H2") == 2008.5
    assert expected_progress(baseline_period="2005", current_period="2012", deadline_year=2010) == 1
    assert expected_progress(baseline_period="2005", current_period="2004", deadline_year=2010) == 0
    assert expected_progress(baseline_period="2005", current_period="2006", deadline_year=None) == 1


def test_programme_goals_of_fifty_goals_in_three_queries(django_assert_num_queries: Any) -> None:
    programme = make_programme(measures=5)
    measures = list(programme.measures.all())
    indicators = [make_indicator(gender_split=True) for _ in range(10)]
    kinds = ["absolute", "change", "relative_to_nation", "gender_share"]
    for indicator in indicators:
        rows = []
        for area in ("00", "22", "2281", "2284", "23"):
            for year in range(2005, 2011):
                rows += [(area, str(year), g, 100 + year - 2005) for g in "TKM"]
        put_values(indicator, rows)
    for n in range(50):
        make_goal(
            measures[n % 5],
            indicator=indicators[n % 10],
            area=["22", "2281", "2284", "23", "00"][n % 5],
            baseline_period="2005",
            target_kind=kinds[n % 4],
            relative_mode="ratio",
            target_value=[150, 15, "1.1", 50][n % 4],
            deadline_year=2012,
        )

    with django_assert_num_queries(3):
        results = programme_goals(programme=programme)

    assert len(results) == 50
    assert {r.status for r in results} <= {"on_track", "at_risk", "off_track"}
    first = results[0]
    # absolute: 100 → 105 of 150 by 2010, expected (2010 − 2005) / 7
    assert first.progress == pytest.approx(0.1)
    assert first.expected_progress == pytest.approx(5 / 7)
