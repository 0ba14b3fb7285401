"""Export: calendar_bytes and invitation_bytes parsed back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from samverka.events.ical import calendar_bytes, invitation_bytes
from samverka.events.models import EventOverride

UTC = ZoneInfo("UTC")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Europe/Stockholm"))  # type: ignore[misc]


def _parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


@pytest.mark.django_db
def test_calendar_has_header_timezone_and_events(make_event, make_cluster, focus_area):
    cluster = make_cluster("Skogsklustret")
    event = make_event(
        "Nätverksträff",
        start=local(2026, 5, 12, 10),
        end=local(2026, 5, 12, 12),
        host=cluster,
        organisers=[cluster],
        focus_areas=[focus_area],
    )
    cal = _parse(calendar_bytes([event], name="Samverka", url="https://x.se/calendar.ics"))
    assert str(cal["VERSION"]) == "2.0"
    assert cal["PRODID"]
    assert str(cal["X-WR-CALNAME"]) == "Samverka"
    assert "METHOD" not in cal
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"]
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid
    assert vevent["DTSTART"].params["TZID"] == "Europe/Stockholm"
    assert vevent.decoded("DTSTART") == local(2026, 5, 12, 10)
    assert vevent.decoded("DTEND") == local(2026, 5, 12, 12)
    assert "DTSTAMP" in vevent
    assert set(vevent.categories) == {"Skogsklustret", "Vallodling"}


@pytest.mark.django_db
def test_all_day_multi_day_is_value_date_with_exclusive_end(make_event):
    event = make_event(start=local(2026, 6, 1), end=local(2026, 6, 4), all_day=True)
    (vevent,) = _parse(calendar_bytes([event], name="x")).walk("VEVENT")
    assert vevent["DTSTART"].params.get("VALUE") == "DATE"
    assert vevent.decoded("DTSTART") == date(2026, 6, 1)
    assert vevent.decoded("DTEND") == date(2026, 6, 4)


@pytest.mark.django_db
def test_override_is_written_with_recurrence_id(make_event):
    event = make_event(
        start=local(2026, 3, 2, 10),
        end=local(2026, 3, 2, 11),
        rrule="FREQ=WEEKLY;COUNT=10",
        exdates="20260309T100000",
    )
    EventOverride.objects.create(
        event=event,
        recurrence_id=local(2026, 3, 16, 10),
        start=local(2026, 3, 17, 13),
        end=local(2026, 3, 17, 14),
        title="Moved",
    )
    cal = _parse(calendar_bytes([event], name="x"))
    main, override = cal.walk("VEVENT")
    assert main["RRULE"]["FREQ"] == ["WEEKLY"]
    assert [d.dt for d in main["EXDATE"].dts] == [local(2026, 3, 9, 10)]
    assert override.decoded("RECURRENCE-ID") == local(2026, 3, 16, 10)
    assert override.decoded("DTSTART") - override.decoded("RECURRENCE-ID") == timedelta(
        days=1, hours=3
    )
    assert str(override["SUMMARY"]) == "Moved"


@pytest.mark.django_db
def test_invitation_request_and_cancel(make_event):
    event = make_event("Workshop")
    cal = _parse(invitation_bytes(event, attendee_email="anna@example.se", attendee_name="Anna"))
    assert str(cal["METHOD"]) == "REQUEST"
    (vevent,) = cal.walk("VEVENT")
    assert str(vevent["ATTENDEE"]) == "mailto:anna@example.se"
    assert vevent["ATTENDEE"].params["CN"] == "Anna"
    assert str(vevent["ORGANIZER"]).startswith("mailto:")
    cal = _parse(
        invitation_bytes(event, attendee_email="anna@example.se", attendee_name="", method="CANCEL")
    )
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


@pytest.mark.django_db
def test_event_over_the_october_dst_change(make_event):
    event = make_event(start=local(2026, 10, 24, 10), end=local(2026, 10, 25, 16))
    (vevent,) = _parse(calendar_bytes([event], name="x")).walk("VEVENT")
    start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
    assert (start.hour, end.hour) == (10, 16)
    assert start.utcoffset() == timedelta(hours=2)
    assert end.utcoffset() == timedelta(hours=1)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=31)


@pytest.mark.django_db
def test_other_zones_get_their_vtimezone(make_event):
    berlin = ZoneInfo("Europe/Berlin")
    event = make_event(
        start=datetime(2026, 3, 2, 9, tzinfo=berlin),
        end=datetime(2026, 3, 2, 10, tzinfo=berlin),
        timezone="Europe/Berlin",
        rrule="FREQ=WEEKLY;COUNT=3",
    )
    cal = _parse(calendar_bytes([event], name="x"))
    assert {str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")} == {
        "Europe/Stockholm",
        "Europe/Berlin",
    }
    (vevent,) = cal.walk("VEVENT")
    assert vevent["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert vevent.decoded("DTSTART").hour == 9
