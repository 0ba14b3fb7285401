"""Property test of the iCalendar feeds (issue 16): whatever text an event, its clusters and its
focus areas hold, ``/calendar.ics`` and the cluster feed answer 200 and read back, with the
icalendar library, to the same text (line breaks as LF; the control characters RFC 5545 forbids
in TEXT left out)."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from fuzz_support import NASTY_TEXT, fuzz_settings
from hypothesis import example, given
from hypothesis import strategies as st

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.events.ical import html_to_text
from samverka.events.models import Event, EventStatus

# What the databases store: no lone surrogates (not UTF-8) and no NUL (PostgreSQL refuses it).
_characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_pieces = st.one_of(
    st.text(_characters, max_size=30),
    st.sampled_from(
        [t.replace("\x00", "") for t in NASTY_TEXT]
        + ["\n\n", "a\n\nb", "\r\n\r\n", "\r", "\\", "\\n", "\\,", "\\;", ";", ",", ":", '"']
        + ["😀" * 40, "\U0010fffd", "\x01\x1f\x7f", "\t", " " * 90, "ä" * 100]
    ),
)
text = st.lists(_pieces, min_size=1, max_size=4).map("".join)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff]")


def as_feed_text(value: str) -> str:
    """What a feed may carry of ``value``: line breaks as LF, no forbidden control characters
    and no byte-order marks.

    A literal backslash-N is a line break too: icalendar's TEXT writer reads it as the RFC's
    ``\\N`` line break before escaping (its documented normalisation).
    """
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\\N", "\n")
    return _CONTROL.sub("", value)


def unescaped(value: str) -> str:
    """An RFC 5545 TEXT value unescaped (icalendar leaves properties it does not know raw)."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


@pytest.fixture
def client() -> Client:
    return Client()


def _feed(client: Client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return icalendar.Calendar.from_ical(response.content)


@fuzz_settings(0.5)
@given(
    title=text,
    description=text,
    place=text,
    url_path=text,
    cluster_name=text,
    organiser_name=text,
    area_name=text,
    recurring=st.booleans(),
)
@example(
    title="Träff\n\nDel 2",
    description="Stycke ett.\n\nStycke två; med, tecken \\ och\r\nCRLF",
    place="Jamtli, Östersund\n\nEntré B",
    url_path="a b",
    cluster_name="Klustret\r\nNorr",
    organiser_name='"Citat" ; komma, \\',
    area_name="Vall\x01odling",
    recurring=True,
)
@pytest.mark.django_db
def test_feeds_answer_and_read_back_whatever_the_text(
    client: Client,
    title: str,
    description: str,
    place: str,
    url_path: str,
    cluster_name: str,
    organiser_name: str,
    area_name: str,
    recurring: bool,
) -> None:
    with transaction.atomic():
        host = Cluster.objects.create(name=cluster_name[:200], slug="vard")
        other = Cluster.objects.create(name=organiser_name[:200], slug="annan")
        area = FocusArea.objects.create(slug="omrade", name_sv=area_name[:100], name_en="x")
        start = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
        event = Event.objects.create(
            title=title[:300],
            description=description,
            place=place[:300],
            url="https://example.se/" + url_path[:200],
            start=start,
            end=start + timedelta(hours=2),
            status=EventStatus.PUBLISHED,
            host=host,
            rrule="FREQ=WEEKLY;COUNT=3" if recurring else "",
        )
        event.organisers.set([host, other])
        event.focus_areas.set([area])
        if recurring:
            event.overrides.create(
                recurrence_id=start + timedelta(days=7),
                start=start + timedelta(days=7, hours=1),
                end=start + timedelta(days=7, hours=2),
                title=title[:300] + "!",
                place=place[:300],
            )
        for url in ("/calendar.ics", "/clusters/vard/calendar.ics"):
            cal = _feed(client, url)
            vevents = cal.walk("VEVENT")
            assert len(vevents) == (2 if recurring else 1)
            master = vevents[0]
            assert str(master["SUMMARY"]) == as_feed_text(event.title)
            if html_to_text(event.description):
                assert str(master["DESCRIPTION"]) == as_feed_text(html_to_text(event.description))
                assert unescaped(str(master["X-ALT-DESC"])) == as_feed_text(event.description)
            if event.place:
                assert str(master["LOCATION"]) == as_feed_text(event.place)
            cats = master.get("CATEGORIES")
            names = [str(c) for c in (cats.cats if cats is not None else [])]
            for name in (host.name, other.name):
                if as_feed_text(name):
                    assert as_feed_text(name) in names
            if not re.search(r"[\r\n\\]", event.url):  # a URI is not TEXT: no escapes
                assert str(master["URL"]) == event.url
            if recurring:
                assert str(vevents[1]["SUMMARY"]) == as_feed_text(event.title + "!")
        calname = unescaped(str(_feed(client, "/clusters/vard/calendar.ics")["X-WR-CALNAME"]))
        assert calname == as_feed_text(host.name)
        transaction.set_rollback(True)
