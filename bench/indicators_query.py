"""Benchmark of the indicator database's read side (not a test): a series query over a 5M-value
database (target: p95 under 20 ms) and the goal dashboard of a programme with 50 goals (target:
p95 under 150 ms, through ``indicators.services.goals.programme_goals``).

    .venv/bin/python bench/indicators_query.py [--values 5000000] [--repeat 300]

Runs against a throw-away SQLite database in a temporary directory; with ``SAMVERKA_BENCH_PG=1``
also against PostgreSQL, in the scratch database ``samverka_bench_scratch_indicators_query``
(created when missing; ``SAMVERKA_BENCH_PG_URL`` may name another ``samverka_bench_scratch_*``
database), whose public schema it drops and recreates first. Values are generated with
``executemany`` in index order (SQLite) or ``COPY`` (PostgreSQL), then ``ANALYZE`` runs. Results
are appended to docs/benchmarks.md with the date, machine and commit.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time

from common import (
    append_results,
    django_setup,
    header,
    migrate,
    p50,
    p95,
    reset_scratch_schema,
    scratch_url,
    timings,
)

YEARS = [str(y) for y in range(1995, 2025)]  # 30 yearly periods
GENDERS = ("K", "M", "T")
SERIES_TARGET_MS = 20
DASHBOARD_TARGET_MS = 150


def _setup(database_url: str, var_dir: str) -> None:
    django_setup(database_url, var_dir)
    migrate()


def _generate(total: int) -> tuple[int, float, list[str]]:
    """Insert about ``total`` values: indicators × all areas × 30 years × K/M/T. Returns the
    number of rows, the seconds taken and the indicator codes."""
    from django.db import connection, transaction
    from django.utils import timezone

    from samverka.geo.models import Area
    from samverka.indicators.models import Indicator, Value

    area_ids = list(Area.objects.order_by("pk").values_list("pk", flat=True))
    per_indicator = len(area_ids) * len(YEARS) * len(GENDERS)
    count = math.ceil(total / per_indicator)
    indicators = Indicator.objects.bulk_create(
        Indicator(
            code=f"bench-{i:03d}",
            name_sv=f"Benchmark {i}",
            aggregation="sum",
            gender_split=True,
        )
        for i in range(count)
    )
    table = Value._meta.db_table
    columns = (
        "indicator_id, area_id, period, gender, value, status, derived, revised, source, "
        "imported_at"
    )
    now = timezone.now()
    rng = random.Random(4)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")  # a throw-away database
    start = time.perf_counter()
    rows = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # the psycopg cursor, for COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for indicator in indicators:
                    for area_id in area_ids:
                        for gender in GENDERS:
                            for year in YEARS:
                                copy.write_row(
                                    (
                                        indicator.pk,
                                        area_id,
                                        year,
                                        gender,
                                        rng.randint(1, 10**6),
                                        "",
                                        False,
                                        False,
                                        "bench",
                                        now,
                                    )
                                )
                                rows += 1
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, '', 0, 0, 'bench', %s)"
            stamp = now.isoformat()
            batch: list[tuple[object, ...]] = []
            for indicator in indicators:
                for area_id in area_ids:
                    for gender in GENDERS:
                        for year in YEARS:
                            batch.append(
                                (indicator.pk, area_id, year, gender, rng.randint(1, 10**6), stamp)
                            )
                    if len(batch) >= 100_000:
                        cursor.executemany(sql, batch)
                        rows += len(batch)
                        batch = []
            if batch:
                cursor.executemany(sql, batch)
                rows += len(batch)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return rows, time.perf_counter() - start, [i.code for i in indicators]


def _programme_with_goals(codes: list[str], goals: int) -> object:
    from samverka.geo.models import Area
    from samverka.indicators.models import Indicator
    from samverka.programmes.models import Measure, MeasureGoal, PriorityArea, Programme

    rng = random.Random(7)
    programme = Programme.objects.create(
        code="bench", name="Benchmark programme", start_year=2008, end_year=2013
    )
    priority = PriorityArea.objects.create(programme=programme, number=1, name="Bench")
    measures = [
        Measure.objects.create(
            programme=programme, priority_area=priority, code=f"1.{i + 1}", name=f"M {i}"
        )
        for i in range(10)
    ]
    indicators = list(Indicator.objects.filter(code__in=codes))
    areas = list(Area.objects.exclude(code="00"))
    kinds = [
        ("absolute", 2_000_000, ""),
        ("change", 15, ""),
        ("relative_to_nation", 1, "ratio"),
        ("gender_share", 40, ""),
    ]
    for n in range(goals):
        kind, target, mode = kinds[n % 4]
        MeasureGoal.objects.create(
            measure=measures[n % 10],
            text=f"Goal {n}",
            indicator=rng.choice(indicators),
            area=rng.choice(areas),
            baseline_period="2007",
            target_kind=kind,
            target_value=target,
            relative_mode=mode,
            deadline_year=2013,
        )
    return programme


def run(total: int, repeat: int) -> dict[str, object]:
    from django.db import connection

    from samverka.geo.models import Area
    from samverka.indicators.services.goals import programme_goals
    from samverka.indicators.services.series import series

    rows, seconds, codes = _generate(total)
    area_codes = list(Area.objects.values_list("code", flat=True))
    rng = random.Random(11)

    def one_series() -> object:
        points = series(
            indicator=rng.choice(codes),
            area_code=rng.choice(area_codes),
            gender=rng.choice(GENDERS),
        )
        assert len(points) == len(YEARS)
        return points

    series_times = timings(one_series, repeat)
    programme = _programme_with_goals(codes, 50)

    def dashboard() -> object:
        results = programme_goals(programme=programme)
        assert len(results) == 50
        return results

    dashboard_times = timings(dashboard, max(30, repeat // 10))
    return {
        "backend": connection.vendor,
        "rows": rows,
        "load_s": seconds,
        "series_p50": p50(series_times) * 1000,
        "series_p95": p95(series_times) * 1000,
        "dashboard_p50": p50(dashboard_times) * 1000,
        "dashboard_p95": p95(dashboard_times) * 1000,
    }


def _report(results: list[dict[str, object]], total: int) -> str:
    lines = [
        *header("Indicator queries", f"`bench/indicators_query.py --values {total}`."),
        "| backend | values | load | series p50 | series p95 (target < 20 ms) "
        "| dashboard of 50 goals p50 | p95 (target < 150 ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ok_series = "✓" if r["series_p95"] < SERIES_TARGET_MS else "✗"  # type: ignore[operator]
        ok_dash = "✓" if r["dashboard_p95"] < DASHBOARD_TARGET_MS else "✗"  # type: ignore[operator]
        lines.append(
            f"| {r['backend']} | {r['rows']:,} | {r['load_s']:.0f} s "
            f"({r['rows'] / r['load_s']:,.0f} rows/s) | {r['series_p50']:.2f} ms "  # type: ignore[operator]
            f"| {r['series_p95']:.2f} ms {ok_series} | {r['dashboard_p50']:.1f} ms "
            f"| {r['dashboard_p95']:.1f} ms {ok_dash} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--values", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    args = parser.parse_args()

    backend = os.environ.get("SAMVERKA_BENCH_BACKEND")
    if backend is None:
        # One process per backend: Django's settings are fixed at setup.
        results = []
        backends = ["sqlite"] + (["postgresql"] if os.environ.get("SAMVERKA_BENCH_PG") else [])
        for name in backends:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--values",
                    str(args.values),
                    "--repeat",
                    str(args.repeat),
                ],
                env={**os.environ, "SAMVERKA_BENCH_BACKEND": name},
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
        report = _report(results, args.values)
        print(report)
        if not args.no_write:
            append_results(report)
        return

    with tempfile.TemporaryDirectory(prefix="samverka-bench-") as tmp:
        if backend == "postgresql":
            url = os.environ.get("SAMVERKA_BENCH_PG_URL", scratch_url("indicators_query"))
            reset_scratch_schema(url)
            _setup(url, tmp)
        else:
            _setup(f"sqlite:///{tmp}/bench.sqlite3", tmp)
        result = run(args.values, args.repeat)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
