"""Who may see and change needs, offers and expressions of interest."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from samverka.actors.models import Organisation
from samverka.core import roles
from samverka.matchmaking.models import Interest, Listing, Visibility


def sees_members_only(user: Any) -> bool:
    """Logged-in members of any cluster, cluster managers and platform admins."""
    if roles.is_platform_admin(user) or roles.managed_cluster_ids(user):
        return True
    return roles.Role.MEMBER in roles.roles_of(user)


def can_view_listing(user: Any, listing: Listing) -> bool:
    if listing.visibility == Visibility.PUBLIC:
        return True
    return sees_members_only(user) or can_edit_listing(user, listing)


def can_edit_listing(user: Any, listing: Listing) -> bool:
    """People of the owner organisation, managers of a cluster it belongs to, platform admins."""
    return roles.can_edit_organisation(user, listing.owner)


def can_create_listing(user: Any) -> bool:
    return editable_organisations(user).exists()


def editable_organisations(user: Any) -> QuerySet[Organisation]:
    """The organisations ``user`` may publish needs and offers for."""
    if roles.is_platform_admin(user):
        return Organisation.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    managed = roles.managed_cluster_ids(user)
    person_model = apps.get_model("actors", "Person")
    own = person_model.objects.filter(user=user, organisation__isnull=False).values(
        "organisation_id"
    )
    condition = Q(pk__in=own)
    if managed:
        condition |= Q(memberships__cluster_id__in=managed) | Q(clusters_run__pk__in=managed)
    return Organisation.objects.filter(condition).distinct()


def can_handle_interest(user: Any, interest: Interest) -> bool:
    """Either side of the introduction (or whoever may edit one of them) records the outcome."""
    return (
        can_edit_listing(user, interest.need)
        or can_edit_listing(user, interest.offer)
        or (interest.created_by_id is not None and interest.created_by_id == user.pk)
    )
