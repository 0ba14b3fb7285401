"""Shared machinery of the file importers: reading CSV/XLSX tables, the row-by-row report,
and the registry behind ``samverka import <kind> FILE``.

An importer is a plain function ``(file, *, filename, actor, dry_run) -> ImportReport`` that
validates every row first and writes nothing unless all rows are valid, in one transaction.
"""

from __future__ import annotations

import csv
import datetime
import io
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

BIGINT_MAX = 2**63 - 1  # the largest number a bigint column (BigIntegerField) holds
MAX_REPORTED_ERRORS = 100  # a report lists this many errors and counts the rest
MAX_COLUMNS = 256  # columns read from a sheet: no import has more, and each row is this wide
MAX_ZIP_MEMBERS = 1000  # an XLSX has a few dozen parts


class ImportFileError(Exception):
    """The file as a whole cannot be read (wrong encoding, not a table, too large)."""


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.row == 0:  # a problem in a document (YAML/JSON), named by its path
            return f"{self.column}: {self.message}" if self.column else self.message
        column = f", {_('column')} {self.column}" if self.column else ""
        return f"{_('row')} {self.row}{column}: {self.message}"


@dataclass
class ImportReport:
    """The outcome of one import: counts when written, or every rejected row with its reason."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS
    error_count: int = 0  # every error found, listed or not
    file_error: str = ""
    dry_run: bool = False
    bad_rows: set[int] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    @property
    def more_errors(self) -> int:
        """The errors found beyond those listed (a file of bad rows gives a bounded report)."""
        return self.error_count - len(self.errors)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        self.bad_rows.add(row)
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, message))

    def clear_errors(self) -> None:
        self.errors.clear()
        self.bad_rows.clear()
        self.error_count = 0

    def more_errors_text(self) -> str:
        """``"… and 400 more errors"`` for the page and the command; empty when all are listed."""
        if not self.more_errors:
            return ""
        return _("… and %(n)d more errors (only the first %(shown)d are listed).") % {
            "n": self.more_errors,
            "shown": len(self.errors),
        }

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["bad_rows"]
        data["more_errors"] = self.more_errors
        data["ok"] = self.ok
        data["written"] = self.written
        return data

    def summary(self) -> str:
        if self.file_error:
            return _("Nothing imported: %(reason)s") % {"reason": self.file_error}
        if self.errors:
            return _("Nothing imported: %(bad)d of %(rows)d rows have errors.") % {
                "bad": len(self.bad_rows),
                "rows": self.rows,
            }
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            return _(
                "Checked %(rows)d rows: would create %(created)d, update %(updated)d, "
                "leave %(unchanged)d unchanged."
            ) % {"rows": self.rows, **counts}
        return _(
            "Imported %(rows)d rows: %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged."
        ) % {"rows": self.rows, **counts}


@dataclass
class Table:
    """A header and data rows; ``first_row`` is the file row number of the first data row."""

    headers: list[str]
    rows: list[list[str]]
    first_row: int = 2


def _read_bytes(file: IO[bytes] | IO[str]) -> bytes:
    limit = settings.SAMVERKA_IMPORT_MAX_BYTES
    data = file.read(limit + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > limit:
        raise ImportFileError(_("the file is larger than %(mb)d MB") % {"mb": limit // 1_000_000})
    return data


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()  # a date cell, as a date
    return str(value).strip()


def too_many_rows_error() -> ImportFileError:
    """The error naming the row cap (``SAMVERKA_IMPORT_MAX_ROWS``)."""
    return ImportFileError(
        _("the file has more than %(max)s data rows, the most one import reads; split it")
        % {"max": f"{settings.SAMVERKA_IMPORT_MAX_ROWS:,}".replace(",", " ")}
    )


def capped(records: Iterable[list[str]]) -> Iterator[list[str]]:
    """The header and at most ``SAMVERKA_IMPORT_MAX_ROWS`` data rows of ``records``, read as
    they come; one row more raises ImportFileError, so no file makes unbounded work."""
    limit = settings.SAMVERKA_IMPORT_MAX_ROWS
    for index, record in enumerate(records):
        if index > limit:
            raise too_many_rows_error()
        yield record


def read_table(file: IO[bytes] | IO[str], *, filename: str = "") -> Table:
    """Read a CSV (UTF-8 with or without BOM, ``,`` or ``;``) or XLSX file into a Table.

    Raises ImportFileError when the file cannot be read as a table, or has more rows than
    ``SAMVERKA_IMPORT_MAX_ROWS``.
    """
    records = read_records(file, filename=filename)
    headers = next(records, None)
    if headers is None:
        raise ImportFileError(_("the file is empty"))
    return Table(headers=headers, rows=list(records))


def read_records(file: IO[bytes] | IO[str], *, filename: str = "") -> Iterator[list[str]]:
    """The records of a CSV or XLSX file (header first), stripped strings, streamed and capped
    as :func:`capped` says. Raises ImportFileError (also while iterating)."""
    data = _read_bytes(file)
    if not data.strip():
        raise ImportFileError(_("the file is empty"))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return capped(_xlsx_records(data))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("the file is not UTF-8 text (byte %(pos)d); save it as CSV UTF-8 or XLSX")
            % {"pos": exc.start + 1}
        ) from exc
    del data
    if "\x00" in text:
        raise ImportFileError(_("the file is not a CSV or XLSX table"))
    newline = text.find("\n")
    first_line = text[: newline if newline >= 0 else len(text)]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return capped(_csv_records(text, delimiter))


def _csv_records(text: str, delimiter: str) -> Iterator[list[str]]:
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True):
            yield [c.strip() for c in record]
    except csv.Error as exc:
        raise ImportFileError(_("the CSV file is malformed: %(error)s") % {"error": exc}) from exc


def check_zip_expansion(data: bytes) -> None:
    """Refuse a zip (an XLSX) that unpacks to more than ``SAMVERKA_IMPORT_MAX_UNCOMPRESSED_BYTES``
    before anything is unpacked. The sizes are those the archive declares; ``zipfile`` stops
    reading a member at its declared size, so a member cannot unpack to more than it says."""
    limit = settings.SAMVERKA_IMPORT_MAX_UNCOMPRESSED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise ImportFileError(
            _("the XLSX file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > limit:
        raise ImportFileError(
            _(
                "the XLSX file unpacks to more than %(mb)d MB, the most one import reads; "
                "save it without empty rows and formatting, as CSV, or split it"
            )
            % {"mb": limit // 1_000_000}
        )


def _xlsx_records(data: bytes) -> Iterator[list[str]]:
    """The rows of the first sheet, streamed (openpyxl's read-only mode parses the sheet as it
    goes) and at most MAX_COLUMNS wide, after :func:`check_zip_expansion`."""
    from openpyxl import load_workbook

    check_zip_expansion(data)
    try:
        with warnings.catch_warnings():  # unsupported extensions, missing styles: not our concern
            warnings.simplefilter("ignore")
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # a declared size can be wrong, or absurd
            rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            header = next(rows, None)
    except Exception as exc:  # a damaged zip or XML raises many unrelated types
        raise ImportFileError(
            _("the XLSX file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    if header is None:
        raise ImportFileError(_("the file is empty"))
    headers = [_cell_text(h) for h in header]
    while headers and not headers[-1]:
        headers.pop()
    width = max(len(headers), 1)
    yield headers
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for row in rows:
                # Cells past the header have no column; most rows hold data up to it.
                yield [_cell_text(c) for c in row[:width]]
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            _("the XLSX file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    finally:
        workbook.close()


Importer = Callable[..., ImportReport]


@dataclass
class RegisteredImporter:
    kind: str
    function: Importer
    help: str
    add_arguments: Callable[[Any], None] | None = None
    input_formats: tuple[str, ...] = ()


IMPORTERS: dict[str, RegisteredImporter] = {}


def register(
    kind: str,
    function: Importer,
    help_text: str,
    *,
    add_arguments: Callable[[Any], None] | None = None,
    input_formats: tuple[str, ...] = (),
) -> None:
    """Make ``samverka import <kind> FILE`` and the upload page run ``function``.

    ``add_arguments(parser)`` may add options of this kind's own to the command; their parsed
    values are passed to ``function`` as keyword arguments (named by ``dest``). An importer that
    reads several formats lists them in ``input_formats`` and receives ``input_format=``.
    """
    IMPORTERS[kind] = RegisteredImporter(kind, function, help_text, add_arguments, input_formats)
