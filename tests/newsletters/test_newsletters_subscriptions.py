"""Subscribing (double opt-in), unsubscribing (one click) and consent-only member subscription."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client

from samverka.actors.models import Person
from samverka.clusters.models import Membership
from samverka.newsletters.models import Subscription, SubscriptionStatus

pytestmark = pytest.mark.django_db


def _link(body: str) -> str:
    match = re.search(r"http://[^\s]+/newsletters/confirm/[^\s]+/", body)
    assert match, body
    return match.group(0).removeprefix("http://127.0.0.1:8000")


def test_double_opt_in_round_trip_through_http(client, newsletter):
    response = client.post(
        "/newsletters/managed-news/",
        {"email": "Anna@Example.se", "name": "Anna", "consent": "on"},
        follow=True,
    )

    assert "follow the link in the mail" in response.content.decode()
    subscription = Subscription.objects.get(newsletter=newsletter)
    assert subscription.email == "anna@example.se"
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.confirmed_at is None
    assert "I want to receive the newsletter “Managed News”" in subscription.consent_text
    assert subscription.consent_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["anna@example.se"]
    link = _link(mail.outbox[0].body)
    assert link == f"/newsletters/confirm/{subscription.token}/"

    page = client.get(link)  # a mail scanner following the link confirms nothing
    subscription.refresh_from_db()
    assert page.status_code == 200
    assert subscription.status == SubscriptionStatus.PENDING

    done = client.post(f"/newsletters/confirm/{subscription.token}/done/")
    subscription.refresh_from_db()
    assert done.status_code == 200
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.confirmed_at is not None


def test_subscribe_without_consent_is_refused(client, newsletter):
    response = client.post("/newsletters/managed-news/", {"email": "anna@example.se"})

    assert response.status_code == 200
    assert not Subscription.objects.exists()
    assert mail.outbox == []


def test_subscribe_again_when_active_sends_nothing(client, newsletter, subscribe_active):
    subscribe_active(newsletter, "anna@example.se")

    client.post("/newsletters/managed-news/", {"email": "anna@example.se", "consent": "on"})

    assert Subscription.objects.get().status == SubscriptionStatus.ACTIVE
    assert mail.outbox == []


def test_confirm_with_wrong_token_is_404(client, newsletter):
    assert client.get("/newsletters/confirm/nope/").status_code == 404
    assert client.post("/newsletters/confirm/nope/done/").status_code == 404


def test_unsubscribe_get_shows_a_button_and_changes_nothing(client, newsletter, subscribe_active):
    subscription = subscribe_active(newsletter, "anna@example.se")

    response = client.get(f"/newsletters/unsubscribe/{subscription.token}/")

    subscription.refresh_from_db()
    assert response.status_code == 200
    assert "<button" in response.content.decode()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_one_click_unsubscribe_post_works_without_csrf(newsletter, subscribe_active):
    subscription = subscribe_active(newsletter, "anna@example.se")
    strict = Client(enforce_csrf_checks=True)

    response = strict.post(
        f"/newsletters/unsubscribe/{subscription.token}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    subscription.refresh_from_db()
    assert response.status_code == 200
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscription.unsubscribed_at is not None


def test_unsubscribe_with_wrong_token_is_404(newsletter, subscribe_active):
    subscription = subscribe_active(newsletter, "anna@example.se")
    strict = Client(enforce_csrf_checks=True)

    assert strict.post("/newsletters/unsubscribe/wrong-token/").status_code == 404
    assert strict.get("/newsletters/unsubscribe/wrong-token/").status_code == 404
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.ACTIVE


def test_subscribe_consenting_members_adds_only_consenting_people(
    client, cluster_manager, newsletter, make_organisation
):
    user, cluster = cluster_manager
    member_org = cluster.members.first()
    consent_at = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    Person.objects.create(
        name="Yes",
        email="yes@example.se",
        organisation=member_org,
        newsletter_consent=True,
        newsletter_consent_at=consent_at,
    )
    Person.objects.create(name="No", email="no@example.se", organisation=member_org)
    outsider_org = make_organisation()
    Person.objects.create(
        name="Outside", email="out@example.se", organisation=outsider_org, newsletter_consent=True
    )
    assert not Membership.objects.filter(organisation=outsider_org).exists()
    client.force_login(user)

    response = client.post("/newsletters/managed-news/manage/subscribe-members/", follow=True)

    assert "1 consenting members subscribed" in response.content.decode()
    subscription = Subscription.objects.get()
    assert subscription.email == "yes@example.se"
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.consent_at == consent_at
    assert subscription.person.name == "Yes"
    client.post("/newsletters/managed-news/manage/subscribe-members/")
    assert Subscription.objects.count() == 1


def test_subscribe_consenting_members_keeps_unsubscribed_people_out(
    client, cluster_manager, newsletter, subscribe_active
):
    user, cluster = cluster_manager
    Person.objects.create(
        name="Yes",
        email="yes@example.se",
        organisation=cluster.members.first(),
        newsletter_consent=True,
    )
    subscription = subscribe_active(newsletter, "yes@example.se")
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.save()
    client.force_login(user)

    client.post("/newsletters/managed-news/manage/subscribe-members/")

    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_subscribe_members_refused_to_manager_of_another_cluster(
    client, newsletter, make_user, make_cluster
):
    other = make_user()
    make_cluster().managers.add(other)
    client.force_login(other)

    assert client.post("/newsletters/managed-news/manage/subscribe-members/").status_code == 403


def test_api_subscription_starts_double_opt_in(client, newsletter, make_user):
    client.force_login(make_user())

    response = client.post(
        "/api/v1/newsletters/managed-news/subscriptions",
        {"email": "bo@example.se", "name": "Bo"},
        content_type="application/json",
    )

    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert Subscription.objects.get().status == SubscriptionStatus.PENDING
    assert len(mail.outbox) == 1


def test_api_subscription_rejects_a_bad_address_and_anonymous(client, newsletter, make_user):
    anonymous = client.post(
        "/api/v1/newsletters/managed-news/subscriptions",
        {"email": "bo@example.se"},
        content_type="application/json",
    )
    client.force_login(make_user())
    bad = client.post(
        "/api/v1/newsletters/managed-news/subscriptions",
        {"email": "not-an-address"},
        content_type="application/json",
    )

    assert anonymous.status_code == 401
    assert bad.status_code in {400, 422}
    assert not Subscription.objects.exists()
