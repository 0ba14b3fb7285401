"""Consent records: written wherever consent is collected, ended where it is withdrawn, and
backfilled from the consents stored before."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from django.utils import timezone
from privacy_world import EMAIL, NEIGHBOUR, World, make_case

from samverka.actors import services as actors
from samverka.events.models import Registration
from samverka.newsletters import services as newsletters
from samverka.newsletters.models import Subscription
from samverka.privacy.models import Consent
from samverka.privacy.services import record_consent, text_version


def _purposes(email: str) -> list[tuple[str, str, bool]]:
    return sorted(
        (c.purpose, c.subject_type, c.withdrawn_at is not None)
        for c in Consent.objects.filter(email=email)
    )


def test_consent_recorded_for_each_way_in(world: World) -> None:
    assert _purposes(EMAIL) == [
        ("event_contact", "events.registration", False),
        ("help_request", "sluice.helpcase", False),
        ("listing", "actors.person", False),
        ("newsletter", "actors.person", False),
        ("newsletter", "newsletters.subscription", False),
    ]
    case = Consent.objects.get(email=EMAIL, purpose="help_request")
    assert (case.version, case.source, case.subject_id) == ("2026-01", "form", str(world.case.pk))
    assert case.text == "I agree that my request is handled by the network."
    registration = Registration.objects.get(event=world.event, email=EMAIL)
    contact = Consent.objects.get(email=EMAIL, purpose="event_contact")
    assert contact.subject_id == str(registration.pk)
    assert contact.text == "Arrangörerna får kontakta mig om liknande evenemang"  # as shown (sv)
    assert contact.version == text_version(contact.text)
    subscription = Consent.objects.get(email=EMAIL, subject_type="newsletters.subscription")
    assert "Skogsbrev" in subscription.text
    assert subscription.person_id is None  # subscribed by address through the public form


def test_withdrawal_ends_only_that_consent(world: World) -> None:
    subscription = Subscription.objects.get(email=EMAIL)
    newsletters.unsubscribe(token=subscription.token)
    newsletters.unsubscribe(token=subscription.token)  # idempotent
    actors.save_person(actor=world.manager, person=world.person, data={"listing_consent": False})
    assert _purposes(EMAIL) == [
        ("event_contact", "events.registration", False),
        ("help_request", "sluice.helpcase", False),
        ("listing", "actors.person", True),
        ("newsletter", "actors.person", False),
        ("newsletter", "newsletters.subscription", True),
    ]
    # Giving it again is a new record; the history keeps both.
    actors.save_person(actor=world.manager, person=world.person, data={"listing_consent": True})
    listing = Consent.objects.filter(email=EMAIL, purpose="listing").order_by("pk")
    assert [c.withdrawn_at is None for c in listing] == [False, True]
    assert _purposes(NEIGHBOUR)[-1] == ("newsletter", "newsletters.subscription", False)


def test_confirming_twice_records_one_consent(world: World) -> None:
    subscription = Subscription.objects.get(email=NEIGHBOUR)
    newsletters.confirm(token=subscription.token)
    assert (
        Consent.objects.filter(subject_type="newsletters.subscription", email=NEIGHBOUR).count()
        == 1
    )
    first = record_consent(email="x@y.example", purpose="listing", text="Yes.")
    assert record_consent(email="X@y.example", purpose="listing", text="Yes.") == first
    assert record_consent(email="x@y.example", purpose="listing", text="Yes!") != first


def test_api_sources_are_recorded(world: World) -> None:
    make_case(email="api@privacy.example", name="Api Applicant", title="Via API", source="api")
    assert Consent.objects.get(email="api@privacy.example").source == "api"


def test_backfill_migration_records_existing_consents(db: Any, make_organisation: Any) -> None:
    from samverka.actors.models import Person
    from samverka.events.models import Event

    now = timezone.now()
    Person.objects.create(
        name="Old", email="Old@privacy.example", newsletter_consent=True, newsletter_consent_at=now
    )
    Person.objects.create(name="No", email="no@privacy.example")
    event = Event.objects.create(title="Old event", start=now, end=now)
    Registration.objects.create(
        event=event, name="R", email="r@privacy.example", contact_consent=True, consent_at=now
    )
    Registration.objects.create(event=event, name="S", email="s@privacy.example")
    assert Consent.objects.count() == 0  # written straight into the tables, no service
    migration = importlib.import_module("samverka.privacy.migrations.0002_backfill_consents")
    migration.backfill(apps, None)
    assert sorted((c.email, c.purpose, c.source) for c in Consent.objects.all()) == [
        ("old@privacy.example", "newsletter", "backfill"),
        ("r@privacy.example", "event_contact", "backfill"),
    ]
    migration.remove(apps, None)
    assert Consent.objects.count() == 0


def test_demo_backfill_skips_what_the_services_recorded(world: World) -> None:
    from samverka.actors.models import Person
    from samverka.privacy.demo import load_privacy_demo

    before = Consent.objects.count()
    assert load_privacy_demo() == {"consents": 0}
    Person.objects.create(
        name="Demo",
        email="demo@privacy.example",
        listing_consent=True,
        listing_consent_at=timezone.now(),
    )
    assert load_privacy_demo() == {"consents": 1}
    assert load_privacy_demo() == {"consents": 0}
    assert Consent.objects.count() == before + 1
