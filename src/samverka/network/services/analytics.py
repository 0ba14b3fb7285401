"""Network analytics over a graph from :func:`~samverka.network.services.graph.build_graph`.

Works on any ``nx.Graph`` whose nodes may carry ``name``, ``helix`` and ``clusters``; the
benchmark feeds it generated graphs directly. The heavy lifting (betweenness, communities,
components, articulation points) runs in igraph's C core on a copy converted once.
"""

from __future__ import annotations

import heapq
import random
import threading
from collections import defaultdict
from typing import Any

import igraph as ig
import networkx as nx

# Approximate betweenness samples as many sources as fit this budget of edge visits (each source
# is one breadth-first search over the whole graph in igraph, about 0.2 s per million edges
# here), within these bounds.
APPROXIMATE_BUDGET = 32_000_000
APPROXIMATE_K_MIN = 8
APPROXIMATE_K_MAX = 256

# Above this many edges communities come from label propagation instead of Louvain (igraph's
# multilevel did not finish within five minutes on a random graph of 1M edges on the loaded
# benchmark machine; label propagation takes seconds).
LOUVAIN_MAX_EDGES = 200_000

# igraph's random number generator is process-wide: seeded runs take turns.
_RNG_LOCK = threading.Lock()


def _name(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("name", node))


def _ranked(graph: nx.Graph, scores: dict[Any, float], nodes: Any, top: int) -> list[Any]:
    def key(n: Any) -> tuple[float, str, str]:
        return (-scores[n], _name(graph, n), str(n))

    if top * 10 < len(scores):  # a few of many: a heap, not a full sort
        return heapq.nsmallest(top, nodes, key=key)
    return sorted(nodes, key=key)[:top]


def to_igraph(graph: nx.Graph) -> tuple[ig.Graph, list[Any]]:
    """``graph`` as an undirected igraph graph (self-loops dropped, edge ``weight`` kept,
    default 1) and the networkx node at each igraph vertex index."""
    nodes = list(graph)
    index = {node: i for i, node in enumerate(nodes)}
    edges: list[tuple[int, int]] = []
    weights: list[float] = []
    for u, v, weight in graph.edges(data="weight", default=1):
        if u != v:
            edges.append((index[u], index[v]))
            weights.append(weight)
    converted = ig.Graph(n=len(nodes), edges=edges, directed=False)
    converted.es["weight"] = weights
    return converted, nodes


def _betweenness(
    converted: ig.Graph, nodes: list[Any], *, sample: int | None, seed: int
) -> dict[Any, float]:
    """Normalised betweenness (hop counts) equal to ``nx.betweenness_centrality(graph,
    k=sample, seed=seed, normalized=True)``: exact, or from the same ``sample`` seeded random
    sources networkx would draw, scaled as networkx does (sampled sources by ``1/((k-1)(n-2))``,
    the others by ``1/(k(n-2))``; igraph counts each undirected pair once, hence the 2)."""
    n = len(nodes)
    if n <= 2:
        return dict.fromkeys(nodes, 0.0)
    if sample is None or sample >= n:
        raw = converted.betweenness(directed=False)
        scale = 2 / ((n - 1) * (n - 2))
        return {node: value * scale for node, value in zip(nodes, raw, strict=True)}
    sources = random.Random(seed).sample(range(n), sample)
    raw = converted.betweenness(directed=False, sources=sources)
    other = 2 / (sample * (n - 2))
    source_scale = 2 / ((sample - 1) * (n - 2)) if sample > 1 else 0.0
    picked = set(sources)
    return {
        node: value * (source_scale if i in picked else other)
        for i, (node, value) in enumerate(zip(nodes, raw, strict=True))
    }


