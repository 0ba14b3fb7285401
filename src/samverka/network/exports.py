"""Exports of the actor network: GEXF and GraphML (for Gephi) and CSV of nodes and edges."""

from __future__ import annotations

import zipfile
from typing import IO, Any

import networkx as nx

from samverka.core.exports import table_bytes
from samverka.network.services.graph import EDGE_KINDS

NODE_COLUMNS = ("id", "name", "helix", "municipality", "clusters")
EDGE_COLUMNS = (
    "source",
    "target",
    "kinds",
    "weight",
    *(f"weight_{kind}" for kind in EDGE_KINDS),
    "years",
)


def _join(values: Any) -> str:
    return ",".join(str(v) for v in sorted(values))


def exportable(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` whose attributes are plain strings and numbers.

    GEXF and GraphML only hold scalars: ``years``, ``kinds`` and ``clusters`` become sorted
    comma-separated strings, the per-kind weights become ``weight_<kind>`` columns (0 when the
    kind is absent) and every node gets its name as ``label`` (what Gephi shows).
    """
    out = nx.Graph()
    for node, data in graph.nodes(data=True):
        out.add_node(
            node,
            label=str(data.get("name", node)),
            helix=str(data.get("helix", "")),
            municipality=str(data.get("municipality", "")),
            clusters=_join(data.get("clusters", ())),
        )
    for u, v, data in graph.edges(data=True):
        weights = data.get("weights", {})
        out.add_edge(
            u,
            v,
            weight=float(data.get("weight", 1)),
            kinds=_join(data.get("kinds", ())),
            years=_join(data.get("years", ())),
            **{f"weight_{kind}": int(weights.get(kind, 0)) for kind in EDGE_KINDS},
        )
    return out


def write_gexf(graph: nx.Graph, target: str | IO[bytes]) -> None:
    """Write GEXF 1.2 (``nx.read_gexf(…, node_type=int)`` reads the same graph back)."""
    nx.write_gexf(exportable(graph), target)


def write_graphml(graph: nx.Graph, target: str | IO[bytes]) -> None:
    """Write GraphML (``nx.read_graphml(…, node_type=int)`` reads the same graph back)."""
    nx.write_graphml(exportable(graph), target)


def nodes_csv(graph: nx.Graph) -> bytes:
    """The nodes as CSV (UTF-8 with BOM, ``;``-separated like the other exports)."""
    flat = exportable(graph)
    rows = [
        [node, data["label"], data["helix"], data["municipality"], data["clusters"]]
        for node, data in sorted(flat.nodes(data=True), key=lambda item: str(item[0]))
    ]
    return table_bytes(NODE_COLUMNS, rows, "csv")


def edges_csv(graph: nx.Graph) -> bytes:
    """The edges as CSV, one row per pair of organisations with the per-kind weights."""
    flat = exportable(graph)
    rows = []
    for u, v, data in flat.edges(data=True):
        a, b = sorted((u, v), key=str)
        rows.append(
            [
                a,
                b,
                data["kinds"],
                int(data["weight"]),
                *(data[f"weight_{kind}"] for kind in EDGE_KINDS),
                data["years"],
            ]
        )
    rows.sort(key=lambda row: (str(row[0]), str(row[1])))
    return table_bytes(EDGE_COLUMNS, rows, "csv")


def write_csv_zip(graph: nx.Graph, target: str | IO[bytes]) -> None:
    """Write ``nodes.csv`` and ``edges.csv`` into one zip file."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("nodes.csv", nodes_csv(graph))
        archive.writestr("edges.csv", edges_csv(graph))


WRITERS = {"gexf": write_gexf, "graphml": write_graphml, "csv": write_csv_zip}
