"""The PostgreSQL fast path of the long CSV import: the file goes to the database as it is.

After the header has been read and checked in Python, the rest of the file is streamed with
``COPY … (FORMAT csv)`` into a temporary staging table (one text column per file column and a
row number). The rows are then checked in a few set-based queries: codes are trimmed exactly
as ``str.strip`` does, area codes normalised as :func:`store.normalise_area_code` does and
joined to the areas, periods, genders and numbers recognised by regular expressions. SQL only
*accepts* the plain cases; every row it does not recognise is fetched and checked by the same
Python code as the row-by-row path, so the report (row, column, reason) is the same. Duplicate
keys are found with a window query. Only a clean file is written, with
:func:`store.pg_store_staged` (INSERT … SELECT, or revisions + INSERT … ON CONFLICT).

Anything COPY reads differently from Python's ``csv`` module makes the import fall back to the
row-by-row path (the caller re-reads the file): a record with a different number of fields
(blank lines included), bytes that are not UTF-8, mixed line ends, a ``"`` anywhere (quoting
rules differ in corner cases) or the ``\\.`` end-of-data marker.
"""

from __future__ import annotations

import csv
from typing import IO, Any

import psycopg
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from samverka.core.importing import ImportFileError, too_many_rows_error
from samverka.indicators.enums import Source
from samverka.indicators.models import Indicator
from samverka.indicators.services import importers, store

STAGE = "samverka_csv_stage"
ROWS = "samverka_csv_rows"
MAP = "samverka_csv_map"
BLOCK = 1 << 20
_MISSING = tuple(sorted(store.MISSING_SYMBOLS))


class _Fallback(Exception):
    """COPY cannot read this file the way csv.reader would: use the row-by-row path."""


def import_long_csv(
    raw: IO[bytes],
    report: importers.IndicatorImportReport,
    *,
    indicator: str | None,
    source: str,
    actor: Any = None,
    derive: bool = True,
) -> bool:
    """Import a long CSV file on PostgreSQL (audited as done by ``actor``), then derive in the
    same transaction unless not ``derive``; False (file rewound, report untouched) when the
    row-by-row path must do it."""
    if connection.vendor != "postgresql" or not raw.seekable():
        return False
    start = raw.tell()
    try:
        header = _read_header(raw)
        if header is None:
            return _rewind(raw, start)
        headers, delimiter, header_bytes = header
        positions = importers._header_positions(headers)
        required = {"area", "period", "value"} | (set() if indicator else {"indicator"})
        if required - positions.keys():
            return _rewind(raw, start)
        try:
            importers._atomic(
                report,
                lambda: _run(
                    raw,
                    report,
                    headers,
                    delimiter,
                    header_bytes,
                    positions,
                    indicator,
                    source,
                    actor,
                    derive,
                ),
            )
        except _Fallback:
            report.rows = report.created = report.updated = report.revised = 0
            report.unchanged = 0
            report.clear_errors()
            report.warnings.clear()
            report.indicators.clear()
            report.file_error = ""
            return _rewind(raw, start)
    finally:
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {ROWS}, {MAP}")
    return True


def _rewind(raw: IO[bytes], start: int) -> bool:
    raw.seek(start)
    return False


def _read_header(raw: IO[bytes]) -> tuple[list[str], str, int] | None:
    line = raw.readline(BLOCK)
    if not line.endswith(b"\n") or b'"' in line:
        return None
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    if not text.strip():
        return None
    delimiter = ";" if text.count(";") > text.count(",") else ","
    try:
        headers = next(csv.reader([text], delimiter=delimiter, strict=True))
    except (csv.Error, StopIteration):
        return None
    return headers, delimiter, len(line)


def _run(
    raw: IO[bytes],
    report: importers.IndicatorImportReport,
    headers: list[str],
    delimiter: str,
    header_bytes: int,
    positions: dict[str, int],
    indicator: str | None,
    source: str,
    actor: Any,
    derive: bool = True,
) -> None:
    width = len(headers)
    columns = [f"c{i}" for i in range(width)]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}, {ROWS}, {MAP}")
        cursor.execute(
            f"CREATE TEMP TABLE {STAGE} (n bigint GENERATED ALWAYS AS IDENTITY, "
            + ", ".join(f"{c} text" for c in columns)
            + ")"
        )
        _copy(cursor, raw, columns, delimiter, header_bytes)
        cursor.execute(f"SELECT count(*) FROM {STAGE}")  # noqa: S608
        report.rows = cursor.fetchone()[0]
        if report.rows > settings.SAMVERKA_IMPORT_MAX_ROWS:
            raise too_many_rows_error()
        if not report.rows:
            raise _Fallback
        report.warnings.extend(_resolve(cursor, positions, indicator))
        _python_checks(cursor, report, positions, indicator)
        codes, known = _codes(cursor)
        if report.errors or any(code in known for code in codes):
            _duplicates(cursor, report)
        if not report.ok:
            report.errors.sort(key=lambda e: e.row)
            return
        _write(cursor, report, codes, source, actor)
        new_codes = sorted(code for code in codes if code not in known)
        if new_codes and report.ok:
            report.warnings.append(
                _("New indicators created (name them in the catalogue): %(codes)s")
                % {"codes": ", ".join(new_codes)}
            )
        if derive and report.ok:
            cursor.execute(f"SELECT DISTINCT code, period FROM {ROWS}")  # noqa: S608
            periods: dict[str, set[str]] = {}
            for code, period in cursor.fetchall():
                periods.setdefault(code, set()).add(period)
            importers.derive_imported(report, periods, actor)


