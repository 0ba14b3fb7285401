"""API router of the actor network (mounted under /api/v1/): read-only analytics and graphs."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from samverka.actors.models import Organisation
from samverka.api.schemas import ErrorOut
from samverka.network import services
from samverka.network.schemas import ChangeOut, GraphOut, StatsOut

router = Router(tags=["network"])

GRAPH_NODE_LIMIT = 500


class GraphFilters(Schema):
    year: int | None = None
    kind: (
        list[Literal["membership", "relation", "project", "event_coorganisers", "event_attendance"]]
        | None
    ) = None


class ChangeFilters(Schema):
    from_year: int = Field(..., alias="from")
    to_year: int = Field(..., alias="to")
    cluster: str | None = None


class EgoFilters(GraphFilters):
    radius: int = Field(1, ge=1, le=3)


def _build(**scope: Any) -> Any:
    try:
        return services.build_graph(**scope)
    except services.UnknownCluster as error:
        raise Http404(str(error)) from error
    except Organisation.DoesNotExist as error:
        raise Http404(str(error)) from error


@router.get("/network/stats", response={200: StatsOut, 404: ErrorOut}, summary="Network analytics")
def network_stats(
    request: HttpRequest, cluster: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """The same analytics as ``samverka network stats --format json``."""
    return services.stats(_build(cluster=cluster, year=year))


@router.get(
    "/network/clusters/{slug}/graph", response=GraphOut, summary="Nodes and edges of a cluster"
)
def cluster_graph(request: HttpRequest, slug: str, filters: Query[GraphFilters]) -> dict[str, Any]:
    """The cluster's members and their links, at most 500 nodes (``truncated`` says so)."""
    graph = _build(cluster=slug, year=filters.year, kinds=filters.kind)
    return services.graph_payload(graph, limit=GRAPH_NODE_LIMIT)


@router.get(
    "/network/organisations/{org_id}/ego",
    response=GraphOut,
    summary="An organisation's ego network",
)
def ego_graph(request: HttpRequest, org_id: int, filters: Query[EgoFilters]) -> dict[str, Any]:
    """The organisation and everything within ``radius`` (1–3) links, at most 500 nodes
    (the organisation itself always among them)."""
    graph = _build(
        organisation=org_id, radius=filters.radius, year=filters.year, kinds=filters.kind
    )
    return services.graph_payload(graph, limit=GRAPH_NODE_LIMIT, keep=(org_id,))


@router.get(
    "/network/change",
    response={200: ChangeOut, 404: ErrorOut},
    by_alias=True,
    summary="Change between two years",
)
def network_change(request: HttpRequest, filters: Query[ChangeFilters]) -> dict[str, Any]:
    """Organisations and links active in ``to`` but not in ``from`` and the other way round,
    for the whole platform or one ``cluster``; the same as ``samverka network change``."""
    try:
        return services.change_between(
            first=filters.from_year, last=filters.to_year, cluster=filters.cluster
        )
    except services.BadYears as error:
        raise ValidationError({"from": [str(error)]}) from error
    except services.UnknownCluster as error:
        raise Http404(str(error)) from error
