"""Shared machinery of the importer property tests: hypothesis settings, nasty cell values,
file builders and the properties every importer must have.

``SAMVERKA_FUZZ_EXAMPLES`` (default 30) sets the examples per property; raise it for a long
local run, e.g. ``SAMVERKA_FUZZ_EXAMPLES=2000 pytest tests/fuzz``. Runs are derandomised and keep
no example database, so CI is reproducible and nothing is written into the repository.
"""

from __future__ import annotations

import copy
import csv
import datetime
import functools
import hashlib
import io
import os
import sqlite3
import sys
import zipfile
from collections.abc import Callable, Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import transaction
from hypothesis import HealthCheck, currently_in_test_context, event, settings
from hypothesis import strategies as st

from samverka.core.importing import ImportReport

EXAMPLES = int(os.environ.get("SAMVERKA_FUZZ_EXAMPLES", "30"))
TEST_DATA = Path(__file__).resolve().parents[1]


def fuzz_settings(share: float = 1.0) -> settings:
    """Hypothesis settings for one property: ``share`` of the configured examples."""
    return settings(
        max_examples=max(5, int(EXAMPLES * share)),
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# --- values ---------------------------------------------------------------------------------

NASTY_TEXT = [
    "",
    " ",
    "\t",
    "\x00",
    "a\x00b",
    "=1+1",
    '=HYPERLINK("http://evil")',
    "@SUM(A1)",
    "+46 70",
    "-0",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e309",
    "-1e309",
    "9" * 30,
    "-" + "9" * 30,
    "-1",
    "0",
    "0.000001",
    "1,5",
    "1 000",
    "1\u00a0000",
    "1\u202f000",
    "..",
    "-",
    "2026-02-30",
    "0000-00-00",
    "9999-12-31",
    "2026-13-01",
    "2026-01-01 00:00:00",
    "20260101",
    "'",
    '"',
    '""',
    "\u202e",
    "\ufeff",
    "\u200b",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "ＡＢＣ",
    "Å\u030a",
    "٣",
    "²",
    "--5",
    "½",
    "a" * 300,
    "x" * 5000,
    "\r",
    "\n",
    "a\r\nb",
    ";",
    ",",
    "|",
    "||",
    "NULL",
    "None",
    "true",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "http://",
    "https://" + "a" * 250 + ".se",
    "https://example.se/" + "a" * 300,
    "javascript:alert(1)",
    "%s%d%(x)s",
    "{}",
    "[]",
]

nasty_text = st.sampled_from(NASTY_TEXT)
any_text = st.text(max_size=40)


def cell(*valid: str | st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """One of the valid values given (plain strings or strategies)."""
    return st.one_of([v if isinstance(v, st.SearchStrategy) else st.just(v) for v in valid])


rarely = st.sampled_from([False] * 14 + [True])
nasty_cell = st.one_of(nasty_text, nasty_text, any_text)


@st.composite
def table(
    draw: Any,
    values: dict[str, st.SearchStrategy[str]],
    headers: dict[str, list[str]] | None = None,
    max_rows: int = 5,
) -> tuple[list[str], list[list[str]]]:
    """A header and rows of mostly valid cells: each row has up to two nasty cells, and now
    and then a column is missing, the header is odd or a row is short."""
    columns = list(values)
    if draw(rarely):
        columns = draw(st.permutations(columns))[: draw(st.integers(1, len(columns)))]
    header = [draw(st.sampled_from((headers or {}).get(c) or [c])) for c in columns]
    if draw(rarely):
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(NASTY_TEXT))
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        row = [draw(values[c]) for c in columns]
        for _ in range(draw(st.sampled_from([0, 0, 1, 1, 2]))):
            row[draw(st.integers(0, len(row) - 1))] = draw(nasty_cell)
        if draw(rarely):
            row = row[: draw(st.integers(0, len(row)))]
        rows.append(row)
    return header, rows


def luhn_orgnr(body: str) -> str:
    """A Swedish organisation number ``NNNNNN-NNNN`` from nine digits plus its check digit."""
    total = 0
    for index, char in enumerate(body):
        digit = int(char) * (2 if index % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return f"{body[:6]}-{body[6:]}{(10 - total % 10) % 10}"


orgnr = st.builds(luhn_orgnr, st.from_regex(r"[2-9][0-9]{8}", fullmatch=True))


# --- files ----------------------------------------------------------------------------------


@st.composite
def csv_file(draw: Any, header: list[str], rows: list[list[str]]) -> bytes:
    """Render a table as CSV bytes with a drawn delimiter, newline, BOM and encoding."""
    delimiter = draw(st.sampled_from([",", ";"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for record in [header, *rows]:
        writer.writerow(record)
    text = out.getvalue()
    if newline == "mixed":
        lines = text.split("\n")
        text = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines))
    elif newline != "\n":
        text = text.replace("\n", newline)
    if draw(st.booleans()):
        text = "\ufeff" + text
    encoding = draw(st.sampled_from(["utf-8"] * 12 + ["latin-1", "utf-16", "cp1252"]))
    return text.encode(encoding, errors="replace")


def xlsx_file(header: list[str], rows: list[list[str]]) -> bytes:
    """Render a table as an XLSX workbook (cells that XML cannot hold are left out)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook()
    sheet = workbook.active
    for record in [header, *rows]:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) for value in record])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
        'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
        'worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def _xml_row(cells: Iterable[str]) -> str:
    return (
        "<row>"
        + "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in cells)
        + "</row>"
    )


def raw_xlsx(header: list[str], row: list[str], rows: int, *, tail: str = "") -> bytes:
    """An XLSX built with zipfile directly: ``header`` and ``rows`` copies of ``row``, then the
    raw sheet XML ``tail``. Repeated rows compress ~1000:1, so millions of rows make a file of
    a few hundred KB (a zip bomb within the upload limit) in about a second."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b"<sheetData>" + _xml_row(header).encode()
            )
            block = _xml_row(row).encode() * 10_000
            for _ in range(rows // 10_000):
                sheet.write(block)
            sheet.write(_xml_row(row).encode() * (rows % 10_000))
            sheet.write(tail.encode() + b"</sheetData></worksheet>")
    return out.getvalue()


@functools.cache
def expanding_xlsx() -> bytes:
    """The zip bomb of the security review: 2 million rows (~190 MB of XML) in ~200 KB."""
    return raw_xlsx(["name", "helix", "area", "period", "value"], ["Acme AB", "company"], 2_000_000)


@functools.cache
def sparse_xlsx() -> bytes:
    """A tiny XLSX with one cell in A1 and one in the last cell of a sheet, XFD1048576: a
    reader that makes the sheet a dense grid allocates 17 billion cells for it."""
    return raw_xlsx(
        ["name", "helix", "indicator", "area", "period", "value"],
        [],
        0,
        tail='<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
    )


@st.composite
def mutated(draw: Any, data: bytes) -> bytes:
    """A valid file damaged: a line dropped or duplicated, bytes replaced, cut short."""
    lines = data.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        kind = draw(st.sampled_from(["drop", "duplicate", "replace", "cut", "bytes", "swap"]))
        index = draw(st.integers(0, len(lines) - 1))
        if kind == "drop":
            del lines[index]
        elif kind == "duplicate":
            lines.insert(index, lines[index])
        elif kind == "replace":
            line = lines[index]
            start = draw(st.integers(0, len(line)))
            lines[index] = (
                line[:start]
                + draw(st.sampled_from(NASTY_TEXT)).encode("utf-8")
                + line[start + draw(st.integers(0, 12)) :]
            )
        elif kind == "cut":
            lines[index] = lines[index][: draw(st.integers(0, len(lines[index])))]
            del lines[index + 1 :]
        elif kind == "bytes":
            lines.insert(index, draw(st.binary(max_size=30)))
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return b"".join(lines)


leaf = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1899, 2201, 2**63, 10**30, 9999.999, 1e309, float("nan"), 1.5]),
    st.sampled_from([None, True, False, [], {}, [None], {"x": 1}, datetime.date(2026, 2, 28)]),
    st.text(max_size=20),
)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@st.composite
def mutated_document(draw: Any, document: Any, max_changes: int = 4) -> Any:
    """A JSON/YAML document with one to ``max_changes`` values replaced by nasty ones, keys
    deleted, items duplicated or unknown keys added."""
    document = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, max_changes))):
        paths = _paths(document)[1:]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["set", "set", "set", "delete", "duplicate", "unknown"]))
        if action == "set":
            parent[path[-1]] = draw(leaf)
        elif action == "delete":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "Code", 1, "measures", "values"]))] = draw(leaf)
    return document


