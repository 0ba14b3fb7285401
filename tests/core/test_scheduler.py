"""The periodic-job scheduler and the worker that runs queued tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from samverka.core import scheduler
from samverka.core.models import PeriodicRun
from samverka.core.tasks import housekeeping

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


CALLS: list[str] = []


@pytest.fixture
def job() -> scheduler.PeriodicJob:
    CALLS.clear()
    return scheduler.PeriodicJob("test-job", timedelta(hours=1), lambda: CALLS.append("ran"))


@pytest.mark.django_db
def test_claim_first_time_then_not_again_within_interval(job: scheduler.PeriodicJob) -> None:
    now = timezone.now()
    assert scheduler.claim(job, now) is True
    assert scheduler.claim(job, now + timedelta(minutes=59)) is False
    assert scheduler.claim(job, now + timedelta(minutes=61)) is True
    assert PeriodicRun.objects.get(name="test-job").last_run == now + timedelta(minutes=61)


@pytest.mark.django_db
def test_run_due_enqueues_each_due_job_once(job: scheduler.PeriodicJob, monkeypatch: Any) -> None:
    monkeypatch.setattr(scheduler, "JOBS", {job.name: job})
    now = timezone.now()
    assert scheduler.run_due(now) == ["test-job"]
    assert scheduler.run_due(now) == []  # a second worker in the same slot gets nothing
    assert CALLS == ["ran"]


@pytest.mark.django_db
def test_housekeeping_removes_expired_sessions_only() -> None:
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="x", expire_date=now - timedelta(days=1))
    Session.objects.create(session_key="new", session_data="x", expire_date=now + timedelta(days=1))
    result = housekeeping.call()
    assert result["sessions"] == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.django_db(transaction=True)
def test_worker_runs_queued_database_task(settings: Any) -> None:
    settings.TASKS = DB_TASKS
    from django_tasks_db.models import DBTaskResult

    Session.objects.create(
        session_key="old", session_data="x", expire_date=timezone.now() - timedelta(days=1)
    )
    housekeeping.using(backend="default").enqueue()
    assert DBTaskResult.objects.ready().count() == 1
    call_command("worker", "--batch", "--no-scheduler", "--interval", "0")
    result = DBTaskResult.objects.get()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == {"sessions": 1, "task_results": 0}
    assert not Session.objects.exists()
