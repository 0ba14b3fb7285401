"""Per-programme pages of the indicator database: the baseline-value list and the goal dashboard
(status of every measure goal that follows an indicator, with the numbers behind it)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import number_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from samverka.core.exports import FORMATS, table_response
from samverka.indicators.enums import GoalStatus, RelativeMode, TargetKind
from samverka.indicators.services.goals import GoalStatusResult, programme_goals
from samverka.programmes.models import PriorityArea, Programme


def _number(value: Decimal | float | None, decimals: int = 2) -> float | int | str:
    """A figure for a spreadsheet cell: a number rounded to ``decimals``, "" when missing."""
    if value is None:
        return ""
    rounded = round(float(value), decimals)
    return int(rounded) if rounded == int(rounded) else rounded


def _show(value: Decimal | float | None, decimals: int, *, trim: bool = False) -> str:
    """A figure for the page in the active locale, with thousands grouped ("–" when missing);
    ``trim`` drops decimals that are zero (a target of "15 %", not "15.0 %")."""
    if value is None:
        return "\N{EN DASH}"
    number = round(Decimal(str(value)), decimals)
    if trim and number == number.to_integral_value():
        decimals = 0
    return number_format(number, decimals, use_l10n=True, force_grouping=True)


def _percent(fraction: float | None) -> int | None:
    return None if fraction is None else round(fraction * 100)


def compared_decimals(result: GoalStatusResult) -> int:
    """How many decimals the compared figures need: the indicator's for absolute and change
    targets, 3 for a ratio to the nation, 1 for differences and gender shares."""
    goal = result.goal
    kind = goal.target_kind
    if kind == TargetKind.RELATIVE_TO_NATION:
        return 3 if (goal.relative_mode or RelativeMode.RATIO) == RelativeMode.RATIO else 1
    if kind == TargetKind.GENDER_SHARE:
        return 1
    return goal.indicator.decimals if goal.indicator_id else 0


def compared_unit(result: GoalStatusResult) -> str:
    goal = result.goal
    kind = goal.target_kind
    if kind == TargetKind.RELATIVE_TO_NATION:
        if (goal.relative_mode or RelativeMode.RATIO) == RelativeMode.RATIO:
            return _("ratio to the nation")
        return _("difference from the nation")
    if kind == TargetKind.GENDER_SHARE:
        return _("percent of women + men")
    return goal.indicator.unit if goal.indicator_id else ""


def target_text(result: GoalStatusResult) -> str:
    """The target in words, e.g. "+15 % from the baseline by 2010"."""
    goal = result.goal
    value = goal.target_value
    if value is None or not goal.target_kind:
        return "\N{EN DASH}"
    decimals = compared_decimals(result)
    by = _(" by %(year)s") % {"year": goal.deadline_year} if goal.deadline_year else ""
    shown = _show(value, decimals, trim=True)
    if goal.target_kind == TargetKind.CHANGE:
        sign = "+" if value >= 0 else ""
        text = _("%(sign)s%(value)s %% from the baseline") % {
            "sign": sign,
            "value": _show(value, 1, trim=True),
        }
    elif goal.target_kind == TargetKind.GENDER_SHARE:
        text = _("at least %(value)s %% of each gender") % {"value": shown}
    elif goal.target_kind == TargetKind.RELATIVE_TO_NATION:
        if (goal.relative_mode or RelativeMode.RATIO) == RelativeMode.RATIO:
            text = _("ratio to the nation %(value)s") % {"value": shown}
        else:
            text = _("difference from the nation %(value)s %(unit)s") % {
                "value": shown,
                "unit": goal.indicator.unit if goal.indicator_id else "",
            }
    else:
        text = _("reach %(value)s %(unit)s") % {
            "value": shown,
            "unit": goal.indicator.unit if goal.indicator_id else "",
        }
    return text + by


def _rows(results: list[GoalStatusResult], programme: Programme) -> list[dict[str, Any]]:
    """One display row per goal that follows an indicator, with its priority area (loaded in one
    query rather than one per goal)."""
    areas = {a.pk: a for a in PriorityArea.objects.filter(programme=programme)}
    rows = []
    for result in results:
        goal = result.goal
        if not goal.indicator_id:
            continue
        decimals = compared_decimals(result)
        if goal.baseline_value is not None:
            baseline_value = _show(goal.baseline_value, goal.indicator.decimals)
            baseline_unit = goal.indicator.unit
        else:
            baseline_value, baseline_unit = _show(result.baseline, decimals), compared_unit(result)
        rows.append(
            {
                "result": result,
                "goal": goal,
                "priority_area": areas.get(goal.measure.priority_area_id),
                "measure": goal.measure,
                "target_text": target_text(result),
                "unit": compared_unit(result),
                "baseline": _show(result.baseline, decimals),
                "target": _show(result.target, decimals),
                "current": _show(result.current, decimals),
                "progress": _percent(result.progress),
                "expected": _percent(result.expected_progress),
                "baseline_value": baseline_value,
                "baseline_unit": baseline_unit,
                "decimals": decimals,
            }
        )
    return rows


def _programme_and_rows(code: str) -> tuple[Programme, list[dict[str, Any]], int]:
    programme = get_object_or_404(Programme, code=code)
    results = programme_goals(programme=programme)
    rows = _rows(results, programme)
    return programme, rows, len(results) - len(rows)


def _grouped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows grouped by priority area, then measure (the rows come in measure order)."""
    groups: list[dict[str, Any]] = []
    for row in sorted(
        rows,
        key=lambda r: (r["priority_area"].number if r["priority_area"] else 0,),
    ):
        area = row["priority_area"]
        if not groups or groups[-1]["area"] != area:
            groups.append({"area": area, "measures": []})
        measures = groups[-1]["measures"]
        if not measures or measures[-1]["measure"] != row["measure"]:
            measures.append({"measure": row["measure"], "rows": []})
        measures[-1]["rows"].append(row)
    return groups