def _communities(
    converted: ig.Graph, *, seed: int, levels: int | None, louvain: bool = True
) -> int:
    """Number of communities by seeded, weighted Louvain (igraph's multilevel; ``levels``
    stops after that many aggregation levels) or, unless ``louvain``, by seeded weighted label
    propagation."""
    if converted.ecount() == 0:
        return converted.vcount()
    with _RNG_LOCK:
        ig.set_random_number_generator(random.Random(seed))
        try:
            if not louvain:
                return len(converted.community_label_propagation(weights="weight"))
            if levels is None:
                return len(converted.community_multilevel(weights="weight"))
            found = converted.community_multilevel(weights="weight", return_levels=True)
        finally:
            ig.set_random_number_generator(random)
    return len(found[min(levels, len(found)) - 1]) if found else converted.vcount()


def stats(
    graph: nx.Graph,
    *,
    seed: int = 42,
    exact_threshold: int = 10_000,
    k: int | None = None,
    top: int = 10,
    louvain_levels: int | None = None,
    louvain_max_edges: int = LOUVAIN_MAX_EDGES,
    cluster_shares: bool = True,
) -> dict[str, Any]:
    """The analytics of a network as a JSON-ready dict.

    * ``nodes``, ``edges``, ``components``, ``density``;
    * ``betweenness``: ``"exact"`` up to ``exact_threshold`` nodes, else
      ``"approximate (k=…)"`` (``k`` seeded random sources; by default as many as
      :data:`APPROXIMATE_BUDGET` edge visits allow, at least :data:`APPROXIMATE_K_MIN`), the
      values networkx's ``betweenness_centrality(k=…, seed=seed)`` gives; paths count hops,
      not weights;
    * ``communities``: number of communities, ``community_method`` says how: ``"louvain"``
      (igraph's multilevel, edge ``weight`` as strength, seeded; ``louvain_levels`` stops
      after that many aggregation levels) up to ``louvain_max_edges`` edges, else
      ``"label_propagation"`` (igraph's, weighted, seeded, far faster on large graphs);
    * ``cross_helix_share``: share of edges that join two different helix types;
    * ``top_degree``: highest degree centrality;
    * ``top_brokers``: brokers between helix types, defined as the organisations with at least
      one cross-helix edge, ranked by betweenness; ``articulation_point`` says whether removing
      the organisation also splits its component;
    * ``isolated``: the count and (first ``top``, by name) the organisations without edges;
    * ``clusters``: per cluster, the edges among its members and their cross-helix share
      (empty unless ``cluster_shares``; the pages do not show it).

    The same graph and seed always give the same result.
    """
    n = graph.number_of_nodes()
    m = graph.number_of_edges()
    helix = nx.get_node_attributes(graph, "helix")

    louvain = m <= louvain_max_edges
    converted, nodes = to_igraph(graph)
    if n <= exact_threshold:
        betweenness = _betweenness(converted, nodes, sample=None, seed=seed)
        method = "exact"
    else:
        if k is None:
            k = min(APPROXIMATE_K_MAX, max(APPROXIMATE_K_MIN, APPROXIMATE_BUDGET // max(m, 1)))
        sample = min(k, n)
        betweenness = _betweenness(converted, nodes, sample=sample, seed=seed)
        method = f"approximate (k={sample})"

    cross = 0
    brokers: set[Any] = set()
    per_cluster: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    has_clusters = cluster_shares and any(graph.nodes[node].get("clusters") for node in graph)
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

    articulation = {nodes[i] for i in converted.articulation_points()} if m else set()
    degree = nx.degree_centrality(graph) if n > 1 else dict.fromkeys(graph, 0.0)
    isolated = sorted(nx.isolates(graph), key=lambda node: (_name(graph, node), str(node)))

    return {
        "nodes": n,
        "edges": m,
        "components": len(converted.connected_components()) if n else 0,
        "density": round(nx.density(graph), 6) if n > 1 else 0.0,
        "communities": (
            _communities(converted, seed=seed, levels=louvain_levels, louvain=louvain) if n else 0
        ),
        "community_method": "louvain" if louvain else "label_propagation",
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
        "cliques_left_out": sorted(graph.graph.get("cliques_left_out", ())),
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
