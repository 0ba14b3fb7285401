"""Recurrence rules bounded: refused where a meeting calendar never needs them, and expanded with
bounded work whatever was stored (issue 14, "a recurring event can exhaust the server")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as dateutil_rrule
from django.utils import timezone

from samverka.api.models import ApiToken
from samverka.events import services
from samverka.events.ical import MAX_SERIES_OCCURRENCES, check_rrule
from samverka.events.ical_import import import_calendar
from samverka.events.models import Event, EventStatus
from samverka.events.occurrences import occurrences

STHLM = ZoneInfo("Europe/Stockholm")
EVERY_SECOND = (
    "FREQ=DAILY;BYHOUR="
    + ",".join(map(str, range(24)))
    + ";BYMINUTE="
    + ",".join(map(str, range(60)))
    + ";BYSECOND="
    + ",".join(map(str, range(60)))
)
# Walking more than this many occurrences in one request is the failure: a ten-year-old
# one-a-second series walks over 300 million before the fix.
WALK_LIMIT = 200_000


@pytest.fixture(autouse=True)
def _english(english): ...


class TooMuchWork(BaseException):  # not caught by "except Exception" on the way
    pass


@pytest.fixture
def walked(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts the occurrences dateutil generates (every expansion goes through it), and stops a
    request that walks more than WALK_LIMIT."""
    counter = {"n": 0}
    original = dateutil_rrule.rrule._iter

    def counting(self: Any) -> Iterator[Any]:
        for value in original(self):
            counter["n"] += 1
            if counter["n"] > WALK_LIMIT:
                raise TooMuchWork
            yield value

    monkeypatch.setattr(dateutil_rrule.rrule, "_iter", counting)
    return counter


@pytest.mark.parametrize(
    "rule",
    [
        EVERY_SECOND,
        "FREQ=DAILY;BYMINUTE=0,30",
        "FREQ=DAILY;BYSECOND=0,1",
        "FREQ=DAILY;BYHOUR=8,9,10,11,12",
        "FREQ=HOURLY",
        "FREQ=MINUTELY",
        "FREQ=SECONDLY",
        f"FREQ=DAILY;COUNT={MAX_SERIES_OCCURRENCES + 1}",
    ],
)
def test_dense_rules_are_refused(rule):
    with pytest.raises(ValueError, match=r"FREQ|COUNT|at most"):
        check_rrule(rule)


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=30;BYSECOND=0",
        "FREQ=DAILY;BYHOUR=8,10,13,15",
        f"FREQ=DAILY;COUNT={MAX_SERIES_OCCURRENCES}",
        "FREQ=MONTHLY;BYDAY=1MO;UNTIL=20301231T000000Z",
    ],
)
def test_meeting_rules_are_accepted(rule):
    assert check_rrule(rule) == rule


@pytest.mark.django_db
def test_dense_rule_refused_by_the_api_and_the_form_service(client, cluster_manager):
    user, cluster = cluster_manager
    _token, plain = ApiToken.issue(user=user, name="test")
    start = timezone.now()
    response = client.post(
        "/api/v1/events",
        json.dumps(
            {
                "title": "Sekund",
                "start": start.isoformat(),
                "end": (start + timedelta(hours=1)).isoformat(),
                "host": cluster.slug,
                "rrule": EVERY_SECOND,
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {plain}",
    )
    assert response.status_code in {400, 422}, response.content
    assert "BYSECOND" in response.content.decode()
    # The event form saves through the services, which check the same way.
    with pytest.raises(services.ValidationError) as caught:
        services.create_event(
            user,
            {
                "title": "Sekund",
                "start": start,
                "end": start + timedelta(hours=1),
                "host": cluster,
                "rrule": EVERY_SECOND,
            },
        )
    assert "rrule" in caught.value.message_dict
    assert not Event.objects.exists()


def _calendar(rule: str) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//SV\r\n"
        "BEGIN:VEVENT\r\nUID:dense@example.se\r\nSUMMARY:Tät\r\n"
        "DTSTART:20160101T080000Z\r\nDTEND:20160101T080001Z\r\n"
        f"RRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.django_db
def test_dense_rule_refused_in_an_upload_naming_component_and_line():
    report = import_calendar(_calendar(EVERY_SECOND))
    assert not report.ok
    [error] = report.errors
    assert error.column == "VEVENT 1 (UID dense@example.se)"
    assert "line 9, RRULE" in error.message
    assert "BYSECOND" in error.message
    assert not Event.objects.exists()


@pytest.fixture
def stored_dense_series(make_event, make_cluster) -> Event:
    """A one-a-second series begun ten years ago, written directly (as before the check), and a
    coming event of the same cluster."""
    cluster = make_cluster("Tätklustret", slug="tat")
    start = timezone.now().replace(microsecond=0) - timedelta(days=3653)
    event = make_event(
        "Tät", start=start, end=start + timedelta(seconds=1), host=cluster, organisers=[cluster]
    )
    Event.objects.filter(pk=event.pk).update(rrule=EVERY_SECOND)
    return make_event("Vanligt", host=cluster, organisers=[cluster])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/events/occurrences?start={today}&end={later}",
        "/calendar/?month={month}",
        "/clusters/tat/",
    ],
)
def test_dense_series_stored_ten_years_ago_is_bounded_work(
    client, stored_dense_series, walked, url
):
    today = timezone.localdate()
    month = stored_dense_series.start.astimezone(STHLM).strftime("%Y-%m")
    url = url.format(today=today, later=today + timedelta(days=366), month=month)
    response = client.get(url)
    assert response.status_code == 200
    assert "Vanligt" in response.content.decode(), url
    # Walking is bounded by the cap on a series (and dateutil's look-ahead), not by its age.
    assert walked["n"] <= 3 * MAX_SERIES_OCCURRENCES, walked["n"]


@pytest.mark.django_db
def test_open_series_is_expanded_up_to_the_cap_only(make_event):
    # Four a day from 1300 days ago: the 5000th occurrence falls 1250 days after the start.
    start = timezone.now().replace(microsecond=0) - timedelta(days=1300)
    event = make_event("Fyra om dagen", start=start, end=start + timedelta(minutes=30))
    Event.objects.filter(pk=event.pk).update(rrule="FREQ=DAILY;BYHOUR=1,5,9,13")
    listed = Event.objects.filter(status=EventStatus.PUBLISHED)
    first_year = occurrences(listed, start.date(), start.date() + timedelta(days=366))
    assert 4 * 365 <= len(first_year) <= 4 * 367
    today = timezone.localdate()
    assert occurrences(listed, today - timedelta(days=40), today + timedelta(days=366)) == []
