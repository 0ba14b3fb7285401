"""Domain operations of matchmaking: saving and renewing needs and offers, expressions of
interest with their introduction emails, outcomes, and the report."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from samverka.actors.models import FocusArea, Organisation
from samverka.clusters.models import Membership
from samverka.core import audit
from samverka.core.mail import render_subject, render_text
from samverka.core.roles import can_edit_organisation
from samverka.matchmaking import rules
from samverka.matchmaking.models import (
    Interest,
    Kind,
    Listing,
    Need,
    Offer,
    Outcome,
    add_months,
)

FIELDS = ["kind", "title", "description", "county", "owner", "expires_on", "visibility"]


def visible_listings(model: type[Listing], user: Any) -> QuerySet[Any]:
    """Active listings of ``model`` that ``user`` may see."""
    queryset = model.objects.active()
    if not rules.sees_members_only(user):
        queryset = queryset.public()
    return queryset


def filter_listings(
    queryset: QuerySet[Any], params: dict[str, Any], *, user: Any = None
) -> QuerySet[Any]:
    """Apply the list filters ``kind``, ``focus`` (slug), ``county`` (code), ``own`` and ``q``."""
    if kind := params.get("kind"):
        queryset = queryset.filter(kind=kind)
    if focus := params.get("focus"):
        queryset = queryset.filter(focus_areas__slug=focus)
    if county := params.get("county"):
        queryset = queryset.filter(county__code=county)
    if params.get("own") and user is not None:
        queryset = queryset.filter(owner__in=rules.editable_organisations(user))
    if q := (params.get("q") or "").strip():
        queryset = queryset.filter(title__icontains=q)
    return queryset.distinct()


@transaction.atomic
def save_listing(
    *,
    actor: Any,
    model: type[Listing],
    listing: Listing | None,
    data: dict[str, Any],
    focus_areas: Iterable[FocusArea] | None = None,
) -> Listing:
    """Create or change a need or an offer. The actor must be allowed to edit the owner
    organisation (the current one and, on a change of owner, the new one too)."""
    owner: Organisation | None = data.get("owner") or (listing.owner if listing else None)
    if owner is None:
        raise ValidationError({"owner": [_("Choose the organisation it belongs to.")]})
    if not can_edit_organisation(actor, owner) or (
        listing is not None and not rules.can_edit_listing(actor, listing)
    ):
        raise PermissionDenied
    county = data.get("county")
    if county is not None and county.kind != "county":
        raise ValidationError({"county": [_("Choose a county.")]})
    before = audit.snapshot(listing, FIELDS) if listing else {}
    if listing is None:
        listing = model(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    for name, value in data.items():
        if name in FIELDS and value is not None:
            setattr(listing, name, value)
    listing.full_clean(exclude=["owner", "created_by", "county"])
    listing.save()
    changes = audit.diff(before, audit.snapshot(listing, FIELDS))
    if focus_areas is not None:
        new = sorted(f.slug for f in focus_areas)
        old = sorted(listing.focus_areas.values_list("slug", flat=True))
        listing.focus_areas.set(list(focus_areas))
        if new != old:
            changes["focus_areas"] = [old, new]
    action = f"matchmaking.{model.side}.{'changed' if before else 'created'}"
    audit.record(actor=actor, action=action, obj=listing, changes=changes)
    return listing


def renew_listing(*, actor: Any, listing: Listing) -> Listing:
    """Extend the expiry by 12 months (counted from today when it has already expired)."""
    if not rules.can_edit_listing(actor, listing):
        raise PermissionDenied
    old = listing.expires_on
    start = max(old, timezone.localdate())
    listing.expires_on = add_months(start, 12)
    listing.save(update_fields=["expires_on", "updated", "stems"])
    audit.record(
        actor=actor,
        action=f"matchmaking.{listing.side}.renewed",
        obj=listing,
        changes={"expires_on": [old.isoformat(), listing.expires_on.isoformat()]},
    )
    return listing


def contacts(listing: Listing) -> list[str]:
    """Addresses for one side: the people of the owner organisation who have an email, or
    else the person who published the listing."""
    emails = sorted(set(listing.owner.people.exclude(email="").values_list("email", flat=True)))
    if not emails and listing.created_by_id and listing.created_by.email:
        emails = [listing.created_by.email]
    return emails


@transaction.atomic
def express_interest(
    *, actor: Any, need: Need, offer: Offer, message: str = "", score: float | None = None
) -> tuple[Interest, bool]:
    """Record interest in bringing ``need`` and ``offer`` together and send the introduction
    email to both sides (once: a second call returns the existing interest, ``created`` False).
    The actor must be able to edit one of the two sides and see the other; neither may have
    expired."""
    if not (rules.can_edit_listing(actor, need) or rules.can_edit_listing(actor, offer)):
        raise PermissionDenied
    if not (rules.can_view_listing(actor, need) and rules.can_view_listing(actor, offer)):
        raise PermissionDenied
    if need.is_expired or offer.is_expired:
        raise ValidationError(_("An expired need or offer cannot be matched."))
    if need.kind != offer.kind and Kind.OTHER not in {need.kind, offer.kind}:
        raise ValidationError(_("The need and the offer are of different kinds."))
    interest, created = Interest.objects.get_or_create(
        need=need,
        offer=offer,
        defaults={
            "created_by": actor if getattr(actor, "is_authenticated", False) else None,
            "message": message,
            "score": score,
        },
    )
    if not created:
        return interest, False
    recipients = {"need": contacts(need), "offer": contacts(offer)}
    context = {
        "interest": interest,
        "need": need,
        "offer": offer,
        "need_url": settings.SITE_URL + need.get_absolute_url(),
        "offer_url": settings.SITE_URL + offer.get_absolute_url(),
        "need_contacts": recipients["need"],
        "offer_contacts": recipients["offer"],
        "message": message,
    }
    subject = render_subject("matchmaking/email/introduction_subject.txt", context)
    for side in ("need", "offer"):
        if recipients[side]:
            body = render_text("matchmaking/email/introduction.txt", context | {"side": side})
            transaction.on_commit(
                lambda to=recipients[side], body=body: send_mail(
                    subject, body, None, to, fail_silently=False
                )
            )
    interest.introduced_at = timezone.now()
    interest.recipients = recipients["need"] + recipients["offer"]
    interest.save(update_fields=["introduced_at", "recipients", "updated"])
    audit.record(
        actor=actor,
        action="matchmaking.interest.created",
        obj=interest,
        changes={"recipients": interest.recipients},
    )
    return interest, True


def record_outcome(*, actor: Any, interest: Interest, outcome: str) -> Interest:
    """Record what came of an introduction (meeting held, agreement, nothing), with the time."""
    if not rules.can_handle_interest(actor, interest):
        raise PermissionDenied
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": [_("Unknown outcome: %(o)s.") % {"o": outcome}]})
    old = interest.outcome
    interest.outcome = outcome
    interest.outcome_at = timezone.now() if outcome != Outcome.PENDING else None
    interest.save(update_fields=["outcome", "outcome_at", "updated"])
    audit.record(
        actor=actor,
        action="matchmaking.interest.outcome",
        obj=interest,
        changes={"outcome": [old, outcome]},
    )
    return interest


def report(*, cluster_ids: Iterable[int] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Introductions and their outcomes per month and kind, and per cluster of the owner
    organisations (an introduction counts once for each cluster either side belongs to)."""
    interests = Interest.objects.filter(introduced_at__isnull=False)
    by_month = (
        interests.annotate(month=TruncMonth("introduced_at"))
        .values("month", "need__kind", "outcome")
        .annotate(n=Count("pk"))
        .order_by("month", "need__kind", "outcome")
    )
    months: dict[tuple[str, str], dict[str, Any]] = {}
    for row in by_month:
        key = (row["month"].strftime("%Y-%m"), row["need__kind"])
        entry = months.setdefault(
            key,
            {"month": key[0], "kind": key[1], "kind_label": str(Kind(key[1]).label)}
            | {"introductions": 0}
            | {o: 0 for o in Outcome.values},
        )
        entry["introductions"] += row["n"]
        entry[row["outcome"]] += row["n"]
    pairs: set[tuple[int, int]] = set()
    outcome_of = dict(interests.values_list("pk", "outcome"))
    memberships = Membership.objects.all()
    if cluster_ids is not None:
        memberships = memberships.filter(cluster_id__in=list(cluster_ids))
    clusters = dict(memberships.values_list("cluster_id", "cluster__name"))
    for side in ("need__owner", "offer__owner"):
        pairs.update(
            interests.filter(**{f"{side}__memberships__in": memberships}).values_list(
                "pk", f"{side}__memberships__cluster_id"
            )
        )
    per_cluster: dict[int, dict[str, Any]] = defaultdict(dict)
    for interest_id, cluster_id in pairs:
        entry = per_cluster[cluster_id] or per_cluster.setdefault(cluster_id, {})
        if not entry:
            entry.update({"cluster": clusters.get(cluster_id, ""), "introductions": 0})
            entry.update({o: 0 for o in Outcome.values})
        entry["introductions"] += 1
        entry[outcome_of[interest_id]] += 1
    return {
        "months": list(months.values()),
        "clusters": sorted(per_cluster.values(), key=lambda e: e["cluster"]),
    }
