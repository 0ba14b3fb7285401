"""Analytics on small graphs whose answers can be checked by hand."""

from __future__ import annotations

import networkx as nx

from samverka.network.services import change, stats


def _graph(edges, helix=None):
    graph = nx.Graph()
    for u, v in edges:
        graph.add_edge(u, v)
    for node in graph:
        graph.nodes[node]["name"] = f"Org {node}"
        graph.nodes[node]["helix"] = (helix or {}).get(node, "company")
    return graph


def test_stats_path_middle_node_carries_every_path():
    # 1 - 2 - 3: node 2 lies on the one shortest path between 1 and 3, normalised 1/1 = 1.0.
    graph = _graph([(1, 2), (2, 3)], helix={1: "company", 2: "academia", 3: "company"})

    result = stats(graph)

    assert result["nodes"] == 3
    assert result["edges"] == 2
    assert result["components"] == 1
    assert result["density"] == round(2 / 3, 6)
    assert result["betweenness"] == "exact"
    assert result["cross_helix_share"] == 1.0
    assert [(b["id"], b["betweenness"]) for b in result["top_brokers"]] == [
        (2, 1.0),
        (1, 0.0),
        (3, 0.0),
    ]
    assert result["top_brokers"][0]["articulation_point"] is True
    assert result["top_degree"][0] == {"id": 2, "organisation": "Org 2", "degree_centrality": 1.0}


def test_stats_star_centre_has_all_betweenness():
    # Hub 0 with 4 leaves: the hub is on all C(4,2)=6 leaf-leaf paths, normalised 6/6 = 1.0.
    graph = _graph([(0, leaf) for leaf in range(1, 5)], helix={0: "public"})

    result = stats(graph)

    assert result["density"] == round(4 / 10, 6)
    assert result["cross_helix_share"] == 1.0
    assert result["top_brokers"][0] == {
        "id": 0,
        "organisation": "Org 0",
        "helix": "public",
        "betweenness": 1.0,
        "articulation_point": True,
    }
    assert {b["id"]: b["betweenness"] for b in result["top_brokers"][1:]} == dict.fromkeys(
        range(1, 5), 0.0
    )


def test_stats_two_cliques_joined_by_a_bridge():
    # Companies 0-4 and universities 5-9, each a 5-clique, bridged by the edge 4-5.
    left = [(a, b) for a in range(5) for b in range(a + 1, 5)]
    right = [(a, b) for a in range(5, 10) for b in range(a + 1, 10)]
    helix = {n: "company" if n < 5 else "academia" for n in range(10)}
    graph = _graph([*left, *right, (4, 5)], helix=helix)

    result = stats(graph, seed=7)

    assert result["components"] == 1
    assert result["edges"] == 21
    assert result["communities"] == 2
    assert result["cross_helix_share"] == round(1 / 21, 6)
    # Only the bridge crosses helix types, so only its ends are brokers. Node 4 lies on the
    # 4·5 = 20 shortest paths from {0..3} to {5..9} (5 likewise), normalised by C(9,2) = 36.
    assert [(b["id"], b["betweenness"]) for b in result["top_brokers"]] == [
        (4, round(20 / 36, 6)),
        (5, round(20 / 36, 6)),
    ]
    assert all(b["articulation_point"] for b in result["top_brokers"])


def test_stats_same_seed_same_result():
    graph = nx.les_miserables_graph()

    assert stats(graph, seed=3) == stats(graph, seed=3)


def test_stats_above_threshold_says_betweenness_is_approximate():
    graph = _graph([(n, n + 1) for n in range(30)])

    result = stats(graph, exact_threshold=10, k=5)

    assert result["betweenness"] == "approximate (k=5)"
    assert result["nodes"] == 31


def test_stats_isolated_and_per_cluster_share():
    graph = _graph([(1, 2), (2, 3)], helix={1: "company", 2: "company", 3: "academia"})
    graph.add_node(4, name="Lonely", helix="public")
    for node, clusters in {1: ("a",), 2: ("a", "b"), 3: ("b",), 4: ("a",)}.items():
        graph.nodes[node]["clusters"] = clusters

    result = stats(graph)

    assert result["isolated"] == {
        "count": 1,
        "organisations": [{"id": 4, "organisation": "Lonely"}],
    }
    assert result["components"] == 2
    assert result["clusters"] == [
        {"cluster": "a", "edges": 1, "cross_helix_share": 0.0},
        {"cluster": "b", "edges": 1, "cross_helix_share": 1.0},
    ]


def test_stats_empty_graph_is_all_zero():
    result = stats(nx.Graph())

    assert (result["nodes"], result["edges"], result["components"], result["communities"]) == (
        0,
        0,
        0,
        0,
    )
    assert result["top_brokers"] == []


def test_sampled_betweenness_is_what_networkx_estimates():
    graph = nx.les_miserables_graph()
    for i, node in enumerate(graph):
        graph.nodes[node]["helix"] = ("company", "academia", "public")[i % 3]

    result = stats(graph, exact_threshold=10, k=12, seed=5, top=graph.number_of_nodes())
    expected = nx.betweenness_centrality(graph, k=12, seed=5, normalized=True)

    assert result["betweenness"] == "approximate (k=12)"
    assert len(result["top_brokers"]) > 50
    for broker in result["top_brokers"]:
        assert broker["betweenness"] == round(expected[broker["id"]], 6)


def test_exact_betweenness_is_what_networkx_computes():
    graph = nx.karate_club_graph()
    for node in graph:
        graph.nodes[node]["helix"] = "company" if node % 2 else "academia"

    result = stats(graph, top=graph.number_of_nodes())
    expected = nx.betweenness_centrality(graph)

    assert {b["id"]: b["betweenness"] for b in result["top_brokers"]} == {
        node: round(expected[node], 6) for node in {b["id"] for b in result["top_brokers"]}
    }
    assert len(result["top_brokers"]) > 20


def test_change_between_two_years():
    before = _graph([(1, 2), (2, 3)])
    after = _graph([(2, 3), (3, 4)])
    before.add_node(4)

    result = change(before, after)

    assert result == {
        "nodes_added": [4],
        "nodes_removed": [1],
        "edges_added": [[3, 4]],
        "edges_removed": [[1, 2]],
        "nodes": [3, 3],
        "edges": [2, 2],
    }


def test_local_year_of_a_recorded_timestamp(settings):
    from samverka.network.services.graph import _local_year

    settings.TIME_ZONE = "Europe/Stockholm"
    assert _local_year("2025-06-30 23:30:00") == 2025
    assert _local_year("2025-12-31 23:30:00") == 2026  # already New Year in Stockholm
    assert _local_year("2025-12-31 23:30:00+00") == 2026  # PostgreSQL's text form
    assert _local_year("2026-01-01 00:30:00.123456") == 2026
