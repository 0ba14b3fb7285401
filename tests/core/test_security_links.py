"""Links people type in are http(s) only, checked in one place (``core.links``) for the API, the
forms and the services; a bad link stored before that is shown as text, never as a link."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone, translation

from samverka.actors.enums import Helix
from samverka.actors.models import Organisation
from samverka.actors.services import save_organisation
from samverka.api.models import ApiToken
from samverka.core.links import WebLinkField, is_safe_link
from samverka.events.models import Event, EventStatus
from samverka.events.services import create_event
from samverka.knowledge.models import GoodExample
from samverka.newsletters import services as newsletters
from samverka.newsletters.models import Block, BlockKind

BAD = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x",
    "ftp://example.se/fil",
]
STORED_BAD = "javascript:alert(document.cookie)"


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(role="platform_admin_superuser")


def bearer(user: User) -> dict[str, str]:
    _token, raw = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("https://example.se/a?b=c", True),
        ("http://example.se", True),
        ("/knowledge/exempel/", True),
        *[(value, False) for value in BAD[:-1]],
        ("/\\evil.example", False),
        ("/\t/evil.example", False),
        ("\x01javascript:alert(1)", False),
        ("", False),
        (None, False),
    ],
)
def test_is_safe_link(value: Any, safe: bool) -> None:
    assert is_safe_link(value) is safe


@pytest.mark.parametrize("value", BAD)
def test_form_field_refuses_other_schemes(value: str) -> None:
    field = WebLinkField(required=False)

    if value.startswith("//"):  # the form assumes https: for a scheme-relative address
        assert field.clean(value) == "https://evil.example/x"
        return
    with translation.override("en"):
        with pytest.raises(ValidationError) as refused:
            field.clean(value)
        messages = refused.value.messages

    assert messages == ["Enter a web address that starts with http:// or https://."]


def test_form_field_assumes_https() -> None:
    assert WebLinkField(required=False).clean("example.se") == "https://example.se"


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD)
def test_knowledge_api_refuses_other_schemes(client: Client, admin: User, value: str) -> None:
    auth = bearer(admin)
    payload = {"title": "Vallodling", "link": value, "published": True}

    response = client.post("/api/v1/knowledge", payload, content_type="application/json", **auth)
    created = client.post(
        "/api/v1/knowledge", {"title": "Skog"}, content_type="application/json", **auth
    ).json()
    patched = client.patch(
        f"/api/v1/knowledge/{created['slug']}",
        {"link": value},
        content_type="application/json",
        **auth,
    )

    assert (response.status_code, list(response.json()["errors"])) == (422, ["link"])
    assert (patched.status_code, list(patched.json()["errors"])) == (422, ["link"])
    assert list(GoodExample.objects.values_list("title", "link")) == [("Skog", "")]


@pytest.mark.django_db
def test_knowledge_api_keeps_a_web_link(client: Client, admin: User) -> None:
    payload = {"title": "Vallodling", "link": "https://example.se/vall"}

    response = client.post(
        "/api/v1/knowledge", payload, content_type="application/json", **bearer(admin)
    )

    assert response.status_code == 201
    assert GoodExample.objects.get().link == "https://example.se/vall"


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["javascript:alert(1)", "ftp://example.se/"])
def test_event_links_refuse_other_schemes(admin: User, value: str) -> None:
    start = timezone.now() + datetime.timedelta(days=10)
    data = {"title": "Träff", "start": start, "end": start + datetime.timedelta(hours=2)}

    with pytest.raises(ValidationError) as refused:
        create_event(admin, {**data, "online_url": value, "url": value})

    assert sorted(refused.value.message_dict) == ["online_url", "url"]
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_organisation_website_refuses_other_schemes(admin: User) -> None:
    data = {"name": "Skogsbolaget AB", "helix": Helix.COMPANY, "website": "ftp://example.se/"}

    with pytest.raises(ValidationError) as refused:
        save_organisation(actor=admin, data=data)

    assert list(refused.value.message_dict) == ["website"]


@pytest.mark.django_db
def test_newsletter_block_link_refuses_other_schemes(admin: User) -> None:
    newsletter = newsletters.create_newsletter(actor=admin, name="Nyheter", slug="nyheter")
    issue = newsletters.create_issue(newsletter=newsletter, actor=admin, subject="Nummer 1")

    with pytest.raises(ValidationError) as refused:
        newsletters.add_block(
            issue=issue, actor=admin, kind=BlockKind.TEXT, title="Läs", link="data:text/html,x"
        )

    assert list(refused.value.message_dict) == ["link"]
    assert not Block.objects.exists()


# Rendering: a value stored before the check (or around the services) is not a link ------------


def assert_not_linked(html: str) -> None:
    assert STORED_BAD in html  # shown as text where the page shows the address ...
    assert f'href="{STORED_BAD}"' not in html  # ... but never as a link


@pytest.mark.django_db
def test_stored_bad_links_are_not_rendered_as_links(admin: User) -> None:
    org = Organisation.objects.create(name="Gamla AB", helix=Helix.COMPANY, website=STORED_BAD)
    start = timezone.now() + datetime.timedelta(days=10)
    event = Event.objects.create(
        title="Gammal träff",
        start=start,
        end=start + datetime.timedelta(hours=1),
        status=EventStatus.PUBLISHED,
        online_url=STORED_BAD,
        url=STORED_BAD,
    )
    example = GoodExample.objects.create(
        title="Gammalt exempel", slug="gammalt", link=STORED_BAD, published=True
    )
    client = Client()

    organisation_page = client.get(f"/organisations/{org.pk}/").content.decode()
    event_page = client.get(f"/events/{event.uid}/").content.decode()
    example_page = client.get(example.get_absolute_url()).content.decode()

    assert "Gamla AB" in organisation_page
    assert f'href="{STORED_BAD}"' not in organisation_page
    assert_not_linked(event_page)
    assert "Gammalt exempel" in example_page
    assert STORED_BAD not in example_page  # the "read more" link is left out
