"""Property tests of the indicator importer in every input format (long CSV, on PostgreSQL also
its COPY fast path, XLSX, PX, JSON-stat and Kolada JSON): arbitrary bytes, nasty cells and
documents, and damaged real files never crash it, never write part of a file, and always
report."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from fuzz_support import (
    NASTY_TEXT,
    TEST_DATA,
    cell,
    check_import,
    csv_file,
    expanding_xlsx,
    fuzz_settings,
    mutated,
    mutated_document,
    sparse_xlsx,
    table,
    xlsx_file,
)
from hypothesis import example, given
from hypothesis import strategies as st

from samverka.indicators.models import Indicator
from samverka.indicators.services.formats import FormatError
from samverka.indicators.services.formats.px import parse_header
from samverka.indicators.services.importers import import_indicators
from shared_data import shared_data_folder

TABLES = ["indicators"]
DATA = TEST_DATA / "indicators" / "data"
PX = (DATA / "employment_latin1.px").read_bytes()
JSONSTAT = json.loads((DATA / "sparse.jsonstat2.json").read_text(encoding="utf-8"))
KOLADA = json.loads((DATA / "kolada_n00945.json").read_text(encoding="utf-8"))
LONG = (DATA / "long.csv").read_bytes()

HEADERS = {
    "indicator": ["indicator", "kpi", "Indikator"],
    "area": ["area", "kommun", "region"],
    "period": ["period", "år", "tid"],
    "gender": ["gender", "kön"],
    "value": ["value", "värde"],
    "status": ["status", "flagga"],
}
VALUES = {
    "indicator": cell("ny-foretag", "syss-20-64", "N00945"),
    "area": cell("0180", "180", "2380", "22", "00", "0000", "SE", "2281"),
    "period": cell("2023", "2026M01", "2026K1", "2026H1", "2024M12", "1999"),
    "gender": cell("", "T", "K", "m"),
    "value": cell("68 210", "214,5", "..", "-", "0", "1.5", "-3", "79,4", "1e3", "12345678901234"),
    "status": cell("", "B", "..", "provisional"),
}
ARGS = {"": {}, "select": {"select": ["ålder=tot"]}, "sum": {"sum": ["ålder"]}}


@pytest.fixture
def base(db: Any) -> None:
    Indicator.objects.create(code="ny-foretag", name_sv="Nya företag")


@fuzz_settings(0.5)
@given(
    data=st.binary(max_size=300),
    input_format=st.sampled_from([None, "csv", "xlsx", "px", "jsonstat", "kolada"]),
)
@example(data=b"\\.\n", input_format="csv")
@example(data=expanding_xlsx(), input_format=None)
@example(data=sparse_xlsx(), input_format="xlsx")
@example(data=b'{"values": [{"values": "x"}]}', input_format="kolada")
def test_indicators_import_of_arbitrary_bytes_reports(base, data, input_format):
    check_import(
        import_indicators, data, filename="i.dat", tables=TABLES, input_format=input_format
    )


@fuzz_settings()
@given(rows=table(VALUES, HEADERS, max_rows=8), data=st.data())
def test_indicators_import_of_nasty_long_table_reports_or_imports_once(base, rows, data):
    """CSV goes through the COPY fast path on PostgreSQL, and the row path on SQLite or when
    the fast path hands it over."""
    xlsx = data.draw(st.integers(0, 4)) == 0
    file = xlsx_file(*rows) if xlsx else data.draw(csv_file(*rows))
    indicator = data.draw(st.sampled_from([None, None, "given"]))
    check_import(
        import_indicators,
        file,
        filename="i.xlsx" if xlsx else "i.csv",
        tables=TABLES,
        indicator=indicator,
    )


@fuzz_settings(0.5)
@given(data=mutated(LONG))
@example(data=LONG)
@example(data=LONG.replace(b"\n", b"\r\n", 2))
def test_indicators_import_of_damaged_long_csv_reports_or_imports_once(base, data):
    check_import(import_indicators, data, filename="long.csv", tables=TABLES)


@st.composite
def px_file(draw: Any) -> bytes:
    """A small PX table whose codes, values and data cells may be nasty."""
    regions = draw(st.lists(cell("0180", "2380", "22", "00", "Riket"), min_size=1, max_size=3))
    years = draw(st.lists(cell("2022", "2023", "2026M01"), min_size=1, max_size=2))
    if draw(st.booleans()):
        regions[draw(st.integers(0, len(regions) - 1))] = draw(st.sampled_from(NASTY_TEXT))
    cells = [
        draw(cell("1.5", "..", "-", "0", "12", '".."', '"-"', "1e5", "nan", "-7"))
        for _ in range(len(regions) * len(years))
    ]
    if draw(st.booleans()):
        cells[draw(st.integers(0, len(cells) - 1))] = draw(st.sampled_from(NASTY_TEXT))
    if draw(st.integers(0, 3)) == 0:
        del cells[-1]  # too few data cells

    def quoted(items: list[str]) -> str:
        return ",".join('"' + item.replace('"', "") + '"' for item in items)

    text = (
        f'CHARSET="ANSI";\nMATRIX="{draw(cell("TEST01", "", "x y"))}";\n'
        f'TITLE="{draw(cell("Titel", "Ålder"))}";\nCONTENTS="Innehåll";\n'
        f'UNITS="{draw(cell("antal", "procent"))}";\nDECIMALS={draw(cell("0", "1", "-1", "x"))};\n'
        f'STUB="region";\nHEADING="år";\n'
        f'VALUES("region")={quoted(regions)};\nCODES("region")={quoted(regions)};\n'
        f'VALUES("år")={quoted(years)};\nTIMEVAL("år")=TLIST(A1),{quoted(years)};\n'
        f"DATA=\n{' '.join(cells)};\n"
    )
    return text.encode(draw(st.sampled_from(["cp1252", "utf-8"])), errors="replace")


@fuzz_settings()
@given(data=px_file())
def test_indicators_import_of_nasty_px_reports_or_imports_once(base, data):
    check_import(import_indicators, data, filename="t.px", tables=TABLES, input_format="px")


@fuzz_settings(0.5)
@given(data=mutated(PX), args=st.sampled_from(list(ARGS)))
@example(data=PX, args="select")
def test_indicators_import_of_damaged_px_reports_or_imports_once(base, data, args):
    check_import(import_indicators, data, filename="t.px", tables=TABLES, **ARGS[args])


@fuzz_settings()
@given(document=mutated_document(JSONSTAT, max_changes=3))
@example(document=JSONSTAT)
def test_indicators_import_of_nasty_jsonstat_reports_or_imports_once(base, document):
    data = json.dumps(document, default=str).encode()
    check_import(
        import_indicators,
        data,
        filename="t.json",
        tables=TABLES,
        input_format="jsonstat",
        content="NY01",
    )


@fuzz_settings()
@given(document=mutated_document(KOLADA, max_changes=3))
@example(document=KOLADA)
def test_indicators_import_of_nasty_kolada_reports_or_imports_once(base, document):
    data = json.dumps(document, default=str).encode()
    check_import(import_indicators, data, filename="k.json", tables=TABLES, input_format="kolada")


@pytest.mark.usefixtures("shared_data")  # skips before the deferred strategy reads the file
@fuzz_settings(0.2)
@given(
    data=st.deferred(lambda: mutated((shared_data_folder() / "scb" / "BE0101A1.px").read_bytes()))
)
def test_indicators_import_of_damaged_scb_px_reports_or_imports_once(base, data):
    check_import(
        import_indicators,
        data,
        filename="BE0101A1.px",
        tables=TABLES,
        sum=["marital status", "age"],
    )


@pytest.mark.usefixtures("shared_data")  # skips before the deferred strategy reads the file
@fuzz_settings(0.2)
@given(
    data=st.deferred(
        lambda: mutated((shared_data_folder() / "px-peers" / "pxweb_BE101ACEkeys.px").read_bytes())
    )
)
def test_indicators_import_of_damaged_keys_px_reports_or_imports_once(base, data):
    check_import(
        import_indicators,
        data,
        filename="keys.px",
        tables=TABLES,
        area="00",
        select=["marital status=SI", "age=-4"],
    )


@fuzz_settings()
@given(
    header=st.text(alphabet='"();,=[]-AKEYSTLIST12 \n(ä', max_size=80).map(
        lambda text: 'VALUES("x")=' + text
    )
)
@example(header='PRECISION("Indicator","PPPs(US)")=1;')
def test_px_header_tokenizer_reads_or_refuses_arbitrary_statements(header):
    with contextlib.suppress(FormatError):
        parse_header(header)


# --- crashes the properties found, kept as explicit cases -------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        {"values": [{"kpi": "N00945", "municipality": "0180", "period": 2018, "values": "x"}]},
        {"values": [{"kpi": "N00945", "municipality": "0180", "period": 2018, "values": [7]}]},
    ],
)
def test_indicators_kolada_entry_values_of_wrong_type_are_reported(base, document):
    report = check_import(
        import_indicators,
        json.dumps(document).encode(),
        filename="k.json",
        tables=TABLES,
        input_format="kolada",
    )
    assert [error.column for error in report.errors] in (
        ["values[0].values"],
        ["values[0].values[0]"],
    )


@pytest.mark.parametrize(
    "change",
    [
        {"dimension": "x"},
        {"role": "time"},
        {"extension": "x"},
        {
            "dimension": {
                **JSONSTAT["dimension"],
                "Tid": {"category": {"index": {"a": 0, "b": "x"}}},
            }
        },
    ],
)
def test_indicators_jsonstat_part_of_wrong_type_is_a_file_error(base, change):
    data = json.dumps({**JSONSTAT, **change}).encode()
    report = check_import(
        import_indicators,
        data,
        filename="t.json",
        tables=TABLES,
        input_format="jsonstat",
        content="NY01",
    )
    assert "JSON-stat" in report.file_error


@pytest.mark.parametrize("status", [7, {"0": 5}, [1, None, 2]])
def test_indicators_jsonstat_status_of_odd_type_does_not_crash(base, status):
    data = json.dumps({**JSONSTAT, "status": status}).encode()
    check_import(
        import_indicators,
        data,
        filename="t.json",
        tables=TABLES,
        input_format="jsonstat",
        content="NY01",
    )
