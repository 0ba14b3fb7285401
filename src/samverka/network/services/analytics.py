"""Network analytics over a graph from :func:`~samverka.network.services.graph.build_graph`.

Works on any ``nx.Graph`` whose nodes may carry ``name``, ``helix`` and ``clusters``; the
benchmark feeds it generated graphs directly.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from typing import Any

import networkx as nx

# Approximate betweenness samples as many sources as fit this budget of edge visits (each source
# is one BFS over the whole graph, about 1 s per million edges here), within these bounds.
APPROXIMATE_BUDGET = 4_000_000
APPROXIMATE_K_MIN = 8
APPROXIMATE_K_MAX = 256
# Above this many edges communities come from label propagation instead of Louvain (Louvain
# took more than four minutes on 1M edges; label propagation takes seconds).
LOUVAIN_MAX_EDGES = 200_000
# Exact betweenness of graphs up to this size comes from networkx, larger ones from our own
# (identical up to rounding, faster) loop.
NETWORKX_BETWEENNESS_MAX_NODES = 1_000
# Sweeps of label propagation at most (it usually settles well before).
LABEL_PROPAGATION_SWEEPS = 10


def _name(graph: nx.Graph, node: Any) -> str:
    return str(graph.nodes[node].get("name", node))


def _ranked(graph: nx.Graph, scores: dict[Any, float], nodes: Any, top: int) -> list[Any]:
    def key(n: Any) -> tuple[float, str, str]:
        return (-scores[n], _name(graph, n), str(n))

    if top * 10 < len(scores):  # a few of many: a heap, not a full sort
        return heapq.nsmallest(top, nodes, key=key)
    return sorted(nodes, key=key)[:top]


def _indexed(graph: nx.Graph) -> list[list[int]]:
    """The adjacency of ``graph`` as lists of node positions (self-loops dropped)."""
    index = {node: i for i, node in enumerate(graph)}
    return [[index[v] for v in graph._adj[u] if v != u] for u in graph]


def _brandes(
    graph: nx.Graph, adjacency: list[list[int]], sources: list[int], scale: float
) -> dict[Any, float]:
    """Brandes' betweenness (hop counts) accumulated from ``sources`` and multiplied by
    ``scale``; on plain lists, about four times faster than networkx's."""
    nodes = list(graph)
    n = len(nodes)
    scores = [0.0] * n
    for source in sources:
        sigma = [0] * n
        dist = [-1] * n
        sigma[source] = 1
        dist[source] = 0
        order = [source]
        head = 0
        while head < len(order):
            v = order[head]
            head += 1
            next_dist = dist[v] + 1
            paths = sigma[v]
            for w in adjacency[v]:
                if dist[w] < 0:
                    dist[w] = next_dist
                    order.append(w)
                    sigma[w] = paths
                elif dist[w] == next_dist:
                    sigma[w] += paths
        delta = [0.0] * n
        for v in reversed(order):
            next_dist = dist[v] + 1
            carried = 0.0
            for w in adjacency[v]:
                if dist[w] == next_dist:
                    carried += (1.0 + delta[w]) / sigma[w]
            delta[v] = sigma[v] * carried
            if v != source:
                scores[v] += delta[v]
    return {node: scores[i] * scale for i, node in enumerate(nodes)}


def _betweenness(
    graph: nx.Graph, adjacency: Any, *, sample: int | None, seed: int
) -> dict[Any, float]:
    """Normalised betweenness as ``nx.betweenness_centrality`` gives it: exact (every source)
    or from ``sample`` seeded random sources, scaled up by ``n / sample``. Small graphs go to
    networkx itself."""
    n = graph.number_of_nodes()
    if n <= 2:
        return dict.fromkeys(graph, 0.0)
    if sample is None and n <= NETWORKX_BETWEENNESS_MAX_NODES:
        return nx.betweenness_centrality(graph)
    scale = 1 / ((n - 1) * (n - 2))
    if sample is None:
        return _brandes(graph, adjacency(), list(range(n)), scale)
    sources = random.Random(seed).sample(range(n), sample)
    return _brandes(graph, adjacency(), sources, scale * n / sample)


def _label_propagation(adjacency: list[list[int]], *, seed: int) -> int:
    """Number of communities found by seeded asynchronous label propagation: nodes visited in
    a seeded random order take the label most of their neighbours carry (the smallest on a tie,
    keeping their own when it is among the most frequent), for at most
    :data:`LABEL_PROPAGATION_SWEEPS` sweeps."""
    labels = list(range(len(adjacency)))
    order = [i for i, near in enumerate(adjacency) if near]
    rng = random.Random(seed)
    for _sweep in range(LABEL_PROPAGATION_SWEEPS):
        rng.shuffle(order)
        changed = False
        for i in order:
            counts: dict[int, int] = {}
            for j in adjacency[i]:
                counts[labels[j]] = counts.get(labels[j], 0) + 1
            best = max(counts.values())
            if counts.get(labels[i], 0) == best:
                continue
            labels[i] = min(label for label, count in counts.items() if count == best)
            changed = True
        if not changed:
            break
    return len(set(labels))


def _communities(
    graph: nx.Graph, *, seed: int, levels: int | None, method: str, adjacency: Any
) -> int:
    if graph.number_of_edges() == 0:
        return graph.number_of_nodes()
    if method == "label_propagation":
        return _label_propagation(adjacency(), seed=seed)
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
    k: int | None = None,
    top: int = 10,
    louvain_levels: int | None = None,
    louvain_max_edges: int = LOUVAIN_MAX_EDGES,
) -> dict[str, Any]:
    """The analytics of a network as a JSON-ready dict.

    * ``nodes``, ``edges``, ``components``, ``density``;
    * ``betweenness``: ``"exact"`` up to ``exact_threshold`` nodes, else
      ``"approximate (k=…)"`` (``k`` seeded random sources; by default as many as
      :data:`APPROXIMATE_BUDGET` edge visits allow, at least :data:`APPROXIMATE_K_MIN`); paths
      count hops, not weights;
    * ``communities``: number of communities, ``community_method`` says how: ``"louvain"``
      (edge ``weight`` as strength, seeded; ``louvain_levels`` stops after that many
      aggregation levels) up to ``louvain_max_edges`` edges, else ``"label_propagation"``
      (seeded, unweighted, far faster on large graphs);
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

    indexed: list[list[int]] = []

    def adjacency() -> list[list[int]]:
        if not indexed:
            indexed.extend(_indexed(graph))
        return indexed

    if n <= exact_threshold:
        betweenness = _betweenness(graph, adjacency, sample=None, seed=seed)
        method = "exact"
    else:
        if k is None:
            k = min(APPROXIMATE_K_MAX, max(APPROXIMATE_K_MIN, APPROXIMATE_BUDGET // max(m, 1)))
        sample = min(k, n)
        betweenness = _betweenness(graph, adjacency, sample=sample, seed=seed)
        method = f"approximate (k={sample})"
    community_method = "louvain" if m <= louvain_max_edges else "label_propagation"

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
        "communities": (
            _communities(
                graph,
                seed=seed,
                levels=louvain_levels,
                method=community_method,
                adjacency=adjacency,
            )
            if n
            else 0
        ),
        "community_method": community_method,
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
