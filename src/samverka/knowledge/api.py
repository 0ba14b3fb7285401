"""API of the knowledge app (mounted under /api/v1/): the knowledge hub and the one search."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from samverka.actors.models import FocusArea, Organisation
from samverka.api.auth import write_auth
from samverka.api.schemas import MAX_PAGE, FocusAreaRef, absolute_url
from samverka.clusters.models import Cluster
from samverka.core.roles import is_platform_admin, managed_cluster_ids
from samverka.knowledge import services
from samverka.knowledge.forms import SEARCH_KINDS
from samverka.knowledge.models import GoodExample, Kind
from samverka.knowledge.permissions import can_create_example, can_edit_example
from samverka.knowledge.search import search as run_search
from samverka.knowledge.views import visibilities_for

router = Router(tags=["knowledge"])

# A Literal rather than the Kind enum: OpenAPI components are named after the class, and the
# matchmaking API has another enum called Kind.
ExampleKind = Literal["example", "method", "document"]
assert set(Kind.values) == set(ExampleKind.__args__)  # type: ignore[attr-defined]

SearchKind = Literal["organisation", "cluster", "event", "project", "example", "scanned"]
assert {k for k, _label in SEARCH_KINDS} == set(SearchKind.__args__)  # type: ignore[attr-defined]


class AttachmentOut(Schema):
    name: str
    content_type: str
    size: int
    url: str | None

    @staticmethod
    def resolve_url(obj: Any, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class ExampleOut(Schema):
    slug: str
    kind: ExampleKind
    title: str
    summary: str
    link: str
    focus_areas: list[FocusAreaRef]
    cluster: str | None
    published: bool
    updated: datetime
    url: str | None

    @staticmethod
    def resolve_focus_areas(obj: GoodExample) -> list[FocusArea]:
        return list(obj.focus_areas.all())

    @staticmethod
    def resolve_cluster(obj: GoodExample) -> str | None:
        return obj.cluster.slug if obj.cluster_id else None

    @staticmethod
    def resolve_url(obj: GoodExample, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class KnowledgeOrganisationRef(Schema):
    id: int
    name: str


class ExampleDetail(ExampleOut):
    body: str
    organisations: list[KnowledgeOrganisationRef]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_organisations(obj: GoodExample) -> list[Organisation]:
        return list(obj.organisations.order_by("name"))

    @staticmethod
    def resolve_attachments(obj: GoodExample) -> list[Any]:
        return list(obj.attachments.all())


class ExampleIn(Schema):
    kind: ExampleKind | None = None
    title: str | None = None
    summary: str | None = None
    body: str | None = None
    link: str | None = None
    published: bool | None = None
    cluster: str | None = None
    focus_areas: list[str] | None = None
    organisations: list[int] | None = None


class SearchHit(Schema):
    kind: str
    title: str
    url: str
    snippet: str
    rank: float
    focus_areas: list[str]


class SearchOut(Schema):
    query: str
    total: int
    #: true when there were more matches than counted: ``total`` is then a lower bound
    more: bool = False
    page: int
    pages: int
    results: list[SearchHit]


class SearchParams(Schema):
    q: str = ""
    kind: SearchKind | None = None
    focus: str | None = None
    # Below 1 means the first page; bounded like the other paged lists (an OFFSET overflows).
    page: int = Field(1, le=MAX_PAGE)


def _published() -> Any:
    return GoodExample.objects.published().select_related("cluster").prefetch_related("focus_areas")


def _unknown(field: str, keys: list[Any]) -> ValidationError:
    return ValidationError(
        {field: [_("unknown: %(keys)s") % {"keys": ", ".join(str(k) for k in keys)}]}
    )


def _apply(request: HttpRequest, payload: ExampleIn, example: GoodExample | None) -> GoodExample:
    data = payload.dict(exclude_unset=True)
    # The schema lets every field be left out, but these columns cannot hold null (was a 500).
    if nulls := sorted(k for k in ("kind", "title", "published") if k in data and data[k] is None):
        raise ValidationError({k: [_("This field cannot be null.")] for k in nulls})
    focus_slugs = data.pop("focus_areas", None)
    org_ids = data.pop("organisations", None)
    if "cluster" in data:
        slug = data.pop("cluster")
        cluster = Cluster.objects.filter(slug=slug).first() if slug else None
        if slug and cluster is None:
            raise _unknown("cluster", [slug])
        if (
            not is_platform_admin(request.auth)
            and (cluster is None or cluster.pk not in managed_cluster_ids(request.auth))
            and (example is None or cluster is None or cluster.pk != example.cluster_id)
        ):
            raise PermissionDenied(_("You may only use a cluster you manage."))
        data["cluster"] = cluster
    elif example is None and not is_platform_admin(request.auth):
        raise ValidationError({"cluster": [_("Give the slug of a cluster you manage.")]})
    if example is None and not data.get("title"):
        raise ValidationError({"title": [_("This field is required.")]})
    focus_areas = None
    if focus_slugs is not None:
        focus_areas = list(FocusArea.objects.filter(slug__in=focus_slugs))
        if missing := sorted(set(focus_slugs) - {f.slug for f in focus_areas}):
            raise _unknown("focus_areas", missing)
    organisations = None
    if org_ids is not None:
        organisations = list(Organisation.objects.filter(pk__in=org_ids))
        if missing := sorted(set(org_ids) - {o.pk for o in organisations}):
            raise _unknown("organisations", missing)
    data = {
        k: ("" if v is None and k in {"summary", "body", "link"} else v) for k, v in data.items()
    }
    return services.save_example(
        actor=request.auth,
        example=example,
        data=data,
        focus_areas=focus_areas,
        organisations=organisations,
    )


@router.get("/knowledge", response=list[ExampleOut], summary="Published knowledge items")
def list_examples(
    request: HttpRequest, kind: ExampleKind | None = None, focus: str | None = None
) -> Any:
    examples = _published()
    if kind:
        examples = examples.filter(kind=kind)
    if focus:
        examples = examples.filter(focus_areas__slug=focus).distinct()
    return list(examples)


@router.get("/knowledge/{slug}", response=ExampleDetail, summary="One published knowledge item")
def get_example(request: HttpRequest, slug: str) -> Any:
    example = _published().filter(slug=slug).first()
    if example is None:
        raise Http404(_("No published knowledge item “%(slug)s”.") % {"slug": slug})
    return example


@router.post(
    "/knowledge", response={201: ExampleDetail}, auth=write_auth, summary="Create a knowledge item"
)
def create_example(request: HttpRequest, payload: ExampleIn) -> Any:
    """Platform admins and cluster managers (``cluster``: the slug of a cluster they manage)."""
    if not can_create_example(request.auth):
        raise PermissionDenied(_("You may not add to the knowledge hub."))
    return Status(201, _apply(request, payload, None))


@router.patch(
    "/knowledge/{slug}", response=ExampleDetail, auth=write_auth, summary="Change a knowledge item"
)
def patch_example(request: HttpRequest, slug: str, payload: ExampleIn) -> Any:
    """Only the fields sent change; the owning cluster's managers, the author, platform admins."""
    example = GoodExample.objects.filter(slug=slug).first()
    if example is None:
        raise Http404(_("No knowledge item “%(slug)s”.") % {"slug": slug})
    if not can_edit_example(request.auth, example):
        raise PermissionDenied(_("You may not change “%(title)s”.") % {"title": example.title})
    return _apply(request, payload, example)


@router.get("/search", response=SearchOut, summary="Search everything")
def search(request: HttpRequest, params: Query[SearchParams]) -> Any:
    """Ranked results over organisations, clusters, events, projects, knowledge and scanned
    items; ``snippet`` is HTML (escaped text with ``<mark>`` around the matches)."""
    results = run_search(
        params.q,
        kind=params.kind,
        focus=params.focus or None,
        page=max(1, params.page),
        visibilities=visibilities_for(request.user),
    )
    return {
        "query": results.query,
        "total": results.total,
        "more": results.more,
        "page": results.page,
        "pages": results.pages,
        "results": [
            {
                "kind": h.kind,
                "title": h.title,
                "url": request.build_absolute_uri(h.url) if h.url.startswith("/") else h.url,
                "snippet": str(h.snippet),
                "rank": h.rank,
                "focus_areas": h.focus,
            }
            for h in results.hits
        ],
    }
