"""Key pages over real HTTP against an empty Django view on the same server (issue #8).

Starts ``samverka serve`` (one process, DEBUG off) on 127.0.0.1 with a free port against the generated
PostgreSQL database (``SAMVERKA_BENCH_DATABASE_URL``, made by ``samverka bench generate``), with
``SAMVERKA_BENCH_ENDPOINTS`` on so that ``/-/empty`` answers. Each page is warmed up, then driven by
locust (headless, loopback only) for a bounded time with a few users that do not wait between
requests; the empty view is measured the same way first. Per page: requests/s, p50, p95, errors,
throughput as a share of the empty view's, and the number of SQL queries one request makes
(counted in-process against the same database). The table is appended to docs/benchmarks.md.

Every page is measured twice, on two servers: as `samverka serve` runs by default, where
logged-out visitors are served from the page cache (core/page_cache.py) once a page has been
rendered, and with the page cache off (``SAMVERKA_PAGE_CACHE_SECONDS=0``), where every request
renders the page. The empty view is never cached, so it is the same reference for both.

Targets: p95 < 100 ms and at least 0.5 × the empty view's throughput.

    python bench/pages.py [--seconds 10] [--users 2] [--only organisation] [--cache both|on|off]
                          [--no-write]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from common import BENCH_DATABASE_URL, append_results, django_setup, redis_url
from common import header as common_header

P95_TARGET_MS = 100.0
RATIO_TARGET = 0.5

# Run by locust in its own process (gevent); BENCH_MIX is a JSON list of
# {"name", "paths", "weight"}: each request picks a kind by weight, then one of its paths.
LOCUSTFILE = """
import json, os, random
from locust import FastHttpUser, between, constant, task

MIX = json.loads(os.environ["BENCH_MIX"])
WAIT = json.loads(os.environ.get("BENCH_WAIT", "[0, 0]"))
WEIGHTS = [m["weight"] for m in MIX]
HEADERS = {"Accept-Language": "sv"}


class Visitor(FastHttpUser):
    wait_time = between(*WAIT) if WAIT[1] else constant(0)

    @task
    def visit(self):
        kind = random.choices(MIX, weights=WEIGHTS)[0]
        path = random.choice(kind["paths"])
        with self.client.get(
            path, name=kind["name"], headers=HEADERS, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} for {path}")
