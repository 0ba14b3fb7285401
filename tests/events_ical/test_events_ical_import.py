"""Importing iCalendar files: Outlook and Google samples, odd TZIDs, UID/SEQUENCE rules, errors."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.management import call_command

from samverka.events.ical import calendar_bytes, parse_date_list
from samverka.events.ical_import import import_calendar
from samverka.events.models import Event, EventStatus
from samverka.events.occurrences import occurrences

DATA = Path(__file__).parent / "data"
STHLM = ZoneInfo("Europe/Stockholm")
UTC = ZoneInfo("UTC")


@pytest.fixture(autouse=True)
def _english(english): ...


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)  # type: ignore[misc]


def ics(*events: str, extra: str = "") -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    text = f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{extra}{body}END:VCALENDAR\r\n"
    return text.replace("\n            ", "\r\n").encode()


def vevent(uid: str = "u1@example.se", seq: int = 0, title: str = "Träff", **props: str) -> str:
    lines = [
        f"UID:{uid}",
        "DTSTAMP:20260101T000000Z",
        "DTSTART;TZID=Europe/Stockholm:20260512T100000",
        "DTEND;TZID=Europe/Stockholm:20260512T120000",
        f"SEQUENCE:{seq}",
        f"SUMMARY:{title}",
    ]
    for name, value in props.items():
        lines.append(f"{name.replace('_', '-')}:{value}")
    return "\r\n".join(lines)


@pytest.mark.django_db
def test_outlook_sample_with_windows_tzids_and_dst(make_cluster):
    cluster = make_cluster("Skogsklustret", slug="skog")
    report = import_calendar((DATA / "outlook.ics").read_bytes(), cluster="skog")
    assert report.ok, report.errors
    assert (report.rows, report.created) == (3, 3)
    days = Event.objects.get(title="Skogsdagarna 2026")
    assert days.host == cluster
    assert list(days.organisers.all()) == [cluster]
    start = days.start.astimezone(STHLM)
    end = days.end.astimezone(STHLM)
    assert (start.hour, end.hour) == (10, 16)
    assert start.utcoffset() == timedelta(hours=2)
    assert end.utcoffset() == timedelta(hours=1)
    assert days.end - days.start == timedelta(hours=31)
    assert "<br>" in days.description
    assert days.place == "Campus Östersund, sal F234"

    series = Event.objects.get(uid="outlook-styrgrupp-2026@example.se")
    assert series.timezone == "Europe/Stockholm"
    assert series.sequence == 2
    found = occurrences(Event.objects.filter(pk=series.pk), date(2026, 10, 1), date(2027, 1, 1))
    # Every second Monday 10:00 local until 14 Dec, 2 Nov excluded, 16 Nov moved to 13:00 CET.
    assert [(o.start.date().isoformat(), o.start.hour) for o in found] == [
        ("2026-10-05", 10),
        ("2026-10-19", 10),
        ("2026-11-16", 13),
        ("2026-11-30", 10),
        ("2026-12-14", 10),
    ]
    assert found[2].title == "Styrgrupp (flyttad)"


@pytest.mark.django_db
def test_google_sample(make_cluster, focus_area):
    make_cluster(slug="mat")
    report = import_calendar((DATA / "google.ics").read_bytes(), cluster="mat")
    assert report.ok, report.errors
    assert report.created == 6  # 4 events, the 2 changed occurrences with their series
    visit = Event.objects.get(uid="5k2v9qj0b3d1r8m7c6n4p2s1t0@google.com")
    assert visit.start == datetime(2026, 11, 12, 8, tzinfo=UTC)
    assert visit.timezone == "Europe/Stockholm"
    assert "<script>" not in visit.description
    assert "onclick" not in visit.description
    assert '<a href="https://example.se/anmalan"' in visit.description
    assert list(visit.focus_areas.all()) == [focus_area]
    fair = Event.objects.get(title="Julmarknad")
    assert fair.all_day
    assert fair.start == local(2026, 12, 1)
    assert fair.end == local(2026, 12, 3)
    assert Event.objects.get(uid="cancelled-seminar@google.com").status == EventStatus.CANCELLED
    assert visit.status == EventStatus.PUBLISHED
    weekly = Event.objects.get(uid="weekly-check-in@google.com")
    assert weekly.rrule == "FREQ=WEEKLY;COUNT=12;BYDAY=MO"
    assert parse_date_list(weekly.rdates, STHLM) == [local(2026, 12, 3, 9)]
    assert parse_date_list(weekly.exdates, STHLM) == [local(2026, 10, 12, 9)]
    assert weekly.overrides.count() == 2
    assert weekly.overrides.get(recurrence_id=local(2026, 9, 28, 9)).cancelled


@pytest.mark.django_db
def test_odd_tzids():
    report = import_calendar((DATA / "odd_tzids.ics").read_bytes())
    assert report.ok, report.errors
    by_title = {e.title: e for e in Event.objects.all()}
    assert by_title["Slash"].start == local(2026, 6, 15, 10)
    assert by_title["Libical"].start == local(2026, 6, 15, 10)
    assert by_title["Windows Paris"].start == local(2026, 6, 15, 10)  # same offset as Stockholm
    assert by_title["Windows Paris"].timezone == "Europe/Paris"
    assert by_title["Floating"].start == local(2026, 6, 15, 10)
    assert by_title["UTC"].start == datetime(2026, 6, 15, 10, tzinfo=UTC)


@pytest.mark.django_db
def test_import_twice_and_sequence_rules():
    assert import_calendar(ics(vevent(seq=1))).created == 1
    again = import_calendar(ics(vevent(seq=1, title="Changed")))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert Event.objects.get().title == "Träff"
    lower = import_calendar(ics(vevent(seq=0, title="Older")))
    assert lower.unchanged == 1
    higher = import_calendar(ics(vevent(seq=2, title="Newer")))
    assert higher.updated == 1
    event = Event.objects.get()
    assert (event.title, event.sequence) == ("Newer", 2)
    modified = import_calendar(ics(vevent(seq=2, title="Edited", LAST_MODIFIED="20260301T120000Z")))
    assert modified.updated == 1
    assert Event.objects.get().title == "Edited"
    same = import_calendar(ics(vevent(seq=2, title="Again", LAST_MODIFIED="20260301T120000Z")))
    assert same.unchanged == 1
    assert Event.objects.count() == 1
    assert Event.objects.get().title == "Edited"


@pytest.mark.django_db
def test_uid_of_another_clusters_event_is_refused(make_cluster):
    make_cluster(slug="a")
    make_cluster(slug="b")
    assert import_calendar(ics(vevent()), cluster="a").ok
    report = import_calendar(ics(vevent(seq=5, title="Hijack")), cluster="b")
    assert not report.ok
    assert "another calendar" in str(report.errors[0])
    assert Event.objects.get().title == "Träff"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "not an iCalendar file"),
        (b"hello world", "not an iCalendar file"),
        (
            ics(vevent(uid="ok@x"), "UID:abc\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:No start"),
            "VEVENT 2 (UID abc): DTSTART missing",
        ),
        (
            ics(
                "UID:back\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260512T100000Z\r\n"
                "DTEND:20260512T090000Z"
            ),
            "VEVENT 1 (UID back): line 8: DTEND is before DTSTART",
        ),
    ],
)
@pytest.mark.django_db
def test_bad_calendars_name_the_problem_and_write_nothing(data, message, tmp_path):
    path = tmp_path / "bad.ics"
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "events", str(path), stdout=out, stderr=err)
    assert exit_info.value.code == 2
    assert message in err.getvalue()
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_cli_json_and_cluster(make_cluster, tmp_path):
    cluster = make_cluster(slug="skog")
    path = tmp_path / "g.ics"
    path.write_bytes((DATA / "google.ics").read_bytes())
    out = io.StringIO()
    call_command("import", "events", str(path), "--cluster", "skog", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ok"]
    assert data["created"] == 6
    assert {c["result"] for c in data["components"]} == {"created"}
    assert Event.objects.filter(host=cluster).count() == 4
    out = io.StringIO()
    call_command("import", "events", str(path), "--cluster", "skog", "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["unchanged"] == 6
    assert Event.objects.count() == 4


@pytest.mark.django_db
def test_unknown_cluster_exits_2(tmp_path):
    path = tmp_path / "g.ics"
    path.write_bytes(ics(vevent()))
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "events", str(path), "--cluster", "nope", stderr=err)
    assert "nope" in err.getvalue()


@pytest.mark.django_db
def test_round_trip_recurrence():
    import_calendar((DATA / "google.ics").read_bytes())
    source = icalendar.Calendar.from_ical((DATA / "google.ics").read_bytes())
    exported = icalendar.Calendar.from_ical(
        calendar_bytes(Event.objects.order_by("start"), name="x")
    )

    def series(cal: icalendar.Calendar) -> tuple:
        comps = [c for c in cal.walk("VEVENT") if str(c["UID"]) == "weekly-check-in@google.com"]
        master = next(c for c in comps if "RECURRENCE-ID" not in c)
        overrides = sorted(
            (c.decoded("RECURRENCE-ID"), c.decoded("DTSTART"), str(c.get("STATUS", "CONFIRMED")))
            for c in comps
            if "RECURRENCE-ID" in c
        )
        return (
            master["RRULE"].to_ical(),
            [d.dt for d in master["RDATE"].dts],
            [d.dt for d in master["EXDATE"].dts],
            master.decoded("DTSTART"),
            overrides,
        )

    assert series(exported) == series(source)
    # And importing our export again changes nothing.
    report = import_calendar(calendar_bytes(Event.objects.all(), name="x"))
    assert report.ok
    assert report.created == 0


@pytest.mark.django_db
def test_unusable_rrule_is_refused():
    report = import_calendar(ics(vevent(uid="r@x", RRULE="FREQ=MINUTELY")))
    assert not report.ok
    assert "VEVENT 1 (UID r@x): line 11, RRULE: FREQ=MINUTELY is not supported" in str(
        report.errors[0]
    )
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_all_day_series_round_trip():
    data = ics(
        "UID:fair@x\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:20260601\r\n"
        "DTEND;VALUE=DATE:20260602\r\nRRULE:FREQ=WEEKLY;UNTIL=20260629\r\n"
        "EXDATE;VALUE=DATE:20260615\r\nSUMMARY:Marknad"
    )
    assert import_calendar(data).created == 1
    event = Event.objects.get()
    assert event.all_day
    found = occurrences(Event.objects.all(), date(2026, 6, 1), date(2026, 7, 1))
    assert [o.start.date() for o in found] == [date(2026, 6, d) for d in (1, 8, 22, 29)]
    assert all(o.all_day for o in found)
    (vevent,) = icalendar.Calendar.from_ical(calendar_bytes([event], name="x")).walk("VEVENT")
    assert vevent["DTSTART"].params["VALUE"] == "DATE"
    assert [d.dt for d in vevent["EXDATE"].dts] == [date(2026, 6, 15)]
    assert vevent["RRULE"].to_ical() == b"FREQ=WEEKLY;UNTIL=20260629"


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    path = tmp_path / "g.ics"
    path.write_bytes((DATA / "google.ics").read_bytes())
    out = io.StringIO()
    call_command("import", "events", str(path), "--dry-run", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["created"] == 6
    assert data["written"] is False
    assert not Event.objects.exists()
