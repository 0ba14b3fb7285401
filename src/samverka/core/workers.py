"""Worker liveness and the recovery of tasks whose worker died (database task queue only).

``django-tasks-db`` marks a task RUNNING when a worker claims it and never looks at it again: a
worker killed mid-task (SIGKILL, OOM, a lost machine) leaves the row RUNNING for ever and the work
is never done. So every ``samverka worker`` writes a heartbeat (a ``PeriodicRun`` row named
``worker:<worker id>`` holding the moment, on the database's clock, when it expires: now plus
the worker's lease) every fifth of its lease (at most 30 s), and on start and with each heartbeat
looks for RUNNING tasks that started more than a lease ago and whose worker's heartbeat has
expired or never was: those are put back in the queue (READY) to run again, or marked failed after
``MAX_ATTEMPTS`` lost attempts so that a task that kills its worker does not loop. This is
at-least-once delivery: a task must be safe to run again, as the project's are (idempotent writes;
mails claimed before they go, except the two sluice notifications, which a worker killed between
sending and finishing may send twice).
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from samverka.core.models import PeriodicRun

logger = logging.getLogger("samverka.worker")

PREFIX = "worker:"
MAX_ATTEMPTS = 3
DEFAULT_LEASE = timedelta(minutes=5)


class WorkerLost(Exception):
    """Recorded on a task whose worker died in each of its ``MAX_ATTEMPTS`` attempts."""


def new_worker_id() -> str:
    """A unique id that says where the worker runs: ``host-pid-random`` (at most 64 chars)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(8)}"


def database_now() -> datetime:
    """The database server's clock on PostgreSQL (workers on several hosts agree on it even
    when their own clocks drift); this machine's on SQLite, whose workers share one machine."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            return cursor.fetchone()[0]
    return timezone.now()


def beat(worker_id: str, now: datetime | None = None, lease: timedelta = DEFAULT_LEASE) -> None:
    """Record that ``worker_id`` is alive for its ``lease`` from ``now``: the heartbeat holds
    the moment it expires, so a worker with a short lease never takes one with a long lease
    for dead."""
    until = (now or database_now()) + lease
    name = PREFIX + worker_id
    if not PeriodicRun.objects.filter(name=name).update(last_run=until):
        PeriodicRun.objects.get_or_create(name=name, defaults={"last_run": until})


def retire(worker_id: str) -> None:
    """Remove the heartbeat of a worker that stops cleanly."""
    PeriodicRun.objects.filter(name=PREFIX + worker_id).delete()


def recover_lost_tasks(lease: timedelta = DEFAULT_LEASE, now: datetime | None = None) -> int:
    """Requeue (or, after ``MAX_ATTEMPTS``, fail) the RUNNING tasks started over ``lease`` ago
    whose worker's heartbeat has expired (or who never had one); returns how many. Each row is
    changed with a conditional UPDATE, so several workers recovering at once act on a task
    once."""
    now = now or database_now()
    cutoff = now - lease
    PeriodicRun.objects.filter(name__startswith=PREFIX, last_run__lt=now).delete()
    alive = {
        name.removeprefix(PREFIX)
        for name in PeriodicRun.objects.filter(name__startswith=PREFIX).values_list(
            "name", flat=True
        )
    }
    recovered = 0
    for task in DBTaskResult.objects.running().filter(started_at__lt=cutoff):
        worker = task.worker_ids[-1] if task.worker_ids else ""
        if worker in alive:
            continue
        mine = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if len(task.worker_ids) >= MAX_ATTEMPTS:
            error = WorkerLost(f"worker {worker} stopped during attempt {len(task.worker_ids)}")
            changed = mine.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=f"{WorkerLost.__qualname__}: {error}\n",
            )
            outcome = "failed"
        else:
            changed = mine.update(status=TaskResultStatus.READY)
            outcome = "requeued"
        if changed:
            recovered += 1
            logger.warning(
                "task %s (%s) %s: worker %s stopped while running it",
                task.pk,
                task.task_path,
                outcome,
                worker,
            )
    return recovered
