"""Shared machinery of the file importers: reading CSV/XLSX tables, the row-by-row report,
and the registry behind ``samverka import <kind> FILE``.

An importer is a plain function ``(file, *, filename, actor, dry_run) -> ImportReport`` that
validates every row first and writes nothing unless all rows are valid, in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

BIGINT_MAX = 2**63 - 1  # the largest number a bigint column (BigIntegerField) holds


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
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["written"] = self.written
        return data

    def summary(self) -> str:
        if self.file_error:
            return _("Nothing imported: %(reason)s") % {"reason": self.file_error}
        if self.errors:
            return _("Nothing imported: %(bad)d of %(rows)d rows have errors.") % {
                "bad": len({e.row for e in self.errors}),
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
    return str(value).strip()


def read_table(file: IO[bytes] | IO[str], *, filename: str = "") -> Table:
    """Read a CSV (UTF-8 with or without BOM, ``,`` or ``;``) or XLSX file into a Table.

    Raises ImportFileError when the file cannot be read as a table.
    """
    data = _read_bytes(file)
    if not data.strip():
        raise ImportFileError(_("the file is empty"))
    if data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("the file is not UTF-8 text (byte %(pos)d); save it as CSV UTF-8 or XLSX")
            % {"pos": exc.start + 1}
        ) from exc
    if "\x00" in text:
        raise ImportFileError(_("the file is not a CSV or XLSX table"))
    first_line = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise ImportFileError(_("the CSV file is malformed: %(error)s") % {"error": exc}) from exc
    if not records:
        raise ImportFileError(_("the file is empty"))
    headers = [h.strip() for h in records[0]]
    return Table(headers=headers, rows=[[c.strip() for c in r] for r in records[1:]])


def _read_xlsx(data: bytes) -> Table:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        records = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several unrelated types for broken files
        raise ImportFileError(
            _("the XLSX file cannot be read: %(error)s") % {"error": exc}
        ) from exc
    if not records:
        raise ImportFileError(_("the file is empty"))
    headers = [_cell_text(h) for h in records[0]]
    return Table(headers=headers, rows=[[_cell_text(c) for c in r] for r in records[1:]])


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
