"""Benchmarks (``make bench``): key pages against an empty view, and the organisation import
against a bare ``bulk_create`` of the same rows, each measured as a ratio within one run so that
the noise of a shared machine cancels out. Results are appended to docs/benchmarks.md.

Runs against a throw-away SQLite database under a temporary directory, loaded with the demo data
and extra generated organisations (``--organisations``).
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time

from common import append_results, django_setup, header, migrate, p50, p95, timings


def _setup(var_dir: str) -> None:
    django_setup(None, var_dir)
    from django.core.management import call_command

    migrate()
    call_command("demo", verbosity=0)


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
    reference = timings(lambda: client.get("/healthz"), repeat)
    ref_p50 = p50(reference)
    rows = [("/healthz (reference)", ref_p50 * 1000, p95(reference) * 1000, 1.0)]
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
        times = timings(lambda path=path: client.get(path), repeat)
        rows.append((path, p50(times) * 1000, p95(times) * 1000, ref_p50 / p50(times)))
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

    lines = [
        *header(
            "Pages and organisation import (SQLite, demo data)",
            f"In-process test client, {args.repeat} requests per page after one warm-up.",
        ),
        "| page | p50 ms | p95 ms | throughput vs /healthz |",
        "|---|---:|---:|---:|",
        *[f"| `{p}` | {p50_:.1f} | {p95_:.1f} | {ratio:.2f} |" for p, p50_, p95_, ratio in pages],
        "",
        f"Import of {args.organisations} organisations (validated, audited, one transaction): "
        f"{ours:.2f} s; bare `bulk_create` of the same rows: {raw:.2f} s; "
        f"ratio {raw / ours:.2f} of the bare insert's speed.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        append_results(text)


if __name__ == "__main__":
    main()
