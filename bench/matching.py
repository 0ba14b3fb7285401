"""Benchmark of needs/offers matching (not a test): top-10 offers for a need over 100k offers
(target: p95 under 50 ms on PostgreSQL, and at least 20 times faster than a naive ``icontains``
scan over the offers ranked by the same scorer, measured in the same run).

    .venv/bin/python bench/matching.py [--offers 100000] [--repeat 200] [--no-write]

Runs against a throw-away SQLite database in a temporary directory, or with
``SAMVERKA_BENCH_PG=1`` against PostgreSQL, in the scratch database
``samverka_bench_scratch_matching`` (or another ``samverka_bench_scratch_*`` database named by
``SAMVERKA_BENCH_PG_URL``; created when missing), whose public schema it drops and recreates first. Offers are generated from Swedish
words of the green sector with a fixed seed and loaded with ``COPY`` (PostgreSQL) or
``executemany`` (SQLite). Results are appended to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from datetime import date, timedelta

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

P95_TARGET_MS = 50
SPEEDUP_TARGET = 20
KINDS = ["testbed", "expertise", "partner", "capital", "market", "other"]
HELIX = ["company"] * 6 + ["academia", "public", "civil_society", "other"]

SUBJECTS = [
    "skog",
    "skogsbruk",
    "virke",
    "timmer",
    "massaved",
    "sågverk",
    "bioenergi",
    "biogas",
    "gödsel",
    "vall",
    "vallodling",
    "spannmål",
    "havre",
    "korn",
    "vete",
    "raps",
    "potatis",
    "grönsaker",
    "bär",
    "svamp",
    "mjölk",
    "ost",
    "kött",
    "nötkött",
    "lamm",
    "gris",
    "fjäderfä",
    "ägg",
    "fisk",
    "vattenbruk",
    "odling",
    "växthus",
    "jord",
    "mark",
    "markkartering",
    "bevattning",
    "dränering",
    "pollinering",
    "bin",
    "honung",
    "foder",
    "ensilage",
    "betesmark",
    "naturbete",
    "viltvård",
    "jakt",
    "turism",
    "besöksnäring",
    "mathantverk",
    "livsmedel",
    "förädling",
    "förpackning",
    "logistik",
    "transport",
    "lager",
    "kyla",
    "frys",
    "energi",
    "solceller",
    "vindkraft",
    "laddning",
    "batterier",
    "elektrifiering",
    "traktor",
    "skotare",
    "skördare",
    "drönare",
    "sensorer",
    "mätdata",
    "digitalisering",
    "automation",
    "robot",
    "mjölkrobot",
    "utfodring",
    "klimat",
    "utsläpp",
    "kolinlagring",
    "biologisk",
    "mångfald",
    "våtmark",
    "vattenvård",
    "rening",
    "slam",
    "kompost",
    "cirkulär",
    "restprodukter",
    "bioplast",
    "fiber",
    "textil",
    "lin",
    "hampa",
    "trähus",
    "byggande",
    "limträ",
    "möbler",
    "design",
    "export",
    "marknad",
    "upphandling",
    "kompetens",
    "utbildning",
    "rådgivning",
    "forskning",
    "innovation",
    "inkubator",
    "provning",
    "certifiering",
    "kvalitet",
    "hållbarhet",
    "ekologisk",
    "lokalproducerat",
]
VERBS = [
    "utveckla",
    "testa",
    "prova",
    "mäta",
    "minska",
    "öka",
    "förbättra",
    "förädla",
    "skala",
    "samarbeta",
    "hitta",
    "bygga",
    "digitalisera",
    "elektrifiera",
    "effektivisera",
    "dokumentera",
    "validera",
    "certifiera",
    "sälja",
    "exportera",
    "finansiera",
    "rekrytera",
]
FILLER = [
    "vi",
    "söker",
    "behöver",
    "erbjuder",
    "har",
    "kan",
    "en",
    "ett",
    "för",
    "med",
    "i",
    "på",
    "till",
    "av",
    "om",
    "och",
    "att",
    "som",
    "nya",
    "tillsammans",
    "gärna",
    "lokala",
    "regionala",
    "små",
    "stora",
    "företag",
    "gårdar",
]
TITLES = [
    "Testbädd för {a} och {b}",
    "Expertis inom {a}",
    "Partner för {a} i {b}",
    "Kapital till {a}",
    "Ny marknad för {a}",
    "Samarbete kring {a} och {b}",
    "Provning av {a}",
    "Pilot med {a} för {b}",
]


def _text(rng: random.Random) -> tuple[str, str]:
    # A Zipf-like draw: some subjects are common, most are rare, as in real listings.
    def subject() -> str:
        return SUBJECTS[min(int(rng.paretovariate(1.1)) - 1, len(SUBJECTS) - 1) * 7 % len(SUBJECTS)]

    a, b = subject(), rng.choice(SUBJECTS)
    title = rng.choice(TITLES).format(a=a, b=b)
    words = []
    for _ in range(rng.randint(14, 30)):
        roll = rng.random()
        words.append(
            rng.choice(FILLER) if roll < 0.4 else rng.choice(VERBS) if roll < 0.55 else subject()
        )
    return title, " ".join(words).capitalize() + "."


def _setup(database_url: str, var_dir: str) -> None:
    django_setup(database_url, var_dir)
    migrate()


def _generate(total: int) -> tuple[list[int], float]:
    """Organisations, focus areas and ``total`` offers; returns the focus area ids and seconds."""
    from django.db import connection, transaction
    from django.utils import timezone

    from samverka.actors.models import FocusArea, Organisation
    from samverka.geo.models import Area
    from samverka.matchmaking import lexical
    from samverka.matchmaking.models import Offer, retrieval_keys

    rng = random.Random(2026)
    focus = FocusArea.objects.bulk_create(
        FocusArea(slug=f"fokus-{i}", name_sv=f"Fokus {i}", name_en=f"Focus {i}") for i in range(20)
    )
    municipalities = list(Area.objects.municipalities().values_list("pk", flat=True))
    counties = list(Area.objects.counties().values_list("pk", flat=True))
    owners = Organisation.objects.bulk_create(
        Organisation(
            name=f"Bench {i}", helix=rng.choice(HELIX), municipality_id=rng.choice(municipalities)
        )
        for i in range(3000)
    )
    owner_ids = [o.pk for o in owners]
    now = timezone.now()
    expires = date.today() + timedelta(days=365)
    columns = (
        "created, updated, kind, title, description, county_id, owner_id, expires_on, "
        "visibility, stems, keys, is_demo"
    )
    rows = []
    links = []
    for n in range(total):
        title, description = _text(rng)
        stems = " ".join(lexical.stems(f"{title} {description}"))
        kind, county = rng.choice(KINDS), rng.choice(counties)
        chosen = sorted(f.pk for f in rng.sample(focus, rng.randint(1, 2)))
        links += [(n, f) for f in chosen]
        rows.append(
            (
                now,
                now,
                kind,
                title,
                description,
                county,
                rng.choice(owner_ids),
                expires,
                "public" if rng.random() < 0.8 else "members",
                stems,
                retrieval_keys(kind, county, chosen),
                False,
            )
        )
    start = time.perf_counter()
    table = Offer._meta.db_table
    through = Offer.focus_areas.through._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            cursor.execute("PRAGMA synchronous=OFF")
            marks = ", ".join(["%s"] * 12)
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        offer_ids = list(Offer.objects.order_by("pk").values_list("pk", flat=True))
        pairs = [(offer_ids[n], f) for n, f in links]
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {through} (offer_id, focusarea_id) FROM STDIN") as copy:
                for pair in pairs:
                    copy.write_row(pair)
        else:
            cursor.executemany(
                f"INSERT INTO {through} (offer_id, focusarea_id) VALUES (%s, %s)", pairs
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # also flushes the GIN pending list
    lexical.forget_statistics(Offer)
    return [f.pk for f in focus], time.perf_counter() - start


def _needs(count: int, focus_ids: list[int]) -> list[object]:
    from samverka.actors.models import Organisation
    from samverka.geo.models import Area
    from samverka.matchmaking.models import Need

    rng = random.Random(99)
    owners = list(Organisation.objects.all()[:200])
    counties = list(Area.objects.counties())
    needs = []
    for _ in range(count):
        title, description = _text(rng)
        need = Need.objects.create(
            kind=rng.choice(KINDS),
            title=title,
            description=description,
            owner=rng.choice(owners),
            county=rng.choice(counties),
        )
        need.focus_areas.set(rng.sample(focus_ids, rng.randint(1, 2)))
        needs.append(need)
    return needs


def _naive(need: object, top: int = 10) -> list[int]:
    """The obvious implementation: ``icontains`` on title and description for each word of the
    need, then every hit scored with the same TF-IDF cosine."""
    from django.db.models import Q

    from samverka.matchmaking import lexical
    from samverka.matchmaking.models import Offer

    words = sorted(
        {w for w in re.findall(r"\w+", f"{need.title} {need.description}".lower()) if len(w) > 3}
    )
    condition = Q()
    for word in words[:10]:
        condition |= Q(title__icontains=word) | Q(description__icontains=word)
    corpus = lexical.statistics(Offer)
    source = corpus.vector(need.stems.split())
    scored = []
    for pk, stems in (
        Offer.objects.active()
        .filter(kind=need.kind)
        .exclude(owner_id=need.owner_id)
        .filter(condition)
        .values_list("pk", "stems")
    ):
        scored.append((lexical.cosine(source, corpus.vector(stems.split())), pk))
    scored.sort(reverse=True)
    return [pk for _s, pk in scored[:top]]


def run(total: int, repeat: int) -> dict[str, object]:
    from django.db import connection

    from samverka.matchmaking import lexical
    from samverka.matchmaking.matching import find_matches
    from samverka.matchmaking.models import Offer

    focus_ids, load_s = _generate(total)
    needs = _needs(50, focus_ids)
    start = time.perf_counter()
    lexical.statistics(Offer)  # the per-process document frequencies, computed once
    stats_s = time.perf_counter() - start
    find_matches(needs[0])
    indexed, sizes = [], []
    for i in range(repeat):
        need = needs[i % len(needs)]
        t0 = time.perf_counter()
        result = find_matches(need, top=10)
        indexed.append(time.perf_counter() - t0)
        sizes.append(result.candidates)
    print(
        f"indexed p50 {p50(indexed) * 1000:.1f} ms, p95 {p95(indexed) * 1000:.1f} ms",
        file=sys.stderr,
    )
    naive = []
    for need in needs[: max(5, repeat // 20)]:
        t0 = time.perf_counter()
        _naive(need)
        naive.append(time.perf_counter() - t0)
    return {
        "backend": connection.vendor,
        "offers": total,
        "load_s": load_s,
        "stats_s": stats_s,
        "candidates": p50(sizes),
        "p50": p50(indexed) * 1000,
        "p95": p95(indexed) * 1000,
        "naive_p50": p50(naive) * 1000,
        "naive_p95": p95(naive) * 1000,
    }


def _report(r: dict[str, object], args: argparse.Namespace) -> str:
    load = "Load average at the end {:.1f} / {:.1f} / {:.1f}.".format(*os.getloadavg())
    speedup = r["naive_p50"] / r["p50"]  # type: ignore[operator]
    ok_p95 = "✓" if r["p95"] < P95_TARGET_MS else "✗"  # type: ignore[operator]
    ok_speed = "✓" if speedup >= SPEEDUP_TARGET else "✗"
    return "\n".join(
        [
            *header(
                "Needs/offers matching",
                f"{load} `bench/matching.py --offers {args.offers} --repeat {args.repeat}`; "
                f"seed 2026; document frequencies computed once in {r['stats_s']:.1f} s; "
                f"median {r['candidates']:.0f} candidates scored per query.",
            ),
            "| backend | offers | load | top-10 p50 | p95 (target < 50 ms) | naive icontains p50 "
            "| p95 | speed-up at p50 (target ≥ 20×) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| {r['backend']} | {r['offers']:,} | {r['load_s']:.0f} s | {r['p50']:.1f} ms "
            f"| {r['p95']:.1f} ms {ok_p95} | {r['naive_p50']:.0f} ms | {r['naive_p95']:.0f} ms "
            f"| {speedup:.0f}× {ok_speed} |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="samverka-bench-") as tmp:
        if os.environ.get("SAMVERKA_BENCH_PG"):
            url = os.environ.get("SAMVERKA_BENCH_PG_URL", scratch_url("matching"))
            reset_scratch_schema(url)
            _setup(url, tmp)
        else:
            _setup(f"sqlite:///{tmp}/bench.sqlite3", tmp)
        result = run(args.offers, args.repeat)
    report = _report(result, args)
    print(report)
    if not args.no_write:
        append_results(report)


if __name__ == "__main__":
    main()
