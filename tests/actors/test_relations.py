"""Stating and removing relations between organisations from the organisation page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from samverka.actors.enums import RelationKind
from samverka.actors.models import Organisation, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(
    cluster_manager: tuple[User, Cluster], make_organisation: Callable[..., Organisation]
) -> dict[str, Any]:
    manager, cluster = cluster_manager
    source = cluster.members.order_by("pk").first()
    return {"manager": manager, "source": source, "partner": make_organisation("Partner AB")}


def _post_relation(client: Client, source: Organisation, **data: Any) -> Any:
    return client.post(reverse("actors:relation-add", args=[source.pk]), data)


def test_relation_add_by_manager_is_saved_and_audited(
    client: Client, setting: dict[str, Any]
) -> None:
    client.force_login(setting["manager"])

    response = _post_relation(
        client,
        setting["source"],
        target=setting["partner"].pk,
        kind="partnership",
        since="2021-05-01",
        note="Gemensam testbädd",
    )

    assert response.status_code == 302
    relation = Relation.objects.get()
    assert (
        relation.source,
        relation.target,
        relation.kind,
        str(relation.since),
        relation.note,
    ) == (
        setting["source"],
        setting["partner"],
        RelationKind.PARTNERSHIP,
        "2021-05-01",
        "Gemensam testbädd",
    )
    entry = AuditEntry.objects.get(action="relation.created")
    assert entry.actor == setting["manager"]
    assert entry.changes["kind"] == [None, "partnership"]
    page = client.get(setting["source"].get_absolute_url()).content.decode()
    assert "Partner AB" in page


def test_relation_add_twice_updates_instead_of_duplicating(
    client: Client, setting: dict[str, Any]
) -> None:
    client.force_login(setting["manager"])
    _post_relation(client, setting["source"], target=setting["partner"].pk, kind="funding")
    _post_relation(
        client, setting["source"], target=setting["partner"].pk, kind="funding", note="Ny not"
    )

    assert list(Relation.objects.values_list("kind", "note")) == [("funding", "Ny not")]


def test_relation_to_itself_is_refused_and_nothing_saved(
    client: Client, setting: dict[str, Any]
) -> None:
    client.force_login(setting["manager"])

    response = _post_relation(
        client, setting["source"], target=setting["source"].pk, kind="partnership"
    )

    assert response.status_code == 302
    assert not Relation.objects.exists()


def test_relation_add_by_manager_of_another_cluster_is_forbidden(
    client: Client,
    setting: dict[str, Any],
    make_user: Callable[..., User],
    make_cluster: Callable[..., Cluster],
) -> None:
    stranger = make_user("stranger")
    make_cluster("Elsewhere", slug="elsewhere").managers.add(stranger)
    client.force_login(stranger)

    response = _post_relation(
        client, setting["source"], target=setting["partner"].pk, kind="partnership"
    )

    assert response.status_code == 403
    assert not Relation.objects.exists()


def test_relation_add_anonymous_redirects_to_login(client: Client, setting: dict[str, Any]) -> None:
    response = _post_relation(
        client, setting["source"], target=setting["partner"].pk, kind="partnership"
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Relation.objects.exists()


def test_relation_remove_only_through_its_source(client: Client, setting: dict[str, Any]) -> None:
    relation = Relation.objects.create(
        source=setting["source"], target=setting["partner"], kind=RelationKind.SUPPLIER
    )
    client.force_login(setting["manager"])
    other_member = Membership.objects.exclude(organisation=setting["source"]).first().organisation

    wrong = client.post(reverse("actors:relation-remove", args=[other_member.pk, relation.pk]))
    right = client.post(reverse("actors:relation-remove", args=[setting["source"].pk, relation.pk]))

    assert (wrong.status_code, right.status_code) == (404, 302)
    assert not Relation.objects.exists()
    assert AuditEntry.objects.filter(action="relation.deleted").count() == 1
