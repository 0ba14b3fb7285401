"""CSV and XLSX downloads: readable by Swedish Excel and safe against formula injection."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from samverka.core.exports import table_bytes, table_response, table_stream_response

HEADERS = ["Namn", "Antal", "Datum"]
DANGEROUS = ["=1+1", "+46 70", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def read_xlsx(data: bytes) -> list[tuple[object, ...]]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_csv_has_bom_semicolons_header_and_rows() -> None:
    data = table_bytes(HEADERS, [["Åre; Östersund", 3, date(2024, 1, 2)], ["B", None, ""]], "csv")

    assert data.startswith("\ufeffNamn;Antal;Datum\r\n".encode())
    assert read_csv(data) == [HEADERS, ["Åre; Östersund", "3", "2024-01-02"], ["B", "", ""]]


@pytest.mark.parametrize("value", DANGEROUS)
def test_csv_formula_cells_are_prefixed_with_apostrophe(value: str) -> None:
    rows = read_csv(table_bytes(["A"], [[value]], "csv"))

    assert rows[1] == ["'" + value]


@pytest.mark.parametrize("value", DANGEROUS)
def test_xlsx_formula_cells_are_prefixed_with_apostrophe(value: str) -> None:
    rows = read_xlsx(table_bytes(["A"], [[value]], "xlsx"))

    # XML line-end normalisation turns a stored CR into LF on reading.
    assert rows[1] == (("'" + value).replace("\r", "\n"),)


def test_numbers_are_not_treated_as_formulas() -> None:
    assert read_csv(table_bytes(["A"], [[-5]], "csv"))[1] == ["-5"]
    assert read_xlsx(table_bytes(["A", "B"], [[-5, 2.5]], "xlsx"))[1] == (-5, 2.5)


def test_xlsx_has_bold_header_and_typed_cells() -> None:
    data = table_bytes(HEADERS, [["Vreta Kluster", 12, date(2024, 1, 2)]], "xlsx")

    sheet = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert sheet["A1"].font.bold is True
    assert (sheet["A2"].value, sheet["B2"].value) == ("Vreta Kluster", 12)
    assert sheet["C2"].value.date() == date(2024, 1, 2)
    assert sheet.freeze_panes == "A2"


def test_xlsx_aware_datetime_is_written_in_local_time() -> None:
    moment = datetime(2024, 6, 1, 10, 0, tzinfo=UTC)

    rows = read_xlsx(table_bytes(["När"], [[moment]], "xlsx"))

    assert rows[1] == (timezone.localtime(moment).replace(tzinfo=None),)


def test_unknown_format_raises() -> None:
    with pytest.raises(ValueError, match="unknown export format: pdf"):
        table_bytes(HEADERS, [], "pdf")


def test_table_response_names_the_download() -> None:
    response = table_response(HEADERS, [], fmt="csv", filename="kluster")

    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="kluster-{stamp}.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert read_csv(response.content) == [HEADERS]


ROWS = [["Åre; Östersund", 3, date(2024, 1, 2)], ['=HYPERLINK("x")', None, -2.5], ['"q"\n2', "", 0]]


class Lazy:
    """Rows that count how many have been read."""

    def __init__(self, rows: list[list[object]]) -> None:
        self.rows, self.read = rows, 0

    def __iter__(self) -> Iterator[list[object]]:
        for row in self.rows:
            self.read += 1
            yield row


def test_streamed_csv_is_byte_identical_to_the_built_one_and_read_lazily() -> None:
    rows = Lazy(ROWS)
    response = table_stream_response(HEADERS, rows, fmt="csv", filename="kluster")

    assert response.streaming
    assert rows.read == 0  # nothing is read before the response is sent
    body = b"".join(response.streaming_content)
    assert rows.read == len(ROWS)
    assert body == table_bytes(HEADERS, ROWS, "csv")
    assert read_csv(body)[2] == ['\'=HYPERLINK("x")', "", "-2.5"]
    built = table_response(HEADERS, ROWS, fmt="csv", filename="kluster")
    for header in ("Content-Type", "Content-Disposition"):
        assert response[header] == built[header]


def test_streamed_xlsx_has_the_same_cells_bold_frozen_header_and_name() -> None:
    response = table_stream_response(HEADERS, iter(ROWS), fmt="xlsx", filename="kluster")

    assert response.streaming
    body = b"".join(response.streaming_content)
    response.file_to_stream.close()  # what response.close() does (without its signal)
    assert int(response["Content-Length"]) == len(body)
    assert read_xlsx(body) == read_xlsx(table_bytes(HEADERS, ROWS, "xlsx"))
    sheet = load_workbook(io.BytesIO(body)).active
    assert [c.value for c in sheet[1]] == HEADERS
    assert (sheet["A1"].font.bold, sheet.freeze_panes) == (True, "A2")
    assert sheet["A3"].value == '\'=HYPERLINK("x")'
    built = table_response(HEADERS, ROWS, fmt="xlsx", filename="kluster")
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == f'attachment; filename="kluster-{stamp}.xlsx"'
    assert response["Content-Type"] == built["Content-Type"]


def test_streamed_unknown_format_raises_before_reading_rows() -> None:
    rows = Lazy(ROWS)
    with pytest.raises(ValueError, match="unknown export format: pdf"):
        table_stream_response(HEADERS, rows, fmt="pdf", filename="x")
    assert rows.read == 0
