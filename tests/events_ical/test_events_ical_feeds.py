"""The public iCalendar feeds, the upload page and the subscription pages over HTTP."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from samverka.events.feed_views import webcal_url
from samverka.events.models import (
    CalendarSource,
    Event,
    EventShare,
    EventStatus,
    Visibility,
)

DATA = Path(__file__).parent / "data"
STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def _english(english): ...


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)  # type: ignore[misc]


def feed(client, url: str) -> icalendar.Calendar:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    for vevent in cal.walk("VEVENT"):
        for prop in ("UID", "DTSTAMP", "DTSTART"):
            assert prop in vevent, (prop, vevent)
    return cal


def summaries(cal: icalendar.Calendar) -> set[str]:
    return {str(v["SUMMARY"]) for v in cal.walk("VEVENT")}


@pytest.mark.django_db
def test_national_feed(client, make_event, make_cluster, focus_area):
    cluster = make_cluster("Skogsklustret")
    make_event("Open", host=cluster, organisers=[cluster], focus_areas=[focus_area])
    make_event("Draft", status=EventStatus.DRAFT)
    make_event("Members", visibility=Visibility.MEMBERS)
    make_event("Cancelled", status=EventStatus.CANCELLED, sequence=3)
    year = date.today().year + 1
    make_event("Fair", start=local(year, 6, 1), end=local(year, 6, 3), all_day=True)
    cal = feed(client, "/calendar.ics")
    assert summaries(cal) == {"Open", "Cancelled", "Fair"}
    by_title = {str(v["SUMMARY"]): v for v in cal.walk("VEVENT")}
    assert str(by_title["Cancelled"]["STATUS"]) == "CANCELLED"
    assert int(by_title["Cancelled"]["SEQUENCE"]) == 3
    assert set(by_title["Open"].categories) == {"Skogsklustret", "Ley farming"}
    assert by_title["Fair"]["DTSTART"].params["VALUE"] == "DATE"
    assert by_title["Fair"].decoded("DTEND") == date(year, 6, 3)
    assert summaries(feed(client, "/calendar.ics?focus=vallodling")) == {"Open"}


@pytest.mark.django_db
def test_uid_stable_across_edits(client, make_event):
    event = make_event("Before")
    first = feed(client, "/calendar.ics").walk("VEVENT")[0]
    event.title = "After"
    event.sequence += 1
    event.save()
    second = feed(client, "/calendar.ics").walk("VEVENT")[0]
    assert str(first["UID"]) == str(second["UID"]) == event.uid
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1


@pytest.mark.django_db
def test_cluster_feed_has_own_co_organised_and_shared(client, make_event, make_cluster):
    mine = make_cluster(slug="mine")
    other = make_cluster(slug="other")
    make_event("Hosted", host=mine, organisers=[mine])
    make_event("Co-organised", host=other, organisers=[other, mine])
    shared = make_event("Shared", host=other, organisers=[other])
    EventShare.objects.create(event=shared, cluster=mine)
    make_event("Elsewhere", host=other, organisers=[other])
    make_event("Draft", host=mine, organisers=[mine], status=EventStatus.DRAFT)
    cal = feed(client, "/clusters/mine/calendar.ics")
    assert summaries(cal) == {"Hosted", "Co-organised", "Shared"}
    assert str(cal["X-WR-CALNAME"]) == mine.name
    assert client.get("/clusters/nope/calendar.ics").status_code == 404


@pytest.mark.django_db
def test_feed_etag_304(client, make_event):
    make_event()
    response = client.get("/calendar.ics")
    again = client.get("/calendar.ics", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_webcal_url():
    request = RequestFactory().get("/", HTTP_HOST="testserver")
    assert webcal_url(request, "/calendar.ics") == "webcal://testserver/calendar.ics"


@pytest.mark.django_db
def test_upload_page(client, cluster_manager):
    user, cluster = cluster_manager
    client.force_login(user)
    url = reverse("events:import")
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("g.ics", (DATA / "google.ics").read_bytes())
    response = client.post(url, {"file": upload, "cluster": cluster.pk})
    assert response.status_code == 200
    assert "6 created" in response.content.decode()
    assert Event.objects.filter(host=cluster).count() == 4
    bad = SimpleUploadedFile(
        "bad.ics", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    response = client.post(url, {"file": bad, "cluster": cluster.pk})
    assert response.status_code == 400
    assert "DTSTART missing" in response.content.decode()


@pytest.mark.django_db
def test_upload_page_refuses_other_clusters(client, cluster_manager, make_cluster, make_user):
    user, _cluster = cluster_manager
    other = make_cluster(slug="other")
    client.force_login(user)
    upload = SimpleUploadedFile("g.ics", (DATA / "google.ics").read_bytes())
    response = client.post(reverse("events:import"), {"file": upload, "cluster": other.pk})
    assert response.status_code == 200  # the form refuses the choice
    assert not Event.objects.exists()
    client.force_login(make_user())
    assert client.get(reverse("events:import")).status_code == 403


@pytest.mark.django_db
def test_subscription_pages(client, cluster_manager, make_cluster):
    user, cluster = cluster_manager
    client.force_login(user)
    url = reverse("events:sources")
    response = client.post(
        url,
        {
            "name": "Outlook",
            "url": "webcal://example.se/cal.ics",
            "cluster": cluster.pk,
            "interval_minutes": 60,
        },
    )
    assert response.status_code == 302
    source = CalendarSource.objects.get()
    assert (source.url, source.cluster, source.created_by) == (
        "https://example.se/cal.ics",
        cluster,
        user,
    )
    assert "Outlook" in client.get(url).content.decode()
    CalendarSource.objects.filter(pk=source.pk).update(
        last_polled=timezone.now(), consecutive_failures=1, last_error="HTTP 500 from x"
    )
    page = client.get(url).content.decode()
    assert "1 failure" in page
    assert "HTTP 500 from x" in page
    assert "next:" in page
    other = CalendarSource.objects.create(
        name="Theirs", url="https://x.se/c.ics", cluster=make_cluster()
    )
    assert "Theirs" not in client.get(url).content.decode()
    assert client.post(reverse("events:source-delete", args=[other.pk])).status_code == 403
    response = client.post(reverse("events:source-delete", args=[source.pk]))
    assert response.status_code == 302
    assert list(CalendarSource.objects.all()) == [other]


@pytest.mark.django_db
def test_broken_stored_rule_does_not_break_the_feed(client, make_event):
    make_event("Broken", rrule="FREQ=", exdates="not a date")
    make_event("Fine")
    assert summaries(feed(client, "/calendar.ics")) == {"Broken", "Fine"}


@pytest.mark.django_db
def test_upload_page_shows_the_warnings_of_a_sloppy_file(client, cluster_manager):
    user, cluster = cluster_manager
    client.force_login(user)
    upload = SimpleUploadedFile("h.ics", (DATA / "holidays_sloppy.ics").read_bytes())
    response = client.post(reverse("events:import"), {"file": upload, "cluster": cluster.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert "an empty RRULE was left out" in html
    assert "the UID appears twice in the file" in html
