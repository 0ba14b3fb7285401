"""PC-Axis (PX), the format of Statistics Sweden's downloadable tables.

A header of ``KEYWORD[lang]("key", "key2")=value;`` statements, then ``DATA=`` with the figures
row-major: the STUB dimensions vary slowest, the HEADING dimensions fastest. The header is read
by a tokenizer, not by patterns: keys are quoted strings that may hold parentheses, commas and
semicolons (``PRECISION("Indicator","GDP at prices and PPPs(US) of 2000")``); values are quoted
strings (several separated by commas, or written one after another to continue a long string on
the next line), numbers, words or ``TLIST(A1, "1994"-"1996")``. ``CHARSET="ANSI"`` means
latin-1, otherwise UTF-8 unless ``CODEPAGE`` says otherwise.

With ``KEYS("var")=CODES`` (or ``VALUES``) the data is sparse: each data line starts with the
codes (or values) of the keyed STUB variables and holds the figures of that row only; rows not
given are missing (".."), never guessed as zero.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from samverka.indicators.services.formats import Cube, Dimension, FormatError

_WORD_RE = re.compile(r"[A-Za-z0-9_-]+")
_SPACE_RE = re.compile(r"\s*")
_BARE_RE = re.compile(r'[^,;"()\s]+')
_TOKEN_RE = re.compile(r'"([^"]*)"|([^\s",;]+)')
#: DATASYMBOLn: the text a file may print instead of the n-dot symbol; NIL instead of "-".
_SYMBOL_KEYWORDS = {
    "DATASYMBOL1": ".",
    "DATASYMBOL2": "..",
    "DATASYMBOL3": "...",
    "DATASYMBOL4": "....",
    "DATASYMBOL5": ".....",
    "DATASYMBOL6": "......",
    "DATASYMBOLNIL": "-",
}

#: keyword → sub key(s) joined by SUB_SEPARATOR → values
Header = dict[tuple[str, str], list[str]]
SUB_SEPARATOR = "\x1f"


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


class _Scanner:
    """A cursor over the header text."""

    def __init__(self, text: str) -> None:
        self.text, self.pos = text, 0

    def skip(self) -> None:
        self.pos = _SPACE_RE.match(self.text, self.pos).end()  # type: ignore[union-attr]

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos : self.pos + 1]

    def fail(self, start: int) -> FormatError:
        line = self.text[start:].strip().splitlines()[0] if self.text[start:].strip() else ""
        return FormatError(f"cannot read the header line {line[:60]!r}")

    def quoted(self, start: int) -> str:
        end = self.text.find('"', self.pos + 1)
        if end < 0:
            raise FormatError(f"unterminated string in {self.text[start : start + 60]!r}")
        part = self.text[self.pos + 1 : end]
        self.pos = end + 1
        return part

    def bare(self, start: int) -> str:
        """A word, number or ``TLIST(…)`` (parentheses kept, quotes inside them too)."""
        begin = self.pos
        depth = 0
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    raise self.fail(start)
            elif char == '"' and depth:
                self.quoted(start)
                continue
            elif depth == 0 and (char in ',;"' or char.isspace()):
                break
            self.pos += 1
        if depth:
            raise FormatError(f"unclosed parenthesis in {self.text[start : start + 60]!r}")
        return self.text[begin : self.pos]


def _statements(text: str) -> Iterator[tuple[str, str, tuple[str, ...], list[str], int]]:
    """Yield (keyword, language, keys, values, end) for each header statement, stopping after
    ``DATA=`` (then ``values`` is empty and ``end`` is where the figures begin)."""
    scan = _Scanner(text)
    while True:
        scan.skip()
        start = scan.pos
        if start >= len(text):
            return
        word = _WORD_RE.match(text, start)
        if not word:
            raise scan.fail(start)
        keyword = word.group(0).upper()
        scan.pos = word.end()
        language = ""
        if scan.peek() == "[":
            end = text.find("]", scan.pos)
            if end < 0:
                raise scan.fail(start)
            language = text[scan.pos + 1 : end].strip()
            scan.pos = end + 1
        keys: list[str] = []
        if scan.peek() == "(":
            scan.pos += 1
            while True:
                if scan.peek() != '"':
                    raise scan.fail(start)
                keys.append(scan.quoted(start))
                following = scan.peek()
                scan.pos += 1
                if following == ")":
                    break
                if following != ",":
                    raise scan.fail(start)
        if scan.peek() != "=":
            raise scan.fail(start)
        scan.pos += 1
        if keyword == "DATA" and not language and not keys:
            yield keyword, language, (), [], scan.pos
            return
        values: list[str] = []
        pending: str | None = None
        while True:
            char = scan.peek()
            if char == ";":
                scan.pos += 1
                break
            if not char:
                raise FormatError(f"the statement {keyword} does not end with ';' before DATA")
            if char == '"':
                part = scan.quoted(start)
                pending = part if pending is None else pending + part
            elif char == ",":
                values.append(pending if pending is not None else "")
                pending = None
                scan.pos += 1
            else:
                word_text = scan.bare(start)
                if not word_text:
                    raise scan.fail(start)
                pending = word_text if pending is None else pending + word_text
        if pending is not None:
            values.append(pending)
        yield keyword, language, tuple(keys), values, scan.pos


def parse_header(header: str) -> Header:
    """Keyword (and its keys, joined by SUB_SEPARATOR) → value list, the default language
    only. Stops at ``DATA=``."""
    keywords: Header = {}
    for keyword, language, keys, values, _end in _statements(header):
        if keyword == "DATA":
            break
        if language:
            continue
        keywords[(keyword, SUB_SEPARATOR.join(keys))] = values
    return keywords


def _body_start(text: str) -> tuple[Header, int]:
    keywords: Header = {}
    for keyword, language, keys, values, end in _statements(text):
        if keyword == "DATA" and not values:
            return keywords, end
        if not language:
            keywords[(keyword, SUB_SEPARATOR.join(keys))] = values
    raise FormatError("no DATA= keyword: not a PX file")


def parse_px(data: bytes) -> Cube:
    """Read a PX file into a Cube; raises FormatError when it is not one."""
    if not re.search(rb"DATA\s*=", data, re.IGNORECASE):
        raise FormatError("no DATA= keyword: not a PX file")
    head = data[: data.upper().find(b"DATA=") + 1 or 200_000]
    encoding = _encoding(head)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FormatError(f"the file is not {encoding} text (byte {exc.start + 1})") from exc
    text = text.lstrip("\ufeff")
    keywords, body_start = _body_start(text)

    def one(key: str, sub: str = "", default: str = "") -> str:
        values = keywords.get((key, sub))
        return values[0] if values else default

    stub = keywords.get(("STUB", ""), [])
    names = stub + keywords.get(("HEADING", ""), [])
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

    body = text[body_start:]
    end = body.rfind(";")
    tokens = [
        quoted if quoted or not bare else bare
        for quoted, bare in _TOKEN_RE.findall(body[: end if end >= 0 else None])
    ]
    symbols = {
        one(keyword): symbol
        for keyword, symbol in _SYMBOL_KEYWORDS.items()
        if one(keyword) and one(keyword) != symbol
    }
    if symbols:
        tokens = [symbols.get(token, token) for token in tokens]
    keyed = [(name, one("KEYS", name).upper()) for name in stub if one("KEYS", name)]
    cube = Cube(
        table_id=one("MATRIX"),
        title=one("TITLE") or one("DESCRIPTION"),
        dimensions=dimensions,
        values=_sparse(tokens, dimensions, keyed) if keyed else tokens,
        contents=one("CONTENTS"),
        units=one("UNITS"),
    )
    if content_variable:
        content = next(d for d in dimensions if d.code == content_variable)
        for code, label in zip(content.codes, content.labels, strict=True):
            unit = one("UNITS", label) or one("UNITS", code)
            if unit:
                cube.units_by_content[code] = unit
    if not keyed and len(tokens) != cube.size:
        raise FormatError(f"DATA holds {len(tokens)} figures but the dimensions give {cube.size}")
    return cube


def _sparse(
    tokens: list[str], dimensions: list[Dimension], keyed: list[tuple[str, str]]
) -> dict[int, str]:
    """The figures of a KEYS table by flat index: each row starts with the keys of the keyed
    STUB variables (by code or by value, as KEYS says), then one figure per remaining cell."""
    by_name = {d.code: d for d in dimensions}
    keyed_dims = [by_name[name] for name, _ in keyed]
    positions = [dimensions.index(d) for d in keyed_dims]
    if positions != list(range(len(positions))):
        raise FormatError("KEYS must name the first STUB variables in order")
    lookups = [
        {name: i for i, name in enumerate(d.codes if kind == "CODES" else d.labels)}
        for d, (_, kind) in zip(keyed_dims, keyed, strict=True)
    ]
    per_row = 1
    for dimension in dimensions[len(keyed_dims) :]:
        per_row *= len(dimension.codes)
    row_size = len(keyed_dims) + per_row
    if len(tokens) % row_size:
        raise FormatError(
            f"DATA holds {len(tokens)} items, not whole rows of {len(keyed_dims)} keys and "
            f"{per_row} figures"
        )
    values: dict[int, str] = {}
    for start in range(0, len(tokens), row_size):
        index = 0
        for dimension, lookup, key in zip(
            keyed_dims, lookups, tokens[start : start + len(keyed_dims)], strict=True
        ):
            position = lookup.get(key)
            if position is None:
                raise FormatError(f"KEYS: {key!r} is not a category of {dimension.code!r}")
            index = index * len(dimension.codes) + position
        base = index * per_row
        figures = tokens[start + len(keyed_dims) : start + row_size]
        for offset, figure in zip(itertools.count(), figures):
            values[base + offset] = figure
    return values


def header_value(keywords: Header, key: str, *subs: str) -> list[str] | None:
    """The values of ``KEY("sub", …)`` in a parsed header, or None."""
    return keywords.get((key, SUB_SEPARATOR.join(subs)))
