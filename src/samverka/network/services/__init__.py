"""Domain functions of the actor network: building the graph and analysing it."""

from samverka.network.services.analytics import change, stats
from samverka.network.services.graph import (
    EDGE_KINDS,
    UnknownCluster,
    build_graph,
    graph_payload,
)

__all__ = ["EDGE_KINDS", "UnknownCluster", "build_graph", "change", "graph_payload", "stats"]
