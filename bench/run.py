"""Benchmarks (``make bench``): key pages against an empty view, and the organisation import
against a bare ``bulk_create`` of the same rows, each measured as a ratio within one run so that
the noise of a shared machine cancels out. Results are appended to docs/benchmarks.md.

Runs against a throw-away SQLite database under a temporary directory, loaded with the demo data
and extra generated organisations (``--organisations``).
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "benchmarks.md"


def _setup(var_dir: str) -> None:
    os.environ["SAMVERKA_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("demo", verbosity=0)


def _timings(func: Callable[[], object], repeat: int) -> list[float]:
    func()  # warm caches and connections
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _generate_organisations(count: int) -> bytes:
    from stdnum import luhn

    lines = ["name;orgnr;helix;municipality_code;focus_areas;website"]
    for i in range(count):
        body = f"55998{i:04d}"
        orgnr = body + luhn.calc_check_digit(body)
        lines.append(
            f"Benchmark {i} AB;{orgnr[:6]}-{orgnr[6:]};company;2380;vallodling;https://example.se/b{i}"
        )
    return ("\n".join(lines) + "\n").encode()


def bench_pages(repeat: int) -> list[tuple[str, float, float, float]]:
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="sv", HTTP_HOST="127.0.0.1")
    reference = _timings(lambda: client.get("/healthz"), repeat)
    ref_p50 = statistics.median(reference)
    rows = [("/healthz (reference)", ref_p50 * 1000, _p95(reference) * 1000, 1.0)]
    for path in [
        "/",
        "/clusters/",
        "/clusters/vreta-kluster/",
        "/organisations/",
        "/organisations/?helix=company&county=23",
        "/api/v1/clusters",
        "/api/v1/organisations",
    ]:
        assert client.get(path).status_code == 200, path
        times = _timings(lambda path=path: client.get(path), repeat)
        rows.append(
            (
                path,
                statistics.median(times) * 1000,
                _p95(times) * 1000,
                ref_p50 / statistics.median(times),
            )
        )
    return rows


def bench_import(count: int) -> tuple[float, float]:
    from django.db import transaction

    from samverka.actors.importers import import_organisations
    from samverka.actors.models import Organisation
    from samverka.geo.models import Area

    data = _generate_organisations(count)
    start = time.perf_counter()
    report = import_organisations(io.BytesIO(data), filename="bench.csv")
    ours = time.perf_counter() - start
    assert report.created == count, report.summary()
    Organisation.objects.filter(name__startswith="Benchmark ").delete()

    municipality = Area.objects.get(code="2380")
    start = time.perf_counter()
    with transaction.atomic():
        Organisation.objects.bulk_create(
            Organisation(name=f"Benchmark {i} AB", helix="company", municipality=municipality)
            for i in range(count)
        )
    raw = time.perf_counter() - start
    Organisation.objects.filter(name__startswith="Benchmark ").delete()
    return ours, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as var_dir:
        _setup(var_dir)
        pages = bench_pages(args.repeat)
        ours, raw = bench_import(args.organisations)

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC · commit {commit or 'unknown'}",
        "",
        f"Machine: {platform.node()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, SQLite, in-process test client, "
        f"{args.repeat} requests per page after one warm-up.",
        "",
        "| page | p50 ms | p95 ms | throughput vs /healthz |",
        "|---|---:|---:|---:|",
        *[f"| `{p}` | {p50:.1f} | {p95:.1f} | {ratio:.2f} |" for p, p50, p95, ratio in pages],
        "",
        f"Import of {args.organisations} organisations (validated, audited, one transaction): "
        f"{ours:.2f} s; bare `bulk_create` of the same rows: {raw:.2f} s; "
        f"ratio {raw / ours:.2f} of the bare insert's speed.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        if not RESULTS.exists():
            RESULTS.write_text("# Benchmarks\n\nAppended by `make bench` (bench/run.py).\n\n")
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")


if __name__ == "__main__":
    main()
