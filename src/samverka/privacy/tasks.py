"""The daily retention job."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django_tasks import task

from samverka.core.scheduler import periodic
from samverka.privacy.services import run_retention


@task()
def apply_retention() -> dict[str, Any]:
    """Anonymise registrations and help cases past their retention period (idempotent)."""
    return run_retention()


periodic("privacy-retention", timedelta(days=1))(apply_retention.enqueue)
