"""PC-Axis (PX), the format of Statistics Sweden's downloadable tables.

A header of ``KEYWORD[("sub key")]=value;`` statements, values being quoted strings (several
separated by commas, or written one after another to continue a long string on the next line),
numbers or words, then ``DATA=`` with the figures row-major: the STUB dimensions vary slowest,
the HEADING dimensions fastest. ``CHARSET="ANSI"`` means latin-1, otherwise UTF-8 unless
``CODEPAGE`` says otherwise.
"""

from __future__ import annotations

import re
from typing import Any

from samverka.indicators.services.formats import Cube, Dimension, FormatError

_STATEMENT_RE = re.compile(
    r'^\s*(?P<key>[A-Za-z0-9-]+)(?:\[(?P<lang>[^\]]*)\])?(?:\("(?P<sub>[^"]*)"(?:,[^)]*)?\))?\s*=',
    re.DOTALL,
)
_DATA_RE = re.compile(rb"(?:^|;)\s*DATA\s*=", re.MULTILINE)
_TOKEN_RE = re.compile(r'"([^"]*)"|([^\s",;]+)')


def _encoding(header: bytes) -> str:
    text = header.decode("latin-1")
    codepage = re.search(r'CODEPAGE\s*=\s*"([^"]+)"', text)
    if codepage:
        name = codepage.group(1).strip().lower()
        if name in {"utf-8", "utf8"}:
            return "utf-8"
        if name in {"iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}:
            return "latin-1"
    charset = re.search(r'CHARSET\s*=\s*"([^"]+)"', text)
    if charset and charset.group(1).strip().upper() == "ANSI":
        return "latin-1"
    return "utf-8"


def _statements(header: str) -> list[str]:
    """Split the header at the semicolons that are not inside quotes."""
    statements, start, quoted = [], 0, False
    for index, char in enumerate(header):
        if char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            statements.append(header[start:index])
            start = index + 1
    if header[start:].strip():
        statements.append(header[start:])
    return statements


def _parse_value(text: str) -> list[str]:
    """``"a","b"`` → [a, b]; ``"long"\\n"er"`` → [longer]; ``YES`` → [YES]."""
    items: list[str] = []
    pending: str | None = None
    position = 0
    while position < len(text):
        char = text[position]
        if char == '"':
            end = text.find('"', position + 1)
            if end < 0:
                raise FormatError(f"unterminated string in {text[:60]!r}")
            part = text[position + 1 : end]
            pending = part if pending is None else pending + part
            position = end + 1
        elif char == ",":
            items.append(pending if pending is not None else "")
            pending = None
            position += 1
        elif char.isspace():
            position += 1
        else:
            match = re.compile(r'[^,"]+').match(text, position)
            assert match is not None
            word = match.group(0).strip()
            pending = word if pending is None else pending + word
            position = match.end()
    if pending is not None:
        items.append(pending)
    return items


def parse_header(header: str) -> dict[tuple[str, str], list[str]]:
    """Keyword (and sub key) → value list, the default language only."""
    keywords: dict[tuple[str, str], list[str]] = {}
    for statement in _statements(header):
        match = _STATEMENT_RE.match(statement)
        if not match:
            if statement.strip():
                raise FormatError(f"cannot read the header line {statement.strip()[:60]!r}")
            continue
        if match.group("lang"):
            continue
        key = (match.group("key").upper(), match.group("sub") or "")
        keywords[key] = _parse_value(statement[match.end() :])
    return keywords


def parse_px(data: bytes) -> Cube:
    """Read a PX file into a Cube; raises FormatError when it is not one."""
    match = _DATA_RE.search(data)
    if not match:
        raise FormatError("no DATA= keyword: not a PX file")
    encoding = _encoding(data[: match.start() + 1])
    try:
        header = data[: match.start() + 1].decode(encoding)
        body = data[match.end() :].decode(encoding)
    except UnicodeDecodeError as exc:
        raise FormatError(f"the file is not {encoding} text (byte {exc.start + 1})") from exc
    header = header.lstrip("\ufeff")
    keywords = parse_header(header)

    def one(key: str, sub: str = "", default: str = "") -> str:
        values = keywords.get((key, sub))
        return values[0] if values else default

    names = keywords.get(("STUB", ""), []) + keywords.get(("HEADING", ""), [])
    if not names:
        raise FormatError("no STUB or HEADING: not a PX table")
    content_variable = one("CONTVARIABLE")
    time_names = {sub for (key, sub) in keywords if key == "TIMEVAL" and sub}
    dimensions = []
    for name in names:
        labels = keywords.get(("VALUES", name))
        if labels is None:
            raise FormatError(f'no VALUES("{name}")')
        codes = keywords.get(("CODES", name), labels)
        if len(codes) != len(labels):
            raise FormatError(f'CODES("{name}") and VALUES("{name}") differ in length')
        role = "metric" if name == content_variable else "time" if name in time_names else ""
        dimensions.append(Dimension(name, name, list(codes), list(labels), role))

    end = body.rfind(";")
    values: list[Any] = []
    for quoted, bare in _TOKEN_RE.findall(body[: end if end >= 0 else None]):
        values.append(quoted if quoted or not bare else bare)
    cube = Cube(
        table_id=one("MATRIX"),
        title=one("TITLE") or one("DESCRIPTION"),
        dimensions=dimensions,
        values=values,
        contents=one("CONTENTS"),
        units=one("UNITS"),
    )
    if content_variable:
        content = next(d for d in dimensions if d.code == content_variable)
        for code, label in zip(content.codes, content.labels, strict=True):
            unit = one("UNITS", label) or one("UNITS", code)
            if unit:
                cube.units_by_content[code] = unit
    if len(values) != cube.size:
        raise FormatError(f"DATA holds {len(values)} figures but the dimensions give {cube.size}")
    return cube
