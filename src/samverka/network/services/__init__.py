"""Domain functions of the actor network: building the graph and analysing it."""

from samverka.network.services.analytics import change, stats
from samverka.network.services.graph import (
    EDGE_KINDS,
    BadYears,
    UnknownCluster,
    build_graph,
    change_between,
    graph_payload,
)

__all__ = [
    "EDGE_KINDS",
    "BadYears",
    "UnknownCluster",
    "build_graph",
    "change",
    "change_between",
    "graph_payload",
    "stats",
]
