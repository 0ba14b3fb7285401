"""Benchmark of the actor network (not a test; part of ``make bench``).

Generates seeded random graphs in memory (``nx.fast_gnp_random_graph`` with random helix
types), times ``samverka.network.services.stats`` on a large graph with approximate betweenness
(issue #5: 100k organisations and 1M edges in under 60 s) and on a smaller one with exact
betweenness (10k organisations). Then, in a throw-away SQLite database under a temporary
directory, it generates an organisation linked to 500+ others and times its ego-network page
(server time through the Django test client, target p95 < 200 ms). Appends the figures to
docs/benchmarks.md with the date, machine and commit.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time

import igraph
import networkx as nx
from common import append_results, django_setup, header, p50, p95

TARGET_S = 60.0
EGO_TARGET_MS = 200.0
HELIX = ("company", "academia", "public", "civil_society", "other")

VAR_DIR = tempfile.TemporaryDirectory(prefix="samverka-network-bench-")
django_setup(None, VAR_DIR.name)

from samverka.network.services import stats  # noqa: E402


def generate(nodes: int, edges: int, seed: int) -> nx.Graph:
    """A G(n, p) graph with about ``edges`` edges, named nodes and random helix types."""
    p = 2 * edges / (nodes * (nodes - 1))
    graph = nx.fast_gnp_random_graph(nodes, p, seed=seed)
    rng = random.Random(seed)
    for node in graph:
        graph.nodes[node]["name"] = f"Organisation {node}"
        graph.nodes[node]["helix"] = rng.choice(HELIX)
    return graph


def timed(label: str, nodes: int, edges: int, **options: object) -> dict[str, object]:
    start = time.perf_counter()
    graph = generate(nodes, edges, seed=42)
    generated = time.perf_counter() - start
    start = time.perf_counter()
    result = stats(graph, seed=42, **options)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - start
    print(
        f"{label}: {result['nodes']:,} nodes, {result['edges']:,} edges, generated in "
        f"{generated:.1f} s, stats in {elapsed:.1f} s ({result['betweenness']}, "
        f"{result['communities']} communities by {result['community_method']})",
        flush=True,
    )
    return {
        "label": label,
        "generated": generated,
        "elapsed": elapsed,
        "options": options,
        **result,
    }


def ego_setup(degree: int, background: int, seed: int = 42) -> tuple[int, int, int, float]:
    """Create, in the fresh SQLite database, an organisation with ``degree`` partners among
    ``background`` other organisations with random relations: (hub id, organisations, relations,
    seconds taken)."""
    from django.core.management import call_command

    from samverka.actors.models import Organisation, Relation
    from samverka.clusters.models import Cluster, Membership

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    start = time.perf_counter()
    total = 1 + degree + background
    Organisation.objects.bulk_create(
        Organisation(name=f"Bench organisation {i}", helix=rng.choice(HELIX)) for i in range(total)
    )
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    hub, partners, others = ids[0], ids[1 : degree + 1], ids[degree + 1 :]
    pairs: set[tuple[int, int]] = {(hub, p) for p in partners}
    while len(pairs) < degree + 3 * degree:  # links among the partners
        a, b = rng.sample(partners, 2)
        pairs.add((a, b))
    for _ in range(4 * background):  # the rest of the network, and links into it
        a, b = (
            rng.sample(others, 2)
            if rng.random() < 0.9
            else (rng.choice(partners), rng.choice(others))
        )
        pairs.add((a, b))
    Relation.objects.bulk_create(
        (Relation(source_id=a, target_id=b, kind="partnership") for a, b in pairs),
        batch_size=5000,
    )
    for c in range(5):  # a few small clusters around the hub
        cluster = Cluster.objects.create(name=f"Bench cluster {c}", slug=f"bench-cluster-{c}")
        members = [hub, *rng.sample(partners, 15), *rng.sample(others, 5)]
        Membership.objects.bulk_create(
            Membership(cluster=cluster, organisation_id=org) for org in set(members)
        )
    return hub, total, len(pairs), time.perf_counter() - start


def ego_page(degree: int, background: int, repeat: int, seed: int = 42) -> dict[str, float]:
    """Time the ego-network page of an organisation with ``degree`` partners in a fresh SQLite
    database that also holds ``background`` other organisations with random relations."""
    from django.test import Client

    hub, total, relations, generated = ego_setup(degree, background, seed)
    client = Client(HTTP_ACCEPT_LANGUAGE="sv", HTTP_HOST="127.0.0.1")
    url = f"/network/organisations/{hub}/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    from samverka.wsgi import freeze_startup_heap

    freeze_startup_heap()  # as `samverka serve` does once the application is loaded
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    from samverka.network.services import build_graph

    graph = build_graph(organisation=hub)
    result = {
        "organisations": float(total),
        "relations": float(relations),
        "degree": float(graph.degree(hub)),
        "ego_nodes": float(graph.number_of_nodes()),
        "ego_edges": float(graph.number_of_edges()),
        "generated": generated,
        "p50": p50(times),
        "p95": p95(times),
        "repeat": float(repeat),
    }
    print(
        f"ego page: degree {result['degree']:.0f} ({result['ego_nodes']:.0f} nodes, "
        f"{result['ego_edges']:.0f} links) in a database of {total:,} organisations and "
        f"{relations:,} relations: p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms",
        flush=True,
    )
    return result


def report(results: list[dict[str, object]], ego: dict[str, float] | None, argv: list[str]) -> str:
    one, five, _fifteen = os.getloadavg()
    lines = header(
        "Network analytics",
        f"networkx {nx.__version__}, igraph {igraph.__version__}; load average at the end "
        f"{one:.1f} (1 min), {five:.1f} (5 min), shared with other work. "
        f"`bench/network_stats.py {' '.join(argv)}`. Random G(n, p) graphs, seed 42.",
    )[:-1]
    if results:
        lines += [
            "",
            "| run | nodes | edges | betweenness | communities | stats | target |",
            "|---|---:|---:|---|---:|---:|---|",
        ]
    for r in results:
        levels = r["options"].get("louvain_levels")  # type: ignore[union-attr]
        communities = f"{r['communities']:,} ({r['community_method']}" + (
            f", {levels} level)" if levels and r["community_method"] == "louvain" else ")"
        )
        ok = "✓" if r["elapsed"] < TARGET_S else "✗"  # type: ignore[operator]
        lines.append(
            f"| {r['label']} | {r['nodes']:,} | {r['edges']:,} | {r['betweenness']} "
            f"| {communities} | {r['elapsed']:.1f} s | < {TARGET_S:.0f} s {ok} |"
        )
    if ego is not None:
        ok = "✓" if ego["p95"] < EGO_TARGET_MS else "✗"
        lines += [
            "",
            f"Ego-network page (`/network/organisations/<id>/`, SQLite, in-process test client, "
            f"{ego['repeat']:.0f} requests after one warm-up, start-up heap frozen as `samverka serve` "
            f"does) of an organisation with "
            f"{ego['degree']:.0f} partners ({ego['ego_nodes']:.0f} organisations and "
            f"{ego['ego_edges']:.0f} links drawn from a database of {ego['organisations']:,.0f} "
            f"organisations and {ego['relations']:,.0f} relations): p50 {ego['p50']:.0f} ms, "
            f"p95 {ego['p95']:.0f} ms (target < {EGO_TARGET_MS:.0f} ms {ok}).",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument(
        "--k", type=int, default=None, help="sampled sources for betweenness (default: by size)"
    )
    parser.add_argument(
        "--louvain-levels",
        type=int,
        default=0,
        help="Louvain aggregation levels (0: run to the end; only below the edge threshold)",
    )
    parser.add_argument("--exact-nodes", type=int, default=10_000)
    parser.add_argument("--exact-edges", type=int, default=20_000)
    parser.add_argument("--ego-degree", type=int, default=600)
    parser.add_argument("--ego-background", type=int, default=20_000)
    parser.add_argument("--ego-repeat", type=int, default=60)
    parser.add_argument("--no-ego", action="store_true", help="skip the ego-page benchmark")
    parser.add_argument("--ego-only", action="store_true", help="run only the ego-page benchmark")
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    args = parser.parse_args()

    results = (
        []
        if args.ego_only
        else [
            timed(
                "approximate",
                args.nodes,
                args.edges,
                exact_threshold=min(10_000, args.nodes - 1),
                k=args.k,
                louvain_levels=args.louvain_levels or None,
            ),
            timed("exact", args.exact_nodes, args.exact_edges, exact_threshold=args.exact_nodes),
        ]
    )
    ego = None if args.no_ego else ego_page(args.ego_degree, args.ego_background, args.ego_repeat)
    text = report(results, ego, sys.argv[1:])
    print(text)
    if not args.no_write:
        append_results(text)


if __name__ == "__main__":
    main()
