"""Pages of horizon scanning: visibility, permissions and the team features."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from samverka.actors.models import Person
from samverka.newsletters.models import Block, BlockKind, Issue, IssueStatus, Newsletter
from samverka.scanning.models import (
    CuratedItem,
    DigestSubscription,
    FeedItem,
    FeedSource,
    Folder,
    ItemNote,
)
from samverka.scanning.tasks import send_weekly_digests


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


@pytest.fixture
def world(cluster_manager: Any, make_cluster: Any, make_user: Any) -> dict[str, Any]:
    """A national source, a source of the managed cluster shared with a partner cluster, one item
    each, and users of each kind."""
    manager, managed = cluster_manager
    partner = make_cluster("Partner", slug="partner", members=1)
    other = make_cluster("Other", slug="other", members=1)
    national = FeedSource.objects.create(url="https://national.example.se/rss", name="National")
    own = FeedSource.objects.create(url="https://own.example.se/rss", name="Own", cluster=managed)
    own.shared_with.add(partner)
    national_item = FeedItem.objects.create(
        source=national, title="National news", content_hash="a", url="https://n.example.se/1"
    )
    own_item = FeedItem.objects.create(
        source=own,
        title="Cluster call",
        content_hash="b",
        url="https://own.example.se/1",
        summary="<p>Utlysning</p>",
        is_funding_call=True,
        deadline=date(2099, 3, 15),
    )

    def member_of(cluster: Any, name: str) -> Any:
        user = make_user(name)
        Person.objects.create(name=name, organisation=cluster.members.first(), user=user)
        return user

    return {
        "manager": manager,
        "managed": managed,
        "partner": partner,
        "national": national,
        "own": own,
        "national_item": national_item,
        "own_item": own_item,
        "member": member_of(managed, "member1"),
        "partner_member": member_of(partner, "partner1"),
        "outsider": member_of(other, "outsider1"),
        "admin": make_user("admin1", role="platform_admin"),
    }


def _titles(client: Any) -> list[str]:
    response = client.get(reverse("scanning:index"))
    assert response.status_code == 200
    return [i.title for i in response.context["items"]]


def test_anonymous_sees_only_national_items(client: Any, world: dict[str, Any]) -> None:
    assert _titles(client) == ["National news"]
    assert client.get(world["own_item"].get_absolute_url()).status_code == 404
    assert client.get(world["national_item"].get_absolute_url()).status_code == 200


@pytest.mark.parametrize("who", ["member", "partner_member", "manager", "admin"])
def test_members_of_owner_and_shared_clusters_see_cluster_items(
    client: Any, world: dict[str, Any], who: str
) -> None:
    client.force_login(world[who])
    assert sorted(_titles(client)) == ["Cluster call", "National news"]
    assert client.get(world["own_item"].get_absolute_url()).status_code == 200


def test_outsider_cannot_see_cluster_items(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["outsider"])
    assert _titles(client) == ["National news"]
    assert client.get(world["own_item"].get_absolute_url()).status_code == 403
    response = client.post(
        reverse("scanning:item-note", args=[world["own_item"].pk]), {"rating": "5"}
    )
    assert response.status_code == 403
    assert not ItemNote.objects.exists()


def test_filters_and_deadline_order(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["member"])
    response = client.get(reverse("scanning:index"), {"deadline": "on"})
    assert [i.title for i in response.context["items"]] == ["Cluster call"]
    response = client.get(reverse("scanning:index"), {"source": world["national"].pk})
    assert [i.title for i in response.context["items"]] == ["National news"]
    response = client.get(reverse("scanning:index"), {"order": "deadline"})
    assert [i.title for i in response.context["items"]] == ["Cluster call"]


def test_csv_export(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["member"])
    response = client.get(reverse("scanning:index"), {"export": "csv"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Title;Link;Source")
    assert "Cluster call;https://own.example.se/1;Own" in text
    assert "2099-03-15" in text
    response = client.get(reverse("scanning:index"), {"export": "xlsx"})
    assert response.content[:2] == b"PK"


def test_member_rates_and_notes(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["partner_member"])
    url = reverse("scanning:item-note", args=[world["own_item"].pk])
    client.post(url, {"rating": "4", "note": "Relevant för oss"})
    client.post(url, {"rating": "5", "note": "Mycket relevant"})
    note = ItemNote.objects.get()
    assert (note.user, note.rating, note.note) == (world["partner_member"], 5, "Mycket relevant")
    response = client.post(url, {"rating": "7", "note": "x"}, follow=True)
    assert "Rate from 1 to 5." in response.content.decode()
    assert ItemNote.objects.get().rating == 5
    page = client.get(world["own_item"].get_absolute_url()).content.decode()
    assert "Mycket relevant" in page


def test_manager_adds_source_for_own_cluster_only(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["manager"])
    url = reverse("scanning:source-add")
    response = client.post(
        url,
        {
            "url": "https://new.example.se/feed",
            "name": "New",
            "interval_minutes": 30,
            "owner": world["managed"].pk,
            "shared_with": [world["partner"].pk],
        },
    )
    assert response.status_code == 302
    source = FeedSource.objects.get(name="New")
    assert source.cluster == world["managed"]
    assert list(source.shared_with.all()) == [world["partner"]]
    # Not a cluster they manage, and not national.
    for owner in (world["partner"].pk, ""):
        response = client.post(
            url, {"url": "https://x.example.se/f", "interval_minutes": 30, "owner": owner}
        )
        assert response.status_code == 200
        assert not FeedSource.objects.filter(url="https://x.example.se/f").exists()


def test_member_cannot_add_or_delete_sources(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["member"])
    assert client.get(reverse("scanning:source-add")).status_code == 403
    response = client.post(reverse("scanning:source-delete", args=[world["own"].pk]))
    assert response.status_code == 403
    client.force_login(world["manager"])
    response = client.post(reverse("scanning:source-delete", args=[world["national"].pk]))
    assert response.status_code == 403
    response = client.post(reverse("scanning:source-delete", args=[world["own"].pk]))
    assert response.status_code == 302
    assert not FeedSource.objects.filter(pk=world["own"].pk).exists()


def test_admin_adds_national_source(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["admin"])
    response = client.post(
        reverse("scanning:source-add"),
        {"url": "https://nat2.example.se/feed", "interval_minutes": 60, "owner": ""},
    )
    assert response.status_code == 302
    assert FeedSource.objects.get(url="https://nat2.example.se/feed").cluster is None


def test_sources_page_shows_health(client: Any, world: dict[str, Any]) -> None:
    from django.utils import timezone

    FeedSource.objects.filter(pk=world["national"].pk).update(
        last_polled=timezone.now(), consecutive_failures=3, last_error="HTTP 500 from x"
    )
    page = client.get(reverse("scanning:sources")).content.decode()
    assert "3 failures" in page
    assert "HTTP 500 from x" in page
    assert "own.example.se" not in page  # a cluster's source is not public


def test_folders(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["member"])
    response = client.post(
        reverse("scanning:folders"), {"cluster": world["managed"].pk, "name": "Utlysningar"}
    )
    assert response.status_code == 403
    client.force_login(world["manager"])
    client.post(
        reverse("scanning:folders"), {"cluster": world["managed"].pk, "name": "Utlysningar"}
    )
    folder = Folder.objects.get()
    client.post(reverse("scanning:item-folder", args=[world["own_item"].pk]), {"folder": folder.pk})
    assert list(folder.items.all()) == [world["own_item"]]
    client.force_login(world["member"])
    response = client.get(reverse("scanning:index"), {"folder": folder.pk})
    assert [i.title for i in response.context["items"]] == ["Cluster call"]
    response = client.post(
        reverse("scanning:item-folder", args=[world["own_item"].pk]),
        {"folder": folder.pk, "remove": "1"},
    )
    assert response.status_code == 403
    assert folder.items.count() == 1


def test_curated_rss(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["member"])
    url = reverse("scanning:item-curate", args=[world["own_item"].pk])
    assert client.post(url, {"cluster": world["managed"].pk, "curated": "1"}).status_code == 403
    client.force_login(world["manager"])
    client.post(url, {"cluster": world["managed"].pk, "curated": "1"})
    assert CuratedItem.objects.filter(cluster=world["managed"]).count() == 1
    client.logout()
    response = client.get(reverse("scanning:curated", args=["managed"]))
    assert response["Content-Type"].startswith("application/rss+xml")
    body = response.content.decode()
    assert "<title>Cluster call</title>" in body
    assert "National news" not in body
    client.force_login(world["manager"])
    client.post(url, {"cluster": world["managed"].pk, "curated": "0"})
    client.logout()
    assert (
        "Cluster call"
        not in client.get(reverse("scanning:curated", args=["managed"])).content.decode()
    )
    assert client.get(reverse("scanning:curated", args=["nope"])).status_code == 404


def test_add_to_newsletter(client: Any, world: dict[str, Any]) -> None:
    managed = world["managed"]
    item = world["own_item"]
    url = reverse("scanning:item-newsletter", args=[item.pk])
    client.force_login(world["manager"])
    response = client.post(url, {"cluster": managed.pk}, follow=True)
    assert "has no newsletter" in response.content.decode()
    newsletter = Newsletter.objects.create(name="Nyhetsbrev", slug="nb", cluster=managed)
    sent = Issue.objects.create(newsletter=newsletter, subject="Old", status=IssueStatus.SENT)
    client.post(url, {"cluster": managed.pk})
    block = Block.objects.get()
    assert block.issue != sent
    assert block.issue.status == IssueStatus.DRAFT
    assert (block.kind, block.object_id, block.title, block.link) == (
        BlockKind.FEED_ITEM,
        item.pk,
        "Cluster call",
        "https://own.example.se/1",
    )
    assert "Utlysning" in block.body
    client.post(url, {"cluster": managed.pk})  # again: no duplicate
    assert Block.objects.count() == 1
    assert Issue.objects.filter(status=IssueStatus.DRAFT).count() == 1
    client.post(
        reverse("scanning:item-newsletter", args=[world["national_item"].pk]),
        {"cluster": managed.pk},
    )
    assert list(block.issue.blocks.values_list("object_id", flat=True)) == [
        item.pk,
        world["national_item"].pk,
    ]
    client.force_login(world["member"])
    assert client.post(url, {"cluster": managed.pk}).status_code == 403


def test_digest_opt_in_and_weekly_mail(client: Any, world: dict[str, Any]) -> None:
    from samverka.actors.models import FocusArea

    member = world["member"]
    client.force_login(member)
    client.post(reverse("scanning:digest"), {"active": "1"})
    assert DigestSubscription.objects.get(user=member).active
    world["own_item"].focus_areas.add(
        FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    )
    assert send_weekly_digests.call() == 2  # the member, and the cluster's managers
    # Mails go out in the site's language (users have no stored language yet).
    assert sorted(m.to for m in mail.outbox) == sorted([[member.email], [world["manager"].email]])
    to_manager = next(m for m in mail.outbox if m.to == [world["manager"].email])
    assert to_manager.subject.startswith("Managed Cluster: 1 ")
    assert "Cluster call" in to_manager.body
    to_member = next(m for m in mail.outbox if m.to == [member.email])
    assert "Cluster call" in to_member.body
    assert "National news" not in to_member.body
    assert send_weekly_digests.call() == 0  # once a week
    client.post(reverse("scanning:digest"), {"active": "0"})
    assert not DigestSubscription.objects.get(user=member).active


def test_save_as_good_example(client: Any, world: dict[str, Any]) -> None:
    from samverka.scanning import services

    if not services.good_example_available():
        pytest.skip("the knowledge hub has no create_from_item")
    client.force_login(world["manager"])
    response = client.post(
        reverse("scanning:item-example", args=[world["own_item"].pk]),
        {"cluster": world["managed"].pk},
        follow=True,
    )
    assert "Saved as a draft good example" in response.content.decode()
    from samverka.knowledge.models import GoodExample

    example = GoodExample.objects.get()
    assert example.title == "Cluster call"
    client.force_login(world["member"])
    response = client.post(
        reverse("scanning:item-example", args=[world["own_item"].pk]),
        {"cluster": world["managed"].pk},
    )
    assert response.status_code == 403


def test_pages_render_for_a_manager(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["manager"])
    for name in (
        "scanning:folders",
        "scanning:opml-import",
        "scanning:source-add",
        "scanning:sources",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    page = client.get(world["own_item"].get_absolute_url()).content.decode()
    assert "Add to the curated feed" in page
    assert "Add to newsletter" in page
    partial = client.get(reverse("scanning:index"), headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<div id="results"')


def test_national_item_page_for_anonymous_has_no_team_forms(
    client: Any, world: dict[str, Any]
) -> None:
    page = client.get(world["national_item"].get_absolute_url()).content.decode()
    assert "National news" in page
    assert "Your rating and note" not in page
    assert "Add to newsletter" not in page