"""


@dataclass
class Page:
    name: str
    paths: list[str]
    weight: int = 1


@dataclass
class Result:
    name: str
    requests: int
    failures: int
    rps: float
    p50: float
    p95: float
    errors: list[str] = field(default_factory=list)


# Django, in this process: sample addresses and query counts ------------------------------------


def setup_django(database_url: str) -> None:
    django_setup(
        database_url,
        var_dir=os.environ.get("SAMVERKA_VAR_DIR") or tempfile.mkdtemp(prefix="samverka-bench-"),
        SAMVERKA_BENCH_ENDPOINTS="1",
        SAMVERKA_DEBUG="0",
    )


def key_pages(samples: int = 20) -> list[Page]:
    """The key pages with real addresses from the database: the busiest cluster, organisations
    that are members of clusters, granted projects, indicators with values, the programme with
    the most projects. Several addresses per kind where it matters, so no single row is hot."""
    from django.db.models import Count, Exists, OuterRef

    from samverka.actors.models import Organisation, Relation
    from samverka.clusters.models import Cluster, Membership
    from samverka.indicators.models import Indicator, Value
    from samverka.programmes.models import Programme, Project

    clusters = list(
        Cluster.objects.annotate(n=Count("memberships"))
        .order_by("-n", "slug")
        .values_list("slug", flat=True)[:samples]
    )
    organisations = list(
        Organisation.objects.filter(Exists(Membership.objects.filter(organisation=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)[:samples]
    ) or list(Organisation.objects.order_by("pk").values_list("pk", flat=True)[:samples])
    # Members of the largest cluster: their ego page holds the cluster's centre and, above
    # MEMBERSHIP_CLIQUE_LIMIT members, no co-member clique (network/services/graph.py).
    biggest = (
        Cluster.objects.annotate(n=Count("memberships")).order_by("-n", "slug").values("pk").first()
    )
    big_members = (
        list(
            Membership.objects.filter(cluster_id=biggest["pk"])
            .order_by("organisation_id")
            .values_list("organisation_id", flat=True)[:5]
        )
        if biggest
        else []
    )
    loners = list(
        Organisation.objects.filter(
            ~Exists(Membership.objects.filter(organisation=OuterRef("pk"))),
            Exists(Relation.objects.filter(source=OuterRef("pk"))),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:5]
    )
    projects = list(Project.objects.order_by("pk").values_list("reference", flat=True)[:samples])
    indicators = list(
        Indicator.objects.filter(Exists(Value.objects.filter(indicator=OuterRef("pk"))))
        .order_by("code")
        .values_list("code", flat=True)[:samples]
    )
    programme = (
        Programme.objects.annotate(n=Count("projects"))
        .order_by("-n", "code")
        .values_list("code", flat=True)
        .first()
    )
    county = "23"
    pages = [
        Page("home", ["/"], 10),
        Page("cluster directory", ["/clusters/"], 6),
        Page("cluster profile", [f"/clusters/{s}/" for s in clusters], 6),
        Page("organisation list", ["/organisations/"], 5),
        Page(
            "organisation list, filtered",
            [f"/organisations/?helix=company&county={county}", "/organisations/?q=skog"],
            4,
        ),
        Page("organisation", [f"/organisations/{pk}/" for pk in organisations], 8),
        Page("programme list", ["/programmes/"], 2),
    ]
    if programme:
        pages += [
            Page("programme (projects)", [f"/programmes/{programme}/"], 3),
            Page("goal dashboard", [f"/indicators/programmes/{programme}/goals/"], 2),
        ]
    if projects:
        pages.append(Page("project", [f"/programmes/projects/{r}/" for r in projects], 4))
    if indicators:
        pages.append(Page("indicator", [f"/indicators/{c}/" for c in indicators], 3))
    pages += [
        Page("calendar", ["/calendar/"], 5),
        Page("search", ["/knowledge/search/?q=skog", "/knowledge/search/?q=vallodling"], 4),
        Page(
            "network ego page (non-member)", [f"/network/organisations/{pk}/" for pk in loners], 2
        ),
        Page(
            "network ego page (largest cluster's member)",
            [f"/network/organisations/{pk}/" for pk in big_members],
            1,
        ),
        Page("API clusters", ["/api/v1/clusters"], 2),
        Page("API organisations", ["/api/v1/organisations"], 2),
        Page("API projects", ["/api/v1/projects"], 1),
        Page("API events", ["/api/v1/events"], 1),
    ]
    return pages


def query_counts(pages: list[Page]) -> dict[str, int]:
    """SQL queries one logged-out request to each page's first address makes (after a warm-up);
    also fails loudly when a page does not answer 200."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="sv")
    counts = {}
    for page in pages:
        path = page.paths[0]
        status = client.get(path).status_code
        if status != 200:
            raise SystemExit(f"{path} answered {status}, not 200")
        with CaptureQueriesContext(connection) as ctx:
            client.get(path)
        counts[page.name] = len(ctx.captured_queries)
    return counts


