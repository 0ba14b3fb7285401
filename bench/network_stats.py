"""Benchmark of the actor-network analytics (not a test; part of ``make bench``).

Generates seeded random graphs in memory (``nx.fast_gnp_random_graph`` with random helix
types), times ``samverka.network.services.stats`` on a large graph with approximate betweenness
(issue #5: 100k organisations and 1M edges in under 60 s) and on a smaller one with exact
betweenness (10k organisations), and appends the figures to docs/benchmarks.md with the date,
machine and commit.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import django
import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "benchmarks.md"
TARGET_S = 60.0
HELIX = ("company", "academia", "public", "civil_society", "other")

sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
django.setup()

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
        f"{result['communities']} communities)",
        flush=True,
    )
    return {
        "label": label,
        "generated": generated,
        "elapsed": elapsed,
        "options": options,
        **result,
    }


def _commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + (" (with uncommitted changes)" if dirty else "")


def report(results: list[dict[str, object]], argv: list[str]) -> str:
    machine = (
        f"{platform.node()}, {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, networkx {nx.__version__}"
    )
    lines = [
        "",
        f"## Network analytics — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine}. Commit: {_commit()}. "
        f"`bench/network_stats.py {' '.join(argv)}`. Random G(n, p) graphs, seed 42.",
        "",
        "| run | nodes | edges | betweenness | communities (Louvain) | stats | target |",
        "|---|---:|---:|---|---:|---:|---|",
    ]
    for r in results:
        levels = r["options"].get("louvain_levels")  # type: ignore[union-attr]
        louvain = f"{r['communities']:,}" + (f" ({levels} level)" if levels else "")
        ok = "✓" if r["elapsed"] < TARGET_S else "✗"  # type: ignore[operator]
        lines.append(
            f"| {r['label']} | {r['nodes']:,} | {r['edges']:,} | {r['betweenness']} "
            f"| {louvain} | {r['elapsed']:.1f} s | < {TARGET_S:.0f} s {ok} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10, help="sampled sources for betweenness")
    parser.add_argument(
        "--louvain-levels",
        type=int,
        default=1,
        help="Louvain aggregation levels on the large graph (0: run to the end)",
    )
    parser.add_argument("--exact-nodes", type=int, default=10_000)
    parser.add_argument("--exact-edges", type=int, default=20_000)
    parser.add_argument("--no-write", action="store_true", help="do not append to the docs")
    args = parser.parse_args()

    results = [
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
    text = report(results, sys.argv[1:])
    print(text)
    if not args.no_write:
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(text)


if __name__ == "__main__":
    main()
