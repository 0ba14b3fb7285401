"""Property tests of the iCalendar importer: arbitrary bytes, calendars whose VEVENT properties
are nasty and damaged real exports never crash it, never write part of a file, and always
report."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import transaction
from fuzz_support import NASTY_TEXT, TEST_DATA, cell, check_import, fuzz_settings, mutated
from hypothesis import example, given
from hypothesis import strategies as st

from samverka.actors.models import FocusArea
from samverka.events.importers import import_events

TABLES = ["events", "actors"]
DATA = TEST_DATA / "events_ical" / "data"
GOOGLE = (DATA / "google.ics").read_bytes()
OUTLOOK = (DATA / "outlook.ics").read_bytes()

PROPERTIES = {
    "UID": cell("a@example.se", "b@example.se", "u" * 255, "A@EXAMPLE.SE"),
    "SUMMARY": cell("Studiebesök", "Träff\\, vall", "S" * 300),
    "DTSTART": cell(
        "20261112T080000Z",
        "20261112",
        ";TZID=Europe/Stockholm:20261112T080000",
        ";TZID=W. Europe Standard Time:20261112T080000",
        ";VALUE=DATE:20261112",
        "20260230T080000Z",
        "99991231T235959Z",
    ),
    "DTEND": cell("20261112T150000Z", "20261113", "20261111T080000Z", ";VALUE=DATE:20261114"),
    "DURATION": cell("PT2H", "P1D", "-PT1H", "P99999W"),
    "LOCATION": cell("Jamtli\\, Östersund", "L" * 400),
    "DESCRIPTION": cell("<b>fet</b>", "rad\\nrad", "D" * 3000),
    "SEQUENCE": cell("0", "1", "2147483648", "-1", "99999999999999999999"),
    "STATUS": cell("CONFIRMED", "CANCELLED", "TENTATIVE"),
    "URL": cell("https://example.se/e", "https://example.se/" + "a" * 600, "javascript:x"),
    "CATEGORIES": cell("Vallodling", "Vallodling,Okänd", ""),
    "RRULE": cell("FREQ=WEEKLY;COUNT=3", "FREQ=DAILY;UNTIL=20261120T000000Z", "FREQ=YEARLY"),
    "EXDATE": cell("20261119T080000Z", ";VALUE=DATE:20261119"),
    "RECURRENCE-ID": cell("20261119T080000Z"),
    "LAST-MODIFIED": cell("20260825T101500Z", "20260230T000000Z"),
    "CLASS": cell("PUBLIC", "PRIVATE", "CONFIDENTIAL"),
}


@st.composite
def calendar(draw: Any) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Fuzz//SV"]
    for _ in range(draw(st.integers(1, 3))):
        names = draw(
            st.lists(st.sampled_from(list(PROPERTIES)), min_size=2, max_size=9, unique=True)
        )
        if draw(st.booleans()):
            names = [
                "UID",
                "SUMMARY",
                "DTSTART",
                *(n for n in names if n not in {"UID", "SUMMARY", "DTSTART"}),
            ]
        lines.append("BEGIN:VEVENT")
        for name in names:
            value = draw(PROPERTIES[name])
            if draw(st.sampled_from([False] * 5 + [True])):
                value = draw(st.sampled_from(NASTY_TEXT)).replace("\r", "").replace("\n", "")
            lines.append(f"{name}{value}" if value.startswith(";") else f"{name}:{value}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    return newline.join(lines).encode(draw(st.sampled_from(["utf-8"] * 5 + ["latin-1"])), "replace")


@pytest.fixture
def base(db: Any) -> None:
    FocusArea.objects.create(slug="vallodling", name_sv="Vallodling", name_en="Ley farming")


@fuzz_settings(0.5)
@given(data=st.binary(max_size=300))
@example(data=b"BEGIN:VCALENDAR\r\nEND:VCALENDAR")
@example(data=b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VEVENT\r\nEND:VCALENDAR")
def test_events_import_of_arbitrary_bytes_reports(base, data):
    check_import(import_events, b"BEGIN:VCALENDAR\r\n" + data, filename="e.ics", tables=TABLES)


@fuzz_settings()
@given(data=calendar())
def test_events_import_of_nasty_calendar_reports_or_imports_once(base, data):
    check_import(import_events, data, filename="e.ics", tables=TABLES)


@fuzz_settings(0.5)
@given(data=st.one_of(mutated(GOOGLE), mutated(OUTLOOK)))
@example(data=GOOGLE)
@example(data=OUTLOOK)
def test_events_import_of_damaged_export_reports_or_imports_once(base, data):
    check_import(import_events, data, filename="e.ics", tables=TABLES)


# --- crashes the properties found, kept as explicit cases -------------------------------------

VEVENT = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"


def test_events_unreadable_last_modified_is_reported(base):
    data = VEVENT.format(
        "UID:a@example.se\r\nSUMMARY:S\r\nDTSTART:20261112T080000Z\r\n"
        "LAST-MODIFIED:20260230T000000Z"
    ).encode()
    report = check_import(import_events, data, filename="e.ics", tables=TABLES)
    assert [e.column for e in report.errors] == ["VEVENT 1 (UID a@example.se)"]
    assert "LAST-MODIFIED" in report.errors[0].message


def test_events_lone_occurrence_imported_twice_stays_one_single_event(base):
    from samverka.events.models import Event, EventOverride

    data = VEVENT.format(
        "UID:a@example.se\r\nSUMMARY:S\r\nDTSTART:20261112T080000Z\r\n"
        "RECURRENCE-ID:20261119T080000Z"
    ).encode()
    with transaction.atomic():
        check_import(import_events, data, filename="e.ics", tables=TABLES)
        first = import_events(io.BytesIO(data), filename="e.ics")
        second = import_events(io.BytesIO(data), filename="e.ics")
        assert (first.created, second.created, second.updated) == (1, 0, 0)
        assert Event.objects.filter(uid="a@example.se", rrule="").count() == 1
        assert EventOverride.objects.count() == 0


def test_events_end_beyond_year_9999_is_reported(base):
    data = VEVENT.format("UID:a@example.se\r\nDTSTART:99991231T235959Z\r\nDURATION:P1D").encode()
    report = check_import(import_events, data, filename="e.ics", tables=TABLES)
    assert [e.column for e in report.errors] == ["VEVENT 1 (UID a@example.se)"]


def test_events_same_occurrence_changed_twice_is_reported(base):
    master = "UID:a@example.se\r\nDTSTART:20261112T080000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3"
    change = "UID:a@example.se\r\nDTSTART:20261119T090000Z\r\nRECURRENCE-ID:20261119T080000Z"
    data = VEVENT.format(
        "\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n".join(
            [master, change + "\r\nSEQUENCE:5", change + "\r\nSEQUENCE:0"]
        )
    ).encode()
    report = check_import(import_events, data, filename="e.ics", tables=TABLES)
    assert [e.column for e in report.errors] == ["VEVENT 3 (UID a@example.se)"]


def test_events_last_modified_given_twice_uses_the_first(base):
    data = VEVENT.format(
        "UID:a@example.se\r\nSUMMARY:S\r\nDTSTART:20261112T080000Z\r\n"
        "LAST-MODIFIED:20260825T101500Z\r\nLAST-MODIFIED:20260826T101500Z"
    ).encode()
    report = check_import(import_events, data, filename="e.ics", tables=TABLES)
    assert report.ok, report
