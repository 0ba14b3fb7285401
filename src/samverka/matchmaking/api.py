"""API of the matchmaking app (mounted under /api/v1/): public needs and offers, their ranked
matches, and writes (needs, offers, interests, outcomes) with the web interface's permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from samverka.actors.models import FocusArea, Organisation
from samverka.api.auth import write_auth
from samverka.api.schemas import AreaRef, ErrorOut, FocusAreaRef, absolute_url
from samverka.geo.models import Area
from samverka.matchmaking import rules, services
from samverka.matchmaking.matching import find_matches
from samverka.matchmaking.models import Interest, Kind, Listing, Need, Offer, Outcome, Visibility

router = Router(tags=["matchmaking"])
MODELS: dict[str, type[Listing]] = {"needs": Need, "offers": Offer}


class OwnerRef(Schema):
    id: int
    name: str
    helix: str


class ListingOut(Schema):
    id: int
    kind: str
    title: str
    description: str
    owner: OwnerRef
    county: AreaRef | None
    focus_areas: list[FocusAreaRef]
    expires_on: date
    visibility: str
    url: str | None

    @staticmethod
    def resolve_focus_areas(obj: Listing) -> list[FocusArea]:
        return list(obj.focus_areas.all())

    @staticmethod
    def resolve_url(obj: Listing, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class ReasonOut(Schema):
    code: str
    text: str
    points: float


class MatchOut(Schema):
    score: float
    reasons: list[ReasonOut]
    item: ListingOut

    @staticmethod
    def resolve_item(obj: Any) -> Listing:
        return obj.listing


class MatchesOut(Schema):
    source: ListingOut
    method: str
    candidates: int
    matches: list[MatchOut]


class ListingIn(Schema):
    kind: Kind
    title: str
    description: str = ""
    owner: int
    county: str | None = None
    focus_areas: list[str] = []
    visibility: Visibility = Visibility.PUBLIC
    expires_on: date | None = None


class InterestIn(Schema):
    need: int
    offer: int
    message: str = ""


class InterestOut(Schema):
    id: int
    need: int
    offer: int
    outcome: str
    introduced_at: Any
    outcome_at: Any
    recipients: list[str]

    @staticmethod
    def resolve_need(obj: Interest) -> int:
        return obj.need_id

    @staticmethod
    def resolve_offer(obj: Interest) -> int:
        return obj.offer_id


class OutcomeIn(Schema):
    outcome: Outcome


def _listings(
    plural: str, kind: str | None, focus: str | None, county: str | None, q: str | None
) -> Any:
    queryset = MODELS[plural].objects.active().public().with_related().order_by("-created", "-pk")
    return services.filter_listings(
        queryset, {"kind": kind, "focus": focus, "county": county, "q": q}
    )


def _visible(request: HttpRequest, plural: str, pk: int) -> Listing:
    listing = MODELS[plural].objects.with_related().filter(pk=pk).first()
    if listing is None or not rules.can_view_listing(request.user, listing):
        raise Http404(_("No %(kind)s with the id %(id)s.") % {"kind": plural[:-1], "id": pk})
    return listing


@router.get("/needs", response=list[ListingOut], summary="Public needs that have not expired")
def list_needs(
    request: HttpRequest,
    kind: Kind | None = None,
    focus: str | None = None,
    county: str | None = None,
    q: str | None = None,
) -> Any:
    return list(_listings("needs", kind, focus, county, q))


@router.get("/offers", response=list[ListingOut], summary="Public offers that have not expired")
def list_offers(
    request: HttpRequest,
    kind: Kind | None = None,
    focus: str | None = None,
    county: str | None = None,
    q: str | None = None,
) -> Any:
    return list(_listings("offers", kind, focus, county, q))


def _matches(request: HttpRequest, plural: str, pk: int, top: int) -> Any:
    source = _visible(request, plural, pk)
    if source.is_expired:
        raise Http404(_("This %(kind)s has expired.") % {"kind": plural[:-1]})
    top = max(1, min(top, 50))
    return find_matches(source, top=top, members_only=rules.sees_members_only(request.user))


@router.get("/needs/{pk}/matches", response=MatchesOut, summary="Offers matching a need")
def need_matches(request: HttpRequest, pk: int, top: int = 10) -> Any:
    """The best offers for the need (at most 50), each with a score (0–100) and the reasons;
    ``method`` says whether the semantic model took part (``lexical+semantic``)."""
    return _matches(request, "needs", pk, top)


@router.get("/offers/{pk}/matches", response=MatchesOut, summary="Needs matching an offer")
def offer_matches(request: HttpRequest, pk: int, top: int = 10) -> Any:
    return _matches(request, "offers", pk, top)


def _create(request: HttpRequest, plural: str, payload: ListingIn) -> Any:
    owner = Organisation.objects.filter(pk=payload.owner).first()
    if owner is None:
        raise ValidationError(
            {"owner": [_("No organisation with the id %(id)s.") % {"id": payload.owner}]}
        )
    county = None
    if payload.county:
        county = Area.objects.counties().filter(code=payload.county).first()
        if county is None:
            raise ValidationError({"county": [_("unknown county: %(c)s") % {"c": payload.county}]})
    focus_areas = list(FocusArea.objects.filter(slug__in=payload.focus_areas))
    unknown = set(payload.focus_areas) - {f.slug for f in focus_areas}
    if unknown:
        raise ValidationError(
            {"focus_areas": [_("unknown: %(keys)s") % {"keys": ", ".join(sorted(unknown))}]}
        )
    data = payload.dict(exclude={"focus_areas"}) | {"owner": owner, "county": county}
    listing = services.save_listing(
        actor=request.auth, model=MODELS[plural], listing=None, data=data, focus_areas=focus_areas
    )
    return Status(201, MODELS[plural].objects.with_related().get(pk=listing.pk))


@router.post("/needs", response={201: ListingOut}, auth=write_auth, summary="Publish a need")
def create_need(request: HttpRequest, payload: ListingIn) -> Any:
    """For an organisation the caller may edit (its people, its cluster managers, admins)."""
    return _create(request, "needs", payload)


@router.post("/offers", response={201: ListingOut}, auth=write_auth, summary="Publish an offer")
def create_offer(request: HttpRequest, payload: ListingIn) -> Any:
    return _create(request, "offers", payload)


@router.post(
    "/interests",
    response={200: InterestOut, 201: InterestOut, 404: ErrorOut},
    auth=write_auth,
    summary="Express interest: introduce a need and an offer to each other",
)
def create_interest(request: HttpRequest, payload: InterestIn) -> Any:
    """Sends the introduction email to both sides; 200 with the existing interest when the two
    were already introduced. The caller must be able to edit the need or the offer."""
    need = _visible(request, "needs", payload.need)
    offer = _visible(request, "offers", payload.offer)
    interest, created = services.express_interest(
        actor=request.auth, need=need, offer=offer, message=payload.message
    )
    return Status(201 if created else 200, interest)


@router.post(
    "/interests/{pk}/outcome",
    response=InterestOut,
    auth=write_auth,
    summary="Record what came of an introduction",
)
def interest_outcome(request: HttpRequest, pk: int, payload: OutcomeIn) -> Any:
    interest = Interest.objects.select_related("need__owner", "offer__owner").filter(pk=pk).first()
    if interest is None:
        raise Http404(_("No interest with the id %(id)s.") % {"id": pk})
    if not rules.can_handle_interest(request.auth, interest):
        raise PermissionDenied
    return services.record_outcome(actor=request.auth, interest=interest, outcome=payload.outcome)
