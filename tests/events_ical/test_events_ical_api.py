"""The events API: list, detail, occurrences (half-open ranges), create and change."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from samverka.actors.models import FocusArea
from samverka.api.models import ApiToken
from samverka.events.models import Event, EventStatus, Visibility

STHLM = ZoneInfo("Europe/Stockholm")


@pytest.fixture(autouse=True)
def _english(english): ...


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=STHLM)  # type: ignore[misc]


def bearer(user) -> dict[str, str]:
    _token, plain = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.mark.django_db
def test_list_and_detail(client, make_event, make_cluster, focus_area):
    cluster = make_cluster(slug="skog")
    open_event = make_event("Open", host=cluster, organisers=[cluster], focus_areas=[focus_area])
    make_event("Other")
    make_event("Draft", status=EventStatus.DRAFT)
    make_event("Members", visibility=Visibility.MEMBERS)
    data = client.get("/api/v1/events").json()
    assert data["count"] == 2
    assert {e["title"] for e in data["items"]} == {"Open", "Other"}
    data = client.get("/api/v1/events?cluster=skog&focus=vallodling").json()
    assert [e["uid"] for e in data["items"]] == [open_event.uid]
    assert data["items"][0]["host"] == {"slug": "skog", "name": cluster.name}
    detail = client.get(f"/api/v1/events/{open_event.uid}").json()
    assert detail["title"] == "Open"
    assert detail["focus_areas"][0]["slug"] == "vallodling"
    draft = Event.objects.get(title="Draft")
    assert client.get(f"/api/v1/events/{draft.uid}").status_code == 404
    response = client.get("/api/v1/events?cluster=nope")
    assert response.status_code == 422
    assert "nope" in response.json()["detail"]


@pytest.mark.django_db
def test_focus_filter_lists_an_event_with_several_focus_areas_once(client, make_event, focus_area):
    other = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    both = make_event("Both", focus_areas=[focus_area, other])
    make_event("Forest only", focus_areas=[other])
    data = client.get("/api/v1/events?focus=vallodling").json()
    assert data["count"] == 1
    assert [e["uid"] for e in data["items"]] == [both.uid]


@pytest.mark.django_db
def test_list_names_each_event_once_without_distinct(client, make_event, make_cluster, focus_area):
    """Only the focus filter joins a to-many table: an event hosted, co-organised and with two
    focus areas is still listed once under every filter, and the plain list uses no DISTINCT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from samverka.actors.models import FocusArea

    cluster = make_cluster(slug="skog", county="23")
    other = FocusArea.objects.create(slug="other-focus", name_sv="Annat", name_en="Other")
    event = make_event(
        "Twice linked", host=cluster, organisers=[cluster], focus_areas=[focus_area, other]
    )
    for query in ("", "?cluster=skog", "?focus=vallodling", "?cluster=skog&focus=vallodling"):
        data = client.get(f"/api/v1/events{query}").json()
        assert data["count"] == 1, query
        assert [e["uid"] for e in data["items"]] == [event.uid], query
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/events")
    assert not any("DISTINCT" in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db
def test_occurrences_half_open(client, make_event):
    make_event("ends at start", start=local(2026, 5, 9, 22), end=local(2026, 5, 10))
    make_event("starts at end", start=local(2026, 5, 12), end=local(2026, 5, 12, 2))
    make_event("multi-day", start=local(2026, 5, 8, 9), end=local(2026, 5, 14, 15))
    make_event(
        "weekly",
        start=local(2026, 4, 27, 10),
        end=local(2026, 4, 27, 11),
        rrule="FREQ=WEEKLY;COUNT=5",
    )
    make_event("draft", start=local(2026, 5, 11, 9), end=local(2026, 5, 11, 10), status="draft")
    response = client.get("/api/v1/events/occurrences?start=2026-05-10&end=2026-05-12")
    assert response.status_code == 200
    items = response.json()
    assert [i["title"] for i in items] == ["multi-day", "weekly"]
    weekly = items[1]
    assert weekly["start"] == "2026-05-11T10:00:00+02:00"
    assert weekly["recurrence_id"] == "2026-05-11T10:00:00+02:00"
    assert weekly["uid"] == Event.objects.get(title="weekly").uid


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-05-10&end=2026-05-10", "after the start"),
        ("start=2026-05-10&end=2026-05-01", "after the start"),
        ("start=2026-05-10&end=tomorrow", "is not a date"),
        ("start=2026-01-01&end=2027-01-03", "at most 366 days"),
        ("start=2026-01-01", "end"),
    ],
)
@pytest.mark.django_db
def test_occurrences_bad_range(client, query, message):
    response = client.get(f"/api/v1/events/occurrences?{query}")
    assert response.status_code in (400, 422)
    assert message in json.dumps(response.json())


