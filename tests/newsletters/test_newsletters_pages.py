"""Managers' pages (permissions, composing, exchange), the public archive, feeds, API and demo."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import feedparser
import pytest
from django.core import mail
from django.utils import timezone

from samverka.actors.models import Person
from samverka.clusters.models import Cluster, Membership
from samverka.events.models import Event, EventShare, EventStatus
from samverka.newsletters import services
from samverka.newsletters.demo import load_newsletters_demo
from samverka.newsletters.models import (
    Block,
    BlockKind,
    Delivery,
    Issue,
    IssueStatus,
    Newsletter,
    Subscription,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_issue(make_cluster):
    other = make_cluster("Other Cluster", slug="other")
    newsletter = Newsletter.objects.create(name="Other News", slug="other-news", cluster=other)
    issue = Issue.objects.create(
        newsletter=newsletter,
        subject="Spring issue",
        intro="<p>Spring intro</p>",
        status=IssueStatus.SENT,
        sent_at=timezone.now() - timedelta(days=3),
    )
    Block.objects.create(
        issue=issue, kind=BlockKind.TEXT, title="Testbed opens", body="<p>Come and test</p>"
    )
    return issue


def _event(cluster=None, *, days=10, title="Ley seminar", **fields):
    start = timezone.now() + timedelta(days=days)
    event = Event.objects.create(
        title=title,
        start=start,
        end=start + timedelta(hours=2),
        place="Östersund",
        status=EventStatus.PUBLISHED,
        host=cluster,
        **fields,
    )
    if cluster is not None:
        event.organisers.add(cluster)
    return event


# Permissions -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/newsletters/issues/{id}/",
        "/newsletters/issues/{id}/send/",
        "/newsletters/issues/{id}/preview/",
        "/newsletters/managed-news/manage/",
        "/newsletters/managed-news/subscribers/",
    ],
)
def test_manager_of_another_cluster_gets_403(client, draft, make_user, make_cluster, path):
    other = make_user()
    make_cluster().managers.add(other)
    client.force_login(other)

    assert client.get(path.format(id=draft.pk)).status_code == 403


def test_outsiders_cannot_compose_or_send(client, draft, make_user, member_user, subscribe_active):
    subscribe_active(draft.newsletter, "r@example.se")
    other = make_user()  # a manager of another cluster
    Cluster.objects.create(name="Elsewhere", slug="elsewhere").managers.add(other)

    anonymous_send = client.post(f"/newsletters/issues/{draft.pk}/send/")
    anonymous_compose = client.post(
        f"/newsletters/issues/{draft.pk}/", {"action": "text", "kind": "text", "title": "X"}
    )
    client.force_login(member_user[0])
    member_send = client.post(f"/newsletters/issues/{draft.pk}/send/")
    client.force_login(other)
    other_send = client.post(f"/newsletters/issues/{draft.pk}/send/")
    other_compose = client.post(
        f"/newsletters/issues/{draft.pk}/", {"action": "text", "kind": "text", "title": "X"}
    )

    assert anonymous_send.status_code == 302
    assert "/accounts/login/" in anonymous_send["Location"]
    assert anonymous_compose.status_code == 302
    assert member_send.status_code == 403
    assert other_send.status_code == 403
    assert other_compose.status_code == 403
    draft.refresh_from_db()
    assert draft.status == IssueStatus.DRAFT
    assert not draft.blocks.exists()
    assert not Delivery.objects.exists()


def test_national_newsletter_is_managed_by_platform_admins_only(client, make_user, cluster_manager):
    national = Newsletter.objects.create(name="National", slug="national")
    issue = Issue.objects.create(newsletter=national, subject="N1")
    manager, _ = cluster_manager
    admin = make_user(role="platform_admin")

    client.force_login(manager)
    assert client.get(f"/newsletters/issues/{issue.pk}/").status_code == 403
    client.force_login(admin)
    assert client.get(f"/newsletters/issues/{issue.pk}/").status_code == 200


def test_manager_creates_a_newsletter_only_for_their_cluster(client, cluster_manager, make_cluster):
    user, cluster = cluster_manager
    other = make_cluster()
    client.force_login(user)

    refused = client.post(
        "/newsletters/new/", {"name": "Theirs", "slug": "theirs", "cluster": other.pk}
    )
    national = client.post("/newsletters/new/", {"name": "Nat", "slug": "nat", "cluster": ""})
    created = client.post(
        "/newsletters/new/", {"name": "Ours", "slug": "ours", "cluster": cluster.pk}
    )

    assert refused.status_code == 200
    assert national.status_code == 200
    assert created.status_code == 302
    assert list(Newsletter.objects.values_list("slug", "cluster")) == [("ours", cluster.pk)]


def test_reserved_slug_is_refused(client, cluster_manager):
    user, cluster = cluster_manager
    client.force_login(user)

    response = client.post(
        "/newsletters/new/", {"name": "X", "slug": "bounces", "cluster": cluster.pk}
    )

    assert "reserved" in response.content.decode()
    assert not Newsletter.objects.exists()


# Composing ---------------------------------------------------------------------------------------


def test_compose_adds_reorders_and_removes_blocks(client, cluster_manager, draft):
    user, _ = cluster_manager
    client.force_login(user)
    url = f"/newsletters/issues/{draft.pk}/"

    client.post(url, {"action": "text", "kind": "text", "title": "First", "body": "<p>One</p>"})
    client.post(
        url,
        {
            "action": "text",
            "kind": "good_example",
            "title": "Second",
            "body": "<p>Two<script>x</script></p>",
            "link": "https://example.se/two",
        },
    )
    second = Block.objects.get(title="Second")
    client.post(url, {"action": "up", "block": second.pk})

    assert list(draft.blocks.values_list("title", flat=True)) == ["Second", "First"]
    assert "<script>" not in second.body
    client.post(url, {"action": "remove", "block": second.pk})
    assert list(draft.blocks.values_list("title", flat=True)) == ["First"]
    client.post(url, {"action": "issue", "subject": "New subject", "intro": "<p>Hi</p>"})
    draft.refresh_from_db()
    assert draft.subject == "New subject"


def test_htmx_move_answers_with_the_block_list_only(client, cluster_manager, draft):
    user, _ = cluster_manager
    first = Block.objects.create(issue=draft, kind=BlockKind.TEXT, title="First", position=0)
    Block.objects.create(issue=draft, kind=BlockKind.TEXT, title="Second", position=1)
    client.force_login(user)

    response = client.post(
        f"/newsletters/issues/{draft.pk}/",
        {"action": "down", "block": first.pk},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section aria-labelledby="blocks-heading" id="blocks">')
    assert body.index("Second") < body.index("First")
    assert list(draft.blocks.values_list("title", flat=True)) == ["Second", "First"]


def test_event_block_shows_time_in_stockholm_place_and_link(
    client, cluster_manager, draft, make_cluster
):
    user, cluster = cluster_manager
    own = _event(cluster, title="Own seminar")
    host = make_cluster()
    shared = _event(host, days=20, title="Shared workshop")
    EventShare.objects.create(event=shared, cluster=cluster)
    foreign = _event(host, days=30, title="Foreign event")
    _event(cluster, days=-10, title="Past event")
    client.force_login(user)

    page = client.get(f"/newsletters/issues/{draft.pk}/").content.decode()
    assert "Own seminar" in page
    assert "Shared workshop" in page
    assert "Foreign event" not in page
    assert "Past event" not in page
    client.post(f"/newsletters/issues/{draft.pk}/", {"action": "event", "event": shared.pk})
    refused = client.post(
        f"/newsletters/issues/{draft.pk}/", {"action": "event", "event": foreign.pk}
    )

    assert refused.status_code == 400
    block = draft.blocks.get()
    view = services.block_view(block)
    local = timezone.localtime(shared.start, ZoneInfo("Europe/Stockholm"))
    assert view["title"] == "Shared workshop"
    assert f"{local:%H:%M}" in view["when"]
    assert view["place"] == "Östersund"
    assert view["link"] == f"http://127.0.0.1:8000/events/{shared.uid}/"
    assert client.get(view["link"].removeprefix("http://127.0.0.1:8000")).status_code == 200
    assert own.pk != shared.pk


def test_exchange_includes_another_clusters_sent_block_with_attribution(
    client, cluster_manager, draft, sent_issue, settings
):
    settings.LANGUAGE_CODE = "en"  # mails are rendered in the site language
    user, _ = cluster_manager
    client.force_login(user)
    source = sent_issue.blocks.get()

    client.post(f"/newsletters/issues/{draft.pk}/", {"action": "shared", "block": source.pk})

    block = draft.blocks.get()
    assert block.kind == BlockKind.SHARED
    assert block.source_block == source
    assert block.attribution == "Other News"
    rendered = services.render_issue(draft)
    archive = f"http://127.0.0.1:8000/newsletters/other-news/{sent_issue.pk}/"
    assert "Testbed opens" in rendered.html
    assert f'href="{archive}"' in rendered.html
    assert "From" in rendered.html
    assert "Other News" in rendered.html
    assert f"From Other News: {archive}" in rendered.text


def test_exchange_refuses_drafts_of_others(client, cluster_manager, draft, sent_issue):
    user, _ = cluster_manager
    sent_issue.status = IssueStatus.DRAFT
    sent_issue.save()
    client.force_login(user)

    response = client.post(
        f"/newsletters/issues/{draft.pk}/",
        {"action": "shared", "block": sent_issue.blocks.get().pk},
    )

    assert response.status_code == 400
    assert not draft.blocks.exists()


def test_send_page_confirms_then_post_sends(
    client, cluster_manager, draft, subscribe_active, django_capture_on_commit_callbacks
):
    user, _ = cluster_manager
    subscribe_active(draft.newsletter, "r@example.se")
    client.force_login(user)

    confirm = client.get(f"/newsletters/issues/{draft.pk}/send/")
    assert "1 subscriber" in confirm.content.decode()
    assert Delivery.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/newsletters/issues/{draft.pk}/send/")

    draft.refresh_from_db()
    assert draft.status == IssueStatus.SENT
    assert [m.to for m in mail.outbox] == [["r@example.se"]]
    status = client.get(f"/newsletters/issues/{draft.pk}/").content.decode()
    assert 'id="delivery-counts"' in status


def test_preview_serves_the_mail_and_its_text_part(client, cluster_manager, draft):
    user, _ = cluster_manager
    Block.objects.create(issue=draft, kind=BlockKind.TEXT, title="Preview me")
    client.force_login(user)

    html = client.get(f"/newsletters/issues/{draft.pk}/preview/")
    text = client.get(f"/newsletters/issues/{draft.pk}/preview/?part=text")

    assert "Preview me" in html.content.decode()
    assert "'unsafe-inline'" in html["Content-Security-Policy"]
    assert text["Content-Type"].startswith("text/plain")
    assert "## Preview me" in text.content.decode()


def test_subscriber_export_csv(client, cluster_manager, newsletter, subscribe_active):
    user, _ = cluster_manager
    subscribe_active(newsletter, "r@example.se")
    client.force_login(user)

    response = client.get("/newsletters/managed-news/subscribers/?export=csv")
    xlsx = client.get("/newsletters/managed-news/subscribers/?export=xlsx")

    body = response.content.decode("utf-8-sig")
    assert "r@example.se" in body
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


# Public archive and feeds ------------------------------------------------------------------------


def test_archive_lists_only_sent_issues_and_renders_one(client, sent_issue):
    Issue.objects.create(newsletter=sent_issue.newsletter, subject="Secret draft")

    listing = client.get("/newsletters/other-news/").content.decode()
    page = client.get(f"/newsletters/other-news/{sent_issue.pk}/").content.decode()
    draft = Issue.objects.get(subject="Secret draft")

    assert "Spring issue" in listing
    assert "Secret draft" not in listing
    assert "Testbed opens" in page
    assert "Come and test" in page
    assert client.get(f"/newsletters/other-news/{draft.pk}/").status_code == 404


def test_index_lists_newsletters_with_subscribe_links(client, sent_issue, newsletter):
    page = client.get("/newsletters/").content.decode()

    assert "Other News" in page
    assert "Managed News" in page
    assert "/newsletters/other-news/#subscribe" in page


def test_rss_and_atom_feeds_parse_back(client, sent_issue):
    Issue.objects.create(newsletter=sent_issue.newsletter, subject="Secret draft")

    rss = feedparser.parse(client.get("/newsletters/other-news/rss/").content)
    atom = feedparser.parse(client.get("/newsletters/other-news/atom/").content)

    for feed in (rss, atom):
        assert feed.bozo == 0
        assert feed.feed.title == "Other News"
        assert [e.title for e in feed.entries] == ["Spring issue"]
        assert feed.entries[0].link.endswith(f"/newsletters/other-news/{sent_issue.pk}/")
    assert rss.version.startswith("rss")
    assert atom.version.startswith("atom")
    assert "Testbed opens" in rss.entries[0].description


# API ---------------------------------------------------------------------------------------------


def test_api_lists_newsletters_and_sent_issues(client, sent_issue):
    Issue.objects.create(newsletter=sent_issue.newsletter, subject="Secret draft")

    newsletters = client.get("/api/v1/newsletters").json()
    issues = client.get("/api/v1/newsletters/other-news/issues").json()
    detail = client.get(f"/api/v1/issues/{sent_issue.pk}").json()
    draft = Issue.objects.get(subject="Secret draft")

    assert [n["slug"] for n in newsletters] == ["other-news"]
    assert newsletters[0]["cluster"] == "other"
    assert [i["subject"] for i in issues] == ["Spring issue"]
    assert [b["title"] for b in detail["blocks"]] == ["Testbed opens"]
    assert client.get(f"/api/v1/issues/{draft.pk}").status_code == 404


def test_api_shows_drafts_to_the_newsletters_managers(client, sent_issue, make_user):
    manager = make_user()
    sent_issue.newsletter.cluster.managers.add(manager)
    draft = Issue.objects.create(newsletter=sent_issue.newsletter, subject="Secret draft")
    client.force_login(manager)

    issues = client.get("/api/v1/newsletters/other-news/issues").json()

    assert sorted(i["subject"] for i in issues) == ["Secret draft", "Spring issue"]
    assert client.get(f"/api/v1/issues/{draft.pk}").status_code == 200


# Demo --------------------------------------------------------------------------------------------


def test_demo_loads_newsletters_and_a_second_run_writes_nothing(make_cluster, make_organisation):
    for name in ("Alpha", "Beta"):
        cluster = make_cluster(name)
        organisation = make_organisation()
        Membership.objects.create(cluster=cluster, organisation=organisation)
        Person.objects.create(
            name=f"{name} Person",
            email=f"{name.lower()}@example.se",
            organisation=organisation,
            newsletter_consent=True,
            newsletter_consent_at=timezone.now(),
        )
        Person.objects.create(
            name=f"{name} No", email=f"{name.lower()}-no@example.se", organisation=organisation
        )

    first = load_newsletters_demo()
    rows = (Newsletter.objects.count(), Issue.objects.count(), Block.objects.count())
    second = load_newsletters_demo()

    assert first["newsletters"] == 3
    assert Issue.objects.filter(status=IssueStatus.SENT, is_demo=True).count() == 3
    assert Issue.objects.filter(status=IssueStatus.DRAFT, is_demo=True).count() == 1
    assert Block.objects.filter(kind=BlockKind.SHARED).count() == 1
    assert not Subscription.objects.filter(email__contains="-no@").exists()
    assert Subscription.objects.filter(newsletter__cluster__isnull=True).count() == 2
    assert second["created"] == 0
    assert (Newsletter.objects.count(), Issue.objects.count(), Block.objects.count()) == rows


@pytest.mark.parametrize(
    "model", ["newsletter", "issue", "subscription", "suppression", "delivery"]
)
def test_admin_lists_open_for_superusers(client, make_user, sent_issue, model):
    client.force_login(make_user(role="platform_admin_superuser"))

    assert client.get(f"/admin/newsletters/{model}/").status_code == 200
