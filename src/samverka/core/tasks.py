"""Housekeeping tasks, run periodically by the worker."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone
from django_tasks import task

from samverka.core.scheduler import periodic


@task()
def housekeeping() -> dict[str, int]:
    """Remove expired sessions and finished task results older than 30 days. Idempotent."""
    now = timezone.now()
    sessions, _ = Session.objects.filter(expire_date__lt=now).delete()
    results = 0
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        from django_tasks_db.models import DBTaskResult

        results, _ = (
            DBTaskResult.objects.finished()
            .filter(finished_at__lt=now - timedelta(days=30))
            .delete()
        )
    return {"sessions": sessions, "task_results": results}


periodic("housekeeping", timedelta(hours=24))(housekeeping.enqueue)
