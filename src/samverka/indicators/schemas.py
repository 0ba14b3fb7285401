"""Schemas of the indicators API: the method book, values and goal status."""

# No "from __future__ import annotations": ninja must see the real types.

from typing import Any

from ninja import Field, Schema

from samverka.api.schemas import absolute_url
from samverka.indicators.enums import Aggregation, Gender, Source
from samverka.indicators.models import Indicator

Number = int | float | None


class IndicatorOut(Schema):
    code: str
    name: str
    name_sv: str
    name_en: str
    unit: str
    source: str
    aggregation: str
    gender_split: bool
    decimals: int
    url: str | None

    @staticmethod
    def resolve_url(obj: Indicator, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class IndicatorDetail(IndicatorOut):
    definition: str
    method: str
    source_reference: str
    numerator: str | None = Field(description="Code of the numerator indicator (ratios).")
    denominator: str | None = Field(description="Code of the denominator indicator (ratios).")

    @staticmethod
    def resolve_numerator(obj: Indicator) -> str | None:
        return obj.numerator.code if obj.numerator_id else None

    @staticmethod
    def resolve_denominator(obj: Indicator) -> str | None:
        return obj.denominator.code if obj.denominator_id else None


class IndicatorFilters(Schema):
    q: str | None = Field(None, description="Words in the code, names or definition.")
    source: Source | None = None
    gender_split: bool | None = None


class IndicatorIn(Schema):
    """A PUT sets the fields sent; a new indicator needs at least ``name_sv``."""

    name_sv: str | None = Field(None, max_length=300)
    name_en: str | None = Field(None, max_length=300)
    unit: str | None = Field(None, max_length=60)
    definition: str | None = None
    method: str | None = None
    source: Source | None = None
    source_reference: str | None = Field(None, max_length=200)
    aggregation: Aggregation | None = None
    gender_split: bool | None = None
    decimals: int | None = Field(None, ge=0, le=6)
    numerator: str | None = Field(None, description='Indicator code; "" clears it.')
    denominator: str | None = Field(None, description='Indicator code; "" clears it.')


class ValueFilters(Schema):
    area: str | None = Field(
        None, description='Area code ("00", "22", "2281") or area-group slug; all areas if empty.'
    )
    gender: Gender | None = Field(None, description="T, K or M; all genders if empty.")
    start: str | None = Field(None, alias="from", description='First period, e.g. "2005".')
    end: str | None = Field(
        None, alias="to", description="Last period (a year includes its months)."
    )


class ValueOut(Schema):
    area: str
    period: str
    gender: str
    value: Number
    derived: bool
    revised: bool
    status: str | None = Field(
        None,
        description='"nil" (the source\'s "-": nothing to report, adds up as 0), "missing" '
        '(not available: "..", "." …) or null for a figure.',
    )


class UsedValueOut(Schema):
    role: str
    area: str
    gender: str
    period: str
    value: Number


class GoalStatusOut(Schema):
    id: int
    measure: str
    text: str
    indicator: str | None
    area: str | None
    gender: str
    target_kind: str
    deadline_year: int | None
    baseline_period: str
    baseline: Number
    target: Number
    current_period: str
    current: Number
    progress: float | None = Field(description="(current − baseline) ÷ (target − baseline).")
    expected_progress: float | None
    status: str = Field(description="on_track, at_risk, off_track or no_data.")
    reason: str
    values_used: list[UsedValueOut]
