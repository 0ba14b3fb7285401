"""Domain operations on clusters and memberships (pages, API and commands share these)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date
from functools import lru_cache
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster, Membership, MembershipRole
from samverka.core import audit, charts
from samverka.core.sanitise import clean_html
from samverka.geo.models import Area
from samverka.network import services as network

CLUSTER_FIELDS = ["name", "organisation", "website", "summary", "description", "contact_email"]
NETWORK_FIGURES_MAX_MEMBERS = 500
NETWORK_FIGURES_SECONDS = 15 * 60


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
    return _helix_rows(counts)


def _helix_rows(counts: Counter[str]) -> list[dict[str, Any]]:
    """``counts`` (helix value → members) as one row per helix type, zero when none, in order."""
    return [{"helix": h.value, "label": h.label, "count": counts.get(h.value, 0)} for h in Helix]


def membership_summary(cluster: Cluster) -> dict[str, Any]:
    """What the cluster profile shows about its members, from one pass over the memberships:
    ``count`` and ``last`` (the highest membership id, for cache keys), ``helix`` (as
    :func:`members_by_helix`) and ``places`` (member counts per municipality, largest first,
    members without a municipality left out; each with its county)."""
    rows = list(
        cluster.memberships.values_list("organisation__helix", "organisation__municipality_id")
        .annotate(n=Count("pk"), last=Max("pk"))
        .order_by()
    )
    helix: Counter[str] = Counter()
    by_place: Counter[int] = Counter()
    for kind, municipality, n, _last in rows:
        helix[kind] += n
        if municipality is not None:
            by_place[municipality] += n
    areas = {
        a["pk"]: a
        for a in Area.objects.filter(pk__in=list(by_place)).values(
            "pk", "code", "name", "parent__code", "parent__name"
        )
    }
    places = [
        {
            "code": areas[pk]["code"],
            "name": areas[pk]["name"],
            "county_code": areas[pk]["parent__code"],
            "county": areas[pk]["parent__name"],
            "count": n,
        }
        for pk, n in by_place.items()
    ]
    places.sort(key=lambda p: (-p["count"], p["name"]))
    return {
        "count": sum(helix.values()),
        "last": max((row[3] for row in rows), default=None),
        "helix": _helix_rows(helix),
        "places": places,
    }


def member_map(cluster: Cluster, places: list[dict[str, Any]]) -> SafeString | str:
    """A server-side SVG choropleth of member counts by municipality (no script, CSP-safe),
    drawn over the counties that hold members or are the cluster's regions."""
    if not places:
        return ""
    counties = {str(p["county_code"]) for p in places} | {r.code for r in cluster.regions.all()}
    return _member_map_svg(
        tuple((str(p["code"]), float(p["count"])) for p in places),
        tuple(sorted(counties)),
        cluster.name,
        get_language() or "",
    )


@lru_cache(maxsize=32)
def _member_map_svg(
    values: tuple[tuple[str, float], ...], counties: tuple[str, ...], name: str, language: str
) -> SafeString:
    """The map drawn once per distinct input in a process (the drawing projects every boundary
    point of the counties: tens of milliseconds); ``language`` is part of the key because the
    title and labels are translated."""
    return charts.choropleth(
        level="municipality",
        values=dict(values),
        counties=list(counties),
        title=_("Members of %(cluster)s by municipality") % {"cluster": name},
        desc=_(
            "Number of member organisations per municipality; the table beside the map gives the same figures."
        ),
        unit=_("members"),
        decimals=0,
    )


def network_figures(cluster: Cluster, count: int, last: int | None) -> dict[str, object]:
    """Nodes, edges, density and cross-helix share of the cluster's actor network, or only the
    link to the network page when the cluster has more than ``NETWORK_FIGURES_MAX_MEMBERS``
    members (members form a clique, so the graph grows with the square of their number).
    ``count`` and ``last`` are the number of memberships and the highest membership id
    (:func:`membership_summary`).

    The figures are cached for ``NETWORK_FIGURES_SECONDS`` under a key that changes with the
    membership list; relations, projects and events show after that time.
    """
    url = reverse("network:cluster", args=[cluster.slug])
    if count > NETWORK_FIGURES_MAX_MEMBERS:
        return {"url": url, "too_large": True}
    key = f"cluster-network:{cluster.pk}:{cluster.created.timestamp()}:{count}:{last}"
    figures = cache.get(key)
    if figures is None:
        stats = network.stats(network.build_graph(cluster=cluster), exact_threshold=200, top=1)
        figures = {k: stats[k] for k in ("nodes", "edges", "density", "cross_helix_share")}
        cache.set(key, figures, NETWORK_FIGURES_SECONDS)
    return figures | {"url": url}


def label_members(memberships: Iterable[Membership]) -> list[Membership]:
    """The memberships of one page of the member list, each with ``helix_label`` and
    ``role_label`` (``get_FOO_display`` per row and column was a fifth of the profile's time)."""
    helix = {value: str(label) for value, label in Helix.choices}
    roles = {value: str(label) for value, label in MembershipRole.choices}
    rows = list(memberships)
    for m in rows:
        m.helix_label = helix.get(m.organisation.helix, m.organisation.helix)
        m.role_label = roles.get(m.role, m.role)
    return rows
