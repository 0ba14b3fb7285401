"""Helpers of the personal-data tests (imported by their conftest and tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User

from samverka.actors.models import Person
from samverka.events.models import Event, EventStatus
from samverka.newsletters.models import Newsletter
from samverka.sluice import services as sluice
from samverka.sluice.models import HelpCase

EMAIL = "eva.ek@privacy.example"
#: Contains EMAIL as a substring: must never be touched by Eva's erasure.
NEIGHBOUR = "neva.ek@privacy.example"


@dataclass
class World:
    user: User
    person: Person
    event: Event
    case: HelpCase
    newsletter: Newsletter
    manager: User


def make_event(*, title: str, start: dt.datetime, capacity: int | None = None) -> Event:
    return Event.objects.create(
        title=title,
        start=start,
        end=start + dt.timedelta(hours=3),
        status=EventStatus.PUBLISHED,
        capacity=capacity,
    )


def make_case(*, email: str, name: str, title: str, source: str = "form") -> HelpCase:
    return sluice.submit_case(
        data={
            "title": title,
            "description": f"Call {name} at 070-123 45 67 or write to {email}.",
            "kind": "advice",
            "name": name,
            "email": email,
            "organisation_name": f"{name} Konsult",
            "phone": "070-123 45 67",
        },
        language="sv",
        consent_text="I agree that my request is handled by the network.",
        consent_version="2026-01",
        consent_source=source,
    )