@require_GET
def baselines(request: HttpRequest, code: str) -> HttpResponse:
    programme, rows, unfollowed = _programme_and_rows(code)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Measure"),
            _("Goal"),
            _("Indicator"),
            _("Indicator name"),
            _("Area code"),
            _("Area"),
            _("Gender"),
            _("Baseline period"),
            _("Baseline value"),
            _("Compared as"),
            _("Baseline compared"),
            _("Target kind"),
            _("Target value"),
            _("Compared with the nation as"),
            _("Deadline year"),
            _("Unit"),
        ]
        data = (
            [
                r["measure"].code,
                r["goal"].text,
                r["goal"].indicator.code,
                r["goal"].indicator.name,
                r["goal"].area.code if r["goal"].area_id else "",
                r["goal"].area.name if r["goal"].area_id else "",
                r["goal"].gender or "T",
                r["result"].baseline_period,
                _number(r["goal"].baseline_value, 6),
                r["unit"],
                _number(r["result"].baseline, r["decimals"]),
                r["goal"].get_target_kind_display(),
                _number(r["goal"].target_value, 6),
                r["goal"].get_relative_mode_display(),
                r["goal"].deadline_year or "",
                r["goal"].indicator.unit,
            ]
            for r in rows
        )
        return table_response(headers, data, fmt=export, filename=f"baselines-{programme.code}")
    return render(
        request,
        "indicators/baselines.html",
        {"programme": programme, "rows": rows, "unfollowed": unfollowed},
    )


@require_GET
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    programme, rows, unfollowed = _programme_and_rows(code)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Priority area"),
            _("Measure"),
            _("Goal"),
            _("Indicator"),
            _("Area"),
            _("Gender"),
            _("Status"),
            _("Compared as"),
            _("Baseline period"),
            _("Baseline"),
            _("Target"),
            _("Current period"),
            _("Current"),
            _("Progress (%)"),
            _("Expected progress (%)"),
            _("Reason"),
        ]
        data = (
            [
                r["priority_area"].number if r["priority_area"] else "",
                r["measure"].code,
                r["goal"].text,
                r["goal"].indicator.code,
                r["goal"].area.code if r["goal"].area_id else "",
                r["goal"].gender or "T",
                capfirst(r["result"].status_label),
                r["unit"],
                r["result"].baseline_period,
                _number(r["result"].baseline, r["decimals"]),
                _number(r["result"].target, r["decimals"]),
                r["result"].current_period,
                _number(r["result"].current, r["decimals"]),
                "" if r["progress"] is None else r["progress"],
                "" if r["expected"] is None else r["expected"],
                r["result"].reason,
            ]
            for r in rows
        )
        return table_response(headers, data, fmt=export, filename=f"goals-{programme.code}")
    counts = Counter(r["result"].status for r in rows)
    summary = [(status, label, counts.get(status, 0)) for status, label in GoalStatus.choices]
    return render(
        request,
        "indicators/goal_dashboard.html",
        {
            "programme": programme,
            "groups": _grouped(rows),
            "summary": summary,
            "total": len(rows),
            "unfollowed": unfollowed,
        },
    )
