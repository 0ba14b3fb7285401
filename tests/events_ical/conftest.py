"""Fixtures for the iCalendar tests: a factory for events."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from samverka.events.models import Event, EventStatus

DATA = Path(__file__).parent / "data"
STHLM = ZoneInfo("Europe/Stockholm")
_seq = itertools.count(1)


def local(*args: int) -> datetime:
    """A Stockholm local time."""
    return datetime(*args, tzinfo=STHLM)  # type: ignore[misc]


@pytest.fixture
def make_event(db: Any) -> Callable[..., Event]:
    def make(title: str | None = None, **fields: Any) -> Event:
        # By default a coming event (feeds leave out events over a year old).
        day = (timezone.now() + timedelta(days=30)).astimezone(STHLM).date()
        fields.setdefault("start", local(day.year, day.month, day.day, 10))
        fields.setdefault("end", local(day.year, day.month, day.day, 12))
        fields.setdefault("status", EventStatus.PUBLISHED)
        organisers = fields.pop("organisers", [])
        focus = fields.pop("focus_areas", [])
        event = Event.objects.create(title=title or f"Event {next(_seq)}", **fields)
        event.organisers.set(organisers)
        event.focus_areas.set(focus)
        return event

    return make
