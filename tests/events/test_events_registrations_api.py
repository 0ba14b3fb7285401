"""The registrations API: my registrations, register myself, cancel mine."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from samverka.api.models import ApiToken
from samverka.events import services
from samverka.events.models import Event, Registration


def _bearer(user: Any) -> dict[str, str]:
    _, plain = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.fixture
def member(member_user: Any) -> Any:
    user = member_user[0]
    user.email = "mia@example.se"
    user.save()
    return user


def test_register_list_and_cancel_round_trip(
    client: Any, published_event: Event, member: Any
) -> None:
    auth = _bearer(member)
    url = f"/api/v1/events/{published_event.uid}/registrations"
    response = client.post(url, {"gender": "woman"}, content_type="application/json", **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["email"], body["name"]) == (
        "confirmed",
        "mia@example.se",
        "Mia Medlem",
    )
    registration = Registration.objects.get()
    assert registration.user == member
    assert len(mail.outbox) == 1
    again = client.post(url, {}, content_type="application/json", **auth)
    assert again.status_code == 422
    listed = client.get("/api/v1/registrations", **auth).json()
    assert [r["event_uid"] for r in listed] == [published_event.uid]
    deleted = client.delete(f"/api/v1/registrations/{registration.pk}", **auth)
    assert deleted.status_code == 204
    assert Registration.objects.get().status == "cancelled"


def test_registrations_api_needs_login(client: Any, published_event: Event) -> None:
    assert client.get("/api/v1/registrations").status_code == 401
    url = f"/api/v1/events/{published_event.uid}/registrations"
    assert client.post(url, {}, content_type="application/json").status_code == 401
    assert not Registration.objects.exists()


def test_cannot_cancel_someone_elses_registration(
    client: Any, published_event: Event, member: Any
) -> None:
    result = services.register(event=published_event, name="Other", email="other@example.se")
    response = client.delete(f"/api/v1/registrations/{result.registration.pk}", **_bearer(member))
    assert response.status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_api_registration_after_deadline_refused(
    client: Any, published_event: Event, member: Any
) -> None:
    Event.objects.filter(pk=published_event.pk).update(
        registration_deadline=timezone.now() - dt.timedelta(minutes=5)
    )
    url = f"/api/v1/events/{published_event.uid}/registrations"
    response = client.post(url, {}, content_type="application/json", **_bearer(member))
    assert response.status_code == 422
    assert not Registration.objects.exists()


@pytest.mark.parametrize("who", ["other", "member", "anonymous"])
def test_event_api_writes_refused_to_others(
    client: Any, published_event: Event, make_user: Any, make_cluster: Any, member: Any, who: str
) -> None:
    headers: dict[str, str] = {}
    if who == "other":
        other = make_user("other-api-manager")
        make_cluster(slug="other-api").managers.add(other)
        headers = _bearer(other)
    elif who == "member":
        headers = _bearer(member)
    url = f"/api/v1/events/{published_event.uid}"
    for body in ({"title": "Hacked"}, {"status": "cancelled"}):
        response = client.patch(url, body, content_type="application/json", **headers)
        assert response.status_code == (401 if who == "anonymous" else 403)
    event = Event.objects.get(pk=published_event.pk)
    assert (event.title, event.status, event.sequence) == ("Nätverksträff", "published", 1)
