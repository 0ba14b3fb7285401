"""The one write path for indicator values: imports, live fetches and derived values all go
through :func:`store_values`.

Guarantees:

* upsert by (indicator, area, period, gender) in one transaction (the caller's, or a new one);
* a changed figure keeps the old one as a :class:`ValueRevision` and the value is marked
  ``revised`` (sources such as Kolada and SCB revise silently);
* a value the source gives is never overwritten by a derived one (``derived=True`` writes
  leave source values alone), while a source value replaces an earlier derived one without a
  revision (the platform's own estimate is not a published figure);
* rows are consumed as a stream in chunks, so a million-row file never sits in memory as models.

On PostgreSQL the rows of each chunk are sent with ``COPY``: straight into the value table when
the indicator has no values yet, else into a temporary table followed by one
``INSERT … ON CONFLICT DO UPDATE``. Elsewhere (SQLite) plain ``executemany`` statements are
used; both are far faster than ``bulk_create``/``bulk_update`` on model instances.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from samverka.core import audit, page_cache
from samverka.geo.models import NATION_CODE, Area
from samverka.indicators.enums import Gender, Source
from samverka.indicators.models import Indicator, Value, ValueRevision

CHUNK_SIZE = 5000
PG_CHUNK_SIZE = 50_000
QUANTUM = Decimal("0.000001")  # Value.value has six decimal places
MAX_ABS = Decimal("1e14")  # max_digits=20, decimal_places=6

#: The status of a nil value ("-": nothing to report, counts as 0); every other symbol means
#: the figure is missing (not available, confidential, not applicable).
NIL_STATUS = "-"

# Symbols statistical agencies print instead of a number (PC-Axis, SCB, Kolada).
MISSING_SYMBOLS = frozenset({"..", "...", "....", ".....", "......", "-", ":", "x", "X", ".", ""})

_GENDERS = frozenset(Gender.values)  # Gender.values rebuilds a list on every access
_PERIOD_RE = re.compile(r"^(\d{4})(?:([MKQH])(\d{1,2}))?$")


class ValueRow(NamedTuple):
    """One figure to store: ``value`` is None when the source gives only a status flag."""

    area_code: str
    period: str
    gender: str
    value: Decimal | None
    status: str = ""


@dataclass
class StoreResult:
    """Counts of one store: ``updated`` includes the ``revised`` rows (whose figure changed)."""

    created: int = 0
    updated: int = 0
    revised: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def add(self, other: StoreResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.revised += other.revised
        self.unchanged += other.unchanged


# --- normalisation helpers shared by the importers -------------------------------------------


def normalise_area_code(code: str) -> str:
    """SCB or Kolada area code → our code: "0000"/"00"/"Riket" → "00", "00NN" → "NN",
    "NNNN" stays; "N" or "NNN" with a dropped leading zero are restored."""
    code = str(code).strip()
    if code.lower() in {"riket", "sverige", "sweden", "0", "0000"}:
        return NATION_CODE
    if code.isdigit():
        if len(code) == 4 and code.startswith("00"):
            return code[2:]
        if len(code) in (1, 3):
            return "0" + code
    return code


def normalise_period(text: str | int) -> str:
    """Year "2005", month "2026M01", quarter "2026K1" (also "2026Q1"), half-year "2026H1".

    Raises ValueError for anything else.
    """
    raw = str(text).strip().upper()
    match = _PERIOD_RE.match(raw)
    if not match:
        raise ValueError(_("not a period (use 2005, 2026M01, 2026K1 or 2026H1): %r") % raw)
    year, kind, number = match.groups()
    if kind is None:
        return year
    n = int(number)
    if kind == "M" and 1 <= n <= 12:
        return f"{year}M{n:02d}"
    if kind in {"K", "Q"} and 1 <= n <= 4:
        return f"{year}K{n}"
    if kind == "H" and 1 <= n <= 2:
        return f"{year}H{n}"
    raise ValueError(_("not a period (use 2005, 2026M01, 2026K1 or 2026H1): %r") % raw)


_PLAIN_NUMBER = re.compile(r"-?\d{1,14}(?:\.\d{1,6})?")


def parse_number(text: Any) -> tuple[Decimal | None, str]:
    """A figure as printed by a source → (value, status).

    Accepts Swedish decimal commas and spaces as thousands separators; missing-value symbols
    ("..", "-", …) give ``(None, symbol)``. Raises ValueError for anything else.
    """
    if text is None:
        return None, ""
    if isinstance(text, (int, Decimal)):
        return _check(Decimal(text)), ""
    if isinstance(text, float):
        return _check(Decimal(repr(text))), ""
    raw = str(text).strip().strip('"').strip()
    if _PLAIN_NUMBER.fullmatch(raw):  # the common case: no commas, spaces or signs to clean
        return _check(Decimal(raw)), ""
    if raw in MISSING_SYMBOLS:
        return None, raw
    cleaned = raw.replace("\u00a0", "").replace(" ", "").replace("\u2212", "-")
    if "," in cleaned:
        if "." in cleaned:  # "1.234,5" (thousands dots) – the comma is the decimal mark
            cleaned = cleaned.replace(".", "")
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("not a number: %r") % raw) from None
    if not number.is_finite():
        raise ValueError(_("not a number: %r") % raw)
    return _check(number), ""


def _check(number: Decimal) -> Decimal:
    if abs(number) >= MAX_ABS:
        raise ValueError(_("number too large: %s") % number)
    return number


def _quantize(number: Decimal | None) -> Decimal | None:
    return None if number is None else number.quantize(QUANTUM)


# --- indicators ------------------------------------------------------------------------------


def ensure_indicator(
    code: str,
    *,
    name_sv: str = "",
    unit: str = "",
    source: str = Source.OTHER,
    source_reference: str = "",
    name_en: str = "",
    actor: Any = None,
    **fields: Any,
) -> Indicator:
    """The indicator with ``code``, created (with these fields) when new.

    An existing indicator is returned as it is, except that blank name/unit/source table are
    filled in. Raises ValidationError when the code is not a valid slug.
    """
    code = str(code).strip()
    if not code or slugify(code) != code.lower() or len(code) > 60:
        raise ValidationError(
            _("%(code)r is not a valid indicator code (letters, digits, - and _)") % {"code": code}
        )
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        indicator = Indicator.objects.create(
            code=code,
            name_sv=(name_sv or code)[:300],
            name_en=name_en[:300],
            unit=unit[:60],
            source=source,
            source_reference=(source_reference or "")[:200],
            **fields,
        )
        audit.record(actor=actor, action="indicator.created", obj=indicator)
        return indicator
    changed = []
    for field, value in (
        ("name_sv", name_sv[:300]),
        ("name_en", name_en[:300]),
        ("unit", unit[:60]),
        ("source_reference", (source_reference or "")[:200]),
    ):
        if value and not getattr(indicator, field):
            setattr(indicator, field, value)
            changed.append(field)
    if changed:
        indicator.save(update_fields=[*changed, "updated"])
    return indicator


def area_ids() -> dict[str, int]:
    """Area code → primary key, for every official area."""
    return dict(Area.objects.values_list("code", "pk"))


# --- the write path --------------------------------------------------------------------------


def _chunks(rows: Iterable[ValueRow], size: int) -> Iterator[list[ValueRow]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prepare(
    chunk: list[ValueRow], areas: dict[str, int]
) -> dict[tuple[int, str, str], tuple[Decimal | None, str]]:
    """Check and key the rows of a chunk; a later row with the same key wins."""
    prepared: dict[tuple[int, str, str], tuple[Decimal | None, str]] = {}
    for row in chunk:
        area_id = areas.get(row.area_code)
        if area_id is None:
            raise ValidationError(_("unknown area code %(code)r") % {"code": row.area_code})
        if row.gender not in _GENDERS:
            raise ValidationError(_("unknown gender %(gender)r") % {"gender": row.gender})
        value = row.value
        if value is not None:
            value = Decimal(value).quantize(QUANTUM)
            if abs(value) >= MAX_ABS:
                raise ValidationError(_("number too large: %(value)s") % {"value": value})
        prepared[(area_id, row.period, row.gender)] = (value, (row.status or "")[:10])
    return prepared


def store_values(
    *,
    indicator: Indicator,
    rows: Iterable[ValueRow],
    source: str,
    actor: Any = None,
    derived: bool = False,
) -> StoreResult:
    """Upsert ``rows`` as values of ``indicator`` and return the counts.

    Raises ValidationError (and writes nothing, the transaction is rolled back) for an unknown
    area code, a bad gender or an out-of-range number. Periods must already be normalised.
    """
    result = StoreResult()
    source = (source or "")[:200]
    with transaction.atomic():
        # Serialise writers of one indicator: two imports interleaving their chunks could
        # otherwise both see "no value yet" and one would fail on the unique constraint.
        Indicator.objects.select_for_update().filter(pk=indicator.pk).exists()
        areas = area_ids()
        now = timezone.now()
        if connection.vendor == "postgresql":
            fresh = not Value.objects.filter(indicator=indicator).exists()
            for chunk in _chunks(rows, PG_CHUNK_SIZE):
                prepared = _prepare(chunk, areas)
                if fresh:
                    result.add(_pg_copy_new(indicator, prepared, source, derived, now))
                else:
                    result.add(_pg_upsert(indicator, prepared, source, derived, now))
        else:
            # An indicator without values needs no look-up of existing ones, unless a key comes
            # back in a later chunk (then that chunk takes the normal path).
            fresh = not Value.objects.filter(indicator=indicator).exists()
            written: set[tuple[int, str, str]] = set()
            for chunk in _chunks(rows, CHUNK_SIZE):
                prepared = _prepare(chunk, areas)
                lookup = not fresh or not written.isdisjoint(prepared)
                result.add(
                    _generic_upsert(indicator, prepared, source, derived, now, lookup=lookup)
                )
                if fresh:
                    written.update(prepared)
        if result.created or result.updated:
            audit.record(
                actor=actor,
                action="indicator.values_derived" if derived else "indicator.values_imported",
                obj=indicator,
                changes={
                    "source": source,
                    "created": result.created,
                    "updated": result.updated,
                    "revised": result.revised,
                },
            )
    return result


_VALUE_TABLE = Value._meta.db_table
_REVISION_TABLE = ValueRevision._meta.db_table
_INSERT_COLUMNS = (
    "indicator_id, area_id, period, gender, value, status, derived, revised, source, imported_at"
)


def _generic_upsert(
    indicator: Indicator,
    prepared: dict[tuple[int, str, str], tuple[Decimal | None, str]],
    source: str,
    derived: bool,
    now: Any,
    *,
    lookup: bool = True,
) -> StoreResult:
    result = StoreResult()
    existing = (
        {
            (area_id, period, gender): rest
            for area_id, period, gender, *rest in Value.objects.filter(
                indicator=indicator,
                area_id__in={k[0] for k in prepared},
                period__in={k[1] for k in prepared},
            ).values_list(
                "area_id", "period", "gender", "pk", "value", "status", "derived", "source"
            )
        }
        if lookup
        else {}
    )
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)

    def db_decimal(value: Decimal | None) -> Any:
        return ops.adapt_decimalfield_value(value, 20, 6)

    inserts = []
    updates = []
    revisions = []
    for key, (value, status) in prepared.items():
        old = existing.get(key)
        if old is None:
            inserts.append(
                (indicator.pk, *key, db_decimal(value), status, derived, False, source, stamp)
            )
            continue
        pk, old_value, old_status, was_derived, old_source = old
        if derived and not was_derived:
            result.unchanged += 1  # a published figure wins over our own estimate
            continue
        old_value = _quantize(old_value)
        if old_value == value and old_status == status and was_derived == derived:
            result.unchanged += 1
            continue
        revise = old_value != value and not was_derived and not derived
        if revise:
            revisions.append(
                ValueRevision(
                    value_id=pk, old_value=old_value, new_value=value, old_source=old_source
                )
            )
        updates.append((db_decimal(value), status, derived, revise, source, stamp, pk))
        result.updated += 1
        result.revised += revise
    with connection.cursor() as cursor:
        if inserts:
            cursor.executemany(
                f"INSERT INTO {_VALUE_TABLE} ({_INSERT_COLUMNS}) "  # noqa: S608 - table names come from model meta
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                inserts,
            )
        if revisions:
            ValueRevision.objects.bulk_create(revisions, batch_size=1000)
        if updates:
            # A revised value stays revised: "revised = revised OR %s".
            cursor.executemany(
                f"UPDATE {_VALUE_TABLE} SET value = %s, status = %s, derived = %s, "  # noqa: S608
                "revised = (revised OR %s), source = %s, imported_at = %s WHERE id = %s",
                updates,
            )
    result.created += len(inserts)
    return result


def _pg_copy_rows(cursor: Any, target: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
    with cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    page_cache.changed()  # COPY goes past Django's cursor, so the page cache would not see it


def _pg_copy_new(
    indicator: Indicator,
    prepared: dict[tuple[int, str, str], tuple[Decimal | None, str]],
    source: str,
    derived: bool,
    now: Any,
) -> StoreResult:
    """COPY straight into the value table: the indicator had no values when the store began."""
    ind = indicator.pk
    rows = (
        (ind, a, p, g, value, status, derived, False, source, now)
        for (a, p, g), (value, status) in prepared.items()
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _pg_copy_rows(cursor.cursor, _VALUE_TABLE, _INSERT_COLUMNS, rows)
    except IntegrityError as exc:  # the same key in two chunks of one stream
        raise ValidationError(
            _("the same area, period and gender appear twice: %(error)s") % {"error": exc}
        ) from exc
    return StoreResult(created=len(prepared))


def _pg_upsert(
    indicator: Indicator,
    prepared: dict[tuple[int, str, str], tuple[Decimal | None, str]],
    source: str,
    derived: bool,
    now: Any,
) -> StoreResult:
    """COPY into a temporary table, then revisions and one INSERT … ON CONFLICT."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS samverka_value_load ("
            "area_id bigint, period varchar(10), gender varchar(1), value numeric(20, 6), "
            "status varchar(10)) ON COMMIT DROP"
        )
        cursor.execute("TRUNCATE samverka_value_load")
        _pg_copy_rows(
            cursor.cursor,
            "samverka_value_load",
            "area_id, period, gender, value, status",
            ((a, p, g, v, s) for (a, p, g), (v, s) in prepared.items()),
        )
        params = {"ind": indicator.pk, "derived": derived, "source": source, "now": now}
        result = _pg_upsert_from(cursor, "samverka_value_load", params, derived)
    result.unchanged = len(prepared) - result.created - result.updated
    return result


