"""Response schemas of the network API."""

from __future__ import annotations

from ninja import Field, Schema

from samverka.network.services.graph import MEMBERSHIP_CLIQUE_LIMIT

CLIQUES_LEFT_OUT = (
    f"Clusters whose co-member links were left out (more than {MEMBERSHIP_CLIQUE_LIMIT} members)."
)


class OrganisationScore(Schema):
    id: int
    organisation: str
    degree_centrality: float


class Broker(Schema):
    id: int
    organisation: str
    helix: str
    betweenness: float
    articulation_point: bool


class IsolatedOrganisation(Schema):
    id: int
    organisation: str


class Isolated(Schema):
    count: int
    organisations: list[IsolatedOrganisation]


class ClusterShare(Schema):
    cluster: str
    edges: int
    cross_helix_share: float


class StatsOut(Schema):
    nodes: int
    edges: int
    components: int
    density: float
    communities: int
    community_method: str
    cross_helix_share: float
    betweenness: str
    top_degree: list[OrganisationScore]
    top_brokers: list[Broker]
    isolated: Isolated
    clusters: list[ClusterShare]
    cliques_left_out: list[str] = Field(default_factory=list, description=CLIQUES_LEFT_OUT)


class NodeOut(Schema):
    id: int
    name: str
    helix: str
    municipality: str
    clusters: list[str]
    degree: int


class EdgeOut(Schema):
    source: int
    target: int
    kinds: list[str]
    weight: int
    weights: dict[str, int]
    years: list[int]


class GraphOut(Schema):
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    truncated: bool
    total_nodes: int
    total_edges: int
    cliques_left_out: list[str] = Field(default_factory=list, description=CLIQUES_LEFT_OUT)


class ChangeOut(Schema):
    from_year: int = Field(..., alias="from")
    to_year: int = Field(..., alias="to")
    cluster: str | None
    nodes_added: list[int]
    nodes_removed: list[int]
    edges_added: list[list[int]]
    edges_removed: list[list[int]]
    nodes: list[int]
    edges: list[int]
    organisations: dict[str, str]
