"""Periodic jobs run by ``samverka worker``.

Each job has a name and an interval. Before enqueuing, a worker claims the run with one
conditional UPDATE on ``PeriodicRun`` so that several workers never enqueue the same slot twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from samverka.core.models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    interval: timedelta
    enqueue: Callable[[], object]


JOBS: dict[str, PeriodicJob] = {}


def periodic(
    name: str, interval: timedelta
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register ``enqueue`` (usually ``some_task.enqueue``) to run every ``interval``."""

    def decorator(func: Callable[[], object]) -> Callable[[], object]:
        JOBS[name] = PeriodicJob(name, interval, func)
        return func

    return decorator


def claim(job: PeriodicJob, now: timezone.datetime | None = None) -> bool:
    """True when this caller won the right to run ``job`` now."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(name=job.name)
    except IntegrityError:
        pass  # another worker created the row at the same instant
    due = Q(last_run__isnull=True) | Q(last_run__lte=now - job.interval)
    return PeriodicRun.objects.filter(due, name=job.name).update(last_run=now) == 1


def run_due(now: timezone.datetime | None = None) -> list[str]:
    """Enqueue every job that is due and claimed by this worker; returns their names."""
    started = []
    for job in JOBS.values():
        if claim(job, now):
            try:
                job.enqueue()
                started.append(job.name)
            except Exception:
                logger.exception("periodic job %s failed to enqueue", job.name)
    return started