def _pg_upsert_from(cursor: Any, staged: str, params: dict[str, Any], derived: bool) -> StoreResult:
    """Revisions, then one INSERT … ON CONFLICT from ``staged``: a table or a parenthesised
    subquery with the columns area_id, period, gender, value, status (keys unique)."""
    revised = 0
    if not derived:
        cursor.execute(
            f"INSERT INTO {_REVISION_TABLE} (value_id, old_value, new_value, old_source, "  # noqa: S608
            f"changed_at) SELECT v.id, v.value, t.value, v.source, %(now)s "
            f"FROM {staged} t JOIN {_VALUE_TABLE} v ON v.indicator_id = %(ind)s "
            "AND v.area_id = t.area_id AND v.period = t.period AND v.gender = t.gender "
            "WHERE NOT v.derived AND v.value IS DISTINCT FROM t.value",
            params,
        )
        revised = cursor.rowcount
    cursor.execute(
        f"WITH up AS (INSERT INTO {_VALUE_TABLE} AS v ({_INSERT_COLUMNS}) "  # noqa: S608
        "SELECT %(ind)s, area_id, period, gender, value, status, %(derived)s, false, "
        f"%(source)s, %(now)s FROM {staged} t "
        "ON CONFLICT (indicator_id, area_id, gender, period) DO UPDATE SET "
        "value = EXCLUDED.value, status = EXCLUDED.status, derived = EXCLUDED.derived, "
        "source = EXCLUDED.source, imported_at = EXCLUDED.imported_at, "
        "revised = v.revised OR (NOT v.derived AND NOT EXCLUDED.derived "
        "AND v.value IS DISTINCT FROM EXCLUDED.value) "
        "WHERE (v.derived OR NOT EXCLUDED.derived) AND (v.value IS DISTINCT FROM "
        "EXCLUDED.value OR v.status <> EXCLUDED.status OR v.derived <> EXCLUDED.derived) "
        "RETURNING (xmax = 0) AS inserted) "
        "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
        "FROM up",
        params,
    )
    created, updated = cursor.fetchone()
    return StoreResult(created=created, updated=updated, revised=revised)


