"""GEXF/GraphML that networkx reads back identical, CSV of nodes and edges."""

from __future__ import annotations

import io
import zipfile

import networkx as nx

from samverka.network.exports import (
    edges_csv,
    exportable,
    nodes_csv,
    write_csv_zip,
    write_gexf,
    write_graphml,
)


def _graph():
    graph = nx.Graph()
    graph.add_node(1, name="Alpha AB", helix="company", municipality="2380", clusters=("g", "h"))
    graph.add_node(2, name="=Beta", helix="academia", municipality="", clusters=())
    graph.add_node(3, name="Gamma", helix="public", municipality="0180", clusters=("g",))
    graph.add_edge(
        1,
        2,
        weight=2,
        weights={"membership": 1, "project": 1},
        kinds=("membership", "project"),
        years=frozenset({2020, 2019, 2021}),
    )
    graph.add_edge(
        3, 1, weight=1, weights={"relation": 1}, kinds=("relation",), years=frozenset({2024})
    )
    return graph


def _same(read, written):
    assert sorted(read.nodes(data=True)) == sorted(written.nodes(data=True))
    assert sorted((min(u, v), max(u, v), d) for u, v, d in read.edges(data=True)) == sorted(
        (min(u, v), max(u, v), d) for u, v, d in written.edges(data=True)
    )


def test_exportable_flattens_attributes():
    flat = exportable(_graph())

    assert flat.nodes[1] == {
        "label": "Alpha AB",
        "helix": "company",
        "municipality": "2380",
        "clusters": "g,h",
    }
    assert flat.edges[1, 2] == {
        "weight": 2.0,
        "kinds": "membership,project",
        "years": "2019,2020,2021",
        "weight_membership": 1,
        "weight_relation": 0,
        "weight_project": 1,
        "weight_event_coorganisers": 0,
        "weight_event_attendance": 0,
    }


def test_gexf_round_trip_reads_back_identical(tmp_path):
    path = tmp_path / "network.gexf"

    write_gexf(_graph(), str(path))
    read = nx.read_gexf(path, node_type=int)

    for _u, _v, data in read.edges(data=True):
        data.pop("id", None)  # the reader adds the GEXF edge id
    _same(read, exportable(_graph()))


def test_graphml_round_trip_reads_back_identical(tmp_path):
    path = tmp_path / "network.graphml"

    write_graphml(_graph(), str(path))

    _same(nx.read_graphml(path, node_type=int), exportable(_graph()))


def test_csv_nodes_and_edges_guard_formulas():
    nodes = nodes_csv(_graph()).decode("utf-8-sig").splitlines()
    edges = edges_csv(_graph()).decode("utf-8-sig").splitlines()

    assert nodes == [
        "id;name;helix;municipality;clusters",
        "1;Alpha AB;company;2380;g,h",
        "2;'=Beta;academia;;",
        "3;Gamma;public;0180;g",
    ]
    assert edges == [
        "source;target;kinds;weight;weight_membership;weight_relation;weight_project;"
        "weight_event_coorganisers;weight_event_attendance;years",
        "1;2;membership,project;2;1;0;1;0;0;2019,2020,2021",
        "1;3;relation;1;0;1;0;0;0;2024",
    ]


def test_csv_zip_holds_both_files():
    buffer = io.BytesIO()

    write_csv_zip(_graph(), buffer)

    with zipfile.ZipFile(buffer) as archive:
        assert sorted(archive.namelist()) == ["edges.csv", "nodes.csv"]
        assert archive.read("nodes.csv") == nodes_csv(_graph())
