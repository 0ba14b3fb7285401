"""Derived values: figures the platform computes where the source gives none.

Rules (the method book's "derived" flag means exactly these):

- ``sum`` indicators (counts). Areas are handled bottom-up (municipalities, counties, the
  nation), each period and gender on its own:

  - a value the source gives (``derived=False``, even one flagged missing) is always kept; a
    nil value ("-", status ``-``) counts as 0, a missing one ("..", …) as no value;
  - women (K) and men (M): the sum over the area's children, when *every* child has a value (a
    partial sum would look like a fall; the parent is left without a value and the reason is
    noted);
  - the total (T): K + M when the source gives both for the area itself (so that a parent
    whose children are incomplete, such as a county in a year when one of its municipalities
    had another code, still gets its published total); otherwise the sum of the children's
    totals when every child has one — the source's totals, so SCB's published totals (which can
    differ from K + M on purpose) carry upwards — otherwise K + M of the area, derived.

- ``mean``/``ratio`` indicators (rates) are never summed. When the indicator names a numerator
  and a denominator indicator, an area without its own value gets numerator ÷ denominator of that
  area, each taken as given by the source or else summed over the children as above (so a county
  gets Σ numerator ÷ Σ denominator over its municipalities), × 100 when the unit is a percentage
  (``series.is_percent_unit``). Without both components, deriving is refused with a
  ValidationError.

- Stored derived values are refreshed when the children change, and removed when they can no
  longer be derived; they are written through ``store.store_values(derived=True)``, which never
  overwrites a value the source gives.

Area groups are not stored: their values are computed on read (``series.group_series``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverka.core import audit
from samverka.geo.models import Area, AreaKind
from samverka.indicators.enums import Aggregation, Gender
from samverka.indicators.models import Indicator, Value
from samverka.indicators.services.series import is_percent_unit
from samverka.indicators.services.store import NIL_STATUS, QUANTUM, ValueRow, store_values

DERIVED_SOURCE = "derived"
_LEVELS = (AreaKind.MUNICIPALITY, AreaKind.COUNTY, AreaKind.NATION)
_GENDER_ORDER = (Gender.WOMEN, Gender.MEN, Gender.TOTAL)

#: (area_id, gender, period) → value
Key = tuple[int, str, str]


@dataclass
class DeriveCounts:
    """What one derivation did: values created, updated (refreshed), unchanged and removed."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    notes: list[str] = field(default_factory=list)  # why parents were left without a value

    def as_dict(self) -> dict[str, int]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


@dataclass
class _Geography:
    ids_by_level: dict[str, list[int]]
    children: dict[int, list[int]]
    codes: dict[int, str]


#: notes about parents left underived, at most this many in a report (then "and N more")
MAX_NOTES = 10


def _geography() -> _Geography:
    ids_by_level: dict[str, list[int]] = defaultdict(list)
    children: dict[int, list[int]] = defaultdict(list)
    codes: dict[int, str] = {}
    for pk, code, kind, parent_id in Area.objects.values_list("pk", "code", "kind", "parent_id"):
        ids_by_level[kind].append(pk)
        codes[pk] = code
        if parent_id:
            children[parent_id].append(pk)
    return _Geography(ids_by_level, children, codes)


def can_derive(indicator: Indicator) -> bool:
    """Whether values of ``indicator`` can be derived (sums, or rates with both components)."""
    return indicator.aggregation == Aggregation.SUM or bool(
        indicator.numerator_id and indicator.denominator_id
    )


def auto_derivable(indicator: Indicator) -> bool:
    """Whether an import should derive ``indicator`` by itself: sums of counts, and rates with
    both components; a sum indicator whose unit is a percentage is never added up."""
    if indicator.aggregation == Aggregation.SUM and is_percent_unit(indicator.unit):
        return False
    return can_derive(indicator)


def derive_values(
    *, indicator: Indicator, periods: Iterable[str] | None = None, actor: Any = None
) -> DeriveCounts:
    """Compute and store the derived values of ``indicator`` (for ``periods`` only, if given).

    Idempotent: running it twice changes nothing the second time. Raises ValidationError for a
    ``mean``/``ratio`` indicator without numerator and denominator indicators.
    """
    if not can_derive(indicator):
        raise ValidationError(
            _(
                "%(code)s is a %(aggregation)s indicator: its values cannot be added up over "
                "areas. Define its numerator and denominator indicators to derive it."
            )
            % {"code": indicator.code, "aggregation": indicator.aggregation}
        )
    period_list = sorted(set(periods)) if periods is not None else None
    geography = _geography()
    own, stored_derived = _load(indicator.pk, period_list)
    missing: dict[tuple[int, str, str], list[int]] = {}
    if indicator.aggregation == Aggregation.SUM:
        computed = _derive_sums(own, geography, missing)
    else:
        computed = _derive_ratio(indicator, own, geography, period_list)
    computed = {k: v.quantize(QUANTUM) for k, v in computed.items()}

    counts = DeriveCounts(notes=_notes(missing, geography))
    rows = []
    for (area_id, gender, period), value in sorted(computed.items()):
        old = stored_derived.get((area_id, gender, period), _MISSING)
        if old is _MISSING:
            counts.created += 1
        elif old == value:
            counts.unchanged += 1
            continue
        else:
            counts.updated += 1
        rows.append(ValueRow(geography.codes[area_id], period, gender, value))
    stale = [key for key in stored_derived if key not in computed]
    with transaction.atomic():
        if rows:
            store_values(
                indicator=indicator, rows=rows, source=DERIVED_SOURCE, actor=actor, derived=True
            )
        if stale:
            counts.removed = _remove(indicator, stale, actor)
    return counts


