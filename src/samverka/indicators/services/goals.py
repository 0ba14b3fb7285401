"""The status of measure goals: baseline, target, current value, progress and on/at/off track.

Definitions (the goal dashboard, ``samverka goals status`` and the API all use these):

- **Values followed**: the goal's indicator in the goal's area for its gender (empty gender = the
  total T). Only values that are not missing count; derived values count like published ones.
- **Baseline**: the goal's ``baseline_value`` when given, else the value of ``baseline_period``.
- **Current**: the value of the latest period that has one.
- **Target** by kind:

  - ``absolute``: ``target_value``.
  - ``change``: ``baseline × (1 + target_value / 100)`` (a negative ``target_value`` is a fall).
  - ``relative_to_nation``: the area is compared with the nation ("00") in the same period, as
    the ratio area ÷ nation (``relative_mode`` "ratio", the default) or the difference
    area − nation ("difference"). Baseline = that comparison at the baseline period, current =
    at the latest period where both have a value, target = ``target_value`` (the ratio or
    difference to reach).
  - ``gender_share``: the share of the under-represented gender, in percent of women + men
    (K ÷ (K + M) × 100; the published total is not used because it can differ from K + M).
    The under-represented gender is the one with the smaller share in each period (or the goal's
    gender when one is set). Baseline = that share at the baseline period, current = at the latest
    period with both K and M, target = ``target_value`` (e.g. 40).

- **Progress** = (current − baseline) ÷ (target − baseline). It is 1 at the target and can be
  negative or above 1. When target = baseline, progress is 1 if current ≥ target, else 0.
- **Expected progress** is linear over time: (t − baseline year) ÷ (deadline year − baseline
  year), clamped to 0..1, where t is the time of the *current value's period* (statistics lag by
  a year or two, so the data are judged at the time they describe, not today). Periods map to
  years as year + (n − 1) ÷ (periods per year), e.g. "2008K3" = 2008.5. Without a deadline year
  (or with one not after the baseline) the whole target is expected (1).
- **Status**: ``on_track`` when progress ≥ expected; ``at_risk`` when progress ≥ expected − 0.25
  (a quarter of the way to the target behind); ``off_track`` otherwise; ``no_data`` when the goal
  has no indicator, area or target kind, or a baseline, current value or target cannot be
  computed (``reason`` says which).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from samverka.geo.models import NATION_CODE, Area
from samverka.indicators.enums import Gender, GoalStatus, RelativeMode, TargetKind
from samverka.indicators.models import Value
from samverka.indicators.services.series import json_number
from samverka.programmes.models import MeasureGoal, Programme

#: How far behind the expected progress a goal may be and still count as at risk.
AT_RISK_MARGIN = 0.25
_HUNDRED = Decimal(100)

#: Preloaded values: (indicator_id, area_id, gender) → [(period, value)] sorted by period.
ValueMap = dict[tuple[int, int, str], list[tuple[str, Decimal]]]


@dataclass
class UsedValue:
    """One figure behind a status, for display: which area, gender and period, and the value."""

    role: str  # "baseline" or "current"
    area: str  # area code
    gender: str
    period: str
    value: Decimal | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "area": self.area,
            "gender": self.gender,
            "period": self.period,
            "value": self.value,
        }


@dataclass
class GoalStatusResult:
    """The computed status of one measure goal with the numbers behind it.

    ``baseline``, ``target`` and ``current`` are in the unit being compared: the indicator's unit
    for absolute and change targets, the ratio or difference for relative_to_nation, percent for
    gender_share. ``progress`` and ``expected_progress`` are fractions (1 = target reached).
    """

    goal: MeasureGoal
    status: str
    baseline: Decimal | None = None
    baseline_period: str = ""
    target: Decimal | None = None
    current: Decimal | None = None
    current_period: str = ""
    progress: float | None = None
    expected_progress: float | None = None
    reason: str = ""
    used: list[UsedValue] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return str(GoalStatus(self.status).label)

    def as_dict(self) -> dict[str, Any]:
        """Plain data (Decimals kept) for the API and the command."""
        goal = self.goal
        return {
            "id": goal.pk,
            "measure": goal.measure.code,
            "text": goal.text,
            "indicator": goal.indicator.code if goal.indicator_id else None,
            "area": goal.area.code if goal.area_id else None,
            "gender": goal.gender,
            "target_kind": goal.target_kind,
            "deadline_year": goal.deadline_year,
            "baseline_period": self.baseline_period,
            "baseline": self.baseline,
            "target": self.target,
            "current_period": self.current_period,
            "current": self.current,
            "progress": self.progress,
            "expected_progress": self.expected_progress,
            "status": self.status,
            "reason": self.reason,
            "values_used": [u.as_dict() for u in self.used],
        }

    def as_json(self) -> dict[str, Any]:
        """Like :meth:`as_dict` with numbers as JSON numbers (int when integral, else float)."""
        data = self.as_dict()
        for name in ("baseline", "target", "current"):
            data[name] = json_number(data[name])
        for used in data["values_used"]:
            used["value"] = json_number(used["value"])
        return data


# Public functions -------------------------------------------------------------------------------


def goal_status(goal: MeasureGoal, *, today: dt.date | None = None) -> GoalStatusResult:
    """The status of one goal (one query for its values, plus the nation's id when needed).

    ``today`` is accepted for callers that pin the date; the status is judged at the time of the
    current value's period (see the module docstring), so it does not change the result.
    """
    nation_id = _nation_id()
    values = _load_values([goal], nation_id)
    return _compute(goal, values, nation_id)


def programme_goals(*, programme: Programme | str) -> list[GoalStatusResult]:
    """The status of every measure goal of ``programme`` (the object or its code), in measure
    order. A bounded number of queries whatever the number of goals: the goals with their measure,
    indicator and area; the nation's id; all values of the indicator/area pairs involved."""
    lookup = (
        {"measure__programme": programme}
        if isinstance(programme, Programme)
        else {"measure__programme__code": programme}
    )
    goals = list(
        MeasureGoal.objects.filter(**lookup)
        .select_related("measure", "indicator", "area")
        .order_by(
            "measure__priority_area__number",
            "measure__position",
            "measure__code",
            "position",
            "pk",
        )
    )
    nation_id = _nation_id()
    values = _load_values(goals, nation_id)
    return [_compute(goal, values, nation_id) for goal in goals]


def expected_progress(
    *, baseline_period: str, current_period: str, deadline_year: int | None
) -> float:
    """The linear expected progress at ``current_period`` (see the module docstring)."""
    start = period_time(baseline_period)
    if not deadline_year or deadline_year <= start:
        return 1.0
    elapsed = (period_time(current_period) - start) / (deadline_year - start)
    return min(1.0, max(0.0, elapsed))


def period_time(period: str) -> float:
    """A period as a point in time in years: "2008" → 2008, "2008M07" → 2008.5, "2008K2" →
    2008.25, "2008H2" → 2008.5."""
    year = int(period[:4])
    rest = period[4:]
    if not rest:
        return float(year)
    per_year = {"M": 12, "K": 4, "H": 2}[rest[0]]
    return year + (int(rest[1:]) - 1) / per_year


def progress_of(*, baseline: Decimal, target: Decimal, current: Decimal) -> float:
    """(current − baseline) ÷ (target − baseline); 1 or 0 when target = baseline."""
    if target == baseline:
        return 1.0 if current >= target else 0.0
    return float((current - baseline) / (target - baseline))


def status_for(*, progress: float, expected: float) -> str:
    if progress >= expected:
        return GoalStatus.ON_TRACK
    if progress >= expected - AT_RISK_MARGIN:
        return GoalStatus.AT_RISK
    return GoalStatus.OFF_TRACK


# Loading ---------------------------------------------------------------------------------------


def _nation_id() -> int | None:
    return Area.objects.filter(code=NATION_CODE).values_list("pk", flat=True).first()


def _load_values(goals: list[MeasureGoal], nation_id: int | None) -> ValueMap:
    """All non-missing values of the goals' indicator/area pairs (and the nation's, for relative
    targets) in one query."""
    areas_by_indicator: dict[int, set[int]] = defaultdict(set)
    for goal in goals:
        if goal.indicator_id and goal.area_id:
            areas_by_indicator[goal.indicator_id].add(goal.area_id)
            if goal.target_kind == TargetKind.RELATIVE_TO_NATION and nation_id:
                areas_by_indicator[goal.indicator_id].add(nation_id)
    values: ValueMap = defaultdict(list)
    if not areas_by_indicator:
        return values
    condition = Q()
    for indicator_id, area_ids in areas_by_indicator.items():
        condition |= Q(indicator_id=indicator_id, area_id__in=sorted(area_ids))
    rows = (
        Value.objects.filter(condition, value__isnull=False)
        .order_by("indicator_id", "area_id", "gender", "period")
        .values_list("indicator_id", "area_id", "gender", "period", "value")
    )
    for indicator_id, area_id, gender, period, value in rows:
        values[(indicator_id, area_id, gender)].append((period, value))
    return values


# Computing -------------------------------------------------------------------------------------


def _value_at(points: list[tuple[str, Decimal]], period: str) -> Decimal | None:
    i = bisect_right(points, (period, Decimal("Infinity"))) - 1
    if i >= 0 and points[i][0] == period:
        return points[i][1]
    return None


def _compute(goal: MeasureGoal, values: ValueMap, nation_id: int | None) -> GoalStatusResult:
    result = GoalStatusResult(goal=goal, status=GoalStatus.NO_DATA)
    if not goal.indicator_id or not goal.area_id or not goal.target_kind:
        result.reason = _("The goal has no indicator, area or target kind.")
        return result
    if goal.target_value is None:
        result.reason = _("The goal has no target value.")
        return result
    kind = goal.target_kind
    if kind == TargetKind.GENDER_SHARE:
        _gender_share(goal, values, result)
    elif kind == TargetKind.RELATIVE_TO_NATION:
        _relative(goal, values, nation_id, result)
    else:
        _absolute_or_change(goal, values, result)
    if result.reason:
        return result
    if result.baseline is None or result.target is None or result.current is None:
        result.reason = _("The baseline, target or current value is missing.")
        return result
    result.progress = progress_of(
        baseline=result.baseline, target=result.target, current=result.current
    )
    if result.baseline_period:
        result.expected_progress = expected_progress(
            baseline_period=result.baseline_period,
            current_period=result.current_period,
            deadline_year=goal.deadline_year,
        )
    else:
        result.expected_progress = 1.0
    result.status = status_for(progress=result.progress, expected=result.expected_progress)
    return result


def _absolute_or_change(goal: MeasureGoal, values: ValueMap, result: GoalStatusResult) -> None:
    gender = goal.gender or Gender.TOTAL
    area = goal.area.code
    points = values.get((goal.indicator_id, goal.area_id, gender), [])
    baseline = goal.baseline_value
    result.baseline_period = goal.baseline_period
    if baseline is None and goal.baseline_period:
        baseline = _value_at(points, goal.baseline_period)
    if baseline is None:
        result.reason = _("No baseline value.")
        return
    result.baseline = baseline
    result.used.append(UsedValue("baseline", area, gender, goal.baseline_period, baseline))
    if goal.target_kind == TargetKind.CHANGE:
        result.target = baseline * (1 + goal.target_value / _HUNDRED)
    else:
        result.target = goal.target_value
    if not points:
        result.reason = _("No current value.")
        return
    result.current_period, result.current = points[-1]
    result.used.append(UsedValue("current", area, gender, result.current_period, result.current))


def _compare(area_value: Decimal, nation_value: Decimal, mode: str) -> Decimal | None:
    if mode == RelativeMode.DIFFERENCE:
        return area_value - nation_value
    if nation_value == 0:
        return None
    return area_value / nation_value


def _relative(
    goal: MeasureGoal, values: ValueMap, nation_id: int | None, result: GoalStatusResult
) -> None:
    gender = goal.gender or Gender.TOTAL
    mode = goal.relative_mode or RelativeMode.RATIO
    area = goal.area.code
    own = values.get((goal.indicator_id, goal.area_id, gender), [])
    nation = dict(values.get((goal.indicator_id, nation_id or 0, gender), []))
    result.baseline_period = goal.baseline_period
    result.target = goal.target_value
    if not goal.baseline_period:
        result.reason = _("No baseline period.")
        return
    area_base = goal.baseline_value
    if area_base is None:
        area_base = _value_at(own, goal.baseline_period)
    nation_base = nation.get(goal.baseline_period)
    if area_base is None or nation_base is None:
        result.reason = _("No baseline value for the area or the nation.")
        return
    result.baseline = _compare(area_base, nation_base, mode)
    result.used.append(UsedValue("baseline", area, gender, goal.baseline_period, area_base))
    result.used.append(
        UsedValue("baseline", NATION_CODE, gender, goal.baseline_period, nation_base)
    )
    if result.baseline is None:
        result.reason = _("The nation's baseline value is zero.")
        return
    both = [(p, v) for p, v in own if p in nation]
    if not both:
        result.reason = _("No current value for both the area and the nation.")
        return
    period, area_now = both[-1]
    result.current = _compare(area_now, nation[period], mode)
    result.current_period = period
    result.used.append(UsedValue("current", area, gender, period, area_now))
    result.used.append(UsedValue("current", NATION_CODE, gender, period, nation[period]))
    if result.current is None:
        result.reason = _("The nation's current value is zero.")


def _share(women: Decimal, men: Decimal, gender: str) -> Decimal | None:
    """The share in percent of ``gender`` (K or M), or of the smaller one when gender is ''."""
    total = women + men
    if total == 0:
        return None
    share_women = women / total * _HUNDRED
    share_men = men / total * _HUNDRED
    if gender == Gender.WOMEN:
        return share_women
    if gender == Gender.MEN:
        return share_men
    return min(share_women, share_men)


def _gender_share(goal: MeasureGoal, values: ValueMap, result: GoalStatusResult) -> None:
    area = goal.area.code
    women = dict(values.get((goal.indicator_id, goal.area_id, Gender.WOMEN), []))
    men = dict(values.get((goal.indicator_id, goal.area_id, Gender.MEN), []))
    result.baseline_period = goal.baseline_period
    result.target = goal.target_value
    base = goal.baseline_period
    if not base or base not in women or base not in men:
        result.reason = _("No values for women and men in the baseline period.")
        return
    result.baseline = _share(women[base], men[base], goal.gender)
    result.used.append(UsedValue("baseline", area, Gender.WOMEN, base, women[base]))
    result.used.append(UsedValue("baseline", area, Gender.MEN, base, men[base]))
    periods = sorted(set(women) & set(men))
    if result.baseline is None:
        result.reason = _("Women and men add up to zero in the baseline period.")
        return
    now = periods[-1]
    result.current = _share(women[now], men[now], goal.gender)
    result.current_period = now
    result.used.append(UsedValue("current", area, Gender.WOMEN, now, women[now]))
    result.used.append(UsedValue("current", area, Gender.MEN, now, men[now]))
    if result.current is None:
        result.reason = _("Women and men add up to zero in the current period.")
