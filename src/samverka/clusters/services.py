"""Domain operations on clusters and memberships (pages, API and commands share these)."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster, Membership, MembershipRole
from samverka.core import audit
from samverka.core.sanitise import clean_html

CLUSTER_FIELDS = ["name", "organisation", "website", "summary", "description", "contact_email"]


def _cluster_snapshot(cluster: Cluster) -> dict[str, Any]:
    data = audit.snapshot(cluster, CLUSTER_FIELDS)
    if cluster.pk:
        data["regions"] = sorted(a.code for a in cluster.regions.all())
        data["focus_areas"] = sorted(f.slug for f in cluster.focus_areas.all())
    return data


@transaction.atomic
def save_cluster(
    *,
    actor: Any,
    cluster: Cluster | None = None,
    data: dict[str, Any],
    regions: Any = None,
    focus_areas: Any = None,
) -> Cluster:
    """Create or update a cluster profile (validated, description sanitised, audit-logged)."""
    creating = cluster is None
    cluster = cluster or Cluster()
    before = {} if creating else _cluster_snapshot(cluster)
    for name in [*CLUSTER_FIELDS, "slug"]:
        if name in data:
            setattr(cluster, name, data[name])
    cluster.description = clean_html(cluster.description)
    cluster.full_clean()
    cluster.save()
    if regions is not None:
        cluster.regions.set(regions)
    if focus_areas is not None:
        cluster.focus_areas.set(focus_areas)
    changes = audit.diff(before, _cluster_snapshot(cluster))
    if changes:
        audit.record(
            actor=actor,
            action="cluster.created" if creating else "cluster.changed",
            obj=cluster,
            changes=changes,
        )
    return cluster


@transaction.atomic
def add_member(
    *,
    actor: Any,
    cluster: Cluster,
    organisation: Organisation,
    role: str = MembershipRole.MEMBER,
    since: date | None = None,
) -> tuple[Membership, bool]:
    """Make ``organisation`` a member (or update its role); returns (membership, created)."""
    if role not in MembershipRole.values:
        raise ValidationError({"role": _("unknown membership role")})
    membership, created = Membership.objects.get_or_create(
        cluster=cluster, organisation=organisation, defaults={"role": role, "since": since}
    )
    if not created and (membership.role != role or (since and membership.since != since)):
        changes = {"role": [membership.role, role]}
        membership.role = role
        if since:
            changes["since"] = [str(membership.since), str(since)]
            membership.since = since
        membership.save()
        audit.record(actor=actor, action="membership.changed", obj=membership, changes=changes)
    elif created:
        audit.record(
            actor=actor, action="membership.created", obj=membership, changes={"role": [None, role]}
        )
    return membership, created


@transaction.atomic
def remove_member(*, actor: Any, cluster: Cluster, organisation: Organisation) -> bool:
    """End a membership; returns False when there was none."""
    membership = Membership.objects.filter(cluster=cluster, organisation=organisation).first()
    if membership is None:
        return False
    audit.record(actor=actor, action="membership.deleted", obj=membership)
    membership.delete()
    return True


def members_by_helix(cluster: Cluster) -> list[dict[str, Any]]:
    """Member counts per helix type, every type present (zero when none), in a fixed order."""
    counts = Counter(
        dict(
            cluster.memberships.values_list("organisation__helix")
            .annotate(n=Count("pk"))
            .values_list("organisation__helix", "n")
        )
    )
    return [{"helix": h.value, "label": h.label, "count": counts.get(h.value, 0)} for h in Helix]
