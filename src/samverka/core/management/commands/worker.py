"""``samverka worker``: runs background tasks and the periodic-job scheduler."""

from __future__ import annotations

import importlib
import logging
import threading
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from samverka.core import scheduler

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

    def handle(self, *args: Any, **options: Any) -> None:
        _load_task_modules()
        stop = threading.Event()
        if not options["no_scheduler"]:
            threading.Thread(target=self._schedule, args=(stop,), daemon=True).start()
        try:
            if settings.SAMVERKA_TASKS == "rq":
                call_command("rqworker", "default", with_scheduler=False)
            else:
                worker_args = ["--interval", str(options["interval"]), "--queue-name", "*"]
                if options["batch"]:
                    worker_args.append("--batch")
                call_command("db_worker", *worker_args)
        finally:
            stop.set()

    def _schedule(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                started = scheduler.run_due()
                if started:
                    logger.info("periodic jobs enqueued: %s", ", ".join(started))
            except Exception:
                logger.exception("scheduler pass failed")
            finally:
                close_old_connections()
            stop.wait(30)
