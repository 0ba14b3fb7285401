"""Load: 50 concurrent users for 60 s over the main pages on loopback (issue #8).

Starts ``samverka serve`` against the generated PostgreSQL data (``SAMVERKA_BENCH_DATABASE_URL``)
like bench/pages.py, warms every address up, then runs locust headless: each logged-out user
requests a page from a weighted mix of the key pages (home and organisation pages most often),
waits 1–3 s (a reader's think time) and goes on. Records requests/s, p50 and p95 per page and
overall, and appends them to docs/benchmarks.md. Exits 1 when any request failed (target: zero
errors).

    python bench/load.py [--users 50] [--seconds 60] [--wait 1 3] [--no-write]
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--threads", type=int, help="waitress threads (default: serve's)")
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

    with Server(args.database_url, args.threads, page_cache=not args.no_page_cache) as server:
        server.warm_up(pages, rounds=1)
        results = run_locust(
            server.url,
            pages,
            users=args.users,
            seconds=args.seconds,
            wait=(args.wait[0], args.wait[1]),
        )
    total = results.get("Aggregated") or Result("Aggregated", 0, 0, 0.0, 0.0, 0.0)
    lines = header(
        "Load: concurrent users over the main pages (bench/load.py)",
        f"PostgreSQL with {summary}; `samverka serve` (waitress, one process; shared cache: "
        f"{'Redis' if server.cache else 'the database'}; page cache "
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
    print("\n".join(lines))
    if not args.no_write:
        append(lines)
    if total.failures or not total.requests:
        print(f"{total.failures} of {total.requests} requests failed", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
