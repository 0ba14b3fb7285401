"""Network analytics over a graph from :func:`~samverka.network.services.graph.build_graph`.

Works on any ``nx.Graph`` whose nodes may carry ``name``, ``helix`` and ``clusters``; the
benchmark feeds it generated graphs directly.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import networkx as nx

# Sources sampled for approximate betweenness above the exact threshold. Each source is one BFS
# over the whole graph, so this bounds the cost: ~1 s per source on 1M edges.
APPROXIMATE_K = 16


def _name(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("name", node))


def _ranked(graph: nx.Graph, scores: dict[Any, float], nodes: Any, top: int) -> list[Any]:
    return sorted(nodes, key=lambda n: (-scores[n], _name(graph, n), str(n)))[:top]


def _communities(graph: nx.Graph, *, seed: int, levels: int | None) -> int:
    if graph.number_of_edges() == 0:
        return graph.number_of_nodes()
    if levels is None:
        return len(nx.community.louvain_communities(graph, weight="weight", seed=seed))
    partition: list[Any] = [{n} for n in graph]
    for level, found in enumerate(
        nx.community.louvain_partitions(graph, weight="weight", seed=seed), start=1
    ):
        partition = found
        if level >= levels:
            break
    return len(partition)


def stats(
    graph: nx.Graph,
    *,
    seed: int = 42,
    exact_threshold: int = 10_000,
    k: int = APPROXIMATE_K,
    top: int = 10,
    louvain_levels: int | None = None,
) -> dict[str, Any]:
    """The analytics of a network as a JSON-ready dict.

    * ``nodes``, ``edges``, ``components``, ``density``;
    * ``betweenness``: ``"exact"`` up to ``exact_threshold`` nodes, else
      ``"approximate (k=…)"`` (``k`` sampled sources, seeded); paths count hops, not weights;
    * ``communities``: number of Louvain communities (edge ``weight`` as strength, seeded;
      ``louvain_levels`` stops after that many aggregation levels on very large graphs);
    * ``cross_helix_share``: share of edges that join two different helix types;
    * ``top_degree``: highest degree centrality;
    * ``top_brokers``: brokers between helix types, defined as the organisations with at least
      one cross-helix edge, ranked by betweenness; ``articulation_point`` says whether removing
      the organisation also splits its component;
    * ``isolated``: the count and (first ``top``, by name) the organisations without edges;
    * ``clusters``: per cluster, the edges among its members and their cross-helix share.

    The same graph and seed always give the same result.
    """
    n = graph.number_of_nodes()
    m = graph.number_of_edges()
    helix = nx.get_node_attributes(graph, "helix")

    if n <= exact_threshold:
        betweenness = nx.betweenness_centrality(graph)
        method = "exact"
    else:
        sample = min(k, n)
        betweenness = nx.betweenness_centrality(graph, k=sample, seed=seed)
        method = f"approximate (k={sample})"

    cross = 0
    brokers: set[Any] = set()
    per_cluster: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    has_clusters = any(graph.nodes[node].get("clusters") for node in graph)
    for u, v in graph.edges():
        is_cross = helix.get(u) != helix.get(v)
        if is_cross:
            cross += 1
            brokers.add(u)
            brokers.add(v)
        if has_clusters:
            shared = set(graph.nodes[u].get("clusters", ())) & set(
                graph.nodes[v].get("clusters", ())
            )
            for slug in shared:
                per_cluster[slug][0] += 1
                per_cluster[slug][1] += is_cross

    articulation = set(nx.articulation_points(graph)) if m else set()
    degree = nx.degree_centrality(graph) if n > 1 else dict.fromkeys(graph, 0.0)
    isolated = sorted(nx.isolates(graph), key=lambda node: (_name(graph, node), str(node)))

    return {
        "nodes": n,
        "edges": m,
        "components": nx.number_connected_components(graph) if n else 0,
        "density": round(nx.density(graph), 6) if n > 1 else 0.0,
        "communities": _communities(graph, seed=seed, levels=louvain_levels) if n else 0,
        "cross_helix_share": round(cross / m, 6) if m else 0.0,
        "betweenness": method,
        "top_degree": [
            {
                "id": node,
                "organisation": _name(graph, node),
                "degree_centrality": round(degree[node], 6),
            }
            for node in _ranked(graph, degree, graph.nodes, top)
        ],
        "top_brokers": [
            {
                "id": node,
                "organisation": _name(graph, node),
                "helix": helix.get(node, ""),
                "betweenness": round(betweenness[node], 6),
                "articulation_point": node in articulation,
            }
            for node in _ranked(graph, betweenness, brokers, top)
        ],
        "isolated": {
            "count": len(isolated),
            "organisations": [
                {"id": node, "organisation": _name(graph, node)} for node in isolated[:top]
            ],
        },
        "clusters": [
            {
                "cluster": slug,
                "edges": edges,
                "cross_helix_share": round(crossing / edges, 6) if edges else 0.0,
            }
            for slug, (edges, crossing) in sorted(per_cluster.items())
        ],
    }


def change(graph_a: nx.Graph, graph_b: nx.Graph) -> dict[str, Any]:
    """What changed from ``graph_a`` (e.g. one year) to ``graph_b`` (a later year).

    Nodes count as present when they have at least one edge, since ``build_graph`` keeps every
    organisation in scope as a node whatever the year. Edges are compared as unordered pairs.
    """

    def active(graph: nx.Graph) -> set[Any]:
        return {node for node, deg in graph.degree() if deg}

    def pairs(graph: nx.Graph) -> set[tuple[Any, Any]]:
        return {tuple(sorted((u, v), key=str)) for u, v in graph.edges()}

    nodes_a, nodes_b = active(graph_a), active(graph_b)
    edges_a, edges_b = pairs(graph_a), pairs(graph_b)
    key = str
    return {
        "nodes_added": sorted(nodes_b - nodes_a, key=key),
        "nodes_removed": sorted(nodes_a - nodes_b, key=key),
        "edges_added": [list(e) for e in sorted(edges_b - edges_a, key=key)],
        "edges_removed": [list(e) for e in sorted(edges_a - edges_b, key=key)],
        "nodes": [len(nodes_a), len(nodes_b)],
        "edges": [len(edges_a), len(edges_b)],
    }
