"""The clusters API: the public directory, and edits by the cluster's managers."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from samverka.actors.models import FocusArea, Organisation
from samverka.api.auth import write_auth
from samverka.api.schemas import AreaRef, FocusAreaRef, absolute_url
from samverka.clusters import services
from samverka.clusters.models import Cluster, Membership, MembershipRole
from samverka.core.roles import can_manage_cluster
from samverka.geo.models import Area

router = Router(tags=["clusters"])


class ClusterOut(Schema):
    name: str
    slug: str
    summary: str
    website: str
    regions: list[AreaRef]
    focus_areas: list[FocusAreaRef]
    member_count: int
    in_national_network: bool
    url: str | None

    @staticmethod
    def resolve_regions(obj: Cluster) -> list[Area]:
        return list(obj.regions.all())

    @staticmethod
    def resolve_focus_areas(obj: Cluster) -> list[FocusArea]:
        return list(obj.focus_areas.all())

    @staticmethod
    def resolve_url(obj: Cluster, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class ClusterOrganisationRef(Schema):
    id: int
    name: str


class HelixCount(Schema):
    helix: str
    label: str
    count: int


class MemberOut(Schema):
    id: int
    name: str
    helix: str
    role: str
    since: date | None

    @staticmethod
    def resolve_id(obj: Membership) -> int:
        return obj.organisation_id

    @staticmethod
    def resolve_name(obj: Membership) -> str:
        return obj.organisation.name

    @staticmethod
    def resolve_helix(obj: Membership) -> str:
        return obj.organisation.helix


class ClusterDetail(ClusterOut):
    description: str
    contact_email: str
    organisation: ClusterOrganisationRef | None
    members_by_helix: list[HelixCount]
    members: list[MemberOut]

    @staticmethod
    def resolve_members_by_helix(obj: Cluster) -> list[dict[str, Any]]:
        return [{**row, "label": str(row["label"])} for row in services.members_by_helix(obj)]

    @staticmethod
    def resolve_members(obj: Cluster) -> list[Membership]:
        return list(
            obj.memberships.select_related("organisation").order_by("organisation__name", "pk")
        )


class ClusterPatch(Schema):
    summary: str | None = None
    description: str | None = None
    website: str | None = None
    contact_email: str | None = None
    focus_areas: list[str] | None = None
    regions: list[str] | None = None


class MembershipIn(Schema):
    role: MembershipRole = MembershipRole.MEMBER
    since: date | None = None


def _clusters() -> Any:
    # Meta.ordering does not apply to a GROUP BY query, hence the explicit order.
    return Cluster.objects.with_related().with_member_count().order_by("name", "pk")


def _get_cluster(slug: str) -> Cluster:
    cluster = _clusters().filter(slug=slug).first()
    if cluster is None:
        raise Http404(_("No cluster with the slug “%(slug)s”.") % {"slug": slug})
    return cluster


def _get_managed_cluster(request: HttpRequest, slug: str) -> Cluster:
    cluster = _get_cluster(slug)
    if not can_manage_cluster(request.auth, cluster):
        raise PermissionDenied(
            _("You may not change the cluster “%(name)s”.") % {"name": cluster.name}
        )
    return cluster


def _get_organisation(org_id: int) -> Organisation:
    organisation = Organisation.objects.filter(pk=org_id).first()
    if organisation is None:
        raise Http404(_("No organisation with the id %(id)s.") % {"id": org_id})
    return organisation


def _by_key(model: Any, field: str, keys: list[str], error_field: str, **filters: Any) -> list[Any]:
    """The rows whose ``field`` is among ``keys``; ValidationError naming any unknown key."""
    found = {
        getattr(obj, field): obj
        for obj in model.objects.filter(**{f"{field}__in": keys}, **filters)
    }
    unknown = [key for key in keys if key not in found]
    if unknown:
        raise ValidationError(
            {error_field: [_("unknown: %(keys)s") % {"keys": ", ".join(unknown)}]}
        )
    return [found[key] for key in dict.fromkeys(keys)]


@router.get("/clusters", response=list[ClusterOut], summary="All clusters")
def list_clusters(request: HttpRequest) -> Any:
    return list(_clusters())


@router.get("/clusters/{slug}", response=ClusterDetail, summary="One cluster with its members")
def get_cluster(request: HttpRequest, slug: str) -> Any:
    return _get_cluster(slug)


@router.patch(
    "/clusters/{slug}",
    response=ClusterDetail,
    auth=write_auth,
    summary="Change a cluster's profile",
)
def patch_cluster(request: HttpRequest, slug: str, payload: ClusterPatch) -> Any:
    """Only the fields sent are changed; ``focus_areas`` are slugs and ``regions`` county codes,
    each replacing the current list. Needs to be a manager of this cluster (or a platform admin)."""
    cluster = _get_managed_cluster(request, slug)
    data = payload.dict(exclude_unset=True)
    focus_slugs = data.pop("focus_areas", None)
    region_codes = data.pop("regions", None)
    data = {key: value or "" for key, value in data.items()}
    focus_areas = (
        _by_key(FocusArea, "slug", focus_slugs, "focus_areas") if focus_slugs is not None else None
    )
    regions = (
        _by_key(Area, "code", region_codes, "regions", kind="county")
        if region_codes is not None
        else None
    )
    services.save_cluster(
        actor=request.auth, cluster=cluster, data=data, regions=regions, focus_areas=focus_areas
    )
    return _get_cluster(slug)


@router.put(
    "/clusters/{slug}/members/{org_id}",
    response={200: MemberOut, 201: MemberOut},
    auth=write_auth,
    summary="Add a member or change its role",
)
def put_member(request: HttpRequest, slug: str, org_id: int, payload: MembershipIn) -> Any:
    """201 when the organisation became a member, 200 when an existing membership was updated."""
    cluster = _get_managed_cluster(request, slug)
    organisation = _get_organisation(org_id)
    membership, created = services.add_member(
        actor=request.auth,
        cluster=cluster,
        organisation=organisation,
        role=payload.role,
        since=payload.since,
    )
    return Status(201 if created else 200, membership)


@router.delete(
    "/clusters/{slug}/members/{org_id}",
    response={204: None},
    auth=write_auth,
    summary="Remove a member",
)
def delete_member(request: HttpRequest, slug: str, org_id: int) -> Any:
    cluster = _get_managed_cluster(request, slug)
    organisation = _get_organisation(org_id)
    if not services.remove_member(actor=request.auth, cluster=cluster, organisation=organisation):
        raise Http404(
            _("%(organisation)s is not a member of %(cluster)s.")
            % {"organisation": organisation.name, "cluster": cluster.name}
        )
    return Status(204, None)