_MISSING: Any = object()


def _load(
    indicator_id: int, periods: list[str] | None
) -> tuple[dict[Key, Decimal | None], dict[Key, Decimal | None]]:
    """The indicator's source values and its stored derived values, keyed by (area, gender,
    period)."""
    own: dict[Key, Decimal | None] = {}
    stored_derived: dict[Key, Decimal | None] = {}
    values = Value.objects.filter(indicator_id=indicator_id)
    if periods is not None:
        values = values.filter(period__in=periods)
    for area_id, gender, period, value, status, derived in values.values_list(
        "area_id", "gender", "period", "value", "status", "derived"
    ).iterator(chunk_size=20_000):
        if value is None and status == NIL_STATUS and not derived:
            value = Decimal(0)  # nil: nothing to report, which adds up as zero
        (stored_derived if derived else own)[(area_id, gender, period)] = value
    return own, stored_derived


def _notes(missing: dict[tuple[int, str, str], list[int]], geography: _Geography) -> list[str]:
    """The report's notes: which parents were left without a value, and for want of what."""
    notes = []
    for (area_id, gender, period), kids in sorted(
        missing.items(), key=lambda item: (item[0][2], geography.codes[item[0][0]], item[0][1])
    ):
        codes = sorted(geography.codes[kid] for kid in kids)
        shown = ", ".join(codes[:8]) + (" …" if len(codes) > 8 else "")
        notes.append(
            _("%(area)s %(period)s %(gender)s not derived: no value for %(codes)s")
            % {"area": geography.codes[area_id], "period": period, "gender": gender, "codes": shown}
        )
    if len(notes) > MAX_NOTES:
        notes = [
            *notes[:MAX_NOTES],
            _("(and %(n)d more not derived)") % {"n": len(notes) - MAX_NOTES},
        ]
    return notes


def _derive_sums(
    own: dict[Key, Decimal | None],
    geography: _Geography,
    missing: dict[Key, list[int]] | None = None,
) -> dict[Key, Decimal]:
    """Derived values of a sum indicator, bottom-up (see the module docstring); parents left
    without a value although some children have one go to ``missing`` with the children that
    lack one."""
    periods = sorted({key[2] for key in own})
    computed: dict[Key, Decimal] = {}

    def effective(area_id: int, gender: str, period: str) -> Decimal | None:
        key = (area_id, gender, period)
        return own[key] if key in own else computed.get(key)

    def own_value(area_id: int, gender: str, period: str) -> Decimal | None:
        return own.get((area_id, gender, period))

    for level in _LEVELS:
        for area_id in geography.ids_by_level.get(level, []):
            kids = geography.children.get(area_id, [])
            for period in periods:
                for gender in _GENDER_ORDER:
                    key = (area_id, gender, period)
                    if key in own:
                        continue
                    value = None
                    if gender == Gender.TOTAL:
                        women = own_value(area_id, Gender.WOMEN, period)
                        men = own_value(area_id, Gender.MEN, period)
                        if women is not None and men is not None:
                            value = women + men
                    if value is None and kids:
                        parts = [effective(kid, gender, period) for kid in kids]
                        if all(p is not None for p in parts):
                            value = sum(parts, Decimal(0))  # type: ignore[arg-type]
                        elif missing is not None and any(p is not None for p in parts):
                            missing[key] = [
                                kid for kid, p in zip(kids, parts, strict=True) if p is None
                            ]
                    if value is None and gender == Gender.TOTAL:
                        women = effective(area_id, Gender.WOMEN, period)
                        men = effective(area_id, Gender.MEN, period)
                        if women is not None and men is not None:
                            value = women + men
                    if value is not None:
                        computed[key] = value
                        if missing is not None:
                            missing.pop(key, None)
    return computed


def _derive_ratio(
    indicator: Indicator,
    own: dict[Key, Decimal | None],
    geography: _Geography,
    periods: list[str] | None,
) -> dict[Key, Decimal]:
    """Derived values of a rate: numerator ÷ denominator per area (× 100 for percentages)."""
    components = []
    for component_id in (indicator.numerator_id, indicator.denominator_id):
        component_own, _derived = _load(component_id, periods)  # type: ignore[arg-type]
        component = {k: v for k, v in component_own.items() if v is not None}
        component.update(_derive_sums(component_own, geography))
        components.append(component)
    numerator, denominator = components
    scale = Decimal(100) if is_percent_unit(indicator.unit) else Decimal(1)
    computed: dict[Key, Decimal] = {}
    for key, num in numerator.items():
        if key in own:
            continue
        den = denominator.get(key)
        if den:
            computed[key] = num / den * scale
    return computed


def _remove(indicator: Indicator, keys: list[Key], actor: Any) -> int:
    """Delete stored derived values that can no longer be derived (never a source value)."""
    removed = 0
    by_period: dict[tuple[str, str], list[int]] = defaultdict(list)
    for area_id, gender, period in keys:
        by_period[(gender, period)].append(area_id)
    for (gender, period), area_ids in by_period.items():
        removed += (
            Value.objects.filter(
                indicator=indicator,
                gender=gender,
                period=period,
                area_id__in=area_ids,
                derived=True,
            )
            .delete()[1]
            .get(Value._meta.label, 0)
        )
    if removed:
        audit.record(
            actor=actor,
            action="indicator.derived_values_removed",
            obj=indicator,
            changes={"removed": removed},
        )
    return removed
