"""Occurrences: half-open ranges, recurrence across daylight-saving changes, overrides."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from samverka.events.models import Event, EventOverride, EventStatus, Visibility
from samverka.events.occurrences import occurrences

STHLM = ZoneInfo("Europe/Stockholm")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)  # type: ignore[misc]


@pytest.mark.django_db
def test_half_open_range(make_event):
    make_event("ends at start", start=local(2026, 5, 9, 22), end=local(2026, 5, 10))
    make_event("starts at end", start=local(2026, 5, 12), end=local(2026, 5, 12, 2))
    make_event("multi-day across", start=local(2026, 5, 8, 9), end=local(2026, 5, 14, 15))
    make_event("inside", start=local(2026, 5, 11, 9), end=local(2026, 5, 11, 10))
    make_event("instant at start", start=local(2026, 5, 10), end=local(2026, 5, 10))
    found = occurrences(Event.objects.all(), date(2026, 5, 10), date(2026, 5, 12))
    assert [o.title for o in found] == ["multi-day across", "instant at start", "inside"]


@pytest.mark.django_db
def test_weekly_event_keeps_local_time_across_dst(make_event):
    make_event(
        "Weekly",
        start=local(2026, 10, 12, 10),
        end=local(2026, 10, 12, 11),
        rrule="FREQ=WEEKLY;COUNT=4",
    )
    found = occurrences(Event.objects.all(), date(2026, 10, 1), date(2026, 11, 30))
    assert [o.start for o in found] == [local(2026, 10, d, 10) for d in (12, 19, 26)] + [
        local(2026, 11, 2, 10)
    ]
    assert [o.start.utcoffset() for o in found] == [timedelta(hours=h) for h in (2, 2, 1, 1)]
    assert all(o.end - o.start == timedelta(hours=1) for o in found)
    assert all(o.recurrence_id == o.start for o in found)


@pytest.mark.django_db
def test_exdate_rdate_and_overrides(make_event):
    event = make_event(
        "Series",
        start=local(2026, 3, 2, 10),
        end=local(2026, 3, 2, 11),
        rrule="FREQ=WEEKLY;COUNT=4",
        exdates="20260309T100000",
        rdates="20260401T140000",
    )
    EventOverride.objects.create(
        event=event,
        recurrence_id=local(2026, 3, 16, 10),
        start=local(2026, 3, 17, 13),
        end=local(2026, 3, 17, 14),
        title="Moved",
    )
    EventOverride.objects.create(
        event=event,
        recurrence_id=local(2026, 3, 23, 10),
        start=local(2026, 3, 23, 10),
        end=local(2026, 3, 23, 11),
        cancelled=True,
    )
    found = occurrences(Event.objects.all(), date(2026, 3, 1), date(2026, 4, 30))
    assert [(o.start, o.title, o.cancelled) for o in found] == [
        (local(2026, 3, 2, 10), "Series", False),
        (local(2026, 3, 17, 13), "Moved", False),
        (local(2026, 3, 23, 10), "Series", True),
        (local(2026, 4, 1, 14), "Series", False),
    ]
    assert found[1].recurrence_id == local(2026, 3, 16, 10)


@pytest.mark.django_db
def test_all_day_occurrence(make_event):
    make_event(
        "Fair",
        start=local(2026, 6, 1),
        end=local(2026, 6, 3),
        all_day=True,
        status=EventStatus.CANCELLED,
        visibility=Visibility.PUBLIC,
    )
    (o,) = occurrences(Event.objects.all(), date(2026, 6, 2), date(2026, 6, 3))
    assert o.all_day
    assert o.cancelled
    assert o.end_date == date(2026, 6, 2)
    assert occurrences(Event.objects.all(), date(2026, 6, 3), date(2026, 6, 4)) == []


@pytest.mark.django_db
def test_broken_rule_does_not_break_the_range(make_event, caplog):
    make_event("Broken", start=local(2026, 5, 4, 10), end=local(2026, 5, 4, 11), rrule="FREQ=")
    make_event("Fine", start=local(2026, 5, 5, 10), end=local(2026, 5, 5, 11))
    found = occurrences(Event.objects.all(), date(2026, 5, 1), date(2026, 6, 1))
    assert [o.title for o in found] == ["Broken", "Fine"]
