"""Expressions of interest: introduction emails to both sides, outcomes, the report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from samverka.actors.models import Person
from samverka.clusters.models import Membership
from samverka.matchmaking import services
from samverka.matchmaking.models import Interest, Need, Offer


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


@pytest.fixture
def pair(make_listing: Any, make_organisation: Any, make_cluster: Any, make_user: Any) -> Any:
    need_org = make_organisation("Behovsbolaget")
    offer_org = make_organisation("Erbjudarna", helix="academia")
    Person.objects.create(name="Nina", email="nina@behov.se", organisation=need_org)
    creator = make_user()
    cluster = make_cluster("Gröna klustret")
    Membership.objects.create(cluster=cluster, organisation=need_org)
    Membership.objects.create(cluster=cluster, organisation=offer_org)
    need = make_listing(Need, "Behöver testbädd", owner=need_org)
    offer = make_listing(Offer, "Testbädd finns", owner=offer_org, created_by=creator)
    user = make_user()
    Person.objects.create(name="Ulf", organisation=need_org, user=user)
    return need, offer, user, creator, cluster


def test_interest_sends_introduction_to_both_sides(
    client: Any, pair: Any, django_capture_on_commit_callbacks: Any
) -> None:
    need, offer, user, creator, _cluster = pair
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matchmaking:interest-create"),
            {"need": need.pk, "offer": offer.pk, "from": "need", "message": "Hej!"},
        )
    assert response.status_code == 302
    interest = Interest.objects.get()
    assert interest.created_by == user
    assert interest.introduced_at is not None
    assert sorted(m.to[0] for m in mail.outbox) == sorted(["nina@behov.se", creator.email])
    body = mail.outbox[0].body
    assert "Behöver testbädd" in body
    assert "Testbädd finns" in body
    assert "Hej!" in body
    assert mail.outbox[0].subject == "Introduction: “Behöver testbädd” and “Testbädd finns”"
    # A second expression of interest introduces nobody again.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("matchmaking:interest-create"), {"need": need.pk, "offer": offer.pk})
    assert Interest.objects.count() == 1
    assert len(mail.outbox) == 2


def test_interest_refused_to_an_unrelated_user(pair: Any, make_user: Any) -> None:
    need, offer, _user, _creator, _cluster = pair
    with pytest.raises(PermissionDenied):
        services.express_interest(actor=make_user(), need=need, offer=offer)
    assert Interest.objects.count() == 0


def test_interest_refused_for_expired(pair: Any) -> None:
    need, offer, user, _creator, _cluster = pair
    offer.expires_on = timezone.localdate() - timedelta(days=1)
    offer.save()
    with pytest.raises(ValidationError):
        services.express_interest(actor=user, need=need, offer=offer)


def test_outcome_recorded_and_counted_in_report(
    client: Any, pair: Any, django_capture_on_commit_callbacks: Any, make_user: Any
) -> None:
    need, offer, user, creator, _cluster = pair
    with django_capture_on_commit_callbacks(execute=True):
        interest, created = services.express_interest(actor=user, need=need, offer=offer)
    assert created
    client.force_login(make_user())
    url = reverse("matchmaking:interest-outcome", args=[interest.pk])
    assert client.post(url, {"outcome": "agreement"}).status_code == 403
    client.force_login(creator)  # the offer's creator, outside the organisation
    assert client.post(url, {"outcome": "meeting"}).status_code == 403
    client.force_login(user)
    response = client.post(url, {"outcome": "agreement"})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.outcome == "agreement"
    assert interest.outcome_at is not None

    data = services.report()
    month = timezone.now().strftime("%Y-%m")
    assert data["months"] == [
        {
            "month": month,
            "kind": "testbed",
            "kind_label": "testbed",
            "introductions": 1,
            "pending": 0,
            "meeting": 0,
            "agreement": 1,
            "nothing": 0,
        }
    ]
    assert [(c["cluster"], c["introductions"], c["agreement"]) for c in data["clusters"]] == [
        ("Gröna klustret", 1, 1)
    ]
    page = client.get(reverse("matchmaking:report"))
    assert page.status_code == 200
    assert "Gröna klustret" in page.content.decode()
    csv = client.get(reverse("matchmaking:report"), {"by": "cluster", "export": "csv"})
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1] == "Gröna klustret;1;0;0;1;0"


def test_report_refused_to_anonymous_and_outsiders(client: Any, make_user: Any) -> None:
    assert client.get(reverse("matchmaking:report")).status_code == 302
    client.force_login(make_user())
    assert client.get(reverse("matchmaking:report")).status_code == 403
