"""Every write, tried by every role: allowed ones persist, denied ones change nothing.

The world: cluster "own" (managed by ``manager_own``) with member organisation ``target`` and
its person ``target_person``; cluster "other" (managed by ``manager_other``) with member
organisation ``elsewhere`` and a member user linked to a person there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation, Person
from samverka.clusters.models import Cluster, Membership
from samverka.core import roles

pytestmark = pytest.mark.django_db


@dataclass
class World:
    own: Cluster
    other: Cluster
    target: Organisation
    target_person: Person
    elsewhere: Organisation
    outsider: Organisation
    users: dict[str, User | None]


@pytest.fixture
def world(
    make_user: Callable[..., User],
    make_cluster: Callable[..., Cluster],
    make_organisation: Callable[..., Organisation],
) -> World:
    own = make_cluster("Own Cluster", slug="own")
    other = make_cluster("Other Cluster", slug="other")
    target = make_organisation("Target AB")
    elsewhere = make_organisation("Elsewhere AB")
    outsider = make_organisation("Outsider AB")
    Membership.objects.create(cluster=own, organisation=target)
    Membership.objects.create(cluster=other, organisation=elsewhere)
    target_person = Person.objects.create(name="Tova Target", organisation=target)
    manager_own = make_user("manager_own")
    own.managers.add(manager_own)
    manager_other = make_user("manager_other")
    other.managers.add(manager_other)
    member_other = make_user("member_other")
    Person.objects.create(name="Mats Medlem", organisation=elsewhere, user=member_other)
    member_target = make_user("member_target")
    Person.objects.create(name="Maja Medlem", organisation=target, user=member_target)
    users = {
        "anonymous": None,
        "member_other": member_other,
        "member_target": member_target,
        "manager_other": manager_other,
        "manager_own": manager_own,
        "admin": make_user("admin", role="platform_admin_superuser"),
        "admin_group": make_user("admin_group", role="platform_admin"),
    }
    return World(own, other, target, target_person, elsewhere, outsider, users)


@dataclass
class Write:
    """One write: how to attempt it, and whether it took effect."""

    name: str
    attempt: Callable[[Client, World], Any]
    happened: Callable[[World], bool]
    allowed: frozenset[str]
    success_status: int = 302


def _post_org_create(client: Client, w: World) -> Any:
    return client.post(reverse("actors:organisation-create"), {"name": "Ny AB", "helix": "company"})


def _post_org_edit(client: Client, w: World) -> Any:
    return client.post(
        reverse("actors:organisation-edit", args=[w.target.pk]),
        {"name": "Omdöpt AB", "helix": "academia", "orgnr": "556016-0680"},
    )


def _post_person_create(client: Client, w: World) -> Any:
    return client.post(
        reverse("actors:person-create"),
        {"name": "Nils Ny", "organisation": w.target.pk, "gender": "not_stated"},
    )


def _post_person_edit(client: Client, w: World) -> Any:
    return client.post(
        reverse("actors:person-edit", args=[w.target_person.pk]),
        {
            "name": "Tova Omdöpt",
            "organisation": w.target.pk,
            "gender": "woman",
            "listing_consent": "on",
        },
    )


def _post_cluster_edit(client: Client, w: World) -> Any:
    return client.post(
        reverse("clusters:edit", args=[w.own.slug]),
        {"name": "Own Cluster Renamed", "summary": "Ny sammanfattning"},
    )


def _post_member_add(client: Client, w: World) -> Any:
    return client.post(
        reverse("clusters:member-add", args=[w.own.slug]),
        {"organisation": w.outsider.pk, "role": "partner"},
    )


def _post_member_remove(client: Client, w: World) -> Any:
    return client.post(reverse("clusters:member-remove", args=[w.own.slug, w.target.pk]))


def _post_import(client: Client, w: World) -> Any:
    content = b"name;orgnr;helix\r\nImporterad AB;202100-5489;company\r\n"
    return client.post(
        reverse("actors:organisation-import"),
        {"file": SimpleUploadedFile("orgs.csv", content)},
    )


ADMINS = frozenset({"admin", "admin_group"})
OWNERS = ADMINS | {"manager_own"}

WRITES = [
    Write(
        "organisation create",
        _post_org_create,
        lambda w: Organisation.objects.filter(name="Ny AB").exists(),
        # An organisation belongs to no cluster yet, so any cluster manager may register one.
        OWNERS | {"manager_other"},
    ),
    Write(
        "organisation edit",
        _post_org_edit,
        lambda w: Organisation.objects.get(pk=w.target.pk).name == "Omdöpt AB",
        OWNERS | {"member_target"},
    ),
    Write(
        "person create",
        _post_person_create,
        lambda w: Person.objects.filter(name="Nils Ny", organisation=w.target).exists(),
        OWNERS | {"member_target"},
    ),
    Write(
        "person edit",
        _post_person_edit,
        lambda w: Person.objects.get(pk=w.target_person.pk).name == "Tova Omdöpt",
        OWNERS | {"member_target"},
    ),
    Write(
        "cluster edit",
        _post_cluster_edit,
        lambda w: Cluster.objects.get(pk=w.own.pk).name == "Own Cluster Renamed",
        OWNERS,
    ),
    Write(
        "member add",
        _post_member_add,
        lambda w: Membership.objects.filter(cluster=w.own, organisation=w.outsider).exists(),
        OWNERS,
    ),
    Write(
        "member remove",
        _post_member_remove,
        lambda w: not Membership.objects.filter(cluster=w.own, organisation=w.target).exists(),
        OWNERS,
    ),
    Write(
        "import upload",
        _post_import,
        lambda w: Organisation.objects.filter(orgnr="202100-5489").exists(),
        OWNERS | {"manager_other"},
        success_status=200,
    ),
]

ACTORS = [
    "anonymous",
    "member_other",
    "member_target",
    "manager_other",
    "manager_own",
    "admin",
    "admin_group",
]


@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
@pytest.mark.parametrize("actor", ACTORS)
def test_write_by_role_is_allowed_or_denied(
    client: Client, world: World, write: Write, actor: str
) -> None:
    user = world.users[actor]
    if user is not None:
        client.force_login(user)

    response = write.attempt(client, world)

    if actor == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")
        assert write.happened(world) is False
    elif actor in write.allowed:
        assert response.status_code == write.success_status
        assert write.happened(world) is True
    else:
        assert response.status_code == 403
        assert write.happened(world) is False


FORM_PAGES = [
    ("organisation edit", lambda w: reverse("actors:organisation-edit", args=[w.target.pk])),
    ("person edit", lambda w: reverse("actors:person-edit", args=[w.target_person.pk])),
    ("cluster edit", lambda w: reverse("clusters:edit", args=[w.own.slug])),
]


@pytest.mark.parametrize(("name", "url"), FORM_PAGES, ids=[n for n, _ in FORM_PAGES])
@pytest.mark.parametrize(
    ("actor", "status"), [("member_other", 403), ("manager_other", 403), ("manager_own", 200)]
)
def test_edit_form_page_by_role(
    client: Client, world: World, name: str, url: Callable[[World], str], actor: str, status: int
) -> None:
    client.force_login(world.users[actor])

    response = client.get(url(world))

    assert response.status_code == status


def test_member_edits_own_organisation_but_not_another(client: Client, world: World) -> None:
    client.force_login(world.users["member_other"])

    own = client.post(
        reverse("actors:organisation-edit", args=[world.elsewhere.pk]),
        {"name": "Elsewhere Renamed AB", "helix": "company"},
    )
    foreign = client.post(
        reverse("actors:organisation-edit", args=[world.target.pk]),
        {"name": "Hijacked AB", "helix": "company"},
    )

    assert (own.status_code, foreign.status_code) == (302, 403)
    assert Organisation.objects.get(pk=world.elsewhere.pk).name == "Elsewhere Renamed AB"
    assert Organisation.objects.get(pk=world.target.pk).name == "Target AB"


def test_member_cannot_move_person_to_foreign_organisation(client: Client, world: World) -> None:
    """The organisation choices offered to a member are limited to their own organisation."""
    client.force_login(world.users["member_target"])

    response = client.post(
        reverse("actors:person-edit", args=[world.target_person.pk]),
        {"name": "Tova Target", "organisation": world.elsewhere.pk, "gender": "woman"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["organisation"]
    assert Person.objects.get(pk=world.target_person.pk).organisation == world.target


def test_manager_cannot_remove_member_of_other_cluster_through_own_slug(
    client: Client, world: World
) -> None:
    client.force_login(world.users["manager_own"])

    response = client.post(
        reverse("clusters:member-remove", args=[world.own.slug, world.elsewhere.pk])
    )

    assert response.status_code == 302
    assert Membership.objects.filter(cluster=world.other, organisation=world.elsewhere).exists()


def test_allowed_edit_persists_every_field(client: Client, world: World) -> None:
    client.force_login(world.users["manager_own"])

    _post_org_edit(client, world)

    target = Organisation.objects.get(pk=world.target.pk)
    assert (target.name, target.helix, target.orgnr) == ("Omdöpt AB", Helix.ACADEMIA, "556016-0680")


def test_roles_of_each_actor(world: World) -> None:
    assert {name: sorted(roles.roles_of(user)) for name, user in world.users.items()} == {
        "anonymous": [],
        "member_other": ["member"],
        "member_target": ["member"],
        "manager_other": ["cluster_manager"],
        "manager_own": ["cluster_manager"],
        "admin": ["platform_admin"],
        "admin_group": ["platform_admin"],
    }


def test_inactive_superuser_has_no_rights(world: World, make_user: Callable[..., User]) -> None:
    user = make_user(role="platform_admin_superuser", is_active=False)

    assert roles.is_platform_admin(user) is False
    assert roles.can_manage_cluster(user, world.own) is False


def test_missing_object_is_404_not_403(client: Client, world: World) -> None:
    client.force_login(world.users["manager_other"])

    response = client.post(reverse("clusters:member-add", args=["no-such-cluster"]))

    assert response.status_code == 404
