"""Readers of the published statistics formats. PX and JSON-stat files become a :class:`Cube`
(a multi-dimensional table that ``services.mapping`` turns into value rows); the long CSV/XLSX
format and Kolada's JSON are row-shaped and read directly by ``services.importers``."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from samverka.indicators.services.store import parse_number

INPUT_FORMATS = ("csv", "xlsx", "px", "jsonstat", "kolada")


class FormatError(Exception):
    """The file cannot be read in the format it claims to be in."""


@dataclass
class Dimension:
    """A dimension of a cube with its category codes and labels, in the file's order."""

    code: str
    label: str
    codes: list[str]
    labels: list[str]
    role: str = ""  # "time", "geo" or "metric" when the file says so

    def find(self, text: str) -> int | None:
        """The position of the category with this code (or, failing that, label)."""
        for names in (self.codes, self.labels):
            for index, name in enumerate(names):
                if name == text:
                    return index
        lowered = text.strip().lower()
        for names in (self.codes, self.labels):
            for index, name in enumerate(names):
                if name.strip().lower() == lowered:
                    return index
        return None

    def describe(self, limit: int = 12) -> str:
        shown = [
            f"{c} ({lab})" if lab and lab != c else c
            for c, lab in zip(self.codes[:limit], self.labels[:limit], strict=False)
        ]
        more = f", … ({len(self.codes)} in all)" if len(self.codes) > limit else ""
        return ", ".join(shown) + more


@dataclass
class Cube:
    """A table of figures over several dimensions, stored row-major (last dimension fastest)."""

    table_id: str
    title: str
    dimensions: list[Dimension]
    values: Any  # a sequence by flat index, or a mapping flat index → figure (sparse)
    statuses: Any = None  # None, a sequence, or a mapping flat index → status
    contents: str = ""
    units: str = ""
    units_by_content: dict[str, str] = field(default_factory=dict)
    source: str = "scb"

    @property
    def size(self) -> int:
        total = 1
        for dimension in self.dimensions:
            total *= len(dimension.codes)
        return total

    def figure(self, index: int) -> tuple[Decimal | None, str]:
        """The value and status at a flat index; a missing cell is ``(None, "..")``."""
        if isinstance(self.values, dict):
            raw = self.values.get(index, self.values.get(str(index)))
        else:
            raw = self.values[index] if index < len(self.values) else None
        status = ""
        if self.statuses is not None:
            if isinstance(self.statuses, dict):
                status = self.statuses.get(str(index), self.statuses.get(index, "")) or ""
            elif isinstance(self.statuses, str):
                status = self.statuses
            elif isinstance(self.statuses, list) and index < len(self.statuses):
                status = self.statuses[index] or ""
        status = str(status)  # a status written as a number is still a status
        if raw is None:
            return None, status or ".."
        value, symbol = parse_number(raw)
        return value, status or symbol


def detect_format(data: bytes, filename: str = "") -> str:
    """Guess the format from the name and the first bytes."""
    name = filename.lower()
    for suffix, fmt in (
        (".px", "px"),
        (".xlsx", "xlsx"),
        (".xlsm", "xlsx"),
        (".csv", "csv"),
        (".txt", "csv"),
    ):
        if name.endswith(suffix):
            return fmt
    head = data[:4096]
    if head[:4] == b"PK\x03\x04":
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "kolada" if b'"kpi"' in data[:20000] and b'"dimension"' not in head else "jsonstat"
    upper = stripped[:2000].upper()
    if upper.startswith((b"CHARSET", b"AXIS-VERSION", b"CODEPAGE", b"LANGUAGE")) or (
        b"MATRIX=" in upper and b"STUB=" in data.upper()
    ):
        return "px"
    return "csv"


def load_json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormatError(f"not valid JSON: {exc}") from exc
