"""Data builders for the derive/series/goals/API tests of the indicator database: plain ORM rows.

A uniquely named module (not conftest) so that test modules can import it unambiguously.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from samverka.api.models import ApiToken
from samverka.geo.models import Area
from samverka.indicators.models import Indicator, Value
from samverka.programmes.models import Measure, MeasureGoal, PriorityArea, Programme

_seq = itertools.count(1)

#: Västernorrland (county 22) and its seven municipalities.
VASTERNORRLAND = ("2260", "2262", "2280", "2281", "2282", "2283", "2284")


def make_indicator(code: str | None = None, **fields: Any) -> Indicator:
    code = code or f"ind-{next(_seq)}"
    fields.setdefault("name_sv", f"Indikator {code}")
    return Indicator.objects.create(code=code, **fields)


def put_values(
    indicator: Indicator,
    rows: list[tuple[str, str, str, Any]],
    *,
    derived: bool = False,
    revised: bool = False,
) -> None:
    """Store ``(area_code, period, gender, value)`` rows as they are (no derivation)."""
    areas = dict(Area.objects.values_list("code", "pk"))
    now = timezone.now()
    Value.objects.bulk_create(
        Value(
            indicator=indicator,
            area_id=areas[area],
            period=period,
            gender=gender,
            value=None if value is None else Decimal(str(value)),
            derived=derived,
            revised=revised,
            source="test",
            imported_at=now,
        )
        for area, period, gender, value in rows
    )


def value_of(indicator: Indicator, area: str, period: str, gender: str = "T") -> Value | None:
    return Value.objects.filter(
        indicator=indicator, area__code=area, period=period, gender=gender
    ).first()


def make_programme(code: str = "rtp", *, measures: int = 1) -> Programme:
    programme = Programme.objects.create(
        code=code, name=f"Programme {code}", start_year=2008, end_year=2010
    )
    priority = PriorityArea.objects.create(programme=programme, number=1, name="Tillväxt")
    for position in range(measures):
        Measure.objects.create(
            programme=programme,
            priority_area=priority,
            code=f"1.{position + 1}",
            name=f"Åtgärd 1.{position + 1}",
            position=position,
        )
    return programme


def make_goal(measure: Measure, **fields: Any) -> MeasureGoal:
    if isinstance(fields.get("area"), str):
        fields["area"] = Area.objects.get(code=fields["area"])
    for name in ("baseline_value", "target_value"):
        if fields.get(name) is not None:
            fields[name] = Decimal(str(fields[name]))
    fields.setdefault("text", f"Mål {next(_seq)}")
    return MeasureGoal.objects.create(measure=measure, **fields)


def make_user(*, role: str | None = None, superuser: bool = False) -> Any:
    username = f"indicator-user{next(_seq)}"
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="pw", is_superuser=superuser
    )
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def bearer(user: Any) -> dict[str, str]:
    _, plain = ApiToken.issue(user=user, name="test")
    return {"Authorization": f"Bearer {plain}"}
