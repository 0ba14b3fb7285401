"""Registration through the public form: mails with .ics, waiting list, deadline, tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

import icalendar
import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from samverka.events import services
from samverka.events.models import Event, Registration, RegistrationStatus


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


def _post(client: Any, event: Event, name: str, email: str, **extra: Any) -> Any:
    data = {"name": name, "email": email, "organisation": "", "gender": ""} | extra
    return client.post(reverse("events:register", args=[event.uid]), data)


def _ics(message: Any) -> icalendar.Calendar:
    [(filename, content, mimetype)] = message.attachments
    assert filename == "event.ics"
    assert mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def test_registration_form_round_trip_mails_ics(client: Any, published_event: Event) -> None:
    page = client.get(reverse("events:detail", args=[published_event.uid]))
    assert page.status_code == 200
    assert "Nätverksträff" in page.content.decode()
    response = _post(
        client,
        published_event,
        "Anna Andersson",
        "Anna@Example.se",
        gender="woman",
        contact_consent="on",
        organisation="Some AB",
    )
    assert response.status_code == 200
    assert "You are registered" in response.content.decode()
    registration = Registration.objects.get(event=published_event)
    assert registration.email == "anna@example.se"
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.gender == "woman"
    assert registration.consent_at is not None
    assert registration.organisation_name == "Some AB"
    [message] = mail.outbox
    assert message.to == ["anna@example.se"]
    assert registration.token in message.body
    cal = _ics(message)
    assert str(cal["METHOD"]) == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["UID"]) == published_event.uid


def test_registration_matches_directory_organisation(
    client: Any, published_event: Event, make_organisation: Any
) -> None:
    organisation = make_organisation("Skogsgården AB", helix="company")
    _post(client, published_event, "Bo", "bo@example.se", organisation="skogsgården ab")
    assert Registration.objects.get(email="bo@example.se").organisation == organisation


def test_same_email_twice_refused(client: Any, published_event: Event) -> None:
    _post(client, published_event, "Anna", "anna@example.se")
    response = _post(client, published_event, "Anna again", "anna@example.se")
    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert Registration.objects.filter(event=published_event).count() == 1


def test_waitlist_and_promotion_on_cancellation(client: Any, published_event: Event) -> None:
    for n in range(4):
        _post(client, published_event, f"Person {n}", f"p{n}@example.se")
    statuses = list(
        Registration.objects.filter(event=published_event)
        .order_by("created", "pk")
        .values_list("status", flat=True)
    )
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    # Mails go out in the site language (Swedish).
    assert "väntelista" in mail.outbox[2].subject.lower()
    mail.outbox.clear()
    first = Registration.objects.get(email="p0@example.se")
    url = reverse("events:registration-cancel", args=[first.token])
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert Registration.objects.get(pk=first.pk).status == "confirmed"  # GET only asks
    response = client.post(url)
    assert response.status_code == 200
    assert Registration.objects.get(pk=first.pk).status == "cancelled"
    promoted = Registration.objects.get(email="p2@example.se")
    assert promoted.status == "confirmed"
    assert promoted.promoted_at is not None
    assert Registration.objects.get(email="p3@example.se").status == "waitlisted"
    [message] = mail.outbox
    assert message.to == ["p2@example.se"]
    assert str(_ics(message)["METHOD"]) == "REQUEST"
    # Cancelling a waitlisted registration promotes nobody.
    services.cancel_registration(Registration.objects.get(email="p3@example.se"))
    assert len(mail.outbox) == 1


def test_capacity_never_exceeded(published_event: Event) -> None:
    for n in range(6):
        services.register(event=published_event, name=f"P{n}", email=f"x{n}@example.se")
    for reg in Registration.objects.filter(event=published_event, status="confirmed")[:1]:
        services.cancel_registration(reg)
    confirmed = Registration.objects.filter(event=published_event, status="confirmed").count()
    assert confirmed == published_event.capacity == 2


def test_registration_after_deadline_refused(client: Any, published_event: Event) -> None:
    Event.objects.filter(pk=published_event.pk).update(
        registration_deadline=timezone.now() - dt.timedelta(hours=1)
    )
    page = client.get(reverse("events:detail", args=[published_event.uid]))
    assert "The registration deadline has passed." in page.content.decode()
    response = _post(client, published_event, "Late", "late@example.se")
    assert response.status_code == 400
    assert "The registration deadline has passed." in response.content.decode()
    assert not Registration.objects.exists()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "change",
    [{"registration_open": False}, {"status": "cancelled"}, {"status": "draft"}],
)
def test_registration_closed_refused(published_event: Event, change: dict) -> None:
    Event.objects.filter(pk=published_event.pk).update(**change)
    event = Event.objects.get(pk=published_event.pk)
    with pytest.raises(services.ValidationError):
        services.register(event=event, name="X", email="x@example.se")
    assert not Registration.objects.exists()


def test_unknown_cancellation_token_404(client: Any, published_event: Event) -> None:
    services.register(event=published_event, name="A", email="a@example.se")
    url = reverse("events:registration-cancel", args=["not-a-token"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Registration.objects.get().status == "confirmed"


def test_cancelling_event_mails_registrants_cancel(
    published_event: Event, cluster_manager: Any
) -> None:
    services.register(event=published_event, name="A", email="a@example.se")
    mail.outbox.clear()
    services.cancel_event(cluster_manager[0], published_event)
    [message] = mail.outbox
    cal = _ics(message)
    assert str(cal["METHOD"]) == "CANCEL"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert int(vevent["SEQUENCE"]) == 2


def test_recurring_series_open_until_its_last_occurrence(
    cluster_manager: Any, event_data: Any
) -> None:
    user, cluster = cluster_manager
    start = timezone.now() - dt.timedelta(days=14)
    series = services.create_event(
        user,
        event_data(
            host=cluster,
            start=start,
            end=start + dt.timedelta(hours=1),
            rrule="FREQ=WEEKLY;COUNT=5",
        ),
    )
    series = services.publish_event(user, series)
    assert services.registration_closed_reason(series) == ""
    Event.objects.filter(pk=series.pk).update(rrule="FREQ=WEEKLY;COUNT=2")
    series.refresh_from_db()
    assert services.registration_closed_reason(series) == "The event is over."
