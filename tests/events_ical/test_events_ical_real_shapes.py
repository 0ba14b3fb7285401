"""Calendars in the shapes real exporters publish (issue 16, "iCalendar"): one small calendar per
class of problem in ``data/``, imported as the source means it and published back so that a
client reading the feed sees what the API shows."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from django.core import mail

from samverka.events import services
from samverka.events.ical_import import import_calendar
from samverka.events.models import Event, EventOverride

DATA = Path(__file__).parent / "data"
STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def _english(english): ...


def imported(name: str, **kwargs: Any) -> Any:
    report = import_calendar((DATA / name).read_bytes(), **kwargs)
    assert report.ok, report.errors or report.file_error
    return report


def parsed(content: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(content)


def fetch(client: Any, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200, url
    return parsed(response.content)


def api(client: Any, start: str, end: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/events/occurrences?start={start}&end={end}")
    assert response.status_code == 200, response.content
    return response.json()


def expanded(cal: icalendar.Calendar, start: date, end: date) -> list[icalendar.Event]:
    """The occurrences a client computes from a feed (recurring-ical-events applies the
    calendar's X-WR-TIMEZONE, as Google and others do)."""
    found = recurring_ical_events.of(cal).between(start, end)
    return sorted(found, key=lambda c: _instant(c.decoded("DTSTART")))


def unescaped(text: str) -> str:
    """An RFC 5545 TEXT value unescaped (icalendar leaves properties it does not know raw)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


def _instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=STHLM)
    return datetime.combine(value, datetime.min.time(), tzinfo=STHLM)


PARAGRAPHS = (
    "Välkomna till nätverksträffen!\n\nVi börjar med fika kl. 9.30.\n\nAgenda:\n"
    "1. Läget i klustret; nya medlemmar\n2. Studiebesök, våren 2027\n\n"
    "Hälsningar,\nAnna \\ Vallklustret"
)


@pytest.mark.django_db
def test_multi_paragraph_description_is_escaped_in_feeds_and_invitations(client, make_cluster):
    cluster = make_cluster("Vallklustret", slug="vall")
    imported("exchange_paragraphs.ics", cluster=cluster)
    series = Event.objects.get(title="Nätverksträff: Vall, bete och klimat")
    for url in ("/calendar.ics", "/clusters/vall/calendar.ics"):
        cal = fetch(client, url)
        [master] = [v for v in cal.walk("VEVENT") if str(v["UID"]) == series.uid]
        assert str(master["DESCRIPTION"]) == PARAGRAPHS
        assert str(master["LOCATION"]) == "Jamtli, Östersund"
        occurrences = expanded(cal, date(2027, 1, 1), date(2027, 8, 1))
        titles = [str(o["SUMMARY"]) for o in occurrences]
        assert titles.count("Nätverksträff: Vall, bete och klimat") == 6
        assert "Studiebesök" in titles
    services.register(
        event=series,
        name='Anna "Vall" Ek\nAB',
        email="anna@example.se",
        organisation_name="",
        gender="",
        contact_consent=False,
        user=None,
    )
    [message] = mail.outbox
    [(_filename, content, _mimetype)] = message.attachments
    invitation = parsed(content.encode() if isinstance(content, str) else content)
    [vevent] = invitation.walk("VEVENT")
    assert str(vevent["DESCRIPTION"]) == PARAGRAPHS
    assert len(expanded(invitation, date(2027, 1, 1), date(2027, 8, 1))) == 6


@pytest.mark.django_db
def test_occurrences_given_only_as_modifications_are_all_kept(client):
    report = imported("google_instances.ics")
    assert (report.created, report.errors) == (3, [])
    shown = api(client, "2027-02-01", "2027-03-31")
    assert [(o["title"], o["start"]) for o in shown] == [
        ("Styrgruppsmöte", "2027-02-02T13:00:00+01:00"),
        ("Styrgruppsmöte (flyttat)", "2027-02-16T14:00:00+01:00"),
        ("Styrgruppsmöte", "2027-03-02T13:00:00+01:00"),
    ]
    assert shown[1]["place"] == "Länsstyrelsen"
    feed = expanded(fetch(client, "/calendar.ics"), date(2027, 2, 1), date(2027, 3, 31))
    assert [_instant(c.decoded("DTSTART")) for c in feed] == [
        datetime.fromisoformat(o["start"]) for o in shown
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "google.ics",
        "outlook.ics",
        "odd_tzids.ics",
        "exchange_paragraphs.ics",
        "google_instances.ics",
        "google_utc_series.ics",
        "lotus_rdates.ics",
        "lightning_allday_change.ics",
        "zimbra_thisandfuture.ics",
        "icloud_stale_v1.ics",
        "holidays_sloppy.ics",
    ],
)
def test_second_import_changes_nothing(name):
    first = imported(name)
    rows = list(EventOverride.objects.values_list("recurrence_id", "start", "title"))
    events = list(Event.objects.values_list("uid", "sequence", "start", "rrule", "rdates"))
    second = imported(name)
    assert (second.created, second.updated) == (0, 0)
    assert second.unchanged == first.created + first.updated
    assert list(EventOverride.objects.values_list("recurrence_id", "start", "title")) == rows
    assert list(Event.objects.values_list("uid", "sequence", "start", "rrule", "rdates")) == events


@pytest.mark.django_db
def test_series_anchored_in_utc_keeps_local_time_across_dst(client):
    imported("google_utc_series.ics")
    shown = api(client, "2027-03-01", "2027-04-30")
    # 10:00 in Stockholm every Monday, before and after the change on 28 March.
    assert [o["start"] for o in shown] == [
        "2027-03-15T10:00:00+01:00",
        "2027-03-22T10:00:00+01:00",
        "2027-03-29T10:00:00+02:00",
        "2027-04-05T10:00:00+02:00",
    ]
    cal = fetch(client, "/calendar.ics")
    assert str(cal["X-WR-TIMEZONE"]) == "Europe/Stockholm"
    feed = expanded(cal, date(2027, 3, 1), date(2027, 4, 30))
    assert [_instant(c.decoded("DTSTART")) for c in feed] == [
        datetime.fromisoformat(o["start"]) for o in shown
    ]


@pytest.mark.django_db
def test_stale_modification_is_dropped_when_the_series_no_longer_reaches_it(client):
    imported("icloud_stale_v1.ics")
    assert EventOverride.objects.count() == 1
    report = imported("icloud_stale_v2.ics")
    assert report.updated >= 1
    assert not EventOverride.objects.exists()
    shown = api(client, "2027-01-01", "2027-02-28")
    assert [(o["title"], o["start"][:10]) for o in shown] == [
        ("Veckomöte", "2027-01-11"),
        ("Veckomöte", "2027-01-25"),
    ]
    feed = fetch(client, "/calendar.ics")
    assert [v for v in feed.walk("VEVENT") if "RECURRENCE-ID" in v] == []


@pytest.mark.django_db
def test_stale_modification_is_dropped_when_the_series_is_edited(client):
    imported("icloud_stale_v1.ics")
    event = Event.objects.get()
    services.update_event(None, event, {"rrule": "FREQ=WEEKLY;INTERVAL=2;COUNT=2"})
    assert not EventOverride.objects.exists()


@pytest.mark.django_db
def test_all_day_modification_of_a_timed_series_stays_all_day(client):
    imported("lightning_allday_change.ics")
    shown = api(client, "2027-05-01", "2027-06-01")
    assert [(o["start"], o["all_day"]) for o in shown] == [
        ("2027-05-04T09:00:00+02:00", False),
        ("2027-05-11T00:00:00+02:00", True),
        ("2027-05-18T09:00:00+02:00", False),
        ("2027-05-25T09:00:00+02:00", False),
    ]
    assert shown[1]["end"] == "2027-05-12T00:00:00+02:00"
    cal = fetch(client, "/calendar.ics")
    [change] = [v for v in cal.walk("VEVENT") if "RECURRENCE-ID" in v]
    assert change["DTSTART"].params["VALUE"] == "DATE"
    assert change.decoded("DTSTART") == date(2027, 5, 11)
    assert change.decoded("DTEND") == date(2027, 5, 12)
    assert change.decoded("RECURRENCE-ID") == datetime(2027, 5, 11, 9, tzinfo=STHLM)
    feed = expanded(cal, date(2027, 5, 1), date(2027, 6, 1))
    assert [c.decoded("DTSTART") for c in feed][1] == date(2027, 5, 11)


@pytest.mark.django_db
def test_this_and_future_changes_the_later_occurrences_too(client):
    imported("zimbra_thisandfuture.ics")
    shown = api(client, "2027-01-01", "2027-03-01")
    assert [(o["title"], o["start"]) for o in shown] == [
        ("Projektmöte", "2027-01-07T10:00:00+01:00"),
        ("Projektmöte", "2027-01-14T10:00:00+01:00"),
        ("Projektmöte (ny tid)", "2027-01-21T14:00:00+01:00"),
        ("Projektmöte (ny tid)", "2027-01-28T14:00:00+01:00"),
        ("Projektmöte (ny tid)", "2027-02-04T14:00:00+01:00"),
    ]
    cal = fetch(client, "/calendar.ics")
    [change] = [v for v in cal.walk("VEVENT") if "RECURRENCE-ID" in v]
    assert change["RECURRENCE-ID"].params["RANGE"] == "THISANDFUTURE"
    feed = expanded(cal, date(2027, 1, 1), date(2027, 3, 1))
    assert [_instant(c.decoded("DTSTART")) for c in feed] == [
        datetime.fromisoformat(o["start"]) for o in shown
    ]


@pytest.mark.django_db
def test_bad_values_are_refused_naming_component_and_line():
    report = import_calendar((DATA / "bad_values.ics").read_bytes())
    assert not report.ok
    assert [str(e) for e in report.errors] == [
        "VEVENT 1 (UID kurs-2027@forening.example): line 10: RDATE holds 10:00:00, a time "
        "without a date",
        "VEVENT 2 (UID stamma-2027@forening.example): line 16: DTSTART is given 2 times; it may "
        "be given only once",
    ]
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_sloppy_exports_are_read_with_warnings(client):
    report = imported("holidays_sloppy.ics")
    assert report.created == 2
    assert report.warnings == [
        "VEVENT 1 (UID nyarsdagen-2027@helgdagar.example): an empty RRULE was left out",
        "VEVENT 2 (UID trettondedag-2027@helgdagar.example): an empty RRULE was left out",
        "VEVENT 3 (UID trettondedag-2027@helgdagar.example): an empty RRULE was left out",
        "VEVENT 2 (UID trettondedag-2027@helgdagar.example): the UID appears twice in the "
        "file; VEVENT 3 (UID trettondedag-2027@helgdagar.example) is imported",
    ]
    assert sorted(Event.objects.values_list("title", "rrule")) == [
        ("Nyårsdagen", ""),
        ("Trettondedag jul", ""),
    ]
    assert Event.objects.get(title="Trettondedag jul").sequence == 1


@pytest.mark.django_db
def test_same_uid_twice_keeps_the_newest_by_last_modified_then_dtstamp():
    calendar = (DATA / "holidays_sloppy.ics").read_bytes().decode()
    # The same SEQUENCE: the later DTSTAMP decides, whichever copy comes first.
    swapped = calendar.replace("SEQUENCE:1\r\n", "SEQUENCE:0\r\n")
    report = import_calendar(swapped.encode())
    assert report.ok
    assert Event.objects.get(uid="trettondedag-2027@helgdagar.example").title == (
        "Trettondedag jul"
    )
    Event.objects.all().delete()
    older_stamp = swapped.replace(
        "DTSTAMP:20261101T000000Z\r\n",
        "DTSTAMP:20261101T000000Z\r\nLAST-MODIFIED:20261202T000000Z\r\n",
    )
    assert import_calendar(older_stamp.encode()).ok
    assert Event.objects.get(uid="trettondedag-2027@helgdagar.example").title == "Trettondag"


def test_feed_escapes_every_text_it_writes_and_reads_back_the_same():
    """A unit check of the writer: the text types icalendar does not know (X-ALT-DESC,
    X-WR-CALNAME) are written as TEXT, not raw."""
    from samverka.events.ical import ical_text

    cal = icalendar.Calendar()
    cal.add("x-wr-calname", ical_text("Klustret\r\nNorr; Syd, \\ öst"))
    content = cal.to_ical()
    assert b"\n" not in content.replace(b"\r\n", b"")
    assert unescaped(str(parsed(content)["X-WR-CALNAME"])) == ("Klustret\nNorr; Syd, \\ öst")
