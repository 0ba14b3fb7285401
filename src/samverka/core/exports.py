"""CSV and XLSX downloads of list pages.

One set of format rules for every export: CSV as UTF-8 with a BOM, ``;``-separated with CRLF
line ends (Swedish Excel); XLSX with a bold, frozen header row; every cell through
:func:`safe_cell`. :func:`table_response` builds the file in memory (list pages);
:func:`table_stream_response` sends it while the rows are read (exports of any size).
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMATS = {"csv", "xlsx"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value safe for a spreadsheet: no formula injection, no tz-aware datetimes."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, (int, float, date)):
        return value
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


class _Echo:
    """A file that hands back what is written: ``csv.writer(...).writerow`` returns the line."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The CSV export line by line (the first line starts with the BOM); rows read lazily."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([str(h) for h in headers])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], out: IO[bytes]) -> None:
    """Write the XLSX export to ``out`` row by row (a write-only workbook: the rows are not
    kept in memory)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)

    def heading(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=str(text))
        cell.font = bold
        return cell

    sheet.append([heading(h) for h in headers])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    workbook.save(out)


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format: {fmt}")


def table_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], fmt: str) -> bytes:
    """Render a table as CSV (UTF-8 with BOM, ``;``-separated for Swedish Excel) or XLSX."""
    _check_format(fmt)
    if fmt == "csv":
        return "".join(csv_lines(headers, rows)).encode("utf-8")
    out = io.BytesIO()
    write_xlsx(headers, rows, out)
    return out.getvalue()


def _attachment(response: HttpResponse | StreamingHttpResponse, filename: str, fmt: str) -> None:
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}-{stamp}.{fmt}")


def table_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, fmt: str, filename: str
) -> HttpResponse:
    """A download response for ``filename-<date>.<fmt>``, built in memory."""
    response = HttpResponse(table_bytes(headers, rows, fmt), content_type=CONTENT_TYPES[fmt])
    _attachment(response, filename, fmt)
    return response


def table_stream_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, fmt: str, filename: str
) -> StreamingHttpResponse:
    """The same download as :func:`table_response`, never held in memory: CSV is streamed as
    the rows are read; XLSX (a zip, which needs the whole file) is written row by row to a
    temporary file that is then streamed and closed. Raises ValueError for an unknown format."""
    _check_format(fmt)
    if fmt == "csv":
        response: StreamingHttpResponse = StreamingHttpResponse(
            csv_lines(headers, rows), content_type=CONTENT_TYPES[fmt]
        )
    else:
        out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
        try:
            write_xlsx(headers, rows, out)
        except BaseException:
            out.close()
            raise
        out.seek(0)
        response = FileResponse(out, content_type=CONTENT_TYPES[fmt])
    _attachment(response, filename, fmt)
    return response