@pytest.mark.django_db
def test_create_and_patch(client, cluster_manager, make_cluster, focus_area):
    user, cluster = cluster_manager
    headers = bearer(user)
    payload = {
        "title": "Workshop",
        "event_type": "workshop",
        "start": "2026-10-24T10:00:00",
        "end": "2026-10-25T16:00:00",
        "host": cluster.slug,
        "focus_areas": ["vallodling"],
        "status": "published",
        "rrule": "FREQ=MONTHLY;COUNT=3",
        "exdates": ["20261124T100000"],
        "description": "<p>Hej<script>x</script></p>",
    }
    response = client.post(
        "/api/v1/events", json.dumps(payload), content_type="application/json", **headers
    )
    assert response.status_code == 201, response.content
    data = response.json()
    event = Event.objects.get(uid=data["uid"])
    assert event.start == local(2026, 10, 24, 10)
    assert event.end == local(2026, 10, 25, 16)
    assert event.end - event.start == timedelta(hours=31)  # the clocks go back on 25 October
    assert data["exdates"] == ["20261124T100000"]
    assert "<script>" not in event.description
    sequence = event.sequence
    response = client.patch(
        f"/api/v1/events/{event.uid}",
        json.dumps({"title": "Workshop 2"}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.title == "Workshop 2"
    assert event.sequence == sequence + 1
    response = client.patch(
        f"/api/v1/events/{event.uid}",
        json.dumps({"status": "cancelled"}),
        content_type="application/json",
        **headers,
    )
    assert response.json()["status"] == "cancelled"


@pytest.mark.django_db
def test_write_permissions(client, cluster_manager, make_cluster, make_user, make_event):
    user, _cluster = cluster_manager
    other = make_cluster(slug="other")
    payload = {"title": "X", "start": "2026-05-01T10:00", "end": "2026-05-01T11:00"}
    assert (
        client.post(
            "/api/v1/events", json.dumps(payload), content_type="application/json"
        ).status_code
        == 401
    )
    response = client.post(
        "/api/v1/events",
        json.dumps({**payload, "host": "other"}),
        content_type="application/json",
        **bearer(user),
    )
    assert response.status_code == 403
    theirs = make_event(host=other, organisers=[other])
    response = client.patch(
        f"/api/v1/events/{theirs.uid}",
        json.dumps({"title": "Mine now"}),
        content_type="application/json",
        **bearer(user),
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/events",
        json.dumps(payload),
        content_type="application/json",
        **bearer(make_user()),
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/events",
        json.dumps({**payload, "host": "managed", "rrule": "NOPE"}),
        content_type="application/json",
        **bearer(user),
    )
    assert response.status_code == 422
    assert "rrule" in response.json()["errors"]


@pytest.mark.django_db
def test_occurrence_filters(client, make_event, make_cluster, focus_area):
    from samverka.geo.models import Area

    cluster = make_cluster(slug="skog")
    day = {"start": local(2026, 5, 11, 9), "end": local(2026, 5, 11, 10)}
    make_event(
        "Workshop in Östersund",
        event_type="workshop",
        municipality=Area.objects.get(code="2380"),
        host=cluster,
        organisers=[cluster],
        focus_areas=[focus_area],
        **day,
    )
    make_event("Seminar elsewhere", event_type="seminar", **day)
    base = "/api/v1/events/occurrences?start=2026-05-01&end=2026-06-01"
    titles = lambda query: [i["title"] for i in client.get(base + query).json()]  # noqa: E731
    assert titles("") == ["Seminar elsewhere", "Workshop in Östersund"]
    assert titles("&type=workshop") == ["Workshop in Östersund"]
    assert titles("&county=23") == ["Workshop in Östersund"]
    assert titles("&cluster=skog") == ["Workshop in Östersund"]
    assert titles("&focus=vallodling") == ["Workshop in Östersund"]
    assert client.get(base + "&county=99").status_code == 422
