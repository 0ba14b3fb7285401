"""Roles and the questions every write asks: may this user change this object?

Roles:
- platform admin: a superuser, or a member of the group ``platform_admin``;
- cluster manager: a user listed among a cluster's managers (scoped to those clusters);
- programme officer and assessor: members of the groups of those names;
- member: a user linked to a person whose organisation is a member of a cluster.
Public visitors have no role and read only the public pages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from samverka.actors.models import Organisation, Person
    from samverka.clusters.models import Cluster


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("platform admin")
    CLUSTER_MANAGER = "cluster_manager", _("cluster manager")
    PROGRAMME_OFFICER = "programme_officer", _("programme officer")
    ASSESSOR = "assessor", _("assessor")
    MEMBER = "member", _("member")


GROUP_ROLES = (Role.PLATFORM_ADMIN, Role.PROGRAMME_OFFICER, Role.ASSESSOR)


def _authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def is_platform_admin(user: Any) -> bool:
    if not _authenticated(user):
        return False
    if user.is_superuser:
        return True
    return Role.PLATFORM_ADMIN in _group_roles(user)


def _group_roles(user: Any) -> set[str]:
    cached = getattr(user, "_samverka_group_roles", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=GROUP_ROLES).values_list("name", flat=True))
        user._samverka_group_roles = cached
    return cached


def managed_cluster_ids(user: Any) -> set[int]:
    """Primary keys of the clusters this user manages."""
    if not _authenticated(user):
        return set()
    cached = getattr(user, "_samverka_managed", None)
    if cached is None:
        cluster_model = apps.get_model("clusters", "Cluster")
        cached = set(cluster_model.objects.filter(managers=user).values_list("pk", flat=True))
        user._samverka_managed = cached
    return cached


def person_of(user: Any) -> Person | None:
    if not _authenticated(user):
        return None
    person_model = apps.get_model("actors", "Person")
    return person_model.objects.filter(user=user).select_related("organisation").first()


def roles_of(user: Any) -> frozenset[str]:
    """All roles a user holds (empty for anonymous visitors)."""
    if not _authenticated(user):
        return frozenset()
    roles = set(_group_roles(user))
    if user.is_superuser:
        roles.add(Role.PLATFORM_ADMIN)
    if managed_cluster_ids(user):
        roles.add(Role.CLUSTER_MANAGER)
    person = person_of(user)
    if person and person.organisation_id and person.organisation.memberships.exists():
        roles.add(Role.MEMBER)
    return frozenset(str(r) for r in roles)


def can_manage_cluster(user: Any, cluster: Cluster) -> bool:
    """Edit the cluster's profile and its member list."""
    return is_platform_admin(user) or cluster.pk in managed_cluster_ids(user)


def can_create_organisation(user: Any) -> bool:
    return is_platform_admin(user) or bool(managed_cluster_ids(user))


def can_create_cluster(user: Any) -> bool:
    return is_platform_admin(user)


def can_import(user: Any) -> bool:
    return is_platform_admin(user) or bool(managed_cluster_ids(user))


def can_edit_organisation(user: Any, organisation: Organisation) -> bool:
    """Platform admins; managers of a cluster the organisation belongs to (or that it runs);
    members linked to a person in that very organisation."""
    if is_platform_admin(user):
        return True
    if not _authenticated(user):
        return False
    managed = managed_cluster_ids(user)
    if managed:
        membership_model = apps.get_model("clusters", "Membership")
        cluster_model = apps.get_model("clusters", "Cluster")
        if (
            membership_model.objects.filter(
                organisation=organisation, cluster_id__in=managed
            ).exists()
            or cluster_model.objects.filter(organisation=organisation, pk__in=managed).exists()
        ):
            return True
    person = person_of(user)
    return bool(person and person.organisation_id == organisation.pk)


def can_edit_person(user: Any, person: Person) -> bool:
    """The person themself, or whoever may edit the person's organisation."""
    if is_platform_admin(user):
        return True
    if not _authenticated(user):
        return False
    if person.user_id is not None and person.user_id == user.pk:
        return True
    return person.organisation is not None and can_edit_organisation(user, person.organisation)


def is_programme_officer(user: Any) -> bool:
    """Programme officers run calls, decide and follow up; platform admins may do the same."""
    return is_platform_admin(user) or (
        _authenticated(user) and Role.PROGRAMME_OFFICER in _group_roles(user)
    )


def is_assessor(user: Any) -> bool:
    return _authenticated(user) and Role.ASSESSOR in _group_roles(user)


def applicant_organisation_ids(user: Any) -> set[int]:
    """Organisations a user may apply for: the one their person record belongs to."""
    person = person_of(user)
    return {person.organisation_id} if person and person.organisation_id else set()


def can_edit_application(user: Any, project: Any) -> bool:
    """Programme officers edit any application; an applicant edits only their own draft
    (created by them, or for the organisation they belong to)."""
    if is_programme_officer(user):
        return True
    if not _authenticated(user) or project.status != "draft":
        return False
    return project.created_by_id == user.pk or project.applicant_id in applicant_organisation_ids(
        user
    )


def can_view_application(user: Any, project: Any) -> bool:
    """Whether ``user`` may read ``project``: ``ProjectQuerySet.visible_to``, the one rule (granted
    projects are public without a query)."""
    from samverka.programmes.enums import GRANTED_STATUSES

    if project.status in GRANTED_STATUSES:
        return True
    return type(project).objects.visible_to(user).filter(pk=project.pk).exists()


def can_create_event(user: Any) -> bool:
    """Platform admins (national events) and cluster managers (their clusters' events)."""
    return is_platform_admin(user) or bool(managed_cluster_ids(user))


def can_edit_event(user: Any, event: Any) -> bool:
    """Platform admins; managers of the host cluster or of a co-organising cluster. Events of the
    national network (no host) belong to platform admins."""
    if is_platform_admin(user):
        return True
    managed = managed_cluster_ids(user)
    if not managed:
        return False
    if event.host_id in managed:
        return True
    return event.organisers.filter(pk__in=managed).exists()


def can_manage_newsletter(user: Any, newsletter: Any) -> bool:
    """Platform admins; the managers of the newsletter's cluster (the national one: admins)."""
    if is_platform_admin(user):
        return True
    return newsletter.cluster_id is not None and newsletter.cluster_id in managed_cluster_ids(user)
