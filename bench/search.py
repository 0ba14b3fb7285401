"""Benchmark of the one search (not a test): 100k generated organisation and offer texts in
Swedish, queried through ``knowledge.search.search`` (ranked, counted, with snippets) and through
a naive ``icontains`` scan (``knowledge.search.naive_search``) in the same run.
Target: search p95 under 50 ms on PostgreSQL and at least 20 times faster than the naive scan.

    .venv/bin/python bench/search.py [--documents 100000] [--repeat 200]

Runs against a throw-away SQLite database in a temporary directory; with ``SAMVERKA_BENCH_PG=1``
also against PostgreSQL, in the scratch database ``samverka_bench_scratch_search`` (or another
``samverka_bench_scratch_*`` database named by ``SAMVERKA_BENCH_PG_URL``; created when missing),
whose public schema it drops and recreates first. Texts come
from a fixed seed. Results are appended to docs/benchmarks.md with the date, machine and commit.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator

from common import (
    append_results,
    django_setup,
    header,
    migrate,
    p50,
    p95,
    reset_scratch_schema,
    scratch_url,
)

TARGET_MS = 50
TARGET_RATIO = 20

ROOTS = [
    "skog",
    "jord",
    "vatten",
    "mat",
    "energi",
    "bio",
    "gård",
    "fisk",
    "djur",
    "mjölk",
    "kött",
    "spannmål",
    "gräs",
    "vall",
    "bär",
    "svamp",
    "trä",
    "bygg",
    "sol",
    "vind",
    "natur",
    "vilt",
    "ren",
    "get",
    "får",
    "häst",
    "bi",
    "honung",
    "ost",
    "bröd",
    "frukt",
    "grönsak",
    "potatis",
    "raps",
    "havre",
    "råg",
    "korn",
    "lin",
    "hampa",
    "torv",
    "sjö",
    "hav",
    "älv",
    "fjäll",
    "myr",
    "hage",
    "äng",
    "åker",
    "betes",
    "kött",
    "foder",
    "gödsel",
    "kompost",
    "biogas",
    "flis",
    "pellets",
    "timmer",
    "massa",
    "papper",
    "kartong",
    "textil",
    "ull",
    "läder",
    "smak",
]
HEADS = [
    "bruk",
    "odling",
    "företag",
    "produktion",
    "förädling",
    "teknik",
    "handel",
    "turism",
    "kraft",
    "mark",
    "ägare",
    "industri",
    "service",
    "utveckling",
    "forskning",
    "rådgivning",
    "logistik",
    "förvaltning",
    "vård",
    "skötsel",
    "försäljning",
    "nätverk",
    "kluster",
    "centrum",
    "lager",
    "maskin",
    "robot",
    "sensor",
    "data",
    "analys",
    "design",
    "marknad",
    "export",
    "import",
    "kooperativ",
    "förening",
    "skola",
    "utbildning",
]
ENDINGS = ("", "", "", "en", "et", "ar", "er", "arna", "ens", "s")
FILLER = [
    "och",
    "i",
    "för",
    "med",
    "av",
    "som",
    "vi",
    "erbjuder",
    "hjälper",
    "inom",
    "till",
    "en",
    "ett",
    "det",
    "den",
    "på",
    "är",
    "har",
    "kan",
    "vill",
    "nya",
    "hållbar",
    "lokal",
    "regional",
    "svensk",
    "småskalig",
    "innovativ",
    "cirkulär",
    "digital",
    "effektiv",
    "bättre",
    "samverkan",
    "kunskap",
    "kompetens",
    "behov",
    "erbjudande",
    "partner",
    "test",
    "pilot",
    "projekt",
    "kunder",
    "lantbrukare",
    "företagare",
    "forskare",
    "kommun",
    "region",
    "län",
    "landsbygd",
    "framtid",
    "klimat",
    "miljö",
]
PLACES = [
    "Umeå",
    "Luleå",
    "Östersund",
    "Sundsvall",
    "Falun",
    "Gävle",
    "Uppsala",
    "Västerås",
    "Örebro",
    "Karlstad",
    "Linköping",
    "Norrköping",
    "Jönköping",
    "Växjö",
    "Kalmar",
    "Visby",
    "Karlskrona",
    "Kristianstad",
    "Malmö",
    "Lund",
    "Halmstad",
    "Göteborg",
    "Borås",
    "Skövde",
    "Vänersborg",
    "Nyköping",
    "Eskilstuna",
    "Strängnäs",
    "Vreta",
    "Skellefteå",
]


def compounds() -> list[str]:
    return [r + ("s" if r.endswith(("ning", "ing")) else "") + h for r in ROOTS for h in HEADS]


def documents(total: int, seed: int = 7) -> Iterator[tuple[int, object]]:
    """Deterministic organisation/offer-like texts."""
    from samverka.knowledge.indexing import Entry

    rng = random.Random(seed)
    words = compounds()
    weights = [1 / (rank + 1) ** 0.7 for rank in range(len(words))]
    rng.shuffle(words)
    for n in range(total):
        picked = rng.choices(words, weights=weights, k=rng.randint(4, 8))
        place = rng.choice(PLACES)
        if n % 2:
            title = f"{picked[0].capitalize()} {place} AB"
        else:
            title = f"Erbjudande: {picked[0]} och {picked[1]}"
        body = []
        for word in picked:
            body += rng.choices(FILLER, k=rng.randint(3, 7))
            body.append(word + rng.choice(ENDINGS))
        body += ["i", place]
        yield n, Entry(title, " ".join(body).capitalize() + ".", [], f"/bench/{n}/")


def queries(count: int, seed: int = 11) -> list[str]:
    """A mix: whole compounds (some inflected), two words, compound parts, typos."""
    rng = random.Random(seed)
    words = compounds()
    out = []
    for n in range(count):
        word = rng.choice(words)
        kind = n % 10
        if kind < 5:
            out.append(word + rng.choice(ENDINGS))
        elif kind < 7:
            out.append(f"{word} {rng.choice(PLACES).lower()}")
        elif kind < 8:
            out.append(rng.choice(HEADS))  # a compound part: "bruk" finds "skogsbruk"
        else:
            i = rng.randrange(1, len(word) - 1)
            out.append(word[:i] + rng.choice("aeiouyåäö") + word[i + 1 :])
    return out


def _setup(database_url: str, var_dir: str) -> None:
    django_setup(database_url, var_dir)
    migrate()


def _timings(func: Callable[[str], object], items: list[str]) -> list[float]:
    func(items[0])
    times = []
    for item in items:
        start = time.perf_counter()
        func(item)
        times.append(time.perf_counter() - start)
    return times


def run(total: int, repeat: int) -> dict[str, object]:
    from django.db import connection, transaction

    from samverka.knowledge import indexing
    from samverka.knowledge.models import SearchDocument, SearchTerm
    from samverka.knowledge.search import naive_search, search

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    start = time.perf_counter()
    with transaction.atomic():
        indexing.bulk_store("organisation", documents(total), batch=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    load = time.perf_counter() - start
    asked = queries(repeat)
    hits: list[int] = []
    capped: list[bool] = []

    def fast(q: str) -> object:
        results = search(q)
        hits.append(results.total)
        capped.append(results.more)
        return results

    fast_times = _timings(fast, asked)
    naive_asked = asked[: max(20, repeat // 5)]  # the scan is slow: fewer rounds
    naive_times = _timings(lambda q: naive_search(q), naive_asked)
    return {
        "backend": connection.vendor,
        "documents": SearchDocument.objects.count(),
        "terms": SearchTerm.objects.count(),
        "load_s": load,
        "queries": len(asked),
        "median_hits": p50(hits),
        "search_p50": p50(fast_times) * 1000,
        "search_p95": p95(fast_times) * 1000,
        "naive_p50": p50(naive_times) * 1000,
        "naive_p95": p95(naive_times) * 1000,
        "capped": sum(capped),
        "loadavg": os.getloadavg(),
    }


def _report(results: list[dict[str, object]], total: int, repeat: int) -> str:
    lines = [
        *header(
            "Search",
            f"`bench/search.py --documents {total} --repeat {repeat}`: generated Swedish organisation/offer texts (seed 7); queries mix "
            "whole and inflected compounds, two words, compounds across the generated vocabulary and "
            "typos (seed 11). Search = ranked, counted, first page of 10 with snippets (broad queries "
            "count and rank at most the first 1000 matches and report “more than 1000”); naive = "
            "`icontains` on title and text, counted, first page.",
            paths=("bench/search.py", "src/samverka/knowledge"),
        ),
        "| backend | documents | vocabulary | load | median hits | search p50 | search p95 "
        f"(target < {TARGET_MS} ms on PostgreSQL) | naive p50 | naive p95 | speed-up p50 / p95 "
        f"(target ≥ {TARGET_RATIO}×) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio50 = r["naive_p50"] / r["search_p50"]  # type: ignore[operator]
        ratio95 = r["naive_p95"] / r["search_p95"]  # type: ignore[operator]
        ok = "✓" if r["search_p95"] < TARGET_MS else "✗"  # type: ignore[operator]
        ok_ratio = "✓" if min(ratio50, ratio95) >= TARGET_RATIO else "✗"
        lines.append(
            f"| {r['backend']} | {r['documents']:,} | {r['terms']:,} | {r['load_s']:.0f} s "
            f"| {r['median_hits']:.0f} | {r['search_p50']:.1f} ms | {r['search_p95']:.1f} ms {ok} "
            f"| {r['naive_p50']:.0f} ms | {r['naive_p95']:.0f} ms "
            f"| {ratio50:.0f}× / {ratio95:.0f}× {ok_ratio} |"
        )
    notes = []
    for r in results:
        if "loadavg" in r:
            load1, load5, _ = r["loadavg"]  # type: ignore[misc]
            notes.append(
                f"{r['backend']}: {r['capped']} of {r['queries']} queries capped at 1000 matches, "
                f"load average at the end {load1:.1f} (1 min), {load5:.1f} (5 min)"
            )
    if notes:
        lines += ["", "; ".join(notes) + " (2 cores, shared with other work)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    args = parser.parse_args()

    backend = os.environ.get("SAMVERKA_BENCH_BACKEND")
    if backend is None:
        results = []
        backends = ["sqlite"] + (["postgresql"] if os.environ.get("SAMVERKA_BENCH_PG") else [])
        for name in backends:
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--documents",
                    str(args.documents),
                    "--repeat",
                    str(args.repeat),
                ],
                env={**os.environ, "SAMVERKA_BENCH_BACKEND": name},
                stdout=subprocess.PIPE,
                text=True,
                check=True,
            ).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
        report = _report(results, args.documents, args.repeat)
        print(report)
        if not args.no_write:
            append_results(report)
        return

    with tempfile.TemporaryDirectory(prefix="samverka-bench-") as tmp:
        if backend == "postgresql":
            url = os.environ.get("SAMVERKA_BENCH_PG_URL", scratch_url("search"))
            reset_scratch_schema(url)
            _setup(url, tmp)
        else:
            _setup(f"sqlite:///{tmp}/bench.sqlite3", tmp)
        result = run(args.documents, args.repeat)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
