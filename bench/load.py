"""Load: 50 concurrent users for 60 s over the main pages on loopback (issue #8).

Starts ``samverka serve`` against the generated PostgreSQL data (``SAMVERKA_BENCH_DATABASE_URL``)
like bench/pages.py, warms every address up, then runs locust headless: each logged-out user
requests a page from a weighted mix of the key pages (home and organisation pages most often),
waits 1–3 s (a reader's think time) and goes on. Records requests/s, p50 and p95 per page and
overall, and appends them to docs/benchmarks.md. Exits 1 when any request failed (target: zero
errors).

With ``--workers N`` (N > 1) the same load runs twice, against one server process and against
N (``samverka serve --workers N``), and the ratio of their throughputs is recorded too (issue
#15: target ≥ 1.6× with two processes on two cores for rendered pages, ``--no-page-cache``).

    python bench/load.py [--users 50] [--seconds 60] [--wait 1 3] [--workers N] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import sys

from common import BENCH_DATABASE_URL
from pages import (
    Result,
    Server,
    append,
    database_summary,
    header,
    key_pages,
    run_locust,
    setup_django,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=BENCH_DATABASE_URL)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--wait", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"), help="seconds"
    )
    parser.add_argument("--threads", type=int, help="threads per server process")
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="server processes; above 1, also measured against one process for the ratio",
    )
    parser.add_argument(
        "--no-page-cache", action="store_true", help="serve with the page cache off"
    )
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    setup_django(args.database_url)
    pages = key_pages()
    summary = database_summary()
    from django.db import connections

    connections.close_all()

    runs = {n: _measure(args, pages, n) for n in sorted({1, max(1, args.workers)})}
    lines: list[str] = []
    for workers, (results, cache) in runs.items():
        lines += _table(args, pages, results, summary, workers, cache)
    total = runs[max(runs)][0].get("Aggregated") or EMPTY
    if len(runs) > 1:
        one = runs[1][0].get("Aggregated") or EMPTY
        ratio = total.rps / one.rps if one.rps else 0.0
        lines += [
            "",
            f"Throughput with {args.workers} server processes: {total.rps:.1f} requests/s, "
            f"{ratio:.2f}× one process ({one.rps:.1f} requests/s); machine: "
            f"{os.cpu_count()} CPUs (target ≥ 1.6× with 2 processes on 2 cores, rendered pages).",
        ]
    print("\n".join(lines))
    if not args.no_write:
        append(lines)
    failed = [r for results, _cache in runs.values() if (r := results.get("Aggregated"))]
    if any(r.failures for r in failed) or not total.requests:
        print(f"{sum(r.failures for r in failed)} requests failed", file=sys.stderr)
        sys.exit(1)


EMPTY = Result("Aggregated", 0, 0, 0.0, 0.0, 0.0)


def _measure(args: argparse.Namespace, pages: list, workers: int) -> tuple[dict[str, Result], bool]:
    """The load run against a fresh server with ``workers`` processes."""
    with Server(
        args.database_url, args.threads, page_cache=not args.no_page_cache, workers=workers
    ) as server:
        server.warm_up(pages, rounds=1)
        results = run_locust(
            server.url,
            pages,
            users=args.users,
            seconds=args.seconds,
            wait=(args.wait[0], args.wait[1]),
        )
    return results, bool(server.cache)


def _table(
    args: argparse.Namespace,
    pages: list,
    results: dict[str, Result],
    summary: str,
    workers: int,
    cache: bool,
) -> list[str]:
    total = results.get("Aggregated") or EMPTY
    processes = "one process" if workers == 1 else f"{workers} processes"
    lines = header(
        "Load: concurrent users over the main pages (bench/load.py)",
        f"PostgreSQL with {summary}; `samverka serve` ({processes}; shared cache: "
        f"{'Redis' if cache else 'the database'}; page cache "
        f"{'off' if args.no_page_cache else 'on, warmed by one visit to each address'}), "
        "DEBUG off; locust, "
        f"{args.users} logged-out users for {args.seconds} s, each waiting "
        f"{args.wait[0]:g}–{args.wait[1]:g} s between pages, over a weighted mix of the key "
        "pages. Target: zero errors; p95 recorded.",
    )
    lines += [
        "| page | weight | requests | requests/s | p50 ms | p95 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for page in pages:
        row = results.get(page.name)
        if row is None:
            lines.append(f"| {page.name} | {page.weight} | 0 | | | | |")
            continue
        lines.append(
            f"| {page.name} | {page.weight} | {row.requests} | {row.rps:.1f} | {row.p50:.0f} | "
            f"{row.p95:.0f} | {row.failures} |"
        )
    lines.append(
        f"| **all** | | {total.requests} | {total.rps:.1f} | {total.p50:.0f} | {total.p95:.0f} | "
        f"{total.failures} |"
    )
    errors = [f"- {row.name}: {e}" for row in results.values() for e in row.errors]
    if errors:
        lines += ["", "Errors:", *errors]
    return lines


if __name__ == "__main__":
    main()
