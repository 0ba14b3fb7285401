"""Fixtures of the newsletter tests: a cluster newsletter with active subscribers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from samverka.clusters.models import Cluster
from samverka.newsletters.models import (
    Issue,
    Newsletter,
    Subscription,
    SubscriptionStatus,
)


@pytest.fixture(autouse=True)
def _english(english: Any) -> None:
    """Newsletter tests assert English text."""


@pytest.fixture
def newsletter(cluster_manager: tuple[Any, Cluster]) -> Newsletter:
    _, cluster = cluster_manager
    return Newsletter.objects.create(name="Managed News", slug="managed-news", cluster=cluster)


@pytest.fixture
def subscribe_active() -> Callable[..., Subscription]:
    def make(newsletter: Newsletter, email: str) -> Subscription:
        now = timezone.now()
        return Subscription.objects.create(
            newsletter=newsletter,
            email=email,
            status=SubscriptionStatus.ACTIVE,
            consent_text="yes",
            consent_at=now,
            confirmed_at=now,
        )

    return make


@pytest.fixture
def draft(newsletter: Newsletter) -> Issue:
    return Issue.objects.create(newsletter=newsletter, subject="Autumn news", intro="<p>Hello</p>")
