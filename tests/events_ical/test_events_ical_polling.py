"""Polling subscribed calendars from a local HTTP server; refusing private addresses."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from samverka.core.fetch import FetchError, fetch
from samverka.events.models import CalendarSource, Event, EventStatus
from samverka.events.tasks import due_sources, poll_due_calendars, poll_source

DATA = Path(__file__).parent / "data"


class CalendarServer:
    """Serves one body with an ETag; records the requests it got."""

    def __init__(self) -> None:
        self.body = (DATA / "google.ics").read_bytes()
        self.etag = '"v1"'
        self.requests: list[dict[str, str]] = []
        self.status = 200
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(dict(self.headers))
                if server.status != 200:
                    self.send_response(server.status)
                    self.end_headers()
                    return
                if self.path == "/redirect":
                    self.send_response(302)
                    self.send_header("Location", "/cal.ics")
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == server.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/calendar; charset=utf-8")
                self.send_header("ETag", server.etag)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[CalendarServer]:
    srv = CalendarServer()
    yield srv
    srv.close()


@pytest.fixture
def allow_private(settings: Any) -> None:
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = True


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_private")
def test_poll_imports_then_304(server, make_cluster):
    cluster = make_cluster(slug="mat")
    source = CalendarSource.objects.create(name="Mat", url=server.url + "/cal.ics", cluster=cluster)
    first = poll_source(source)
    assert first.status == "imported"
    assert first.created == 6
    assert Event.objects.filter(host=cluster, source=source).count() == 4
    source.refresh_from_db()
    assert source.etag == '"v1"'
    assert source.last_success is not None
    assert server.requests[0]["User-Agent"].startswith("Samverka/0.1 (+http")
    second = poll_source(source)
    assert second.status == "not_modified", second.error
    assert server.requests[1]["If-None-Match"] == '"v1"'
    assert Event.objects.count() == 4
    # A changed feed with a new ETag is imported again; unchanged events stay unchanged.
    server.etag = '"v2"'
    third = poll_source(source)
    assert (third.status, third.unchanged) == ("imported", 6)
    # An event that disappears from the feed is cancelled here (it is in the future).
    text = server.body.decode()
    start = text.index("BEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261201")
    end = text.index("END:VEVENT\r\n", start) + len("END:VEVENT\r\n")
    server.body = (text[:start] + text[end:]).encode()
    server.etag = '"v3"'
    coming = timezone.now() + timedelta(days=30)
    Event.objects.filter(title="Julmarknad").update(start=coming, end=coming + timedelta(days=2))
    fourth = poll_source(source)
    assert (fourth.status, fourth.withdrawn) == ("imported", 1)
    fair = Event.objects.get(title="Julmarknad")
    assert (fair.status, fair.sequence) == (EventStatus.CANCELLED, 1)
    assert Event.objects.filter(status=EventStatus.PUBLISHED).count() == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_private")
def test_failures_are_recorded_and_back_off(server):
    server.status = 500
    source = CalendarSource.objects.create(name="Broken", url=server.url + "/cal.ics")
    result = poll_source(source)
    assert result.status == "error"
    assert "HTTP 500" in result.error
    source.refresh_from_db()
    assert source.consecutive_failures == 1
    assert "HTTP 500" in source.last_error
    assert due_sources(timezone.now() + timedelta(minutes=61)) == []
    assert due_sources(timezone.now() + timedelta(minutes=121)) == [source]
    server.status = 200
    poll_source(source)
    source.refresh_from_db()
    assert source.consecutive_failures == 0
    assert source.last_error == ""


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_private")
def test_bad_calendar_is_an_error_and_writes_nothing(server):
    server.body = b"<html>Not a calendar</html>"
    source = CalendarSource.objects.create(name="HTML", url=server.url + "/cal.ics")
    with translation.override("en"):
        result = poll_source(source)
    assert result.status == "error"
    assert "not an iCalendar file" in result.error
    assert not Event.objects.exists()


@pytest.mark.usefixtures("allow_private")
def test_fetch_follows_redirects_and_caps_size(server):
    assert fetch(server.url + "/redirect").status == 200
    with pytest.raises(FetchError, match="larger than"):
        fetch(server.url + "/cal.ics", max_bytes=100)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/cal.ics",
        "http://10.1.2.3/cal.ics",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/cal.ics",
        "http://localhost/cal.ics",
        "file:///etc/passwd",
    ],
)
def test_private_addresses_are_refused(url, settings):
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = False
    with pytest.raises(FetchError, match=r"refusing|only http"):
        fetch(url)


@pytest.mark.django_db
def test_refused_source_records_the_error(server, settings):
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = False
    source = CalendarSource.objects.create(name="Local", url=server.url + "/cal.ics")
    assert poll_source(source).status == "error"
    assert server.requests == []
    source.refresh_from_db()
    assert "refusing" in source.last_error


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_private")
def test_cli_add_and_poll_json(server, make_cluster):
    cluster = make_cluster(slug="mat")
    out = io.StringIO()
    url = server.url.replace("http://", "http://") + "/cal.ics"
    call_command(
        "calendars", "add", url, "--cluster", "mat", "--name", "Mat", "--format", "json", stdout=out
    )
    added = json.loads(out.getvalue())
    assert added["created"] is True
    out = io.StringIO()
    call_command("calendars", "add", url, "--cluster", "mat", stdout=out)
    assert "Already subscribed" in out.getvalue()
    assert CalendarSource.objects.count() == 1
    out = io.StringIO()
    call_command("calendars", "poll", "--format", "json", stdout=out)
    (result,) = json.loads(out.getvalue())
    assert (result["status"], result["created"]) == ("imported", 6)
    assert Event.objects.filter(host=cluster).count() == 4
    out = io.StringIO()
    call_command("calendars", "poll", "--format", "json", stdout=out)
    assert json.loads(out.getvalue()) == []  # not due again yet
    assert poll_due_calendars.call() == 0


@pytest.mark.django_db
def test_cli_add_rejects_bad_input():
    with pytest.raises(Exception, match="no cluster"):
        call_command("calendars", "add", "https://example.se/c.ics", "--cluster", "nope")


@pytest.mark.django_db
def test_cli_list_and_remove(make_cluster):
    make_cluster(slug="mat")
    call_command(
        "calendars", "add", "webcal://example.se/c.ics", "--cluster", "mat", stdout=io.StringIO()
    )
    out = io.StringIO()
    call_command("calendars", "list", "--format", "json", stdout=out)
    (listed,) = json.loads(out.getvalue())
    assert (listed["url"], listed["cluster"]) == ("https://example.se/c.ics", "mat")
    call_command("calendars", "remove", str(listed["id"]), stdout=io.StringIO())
    assert not CalendarSource.objects.exists()
    with pytest.raises(CommandError) as error:
        call_command("calendars", "remove", str(listed["id"]))
    assert error.value.returncode == 2


@pytest.mark.django_db
@pytest.mark.usefixtures("allow_private")
def test_dense_rule_refuses_the_subscription_with_a_message_in_swedish(server, make_cluster):
    rule = "FREQ=DAILY;BYHOUR=8;BYMINUTE=0,15,30,45"
    server.body = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//SV\r\n"
        "BEGIN:VEVENT\r\nUID:dense@example.se\r\nSUMMARY:Tät\r\n"
        "DTSTART:20160101T080000Z\r\nDTEND:20160101T081000Z\r\n"
        f"RRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()
    source = CalendarSource.objects.create(
        name="Tät", url=server.url + "/cal.ics", cluster=make_cluster()
    )
    with translation.override("sv"):
        result = poll_source(source)
    source.refresh_from_db()
    assert result.status == "error"
    assert (source.consecutive_failures, source.last_success) == (1, None)
    assert "BYMINUTE" in source.last_error
    assert "högst 1 värde(n)" in source.last_error
    assert not Event.objects.exists()
