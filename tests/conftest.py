"""Shared fixtures: small factories for users with roles, organisations and clusters.

Tests build exactly the data they need; geography (nation, counties, municipalities) is always
present because a migration loads it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea, Organisation, Person
from samverka.clusters.models import Cluster, Membership
from samverka.geo.models import Area
from shared_data import shared_data  # noqa: F401  (the fixture: ../shared/data or skip)

_seq = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(username: str | None = None, *, role: str | None = None, **extra: Any) -> User:
        n = next(_seq)
        user = User.objects.create_user(
            username or f"user{n}", f"user{n}@example.se", "pw-Test-1234", **extra
        )
        if role == "platform_admin_superuser":
            user.is_superuser = user.is_staff = True
            user.save()
        elif role:
            user.groups.add(Group.objects.get_or_create(name=role)[0])
        return user

    return make


@pytest.fixture
def focus_area(db: Any) -> FocusArea:
    return FocusArea.objects.create(slug="vallodling", name_sv="Vallodling", name_en="Ley farming")


@pytest.fixture
def make_organisation(db: Any) -> Callable[..., Organisation]:
    def make(name: str | None = None, **fields: Any) -> Organisation:
        fields.setdefault("helix", Helix.COMPANY)
        fields.setdefault("municipality", Area.objects.get(code="2380"))  # Östersund
        return Organisation.objects.create(name=name or f"Organisation {next(_seq)}", **fields)

    return make


@pytest.fixture
def make_cluster(db: Any, make_organisation: Callable[..., Organisation]) -> Callable[..., Cluster]:
    def make(
        name: str | None = None, *, county: str = "23", members: int = 0, **fields: Any
    ) -> Cluster:
        n = next(_seq)
        cluster = Cluster.objects.create(
            name=name or f"Cluster {n}", slug=fields.pop("slug", f"cluster-{n}"), **fields
        )
        cluster.regions.add(Area.objects.get(code=county))
        for _ in range(members):
            Membership.objects.create(cluster=cluster, organisation=make_organisation())
        return cluster

    return make


@pytest.fixture
def cluster_manager(
    make_user: Callable[..., User], make_cluster: Callable[..., Cluster]
) -> tuple[User, Cluster]:
    """A user who manages one cluster (with two members)."""
    user = make_user("manager")
    cluster = make_cluster("Managed Cluster", slug="managed", members=2)
    cluster.managers.add(user)
    return user, cluster


@pytest.fixture
def member_user(
    make_user: Callable[..., User], make_cluster: Callable[..., Cluster]
) -> tuple[User, Organisation]:
    """A user linked to a person in an organisation that is a cluster member."""
    user = make_user("member")
    cluster = make_cluster(members=1)
    organisation = cluster.members.first()
    Person.objects.create(name="Mia Medlem", organisation=organisation, user=user)
    return user, organisation


@pytest.fixture(autouse=True)
def _geography_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """Transactional tests (live server, worker) flush the database after each test, which also
    removes the geography that a migration loaded; put it back for them."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server")
    )
    if transactional:
        request.getfixturevalue("transactional_db")
        from samverka.geo.services import load_geography

        load_geography()


@pytest.fixture
def english(client: Any) -> Iterator[None]:
    """English for messages and for the test client's requests (the site defaults to Swedish);
    for tests that assert English text."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
