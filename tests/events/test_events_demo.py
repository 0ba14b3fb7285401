"""The events demo: what it loads, and that a second run writes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.apps import apps

from samverka.core.demo import load_demo
from samverka.events.demo import load_events_demo
from samverka.events.models import Event, EventShare, Registration
from samverka.events.occurrences import occurrences

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_events_demo_loads_once(english: Any) -> None:
    load_demo()
    first = load_events_demo()
    assert first["events"] == 9
    assert first["created"] > 0
    before = _row_counts()
    stamps = sorted(Event.objects.values_list("pk", "updated", "sequence"))
    again = load_events_demo()
    assert again["created"] == 0
    assert _row_counts() == before
    assert sorted(Event.objects.values_list("pk", "updated", "sequence")) == stamps
    assert all(e.is_demo for e in Event.objects.all())
    national = Event.objects.get(uid="demo-natverkstraff-2026@samverka")
    assert national.organisers.count() == 3
    assert EventShare.objects.filter(event=national).count() == 2
    assert Event.objects.filter(status="cancelled").count() == 1
    webinar = Event.objects.get(uid="demo-webbinarier-fossilfritt@samverka")
    found = occurrences(
        Event.objects.filter(pk=webinar.pk), dt.date(2026, 9, 1), dt.date(2026, 12, 31)
    )
    assert len(found) == 8
    members_only = Event.objects.get(uid="demo-medlemsmote-gcjh-2027@samverka")
    assert members_only.registrations.filter(status="waitlisted").count() == 1
    genders = set(Registration.objects.values_list("gender", flat=True))
    assert {"woman", "man"} <= genders
    assert Registration.objects.filter(attended=True, organisation__isnull=False).exists()
