"""Data builders for the API tests: plain ORM rows; geography comes from the loaded migration.

A uniquely named module (not conftest) so that test modules can import it unambiguously.
"""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model

from samverka.actors.models import FocusArea, Organisation
from samverka.api.models import ApiToken
from samverka.clusters.models import Cluster, Membership
from samverka.geo.models import Area

_seq = itertools.count(1)


def make_user(*, username: str | None = None, superuser: bool = False) -> Any:
    username = username or f"user{next(_seq)}"
    return get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="pw", is_superuser=superuser
    )


def make_focus_area(slug: str | None = None) -> FocusArea:
    slug = slug or f"focus-{next(_seq)}"
    return FocusArea.objects.create(slug=slug, name_sv=f"Fokus {slug}", name_en=f"Focus {slug}")


def make_org(
    *,
    name: str | None = None,
    helix: str = "company",
    municipality: str | None = "0380",
    focus_areas: tuple[FocusArea, ...] = (),
    **fields: Any,
) -> Organisation:
    org = Organisation.objects.create(
        name=name or f"Org {next(_seq)}",
        helix=helix,
        municipality=Area.objects.get(code=municipality) if municipality else None,
        **fields,
    )
    org.focus_areas.set(focus_areas)
    return org


def make_cluster(
    *,
    name: str | None = None,
    slug: str | None = None,
    regions: tuple[str, ...] = ("03",),
    focus_areas: tuple[FocusArea, ...] = (),
    managers: tuple[Any, ...] = (),
    members: tuple[Organisation, ...] = (),
    **fields: Any,
) -> Cluster:
    n = next(_seq)
    cluster = Cluster.objects.create(
        name=name or f"Cluster {n}", slug=slug or f"cluster-{n}", **fields
    )
    cluster.regions.set(Area.objects.filter(code__in=regions))
    cluster.focus_areas.set(focus_areas)
    cluster.managers.set(managers)
    for org in members:
        Membership.objects.create(cluster=cluster, organisation=org)
    return cluster


def bearer(user: Any) -> dict[str, str]:
    _, plain = ApiToken.issue(user=user, name="test")
    return {"Authorization": f"Bearer {plain}"}
