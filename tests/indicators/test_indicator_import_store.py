"""The value write path: upserts, revisions, derived values and atomicity."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from samverka.indicators.models import Value, ValueRevision
from samverka.indicators.services.store import (
    StoreResult,
    ValueRow,
    ensure_indicator,
    normalise_area_code,
    normalise_period,
    parse_number,
    store_values,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


@pytest.fixture
def indicator() -> Any:
    return ensure_indicator("pop", name_sv="Folkmängd", unit="antal", source="scb")


def test_store_values_creates_then_unchanged(indicator: Any) -> None:
    rows = [ValueRow("22", "2005", "T", Decimal("244000")), ValueRow("00", "2005", "K", None, "..")]
    assert store_values(indicator=indicator, rows=rows, source="f") == StoreResult(created=2)
    assert store_values(indicator=indicator, rows=rows, source="f") == StoreResult(unchanged=2)
    missing = Value.objects.get(area__code="00")
    assert (missing.value, missing.status, missing.gender) == (None, "..", "K")


def test_store_values_changed_value_keeps_revision(indicator: Any) -> None:
    store_values(
        indicator=indicator, rows=[ValueRow("22", "2005", "T", Decimal("1.5"))], source="a"
    )
    result = store_values(
        indicator=indicator, rows=[ValueRow("22", "2005", "T", Decimal("2.25"))], source="b"
    )
    assert result == StoreResult(updated=1, revised=1)
    value = Value.objects.get()
    assert (value.value, value.revised, value.source) == (Decimal("2.25"), True, "b")
    revision = ValueRevision.objects.get()
    assert (revision.old_value, revision.new_value, revision.old_source) == (
        Decimal("1.5"),
        Decimal("2.25"),
        "a",
    )


def test_store_values_derived_never_overwrites_source_value(indicator: Any) -> None:
    store_values(indicator=indicator, rows=[ValueRow("22", "2005", "T", Decimal("10"))], source="a")
    result = store_values(
        indicator=indicator,
        rows=[ValueRow("22", "2005", "T", Decimal("11")), ValueRow("23", "2005", "T", Decimal(5))],
        source="derived",
        derived=True,
    )
    assert result == StoreResult(created=1, unchanged=1)
    assert Value.objects.get(area__code="22").value == Decimal("10")
    # A published figure later replaces the derived one without a revision.
    result = store_values(
        indicator=indicator, rows=[ValueRow("23", "2005", "T", Decimal(6))], source="a"
    )
    assert result == StoreResult(updated=1)
    value = Value.objects.get(area__code="23")
    assert (value.value, value.derived, value.revised) == (Decimal(6), False, False)
    assert not ValueRevision.objects.exists()


def test_store_values_unknown_area_writes_nothing(indicator: Any) -> None:
    rows = [ValueRow("22", "2005", "T", Decimal(1)), ValueRow("9999", "2005", "T", Decimal(1))]
    with pytest.raises(ValidationError):
        store_values(indicator=indicator, rows=rows, source="a")
    assert not Value.objects.exists()


def test_normalisers_accept_source_spellings() -> None:
    assert [normalise_area_code(c) for c in ("0000", "0022", "2281", "Riket", "180")] == [
        "00",
        "22",
        "2281",
        "00",
        "0180",
    ]
    assert [normalise_period(p) for p in ("2005", "2026M1", "2026q1", 2019, "2026H2")] == [
        "2005",
        "2026M01",
        "2026K1",
        "2019",
        "2026H2",
    ]
    assert parse_number("1 234,5") == (Decimal("1234.5"), "")
    assert parse_number("..") == (None, "..")
    with pytest.raises(ValueError, match="not a number"):
        parse_number("abc")
