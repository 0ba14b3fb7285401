"""Benchmark (not a test): importing 1M long-format indicator values.

On PostgreSQL a scratch database ``samverka_bench_scratch_indicators_import`` (on the server of
``SAMVERKA_BENCH_PG_SERVER``, default postgresql://postgres@127.0.0.1:5432) is created, migrated,
and the same generated CSV is (1) imported with ``samverka import indicators`` (validation + store
path), (2) loaded with a raw ``COPY`` into the value table (and into an unconstrained scratch
table), and (3) written into the value table with pandas ``DataFrame.to_sql`` (SQLAlchemy engine
over psycopg, the documented default ``method=None`` with ``chunksize``), all in the same run; the
ratios of the rates are reported. On SQLite the import rate in rows/s is reported. Results are
appended to docs/benchmarks.md.

    .venv/bin/python bench/indicators_import.py [--rows 1000000] [--skip-pg] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, append_results, django_setup, header, migrate, scratch_database

TO_SQL_CHUNKSIZE = 10_000


def generate(path: Path, rows: int) -> None:
    """Monthly values for every area × gender, enough periods to reach ``rows``."""
    sys.path.insert(0, str(ROOT / "src"))
    areas = [line.split(",")[0] for line in _area_codes()]
    with path.open("w", encoding="utf-8") as out:
        out.write("indicator,area,period,gender,value\n")
        n = 0
        year, month = 1900, 1
        while n < rows:
            period = f"{year}M{month:02d}"
            for area in areas:
                for gender in ("T", "K", "M"):
                    if n >= rows:
                        break
                    out.write(f"bench,{area},{period},{gender},{(n * 7919) % 100000 / 10}\n")
                    n += 1
            month += 1
            if month == 13:
                year, month = year + 1, 1


def _area_codes() -> list[str]:
    codes = ["00"] + [f"{c:02d}" for c in (1, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 17, 18)]
    codes += [f"{c:02d}" for c in range(19, 26)]
    return codes


def child(database_url: str, csv_path: str) -> None:
    """Run in a subprocess with the database URL set: migrate, import, (PG) COPY."""
    django_setup(
        database_url, SAMVERKA_IMPORT_MAX_BYTES=str(1 << 31), SAMVERKA_IMPORT_MAX_ROWS=str(1 << 31)
    )
    from django.db import connection

    from samverka.indicators.services.importers import import_indicators

    migrate()
    started = time.perf_counter()
    with open(csv_path, "rb") as handle:
        report = import_indicators(handle, filename="bench.csv")
    elapsed = time.perf_counter() - started
    assert report.ok, (report.file_error, report.errors[:3])
    print(f"import {report.created} {elapsed:.3f}")
    started = time.perf_counter()
    with open(csv_path, "rb") as handle:
        again = import_indicators(handle, filename="bench.csv")
    print(f"reimport {again.unchanged} {time.perf_counter() - started:.3f}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TABLE bench_copy (indicator varchar(60), area varchar(4), "
                "period varchar(10), gender varchar(1), value numeric(20, 6))"
            )
            started = time.perf_counter()
            with (
                open(csv_path, "rb") as handle,
                cursor.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER)") as copy,
            ):
                while block := handle.read(1 << 20):
                    copy.write(block)
            connection.commit() if not connection.get_autocommit() else None
            print(f"copy {cursor.rowcount} {time.perf_counter() - started:.3f}")
        _copy_into_value_table(connection, csv_path)
        _to_sql_into_value_table(connection, database_url, csv_path)


def _copy_into_value_table(connection: object, csv_path: str) -> None:
    """The fair reference: a raw COPY of the same rows, already resolved to ids, into the real
    value table with its unique index and foreign keys, committed (so the deferred foreign-key
    checks are paid as in the import)."""
    from samverka.indicators.models import Value, ValueRevision

    columns = "indicator_id, area_id, period, gender, value, status, derived, revised, source, imported_at"
    resolved = csv_path + ".resolved"
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        with (
            open(resolved, "wb") as out,
            cursor.cursor.copy(
                f"COPY (SELECT {columns} FROM {Value._meta.db_table}) TO STDOUT WITH (FORMAT csv)"
            ) as copy,
        ):
            for block in copy:
                out.write(block)
        cursor.execute(f"DELETE FROM {ValueRevision._meta.db_table}")
        cursor.execute(f"DELETE FROM {Value._meta.db_table}")
    connection.commit() if not connection.get_autocommit() else None  # type: ignore[attr-defined]
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("VACUUM") if connection.get_autocommit() else None  # type: ignore[attr-defined]
    started = time.perf_counter()
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("BEGIN") if connection.get_autocommit() else None  # type: ignore[attr-defined]
        with (
            open(resolved, "rb") as handle,
            cursor.cursor.copy(
                f"COPY {Value._meta.db_table} ({columns}) FROM STDIN WITH (FORMAT csv)"
            ) as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        rows = cursor.rowcount
        cursor.execute("COMMIT") if connection.get_autocommit() else None  # type: ignore[attr-defined]
    connection.commit() if not connection.get_autocommit() else None  # type: ignore[attr-defined]
    print(f"copyvalues {rows} {time.perf_counter() - started:.3f}")


def _to_sql_into_value_table(connection: object, database_url: str, csv_path: str) -> None:
    """The pandas reference: the same resolved rows, read into a DataFrame (not timed), written
    into the emptied value table with ``DataFrame.to_sql`` (documented default ``method=None``,
    ``chunksize`` rows per batch) through a SQLAlchemy engine on psycopg."""
    import pandas as pd
    import sqlalchemy

    from samverka.indicators.models import Value, ValueRevision

    columns = [
        "indicator_id", "area_id", "period", "gender", "value", "status", "derived", "revised",
        "source", "imported_at",
    ]  # fmt: skip
    frame = pd.read_csv(
        csv_path + ".resolved",
        names=columns,
        dtype={"period": str, "gender": str, "status": str, "source": str},
        keep_default_na=False,
        na_values={"value": [""]},
        parse_dates=["imported_at"],
        converters={"derived": "t".__eq__, "revised": "t".__eq__},
    )
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(f"DELETE FROM {ValueRevision._meta.db_table}")
        cursor.execute(f"DELETE FROM {Value._meta.db_table}")
    connection.commit() if not connection.get_autocommit() else None  # type: ignore[attr-defined]
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("VACUUM") if connection.get_autocommit() else None  # type: ignore[attr-defined]
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sqlalchemy.create_engine(url)
    try:
        started = time.perf_counter()
        with engine.begin() as conn:
            frame.to_sql(
                Value._meta.db_table,
                conn,
                if_exists="append",
                index=False,
                chunksize=TO_SQL_CHUNKSIZE,
            )
        elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    print(f"tosql {len(frame)} {elapsed:.3f}")


def run_child(database_url: str, csv_path: Path) -> dict[str, tuple[int, float]]:
    output = subprocess.run(
        [sys.executable, __file__, "--child", database_url, str(csv_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    results = {}
    for line in output.splitlines():
        name, count, seconds = line.split()
        results[name] = (int(count), float(seconds))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-pg", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    parser.add_argument("--child", nargs=2)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "bench.csv"
        generate(csv_path, args.rows)
        size = csv_path.stat().st_size / 1e6
        if not args.skip_sqlite:
            r = run_child(f"sqlite:///{tmp}/bench.sqlite3", csv_path)
            rate = r["import"][0] / r["import"][1]
            again = r["reimport"][0] / r["reimport"][1]
            lines.append(
                f"| SQLite | {args.rows:,} | import {rate:,.0f} rows/s | "
                f"re-import (all unchanged) {again:,.0f} rows/s | target ≥ 50,000 rows/s |"
            )
            print(lines[-1])
        if not args.skip_pg:
            with scratch_database("indicators_import") as url:
                r = run_child(url, csv_path)
            rate = r["import"][0] / r["import"][1]
            copy = r["copy"][0] / r["copy"][1]
            copy_values = r["copyvalues"][0] / r["copyvalues"][1]
            to_sql = r["tosql"][0] / r["tosql"][1]
            again = r["reimport"][0] / r["reimport"][1]
            lines.append(
                f"| PostgreSQL | {args.rows:,} | import {rate:,.0f} rows/s; raw COPY into the "
                f"value table (same index and foreign keys, committed) {copy_values:,.0f} rows/s: "
                f"**ratio {rate / copy_values:.2f}**; raw COPY into an unconstrained scratch "
                f"table {copy:,.0f} rows/s: ratio {rate / copy:.2f}; pandas `to_sql` "
                f"(method=None, chunksize {TO_SQL_CHUNKSIZE:,}) into the value table "
                f"{to_sql:,.0f} rows/s: **ratio {rate / to_sql:.2f}** | re-import (all "
                f"unchanged) {again:,.0f} rows/s | target ratio ≥ 0.5 × COPY |"
            )
            print(lines[-1])
    if args.no_write:
        return
    text = header(
        "Indicator import", f"CSV {size:.0f} MB. `bench/indicators_import.py --rows {args.rows}`."
    )
    text += ["| database | rows | fresh import | second import | target |", "|---|---|---|---|---|"]
    append_results("\n".join(text + lines) + "\n")


if __name__ == "__main__":
    main()