# The server and locust -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``samverka serve`` in a child process on a free loopback port."""

    def __init__(
        self,
        database_url: str,
        threads: int | None = None,
        *,
        page_cache: bool = True,
        workers: int = 1,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.var_dir = tempfile.TemporaryDirectory(prefix="samverka-bench-serve-")
        env = {
            **os.environ,
            "SAMVERKA_DATABASE_URL": database_url,
            "SAMVERKA_BENCH_ENDPOINTS": "1",
            "SAMVERKA_DEBUG": "0",
            "SAMVERKA_VAR_DIR": self.var_dir.name,
        }
        # Explicit both ways: this process runs with the page cache off (bench/common.py).
        env["SAMVERKA_PAGE_CACHE_SECONDS"] = "300" if page_cache else "0"
        self.cache = redis_url()
        if self.cache:
            env["SAMVERKA_REDIS_URL"] = self.cache
        command = [sys.executable, "-m", "samverka", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(workers)]
        if threads:
            command += ["--threads", str(threads)]
        self.log = open(Path(self.var_dir.name) / "server.log", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise SystemExit(f"the server stopped:\n{self.log.read()}")
            try:
                with urllib.request.urlopen(self.url + "/-/empty", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        raise SystemExit("the server did not answer within 60 s")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
        self.var_dir.cleanup()

    def warm_up(self, pages: list[Page], rounds: int = 3) -> None:
        for _ in range(rounds):
            for page in pages:
                for path in page.paths:
                    request = urllib.request.Request(  # noqa: S310 (loopback http only)
                        self.url + path, headers={"Accept-Language": "sv"}
                    )
                    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                        response.read()


def run_locust(
    url: str,
    pages: list[Page],
    *,
    users: int,
    seconds: int,
    wait: tuple[float, float] = (0, 0),
) -> dict[str, Result]:
    """Run locust headless against ``url`` and return its statistics by request name, with
    "Aggregated" for all requests together."""
    with tempfile.TemporaryDirectory(prefix="samverka-locust-") as tmp:
        locustfile = Path(tmp) / "locustfile.py"
        locustfile.write_text(LOCUSTFILE)
        env = {
            **os.environ,
            "BENCH_MIX": json.dumps([page.__dict__ for page in pages]),
            "BENCH_WAIT": json.dumps(list(wait)),
        }
        command = [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(locustfile),
            "--headless",
            "--host",
            url,
            "--users",
            str(users),
            "--spawn-rate",
            str(users),
            "--run-time",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--csv",
            str(Path(tmp) / "run"),
            "--only-summary",
            "--loglevel",
            "WARNING",
        ]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        stats_file = Path(tmp) / "run_stats.csv"
        if not stats_file.exists():
            raise SystemExit(f"locust failed ({done.returncode}):\n{done.stderr[-3000:]}")
        results = {}
        with stats_file.open(newline="") as handle:
            for row in csv.DictReader(handle):
                name = row["Name"]
                results[name] = Result(
                    name=name,
                    requests=int(row["Request Count"]),
                    failures=int(row["Failure Count"]),
                    rps=float(row["Requests/s"]),
                    p50=float(row["50%"] or 0),
                    p95=float(row["95%"] or 0),
                )
        failures_file = Path(tmp) / "run_failures.csv"
        if failures_file.exists():
            with failures_file.open(newline="") as handle:
                for row in csv.DictReader(handle):
                    result = results.get(row["Name"])
                    if result:
                        result.errors.append(f"{row['Occurrences']}× {row['Error']}")
        return results


# Report ---------------------------------------------------------------------------------------


def header(title: str, details: str) -> list[str]:
    try:
        load = "Load average before the run: {:.2f} {:.2f} {:.2f}.".format(*os.getloadavg())
    except OSError:
        load = ""
    return common_header(title, f"{load} {details}".strip())


def append(lines: list[str]) -> None:
    append_results("\n".join(lines) + "\n")


def database_summary() -> str:
    from samverka.actors.models import Organisation, Person
    from samverka.events.models import Event
    from samverka.indicators.models import Value
    from samverka.programmes.models import Project

    return (
        f"{Organisation.objects.count():,} organisations, {Person.objects.count():,} people, "
        f"{Project.objects.count():,} projects, {Event.objects.count():,} events, "
        f"{Value.objects.count():,} indicator values"
    )


def measure(
    database_url: str, pages: list[Page], args: argparse.Namespace, *, page_cache: bool
) -> list[Result]:
    """The empty view, then each page, on a fresh server; the empty view first."""
    empty = Page("empty view (reference)", ["/-/empty"])
    rows: list[Result] = []
    mode = "page cache on" if page_cache else "page cache off"
    with Server(database_url, args.threads, page_cache=page_cache) as server:
        server.warm_up([empty, *pages], rounds=1)
        for page in [empty, *pages]:
            result = run_locust(server.url, [page], users=args.users, seconds=args.seconds)
            row = result.get(page.name) or Result(page.name, 0, 0, 0.0, 0.0, 0.0)
            rows.append(row)
            print(
                f"[{mode}] {row.name:44} {row.rps:8.1f} req/s p50 {row.p50:6.0f} ms "
                f"p95 {row.p95:6.0f} ms errors {row.failures}",
                file=sys.stderr,
            )
    return rows


def _cells(row: Result | None, reference: float) -> str:
    if row is None:
        return " | | | "
    ratio = row.rps / (reference or 1.0)
    p95_mark = "✓" if row.p95 < P95_TARGET_MS else "✗"
    ratio_mark = "✓" if ratio >= RATIO_TARGET else "✗"
    return f"{row.rps:.1f} | {row.p50:.0f} | {row.p95:.0f} {p95_mark} | {ratio:.2f} {ratio_mark}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=BENCH_DATABASE_URL)
    parser.add_argument("--seconds", type=int, default=10, help="per page and mode (default 10)")
    parser.add_argument("--users", type=int, default=2, help="concurrent users (default 2)")
    parser.add_argument("--threads", type=int, help="threads per server process (default: serve's)")
    parser.add_argument("--only", help="only pages whose name contains this")
    parser.add_argument("--cache", choices=["both", "on", "off"], default="both")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()

    setup_django(args.database_url)
    pages = key_pages()
    if args.only:
        pages = [p for p in pages if args.only in p.name]
    counts = query_counts(pages)
    summary = database_summary()
    from django.db import connections

    connections.close_all()

    modes = {"on": [True], "off": [False], "both": [True, False]}[args.cache]
    runs = {mode: measure(args.database_url, pages, args, page_cache=mode) for mode in modes}
    on, off = runs.get(True), runs.get(False)
    names = [row.name for row in (on or off)]
    lines = header(
        "Key pages over HTTP against an empty view (bench/pages.py)",
        f"PostgreSQL with {summary}; `samverka serve` (one process; shared cache: "
        f"{'Redis' if redis_url() else 'the database'}), DEBUG off, logged "
        f"out; locust, {args.users} users without think time, {args.seconds} s per page after a "
        "warm-up that renders each address once. *Cached*: the default server, where logged-out "
        "visitors get the page cache (every address here is cached by the warm-up); *rendered*: "
        "a second server with the page cache off. The empty view is never cached. Targets: "
        f"p95 < {P95_TARGET_MS:.0f} ms, ≥ {RATIO_TARGET} × the empty view's throughput.",
    )
    lines += [
        "| page | cached req/s | p50 ms | p95 ms | vs empty | rendered req/s | p50 ms | p95 ms "
        "| vs empty | errors | SQL queries (rendered) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for index, name in enumerate(names):
        cached = on[index] if on else None
        rendered = off[index] if off else None
        failures = sum(r.failures for r in (cached, rendered) if r)
        queries = counts.get(name)
        lines.append(
            f"| {name} | {_cells(cached, on[0].rps if on else 0)} | "
            f"{_cells(rendered, off[0].rps if off else 0)} | {failures} | "
            f"{'' if queries is None else queries} |"
        )
    errors = [f"- {row.name}: {e}" for rows in runs.values() for row in rows for e in row.errors]
    if errors:
        lines += ["", "Errors:", *errors]
    print("\n".join(lines))
    if not args.no_write:
        append(lines)
    if any(row.failures for rows in runs.values() for row in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
