"""The long CSV import on its fast path (PostgreSQL: COPY + checks in SQL) and its fallback.

Every test runs on both databases: on SQLite the row-by-row path must give the same report.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from samverka.indicators.models import Value, ValueRevision
from samverka.indicators.services import fastpath
from samverka.indicators.services.importers import import_indicators

pytestmark = pytest.mark.django_db

HEADER = "indicator,area,period,gender,value\n"


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


def run(text: str, **options: Any) -> Any:
    return import_indicators(io.BytesIO(text.encode()), filename="f.csv", **options)


def stored() -> dict[tuple[str, str, str], Any]:
    return {
        (v.area.code, v.period, v.gender): (v.value, v.status, v.revised)
        for v in Value.objects.select_related("area")
    }


def test_clean_file_is_stored_with_normalised_codes() -> None:
    report = run(
        HEADER
        + "pop,0022,2024m1,t,1234.5\n"
        + "pop,Riket,2024K1,,..\n"
        + "pop,180,2024,K,-0.25\n"
        + "pop, 23 ,2024Q2,M,\t7.50 \n"
        + "pop,1,2024H2,M,1e3\n"
        + "\n"
    )
    assert report.ok, (report.file_error, report.errors)
    assert (report.rows, report.created) == (5, 5)
    assert stored() == {
        ("22", "2024M01", "T"): (Decimal("1234.5"), "", False),
        ("00", "2024K1", "T"): (None, "..", False),
        ("0180", "2024", "K"): (Decimal("-0.25"), "", False),
        ("23", "2024K2", "M"): (Decimal("7.5"), "", False),
        ("01", "2024H2", "M"): (Decimal("1000"), "", False),
    }
    assert report.warnings
    assert "pop" in report.warnings[0]


def test_every_kind_of_bad_row_is_reported_and_nothing_written() -> None:
    report = run(
        HEADER
        + "pop,22,2024,T,1\n"
        + ",22,2024,T,1\n"  # 3: no indicator
        + "pop,9999,2024,T,1\n"  # 4: unknown area
        + "pop,22,2024M13,T,1\n"  # 5: bad period
        + "pop,22,2024,X,1\n"  # 6: bad gender
        + "pop,22,2025,T,abc\n"  # 7: not a number
        + "pop,22,2026,T,1e20\n"  # 8: too large
        + "pop,0022,2024,t,2\n"  # 9: same key as row 2
        + "pop,9999,1,Y,z\n"  # 10: four problems
    )
    assert not report.ok
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "indicator"),
        (4, "area"),
        (5, "period"),
        (6, "gender"),
        (7, "value"),
        (8, "value"),
        (9, "area"),
        (10, "area"),
        (10, "period"),
        (10, "gender"),
        (10, "value"),
    ]
    messages = [e.message for e in report.errors]
    assert messages[1] == "unknown area code '9999'"
    assert "as row 2" in messages[6]
    assert report.rows == 9
    assert not Value.objects.exists()


def test_reimport_keeps_revisions_and_marks_revised() -> None:
    assert run(HEADER + "pop,22,2024,T,1\npop,23,2024,T,2\npop,24,2024,T,..\n").ok
    report = run(HEADER + "pop,22,2024,T,1.5\npop,23,2024,T,2.000\npop,24,2024,T,3\n")
    assert report.ok, report.errors
    assert (report.created, report.updated, report.revised, report.unchanged) == (0, 2, 2, 1)
    assert stored() == {
        ("22", "2024", "T"): (Decimal("1.5"), "", True),
        ("23", "2024", "T"): (Decimal("2"), "", False),
        ("24", "2024", "T"): (Decimal("3"), "", True),
    }
    assert {r.new_value: r.old_value for r in ValueRevision.objects.all()} == {
        Decimal("3"): None,
        Decimal("1.5"): Decimal("1"),
    }


def test_reimport_with_a_duplicate_is_refused() -> None:
    assert run(HEADER + "pop,22,2024,T,1\n").ok
    report = run(HEADER + "pop,22,2024,T,1\npop,22,2024,,1\n")
    assert [(e.row, e.column) for e in report.errors] == [(3, "area")]
    assert Value.objects.get().value == Decimal("1")


def test_dry_run_writes_nothing_and_several_indicators() -> None:
    text = HEADER + "a,22,2024,T,1\nb,22,2024,T,2\na,23,2024,T,3\n"
    report = run(text, dry_run=True)
    assert report.ok
    assert report.created == 3
    assert not Value.objects.exists()
    report = run(text)
    assert report.indicators == ["a", "b"]
    assert report.created == 3


def test_semicolons_status_column_and_indicator_option() -> None:
    report = run("område;år;värde;status\n22;2024;12,5; p \n23;2024;..;\n", indicator="x")
    assert report.ok, report.errors
    assert stored() == {
        ("22", "2024", "T"): (Decimal("12.5"), "p", False),
        ("23", "2024", "T"): (None, "..", False),
    }


@pytest.mark.parametrize(
    "text",
    [
        HEADER + 'pop,22,2024,T,"1,5"\n',  # quotes
        HEADER + "pop,22,2024,T,1.5\n\npop,23,2024,T,2\n",  # a blank line inside
        HEADER + "pop,22,2024,T,1.5,extra\n",  # more cells than headers
    ],
)
def test_files_copy_reads_differently_fall_back(text: str) -> None:
    report = run(text)
    assert report.ok, (report.file_error, report.errors)
    assert Value.objects.filter(area__code="22").get().value == Decimal("1.5")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fast path is PostgreSQL's")
def test_fast_path_is_taken_on_postgresql() -> None:
    from samverka.indicators.services.importers import IndicatorImportReport

    report = IndicatorImportReport(kind="indicators")
    raw = io.BytesIO((HEADER + "pop,22,2024,T,1\n").encode())
    assert fastpath.import_long_csv(raw, report, indicator=None, source="f.csv")
    assert report.created == 1
    raw = io.BytesIO((HEADER + 'pop,22,2024,T,"1"\n').encode())
    report = IndicatorImportReport(kind="indicators")
    assert not fastpath.import_long_csv(raw, report, indicator=None, source="f.csv")
    assert raw.tell() == 0
    assert report.rows == 0
