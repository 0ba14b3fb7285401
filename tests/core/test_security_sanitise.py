"""User HTML loses scripts, event handlers and javascript: links when saved (the services) and
again when rendered (the ``sanitise`` filter), so rows written around the services are safe too."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.actors.services import save_organisation
from samverka.clusters.models import Cluster
from samverka.clusters.services import save_cluster
from samverka.events.models import Event, EventStatus
from samverka.events.services import create_event
from samverka.knowledge.models import GoodExample
from samverka.knowledge.services import save_example
from samverka.newsletters import services as newsletters
from samverka.newsletters.models import Block, BlockKind, Issue

EVIL = (
    "<p>Hej <strong>alla</strong></p><script>alert(1)</script>"
    '<img src="x" onerror="alert(2)"><a href="javascript:alert(3)">klicka</a>'
    '<p onclick="alert(4)">text</p><iframe src="https://evil.example"></iframe>'
)


def assert_clean(html: str) -> None:
    """No live script, handler, javascript: link or frame (escaped text, e.g. in a textarea of
    an edit form, is harmless and allowed)."""
    assert not re.search(r"<script[^>]*>\s*alert", html, re.IGNORECASE)
    assert not re.search(r"<[a-z][^>]*\son(error|click)\s*=", html, re.IGNORECASE)
    assert not re.search(r"<a[^>]*href=[\"']?\s*javascript:", html, re.IGNORECASE)
    assert "<iframe" not in html.lower()
    assert "<strong>alla</strong>" in html  # the harmless markup stays


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(role="platform_admin_superuser")


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def _event_data(**extra: Any) -> dict[str, Any]:
    start = timezone.now() + datetime.timedelta(days=10)
    return {
        "title": "Träff",
        "description": EVIL,
        "start": start,
        "end": start + datetime.timedelta(hours=2),
        **extra,
    }


def test_organisation_description(admin: User, make_organisation: Callable[..., Any]) -> None:
    saved = save_organisation(
        actor=admin, data={"name": "Skogsbolaget AB", "helix": Helix.COMPANY, "description": EVIL}
    )
    assert_clean(Organisation.objects.get(pk=saved.pk).description)
    Organisation.objects.filter(pk=saved.pk).update(description=EVIL)  # e.g. the Django admin
    assert_clean(Client().get(f"/organisations/{saved.pk}/").content.decode())


def test_cluster_description(admin: User) -> None:
    saved = save_cluster(
        actor=admin, data={"name": "Klustret", "slug": "klustret", "description": EVIL}
    )
    assert_clean(Cluster.objects.get(pk=saved.pk).description)
    Cluster.objects.filter(pk=saved.pk).update(description=EVIL)
    assert_clean(Client().get("/clusters/klustret/").content.decode())


def test_event_description(admin: User) -> None:
    event = create_event(admin, _event_data())
    assert_clean(Event.objects.get(pk=event.pk).description)
    Event.objects.filter(pk=event.pk).update(description=EVIL, status=EventStatus.PUBLISHED)
    assert_clean(Client().get(f"/events/{event.uid}/").content.decode())


def test_good_example_body(admin: User) -> None:
    example = save_example(
        actor=admin, data={"title": "Gott exempel", "body": EVIL, "published": True}
    )
    assert_clean(GoodExample.objects.get(pk=example.pk).body)
    GoodExample.objects.filter(pk=example.pk).update(body=EVIL)
    assert_clean(Client().get(example.get_absolute_url()).content.decode())


def test_newsletter_intro_and_blocks(admin: User, admin_client: Client) -> None:
    newsletter = newsletters.create_newsletter(actor=admin, name="Nyheter", slug="nyheter")
    issue = newsletters.create_issue(
        newsletter=newsletter, actor=admin, subject="Nummer 1", intro=EVIL
    )
    block = newsletters.add_block(
        issue=issue, actor=admin, kind=BlockKind.TEXT, title="Block", body=EVIL
    )
    assert_clean(Issue.objects.get(pk=issue.pk).intro)
    assert_clean(Block.objects.get(pk=block.pk).body)
    Issue.objects.filter(pk=issue.pk).update(intro=EVIL)
    Block.objects.filter(pk=block.pk).update(body=EVIL)
    mail = admin_client.get(f"/newsletters/issues/{issue.pk}/preview/")
    assert mail.status_code == 200
    assert_clean(mail.content.decode())
    page = admin_client.get(f"/newsletters/nyheter/{issue.pk}/")  # the archive page
    assert page.status_code == 200
    assert_clean(page.content.decode())
