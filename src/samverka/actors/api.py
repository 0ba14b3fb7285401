"""The organisations API: a filtered, paged directory; creating and editing through the services."""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from samverka.actors import services
from samverka.actors.enums import Helix
from samverka.actors.filters import filter_organisations
from samverka.actors.models import FocusArea, Organisation
from samverka.api.auth import write_auth
from samverka.api.schemas import AreaRef, FocusAreaRef, Pages, absolute_url
from samverka.core.roles import can_create_organisation, can_edit_organisation
from samverka.geo.models import Area

router = Router(tags=["organisations"])


class OrganisationOut(Schema):
    id: int
    name: str
    orgnr: str | None
    helix: str
    focus_areas: list[FocusAreaRef]
    municipality: AreaRef | None
    county: AreaRef | None
    website: str
    url: str | None

    @staticmethod
    def resolve_focus_areas(obj: Organisation) -> list[FocusArea]:
        return list(obj.focus_areas.all())

    @staticmethod
    def resolve_county(obj: Organisation) -> Area | None:
        return obj.municipality.parent if obj.municipality else None

    @staticmethod
    def resolve_url(obj: Organisation, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class ClusterMembershipRef(Schema):
    slug: str
    name: str
    role: str


class OrganisationDetail(OrganisationOut):
    description: str
    clusters: list[ClusterMembershipRef]

    @staticmethod
    def resolve_clusters(obj: Organisation) -> list[dict[str, str]]:
        return [
            {"slug": m.cluster.slug, "name": m.cluster.name, "role": m.role}
            for m in obj.memberships.select_related("cluster").order_by("cluster__name")
        ]


class OrganisationFilters(Schema):
    helix: Helix | None = None
    focus: str | None = None
    county: str | None = None
    municipality: str | None = None
    cluster: str | None = None
    q: str | None = None


class OrganisationIn(Schema):
    name: str
    helix: Helix
    orgnr: str | None = None
    municipality: str | None = None
    website: str = ""
    description: str = ""
    focus_areas: list[str] = []


class OrganisationPatch(Schema):
    name: str | None = None
    helix: Helix | None = None
    orgnr: str | None = None
    municipality: str | None = None
    website: str | None = None
    description: str | None = None
    focus_areas: list[str] | None = None


class FocusAreaOut(Schema):
    slug: str
    name: str
    name_sv: str
    name_en: str
    description: str


def _get_organisation(org_id: int) -> Organisation:
    organisation = Organisation.objects.with_related().filter(pk=org_id).first()
    if organisation is None:
        raise Http404(_("No organisation with the id %(id)s.") % {"id": org_id})
    return organisation


def _service_arguments(data: dict[str, Any]) -> tuple[dict[str, Any], list[FocusArea] | None]:
    """Turn API input (codes and slugs) into what save_organisation takes; unknown ones are errors."""
    errors: dict[str, list[str]] = {}
    focus_areas = None
    if "focus_areas" in data:
        slugs = data.pop("focus_areas") or []
        found = {fa.slug: fa for fa in FocusArea.objects.filter(slug__in=slugs)}
        unknown = [slug for slug in slugs if slug not in found]
        if unknown:
            errors["focus_areas"] = [
                _("unknown focus area: %(slugs)s") % {"slugs": ", ".join(unknown)}
            ]
        focus_areas = [found[slug] for slug in dict.fromkeys(slugs) if slug in found]
    if data.get("orgnr"):
        # Checked here as well so that one response lists every field error at once.
        try:
            data["orgnr"] = services.normalise_orgnr(data["orgnr"])
        except ValidationError as exc:
            errors["orgnr"] = exc.messages
    if "municipality" in data:
        # Blank or null: no municipality (a blank string reached the foreign key: a 500).
        code = data["municipality"]
        data["municipality"] = (
            Area.objects.municipalities().filter(code=code).first() if code else None
        )
        if code and data["municipality"] is None:
            errors["municipality"] = [_("no municipality has the code %(code)s") % {"code": code}]
    for key in ("website", "description"):
        if key in data and data[key] is None:
            data[key] = ""
    if "helix" in data and data["helix"] is not None:
        data["helix"] = Helix(data["helix"]).value
    if errors:
        raise ValidationError(errors)
    return data, focus_areas


@router.get(
    "/organisations", response=list[OrganisationOut], summary="Organisations, filtered and paged"
)
@paginate(Pages)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    """The same filters as the organisation list page: helix type, focus area (slug), county and
    municipality (codes), cluster (slug) and ``q`` (name, or the start of the organisation number)."""
    params = filters.dict()
    if params["helix"] is not None:
        params["helix"] = Helix(params["helix"]).value
    return filter_organisations(Organisation.objects.with_related(), **params)


@router.get("/organisations/{org_id}", response=OrganisationDetail, summary="One organisation")
def get_organisation(request: HttpRequest, org_id: int) -> Any:
    return _get_organisation(org_id)


@router.post(
    "/organisations",
    response={201: OrganisationDetail},
    auth=write_auth,
    summary="Create an organisation",
)
def create_organisation(request: HttpRequest, payload: OrganisationIn) -> Any:
    """``municipality`` is a municipality code, ``focus_areas`` are slugs. The organisation number
    is checked and stored as NNNNNN-NNNN; it must not belong to another organisation."""
    if not can_create_organisation(request.auth):
        raise PermissionDenied(_("You may not create organisations."))
    data, focus_areas = _service_arguments(payload.dict())
    organisation = services.save_organisation(
        actor=request.auth, data=data, focus_areas=focus_areas
    )
    return Status(201, _get_organisation(organisation.pk))


@router.patch(
    "/organisations/{org_id}",
    response=OrganisationDetail,
    auth=write_auth,
    summary="Change an organisation",
)
def patch_organisation(request: HttpRequest, org_id: int, payload: OrganisationPatch) -> Any:
    """Only the fields sent are changed; ``focus_areas`` replaces the current list."""
    organisation = _get_organisation(org_id)
    if not can_edit_organisation(request.auth, organisation):
        raise PermissionDenied(
            _("You may not change the organisation “%(name)s”.") % {"name": organisation.name}
        )
    data, focus_areas = _service_arguments(payload.dict(exclude_unset=True))
    services.save_organisation(
        actor=request.auth, organisation=organisation, data=data, focus_areas=focus_areas
    )
    return _get_organisation(org_id)


@router.get("/focus-areas", response=list[FocusAreaOut], summary="All focus areas")
def list_focus_areas(request: HttpRequest) -> Any:
    return list(FocusArea.objects.all())
