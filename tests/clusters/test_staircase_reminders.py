"""Cluster staircase: the reassessment reminder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from samverka.clusters.models import AssessmentStatus, Cluster, StaircaseAssessment
from samverka.clusters.tasks import send_staircase_reminders
from samverka.core.scheduler import JOBS

pytestmark = pytest.mark.django_db


def submitted(cluster: Cluster, days_ago: int, **fields: object) -> StaircaseAssessment:
    return StaircaseAssessment.objects.create(
        cluster=cluster,
        status=AssessmentStatus.SUBMITTED,
        submitted_at=timezone.now() - timedelta(days=days_ago),
        step_reached=1,
        **fields,
    )


def test_reminder_job_registered_daily() -> None:
    assert JOBS["staircase-reminders"].interval == timedelta(days=1)


def test_reminder_sent_once_to_managers_of_stale_cluster(
    cluster_manager: tuple[User, Cluster],
    make_cluster: Callable[..., Cluster],
    make_user: Callable[..., User],
) -> None:
    manager, stale = cluster_manager
    second = make_user()
    stale.managers.add(second)
    submitted(stale, days_ago=900)
    latest = submitted(stale, days_ago=731)
    fresh = make_cluster()
    fresh.managers.add(make_user())
    submitted(fresh, days_ago=900)
    submitted(fresh, days_ago=100)  # reassessed recently: no reminder
    make_cluster().managers.add(make_user())  # never assessed: no reminder

    assert send_staircase_reminders.call() == 1
    assert send_staircase_reminders.call() == 0

    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([manager.email, second.email])
    assert f"/clusters/{stale.slug}/staircase/assess/" in mail.outbox[0].body
    assert stale.name in mail.outbox[0].subject
    latest.refresh_from_db()
    assert latest.reminded_at is not None


def test_reminder_repeated_after_another_interval(cluster_manager: tuple[User, Cluster]) -> None:
    _manager, cluster = cluster_manager
    submitted(cluster, days_ago=1500, reminded_at=timezone.now() - timedelta(days=740))

    assert send_staircase_reminders.call() == 1
    assert send_staircase_reminders.call() == 0


@override_settings(SAMVERKA_STAIRCASE_INTERVAL_DAYS=30)
def test_reminder_interval_from_settings(cluster_manager: tuple[User, Cluster]) -> None:
    _manager, cluster = cluster_manager
    submitted(cluster, days_ago=31)

    assert send_staircase_reminders.call() == 1


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""
