"""``samverka worker``: runs background tasks and the periodic-job scheduler.

With the database queue it also beats a heartbeat and puts back in the queue the tasks of workers
that died mid-task (see :mod:`samverka.core.workers`).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections, connections

from samverka.core import scheduler, workers

logger = logging.getLogger("samverka.worker")


def _load_task_modules() -> None:
    """Import every app's tasks module so their periodic jobs are registered."""
    for config in apps.get_app_configs():
        if config.name.startswith("samverka."):
            try:
                importlib.import_module(f"{config.name}.tasks")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.tasks":
                    raise


class Command(BaseCommand):
    help = "Process background tasks and run periodic jobs (database queue, or RQ with Redis)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
        parser.add_argument("--no-scheduler", action="store_true", help="do not run periodic jobs")
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument(
            "--lease",
            type=float,
            default=workers.DEFAULT_LEASE.total_seconds(),
            help="seconds without a heartbeat after which a worker counts as dead and its "
            "running task is queued again (database queue; default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        _load_task_modules()
        database = settings.SAMVERKA_TASKS != "rq"
        worker_id = workers.new_worker_id() if database else ""
        lease = timedelta(seconds=max(1.0, options["lease"]))
        if database:
            workers.beat(worker_id, lease=lease)
            workers.recover_lost_tasks(lease)
        stop = threading.Event()
        schedule = not options["no_scheduler"]
        maintenance = threading.Thread(
            target=self._maintain, args=(stop, worker_id, lease, schedule), daemon=True
        )
        if database or schedule:
            maintenance.start()
        try:
            if not database:
                call_command("rqworker", "default", with_scheduler=False)
            else:
                worker_args = ["--interval", str(options["interval"]), "--queue-name", "*"]
                worker_args += ["--worker-id", worker_id]
                if options["batch"]:
                    worker_args.append("--batch")
                call_command("db_worker", *worker_args)
        finally:
            stop.set()
            if maintenance.is_alive():
                maintenance.join(5)
            if database:
                try:
                    workers.retire(worker_id)
                except Exception:
                    logger.exception("could not remove the heartbeat of %s", worker_id)

    def _maintain(
        self, stop: threading.Event, worker_id: str, lease: timedelta, schedule: bool
    ) -> None:
        """Beat and recover lost tasks (database queue) every fifth of the lease; run the
        periodic jobs that are due every 30 seconds."""
        every = min(30.0, lease.total_seconds() / 5) if worker_id else 30.0
        next_schedule = 0.0
        next_beat = time.monotonic() + every  # handle() beat and recovered just before
        while not stop.is_set():
            if worker_id and time.monotonic() >= next_beat:
                next_beat = time.monotonic() + every
                try:
                    workers.beat(worker_id, lease=lease)
                    workers.recover_lost_tasks(lease)
                except Exception:
                    logger.exception("heartbeat or task recovery failed")
            if schedule and time.monotonic() >= next_schedule:
                next_schedule = time.monotonic() + 30
                try:
                    started = scheduler.run_due()
                    if started:
                        logger.info("periodic jobs enqueued: %s", ", ".join(started))
                except Exception:
                    logger.exception("scheduler pass failed")
            try:
                close_old_connections()
            except Exception:  # a broken connection must not end the heartbeat
                logger.exception("closing old database connections failed")
            stop.wait(every)
        connections.close_all()  # this thread's own connections
