"""API of the scanning app (mounted under /api/v1/): scanned items and feed sources."""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from samverka.api.auth import TokenAuth
from samverka.api.schemas import Pages
from samverka.scanning import services
from samverka.scanning.models import FeedItem, FeedSource

router = Router(tags=["scanning"])


class ItemOut(Schema):
    id: int
    title: str
    url: str
    source: str
    source_id: int
    published: datetime | None
    tags: list[str]
    funding_call: bool
    deadline: date | None

    @staticmethod
    def resolve_source(obj: FeedItem) -> str:
        return obj.source.name

    @staticmethod
    def resolve_tags(obj: FeedItem) -> list[str]:
        return sorted(f.slug for f in obj.focus_areas.all())

    @staticmethod
    def resolve_funding_call(obj: FeedItem) -> bool:
        return obj.is_funding_call


class SourceOut(Schema):
    id: int
    name: str
    url: str
    cluster: str | None
    shared_with: list[str]
    focus_areas: list[str]
    interval_minutes: int
    last_success: datetime | None
    last_error: str
    consecutive_failures: int

    @staticmethod
    def resolve_cluster(obj: FeedSource) -> str | None:
        return obj.cluster.slug if obj.cluster else None

    @staticmethod
    def resolve_shared_with(obj: FeedSource) -> list[str]:
        return [c.slug for c in obj.shared_with.all()]

    @staticmethod
    def resolve_focus_areas(obj: FeedSource) -> list[str]:
        return [f.slug for f in obj.focus_areas.all()]


class ItemFilters(Schema):
    focus: str | None = Field(None, description="a focus area's slug")
    source: int | None = Field(None, description="a source's id")
    deadline_after: date | None = Field(None, description="only deadlines on or after this day")


def _user(request: HttpRequest) -> Any:
    """A bearer token's user when one is sent, else the session's (anonymous: national only)."""
    if request.headers.get("Authorization"):
        user = TokenAuth()(request)
        if user is not None:
            return user
    return request.user


@router.get("/scanning/items", response=list[ItemOut], summary="Scanned items the caller may see")
@paginate(Pages)
def list_items(request: HttpRequest, filters: Query[ItemFilters]) -> Any:
    """Newest first. Items of national sources are public; a cluster's items are visible to the
    members of the clusters that own or share the source."""
    params = filters.dict()
    return services.with_related(
        services.filtered_items(services.visible_items(_user(request)), params)
    )


@router.get("/scanning/sources", response=list[SourceOut], summary="Feed sources and health")
def list_sources(request: HttpRequest) -> Any:
    return (
        services.visible_sources(_user(request))
        .select_related("cluster")
        .prefetch_related("shared_with", "focus_areas")
        .order_by("name", "pk")
    )