def pg_store_staged(
    *,
    indicator: Indicator,
    staged: str,
    params: dict[str, Any],
    rows: int,
    source: str,
    actor: Any = None,
) -> StoreResult:
    """Store checked source rows already in the database (PostgreSQL only).

    ``staged`` is a parenthesised subquery giving area_id, period, gender, value (numeric,
    six decimals at most) and status for ``rows`` rows with unique keys, all valid; ``params``
    its parameters. The same guarantees as :func:`store_values` with ``derived=False``: a
    plain INSERT … SELECT when the indicator has no values yet (a duplicate key raises
    IntegrityError), else revisions and one INSERT … ON CONFLICT. The audit entry names ``actor``.
    """
    source = (source or "")[:200]
    params = {**params, "ind": indicator.pk, "derived": False, "source": source}
    with transaction.atomic(), connection.cursor() as cursor:
        Indicator.objects.select_for_update().filter(pk=indicator.pk).exists()
        params["now"] = timezone.now()
        if not Value.objects.filter(indicator=indicator).exists():
            cursor.execute(
                f"INSERT INTO {_VALUE_TABLE} ({_INSERT_COLUMNS}) "  # noqa: S608
                "SELECT %(ind)s, area_id, period, gender, value, status, false, false, "
                f"%(source)s, %(now)s FROM {staged} t",
                params,
            )
            result = StoreResult(created=cursor.rowcount)
        else:
            result = _pg_upsert_from(cursor, staged, params, derived=False)
        result.unchanged = rows - result.created - result.updated
        if result.created or result.updated:
            audit.record(
                actor=actor,
                action="indicator.values_imported",
                obj=indicator,
                changes={
                    "source": source,
                    "created": result.created,
                    "updated": result.updated,
                    "revised": result.revised,
                },
            )
    return result
