"""Fixtures of the personal-data tests: one person ("Eva Ek") present in every app, and
bystanders whose data must survive her erasure untouched."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.utils import timezone, translation
from privacy_world import EMAIL, NEIGHBOUR, World, make_case, make_event

from samverka.actors import services as actors
from samverka.api.models import ApiToken
from samverka.core import audit
from samverka.events import services as events
from samverka.newsletters import services as newsletters
from samverka.newsletters.models import Delivery, Issue, Newsletter, Subscription
from samverka.scanning.models import DigestSubscription
from samverka.sluice import services as sluice


@pytest.fixture
def world(make_user: Any, make_cluster: Any, make_organisation: Any) -> World:
    """Eva Ek with an account, a person record, a registration, a help case with history and
    notes, a newsletter subscription with a delivery, consents and audit entries; her
    neighbour and others registered at the same event."""
    manager = make_user("handler")
    cluster = make_cluster("Privacy Cluster", slug="privacy-cluster", members=1)
    cluster.managers.add(manager)
    organisation = make_organisation("Ek Skog AB", helix="company")

    user = make_user("eva", first_name="Eva", last_name="Ek")
    user.email = "Eva.Ek@Privacy.example"
    user.save()
    cluster.managers.add(user)
    ApiToken.issue(user=user, name="laptop")
    DigestSubscription.objects.create(user=user)
    Authenticator.objects.create(user=user, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"})
    EmailAddress.objects.create(user=user, email="eva@home.example", verified=True)
    person = actors.save_person(
        actor=manager,
        data={
            "name": "Eva Ek",
            "email": "EVA.EK@privacy.example",
            "organisation": organisation,
            "gender": "woman",
            "newsletter_consent": True,
            "listing_consent": True,
        },
    )
    person.user = user
    person.save()
    actors.save_person(
        actor=manager,
        data={"name": "Neva Ek", "email": NEIGHBOUR, "gender": "woman", "listing_consent": True},
    )
    # Something Eva did herself: her name shows up as the actor.
    audit.record(actor=user, action="person.viewed", obj=organisation)

    now = timezone.now()
    event = make_event(title="Skogsdag", start=now + dt.timedelta(days=10))
    for name, email, gender, org in (
        ("Eva Ek", "eva.ek@PRIVACY.example", "woman", "Ek Skog AB"),
        ("Neva Ek", NEIGHBOUR, "woman", ""),
        ("Bo Berg", "bo@privacy.example", "man", "Ek Skog AB"),
        ("Kim Kvist", "kim@privacy.example", "", ""),
    ):
        with translation.override("sv"):  # the consent text is stored as shown, in Swedish
            result = events.register(
                event=event,
                name=name,
                email=email,
                organisation_name=org,
                gender=gender,
                contact_consent=True,
                user=user if email.lower() == EMAIL else None,
            )
        if name != "Kim Kvist":
            events.set_attendance(result.registration, attended=True, actor=manager)

    case = make_case(email="EVA.EK@privacy.example", name="Eva Ek", title="Eva Ek's seed idea")
    case.assigned_cluster = cluster
    case.save()
    sluice.transition(
        case=case, to_stage="screened", actor=manager, note=f"Talked to Eva Ek ({EMAIL})."
    )
    sluice.add_note(case=case, actor=manager, text="Eva Ek has a strong idea.")
    other = make_case(email=NEIGHBOUR, name="Neva Ek", title="Neva's idea")
    other.assigned_cluster = cluster
    other.save()

    newsletter = Newsletter.objects.create(name="Skogsbrev", slug="skogsbrev", cluster=cluster)
    for email in (EMAIL, NEIGHBOUR):
        subscription = newsletters.subscribe(newsletter=newsletter, email=email, name="Ek")
        newsletters.confirm(token=subscription.token)
    issue = Issue.objects.create(newsletter=newsletter, subject="Nr 1")
    for subscription in Subscription.objects.all():
        Delivery.objects.create(issue=issue, subscription=subscription, email=subscription.email)
    newsletters.suppress(email="Eva.Ek@privacy.example", reason="hard bounce")
    return World(user, person, event, case, newsletter, manager)
