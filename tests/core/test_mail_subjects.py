"""Mail subjects are plain text: "&", "<" and quotes go out as typed, never as HTML entities,
and on one line. The kinds of mail with a subject from a template are sent for real; every
subject template is also rendered with odd text everywhere, so that a new one is covered."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from samverka.core.mail import render_subject
from samverka.events import services as events
from samverka.events.models import Event, EventStatus
from samverka.newsletters import services as newsletters
from samverka.newsletters.models import Newsletter
from samverka.sluice import services as sluice

ODD = """Skog & Mark <AB> "Ek" 'Ås'"""
ENTITIES = ("&amp;", "&lt;", "&gt;", "&quot;", "&#x27;", "&#39;")
SRC = Path(__file__).resolve().parents[2] / "src" / "samverka"


def _plain(subject: str) -> None:
    assert ODD in subject, subject
    assert not any(entity in subject for entity in ENTITIES), subject
    assert "\n" not in subject


@pytest.mark.django_db
def test_registration_mails(make_user: Any) -> None:
    start = timezone.now() + dt.timedelta(days=10)
    event = Event.objects.create(
        title=ODD,
        start=start,
        end=start + dt.timedelta(hours=2),
        status=EventStatus.PUBLISHED,
        capacity=1,
    )
    first = events.register(event=event, name="A", email="a@x.example", gender="woman")
    events.register(event=event, name="B", email="b@x.example", gender="man")  # waiting list
    events.cancel_registration(first.registration, actor=None)  # B is promoted
    assert len(mail.outbox) >= 3
    for message in mail.outbox:
        _plain(message.subject)


@pytest.mark.django_db
def test_newsletter_confirmation_mail() -> None:
    newsletter = Newsletter.objects.create(name=ODD, slug="odd")
    newsletters.subscribe(newsletter=newsletter, email="reader@x.example", name="Reader")
    assert len(mail.outbox) == 1
    _plain(mail.outbox[0].subject)


@pytest.mark.django_db
def test_help_request_mails(
    make_user: Any, make_cluster: Any, django_capture_on_commit_callbacks: Any
) -> None:
    handler = make_user("handler")
    cluster = make_cluster("Odd", slug="odd", members=0)
    cluster.managers.add(handler)
    with django_capture_on_commit_callbacks(execute=True):
        sluice.submit_case(
            data={
                "title": ODD,
                "description": "x",
                "kind": "advice",
                "name": "Eva",
                "email": "eva@x.example",
                "organisation_name": "Ek AB",
                "phone": "",
            },
            language="sv",
            consent_text="ok",
            consent_version="1",
            consent_source="form",
        )
    assert mail.outbox
    for message in mail.outbox:
        _plain(message.subject)


class Anything:
    """A template variable whose every attribute, item and text is ODD."""

    def __getattr__(self, name: str) -> Anything:
        return self

    def __getitem__(self, key: Any) -> Anything:
        return self

    def __str__(self) -> str:
        return ODD


SUBJECTS = sorted(SRC.glob("*/templates/*/email/*_subject.txt"))


@pytest.mark.parametrize("path", SUBJECTS, ids=lambda path: path.name)
def test_every_subject_template_renders_plain_text(path: Path) -> None:
    text = path.read_text()
    names = set(re.findall(r"(?:=|\{\{)\s*(\w+)", text))
    context = {name: 2 if name == "count" else Anything() for name in names}
    subject = render_subject(str(path.relative_to(path.parents[2])), context)
    assert not any(entity in subject for entity in ENTITIES), subject
    assert "\n" not in subject


def test_no_subject_is_rendered_with_escaping() -> None:
    """Every mail subject goes through samverka.core.mail (render_mail or render_subject)."""
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if "render_to_string(" in (text := path.read_text()) and "_subject" in text
    ]
    assert offenders == []