def _copy(cursor: Any, raw: IO[bytes], columns: list[str], delimiter: str, read: int) -> None:
    limit = settings.SAMVERKA_IMPORT_MAX_BYTES
    sql = (
        f"COPY {STAGE} ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, DELIMITER '{delimiter}', ENCODING 'UTF8')"
    )
    pending = b""
    last = b""
    stop = ""
    try:
        with transaction.atomic(), cursor.cursor.copy(sql) as copy:
            while block := raw.read(BLOCK):
                read += len(block)
                if read > limit:
                    stop = "large"
                    break
                if b'"' in block or b"\\." in block or (last == b"\\" and block[:1] == b"."):
                    stop = "fallback"
                    break
                last = block[-1:]
                # Blank lines at the end are allowed (csv.reader skips them), not for COPY.
                body = block.rstrip(b"\r\n")
                if body:
                    copy.write(pending + body)
                    pending = block[len(body) :]
                else:
                    pending += block
            if stop:
                raise _Fallback
    except (_Fallback, DatabaseError, psycopg.Error) as exc:
        # A record COPY cannot read (or reads differently): let csv.reader judge it.
        if stop == "large":
            raise ImportFileError(
                _("the file is larger than %(mb)d MB") % {"mb": limit // 1_000_000}
            ) from None
        raise _Fallback from exc


def _resolve(cursor: Any, positions: dict[str, int], indicator: str | None) -> list[str]:
    """The staged rows, checked: ``bad`` marks those SQL did not recognise. Returns the notes
    on retired area codes read as today's.

    Codes, areas, periods, genders and statuses repeat, so each column's distinct cells are
    judged once by the row-by-row path's own functions and joined back through a map table.
    """
    check = importers._Validator()
    areas = store.area_ids()
    judges = {
        "indicator": lambda raw: raw.strip() or None,
        "area": lambda raw: (lambda code: None if code is None else str(areas[code]))(
            check.area(raw.strip())
        ),
        "period": lambda raw: check.period(raw.strip()),
        "gender": lambda raw: importers.GENDERS.get(raw.strip()),
        "status": lambda raw: raw.strip()[:10],
    }
    mapped = [
        name for name in judges if name in positions and not (name == "indicator" and indicator)
    ]
    entries = []
    for f, name in enumerate(mapped):
        cursor.execute(f"SELECT DISTINCT coalesce(c{positions[name]}, '') FROM {STAGE}")  # noqa: S608
        judge = judges[name]
        entries.extend((f, raw, judge(raw)) for (raw,) in cursor.fetchall())
    cursor.execute(f"CREATE TEMP TABLE {MAP} (f int, raw text, val text)")
    with cursor.cursor.copy(f"COPY {MAP} (f, raw, val) FROM STDIN") as copy:
        for entry in entries:
            copy.write_row(entry)
    cursor.execute(f"ANALYZE {MAP}")
    joins = "".join(
        f" LEFT JOIN {MAP} m{f} ON m{f}.f = {f} AND m{f}.raw = coalesce(s.c{positions[name]}, '')"
        for f, name in enumerate(mapped)
    )
    value_of = {name: f"m{f}.val" for f, name in enumerate(mapped)}
    code = value_of.get("indicator", "%(indicator)s::text")
    gender = value_of.get("gender", "'T'")
    status = value_of.get("status", "''")
    missing = "(" + ", ".join(f"'{m}'" for m in _MISSING) + ")"
    value = f"coalesce(s.c{positions['value']}, '')"
    cursor.execute(
        f"""
        CREATE TEMP TABLE {ROWS} AS
        SELECT n, code, area_id, period::varchar(10) AS period, gender::varchar(1) AS gender,
            value, CASE WHEN st <> '' THEN st WHEN miss THEN v ELSE '' END::varchar(10) AS status,
            (code IS NULL OR area_id IS NULL OR period IS NULL OR gender IS NULL
             OR (value IS NULL AND NOT miss)) AS bad
        FROM (
            SELECT s.n, {code} AS code, {value_of["area"]}::bigint AS area_id,
                {value_of["period"]} AS period, {gender} AS gender, {status} AS st,
                {value} AS v, {value} IN {missing} AS miss,
                CASE WHEN {value} ~ '^-?[0-9]{{1,14}}(\\.[0-9]{{1,6}})?$'
                    THEN {value}::numeric(20, 6)
                    WHEN {value} ~ '^-?[0-9]{{1,14}},[0-9]{{1,6}}$'
                    THEN replace({value}, ',', '.')::numeric(20, 6) END AS value
            FROM {STAGE} s{joins}
            OFFSET 0
        ) r
        """,  # noqa: S608 - table and column names are ours
        {"indicator": indicator},
    )
    return list(check.notes.values())


def _python_checks(
    cursor: Any,
    report: importers.IndicatorImportReport,
    positions: dict[str, int],
    indicator: str | None,
) -> int:
    """Check the rows SQL did not recognise with the row-by-row code; store the good ones."""
    cursor.execute(f"SELECT count(*) FROM {ROWS} WHERE bad")  # noqa: S608
    if not cursor.fetchone()[0]:
        return 0
    names = ("indicator", "area", "period", "gender", "value", "status")
    select = ", ".join(
        f"coalesce(s.c{positions[name]}, '')" if name in positions else "NULL" for name in names
    )
    cursor.execute(
        f"SELECT s.n, {select} FROM {STAGE} s WHERE s.n IN "  # noqa: S608
        f"(SELECT n FROM {ROWS} WHERE bad) ORDER BY s.n"
    )
    fetched = cursor.fetchall()
    check = importers._Validator()
    areas = store.area_ids()
    fixed = []
    for n, raw_code, raw_area, raw_period, raw_gender, raw_value, raw_status in fetched:
        checked = importers.check_fields(
            report,
            check,
            n + 1,
            indicator or raw_code.strip(),
            raw_area,
            raw_period,
            raw_gender,
            raw_value,
            raw_status,
        )
        if checked is not None:
            code, area, period, gender, value, status = checked
            fixed.append((n, code, areas[area], period, gender, value, status))
    cursor.execute(f"DELETE FROM {ROWS} WHERE bad")  # noqa: S608
    if fixed:
        cursor.executemany(
            f"INSERT INTO {ROWS} (n, code, area_id, period, gender, value, status, bad) "  # noqa: S608
            "VALUES (%s, %s, %s, %s, %s, %s, %s, false)",
            [(*row[:5], store._quantize(row[5]), row[6]) for row in fixed],
        )
    return len(fixed)


def _codes(cursor: Any) -> tuple[list[str], set[str]]:
    """The indicator codes of the clean rows in file order, and those already known."""
    cursor.execute(f"SELECT code FROM {ROWS} GROUP BY code ORDER BY min(n)")  # noqa: S608
    codes = [code for (code,) in cursor.fetchall()]
    known = set(Indicator.objects.filter(code__in=codes).values_list("code", flat=True))
    return codes, known


def _duplicates(cursor: Any, report: importers.IndicatorImportReport) -> None:
    cursor.execute(
        f"SELECT n, first FROM (SELECT n, min(n) OVER (PARTITION BY code, area_id, period, "  # noqa: S608
        f"gender) AS first FROM {ROWS}) d WHERE n <> first ORDER BY n"
    )
    for n, first in cursor.fetchall():
        report.add_error(
            n + 1,
            "area",
            _("the same indicator, area, period and gender as row %(row)d") % {"row": first + 1},
        )


def _write(
    cursor: Any,
    report: importers.IndicatorImportReport,
    codes: list[str],
    source: str,
    actor: Any,
) -> None:
    counts: dict[str, int] = {}
    if len(codes) > 1:
        cursor.execute(f"SELECT code, count(*) FROM {ROWS} GROUP BY code")  # noqa: S608
        counts = dict(cursor.fetchall())
    for code in codes:
        target = importers._indicator_for(code, report, actor, source=Source.OTHER, name_sv=code)
        try:
            result = store.pg_store_staged(
                indicator=target,
                staged=f"(SELECT area_id, period, gender, value, status FROM {ROWS} "  # noqa: S608
                "WHERE code = %(code)s)",
                params={"code": code},
                rows=counts.get(code, report.rows),
                source=source,
                actor=actor,
            )
        except IntegrityError:  # a fresh indicator with the same key twice
            _duplicates(cursor, report)
            if report.ok:
                raise
            report.errors.sort(key=lambda e: e.row)
            return
        report.add(result)