# --- properties -----------------------------------------------------------------------------


def _models(tables: Iterable[str]) -> list[Any]:
    """The models named by app label (all its tables, many-to-many links included) or by
    ``app_label.ModelName``."""
    models = []
    for name in tables:
        if "." in name:
            models.append(apps.get_model(name))
        else:
            models += apps.get_app_config(name).get_models(include_auto_created=True)
    return models


def database_state(tables: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row (timestamps left out), per table named."""
    state = {}
    for model in _models(tables):
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if f.attname not in {"created", "updated", "at"}
        ]
        rows = list(model.objects.order_by("pk").values_list(*fields))
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        state[model._meta.label] = (len(rows), digest)
    return state


def assert_locates(report: ImportReport) -> None:
    """A failed report says why, and each row error names its row or its path."""
    assert report.file_error or report.errors, report
    assert isinstance(report.file_error, str)
    for error in report.errors:
        # An error of the whole document (not a mapping at all) is the only one it has.
        assert error.row > 0 or error.column or len(report.errors) == 1, error
        assert error.message.strip(), error
        str(error)
    assert report.summary()


def check_import(
    importer: Callable[..., ImportReport],
    data: bytes,
    *,
    filename: str,
    tables: Iterable[str],
    idempotent: bool = True,
    **options: Any,
) -> ImportReport:
    """Run ``importer`` on ``data`` with the properties every importer has:

    * it returns an ImportReport (never raises), and a dry run reports the same outcome and
      writes nothing;
    * a failed import leaves every table exactly as it was, and its errors are located;
    * a successful one, repeated, creates nothing and changes nothing.

    Everything runs in a savepoint that is rolled back, so examples do not see each other.
    """
    tables = [*tables, "core.AuditEntry"]
    with transaction.atomic():
        before = database_state(tables)
        dry = importer(io.BytesIO(data), filename=filename, actor=None, dry_run=True, **options)
        assert isinstance(dry, ImportReport), dry
        assert database_state(tables) == before, "a dry run wrote something"
        report = importer(io.BytesIO(data), filename=filename, actor=None, dry_run=False, **options)
        assert isinstance(report, ImportReport), report
        assert report.ok == dry.ok, (dry, report)
        if currently_in_test_context():  # the statistics of --hypothesis-show-statistics
            event("imported" if report.ok else "rejected")
        if not report.ok:
            assert_locates(dry)
            assert_locates(report)
            assert database_state(tables) == before, ("failed import wrote something", report)
        elif idempotent:
            assert report.summary()
            after = database_state(tables)
            again = importer(
                io.BytesIO(data), filename=filename, actor=None, dry_run=False, **options
            )
            assert again.ok, again
            assert again.created == 0, again
            assert again.updated == 0, again
            assert database_state(tables) == after, (
                "importing the same file twice changed something"
            )
        transaction.set_rollback(True)
    return report


# --- the kill tests: real ``samverka`` processes on a SQLite database file --------------------

SAMVERKA = str(Path(sys.executable).with_name("samverka"))


def samverka_env(path: Path, secret_key: str, **settings: str) -> dict[str, str]:
    """The environment of a ``samverka`` process on the SQLite database in ``path``: this
    process's environment without any SAMVERKA_ setting, plus ``settings`` (SAMVERKA_ names)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKA_")}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(
        SAMVERKA_DATABASE_URL=f"sqlite:///{path / 'db.sqlite3'}",
        SAMVERKA_VAR_DIR=str(path),
        SAMVERKA_SECRET_KEY=secret_key,
        SAMVERKA_SITE_URL="https://samverka.example",
        **settings,
    )
    return env


def sqlite_rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """The rows of a query on a SQLite database file, read outside Django."""
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, params).fetchall()


def sqlite_count(db: Path, sql: str) -> int:
    """The single number a ``SELECT COUNT(...)`` query returns."""
    return sqlite_rows(db, sql)[0][0]


def rss(name: str, items: int) -> bytes:
    """An RSS feed called ``name`` with ``items`` items (guids ``name-0`` ...)."""
    entries = "".join(
        f"<item><title>{name} nyhet {n}</title><link>https://example.se/{name}/{n}</link>"
        f"<guid>{name}-{n}</guid><description>Text {n}</description></item>"
        for n in range(items)
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{name}"
        f"</title><link>https://example.se</link><description>d</description>{entries}"
        "</channel></rss>"
    ).encode()
