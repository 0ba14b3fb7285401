"""What the benchmark scripts share: Django setup, PostgreSQL scratch databases, the report header
(date, machine, commit), appending to docs/benchmarks.md, and percentiles.

Two kinds of PostgreSQL database are used, and they are never the same one:

* the **generated** database ``samverka_bench`` (``SAMVERKA_BENCH_DATABASE_URL``), written once by
  ``samverka bench generate --scale national`` and only read by the page and load benchmarks;
* **scratch** databases ``samverka_bench_scratch_<name>``, created empty (or with an empty schema)
  by a script for its own synthetic rows and dropped or reset by it. A script never drops the
  generated database.

Scripts import this module as ``from common import …`` (``bench/`` is on ``sys.path`` when a
script in it runs).
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "benchmarks.md"
#: The server the scratch databases live on (no database name).
PG_SERVER = os.environ.get("SAMVERKA_BENCH_PG_SERVER") or "postgresql://postgres@127.0.0.1:5432"
#: The generated national database (``make bench`` fills it once; scripts only read it).
BENCH_DATABASE_URL = os.environ.get("SAMVERKA_BENCH_DATABASE_URL") or f"{PG_SERVER}/samverka_bench"
# The shared cache of the servers that bench/pages.py and bench/load.py start, as production runs
# them (docs/operations.md); without Redis they fall back to the database cache.
BENCH_REDIS_URL = os.environ.get("SAMVERKA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
SCRATCH_PREFIX = "samverka_bench_scratch_"


# Django --------------------------------------------------------------------------------------


def django_setup(
    database_url: str | None = None, var_dir: str | None = None, **environ: str
) -> None:
    """Point Samverka at ``database_url`` (unset: its default SQLite under ``var_dir``), set any
    extra environment variables, and set Django up. Call once per process: settings are fixed
    at setup. The page cache is off unless ``environ`` turns it on: in-process benchmarks time
    what a request renders (bench/pages.py measures the cache over HTTP)."""
    environ.setdefault("SAMVERKA_PAGE_CACHE_SECONDS", "0")
    if var_dir is not None:
        os.environ["SAMVERKA_VAR_DIR"] = var_dir
    if database_url is None:
        os.environ.pop("SAMVERKA_DATABASE_URL", None)
    else:
        os.environ["SAMVERKA_DATABASE_URL"] = database_url
    os.environ.update(environ)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
    if str(ROOT / "src") not in sys.path:
        sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# PostgreSQL scratch databases ------------------------------------------------------------------


def scratch_url(name: str) -> str:
    """The URL of the scratch database for ``name`` (e.g. "indicators_import")."""
    return f"{PG_SERVER}/{SCRATCH_PREFIX}{name}"


def _guard(url: str) -> str:
    database = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    if not database.startswith(SCRATCH_PREFIX):
        raise SystemExit(f"refusing to reset {database!r}: not a {SCRATCH_PREFIX}* database")
    return database


def create_scratch(url: str) -> None:
    """Create the scratch database at ``url`` afresh (dropped first when it exists)."""
    import psycopg

    database = _guard(url)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')


def drop_scratch(url: str) -> None:
    import psycopg

    database = _guard(url)
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')


def reset_scratch_schema(url: str) -> None:
    """Empty the scratch database at ``url`` (a fresh public schema, so migrations load the
    geography again); creates the database when it does not exist."""
    import psycopg

    _guard(url)
    try:
        conn = psycopg.connect(url, autocommit=True)
    except psycopg.OperationalError:
        create_scratch(url)
        return
    with conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A fresh scratch database for the block; its URL is yielded and it is dropped after."""
    url = scratch_url(name)
    create_scratch(url)
    try:
        yield url
    finally:
        drop_scratch(url)


def ensure_database(url: str) -> bool:
    """Create the (empty) database at ``url`` when it does not exist; True when created."""
    import psycopg

    database = url.rstrip("/").rsplit("/", 1)[-1].split("?")[0]
    server = url.rstrip("/").rsplit("/", 1)[0]
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
        admin.execute(f'CREATE DATABASE "{database}"')
    return True


# Statistics ----------------------------------------------------------------------------------


def redis_url() -> str:
    """``BENCH_REDIS_URL`` when Redis answers there, else "" (the database cache)."""
    try:
        import redis

        redis.Redis.from_url(BENCH_REDIS_URL, socket_connect_timeout=2).ping()
    except Exception:  # not installed, not running, refused: all mean "no Redis"
        return ""
    return BENCH_REDIS_URL


def p50(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (the last of 20 quantiles; the value itself for fewer than two)."""
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=20)[-1]


def timings(func: Callable[[], object], repeat: int, warmup: int = 1) -> list[float]:
    """Seconds per call of ``func`` over ``repeat`` calls after ``warmup`` calls."""
    import time

    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


# The report ----------------------------------------------------------------------------------


def commit(paths: Sequence[str] = ()) -> str:
    """The short commit, "(with uncommitted changes)" when ``paths`` (default: the whole
    checkout) differ from it; "unknown" outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", *paths],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (with uncommitted changes)" if dirty else "")


def machine() -> str:
    return (
        f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def now() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def header(title: str, details: str = "", paths: Sequence[str] = ()) -> list[str]:
    """The lines that open a section: title with date, then machine, commit and ``details``."""
    line = f"Machine: {machine()}. Commit: {commit(paths)}."
    if details:
        line += f" {details}"
    return ["", f"## {title} — {now()}", "", line, ""]


def append_results(text: str) -> None:
    """Append ``text`` (a section) to docs/benchmarks.md, creating it with its title."""
    if not RESULTS.exists() or RESULTS.stat().st_size == 0:
        RESULTS.write_text("# Benchmarks\n", encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


if __name__ == "__main__":
    # `python bench/common.py ensure-database`: create the generated database when missing
    # (make bench, before `samverka bench generate`).
    if sys.argv[1:] != ["ensure-database"]:
        raise SystemExit("usage: python bench/common.py ensure-database")
    if ensure_database(BENCH_DATABASE_URL):
        print(f"created {BENCH_DATABASE_URL}", file=sys.stderr)
