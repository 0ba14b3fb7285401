"""Retention: registrations of long-past events and long-closed help cases are anonymised the
same way an erasure does it, in batches, so every aggregate stays the same."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from samverka.core import audit
from samverka.privacy.models import Erasure, ErasureKind
from samverka.privacy.services import mailstore
from samverka.privacy.services.erase import (
    anonymise_cases,
    anonymise_registrations,
    anonymised_q,
)


def _due(now: dt.datetime) -> dict[str, Any]:
    from samverka.events.models import Registration
    from samverka.sluice.models import HelpCase, Stage

    due: dict[str, Any] = {}
    days = settings.SAMVERKA_RETENTION_REGISTRATIONS_DAYS
    if days > 0:
        due["events.registration"] = (
            Registration.objects.filter(event__end__lt=now - dt.timedelta(days=days))
            .exclude(anonymised_q())
            .order_by("pk")
        )
    days = settings.SAMVERKA_RETENTION_CASES_DAYS
    if days > 0:
        due["sluice.helpcase"] = (
            HelpCase.objects.filter(
                stage=Stage.CLOSED, stage_changed_at__lt=now - dt.timedelta(days=days)
            )
            .exclude(anonymised_q())
            .order_by("pk")
        )
    return due


def run_retention(
    *, now: dt.datetime | None = None, dry_run: bool = False, batch_size: int = 500
) -> dict[str, Any]:
    """Anonymise registrations whose event ended more than
    ``SAMVERKA_RETENTION_REGISTRATIONS_DAYS`` ago and cases closed more than
    ``SAMVERKA_RETENTION_CASES_DAYS`` ago and delete stored mail files older than
    ``SAMVERKA_RETENTION_MAIL_DAYS`` (0 turns each off). Each batch is its own
    transaction, so an interrupted run keeps what it did and the next run goes on from there;
    running it twice changes nothing the second time."""
    now = now or timezone.now()
    anonymisers = {
        "events.registration": anonymise_registrations,
        "sluice.helpcase": anonymise_cases,
    }
    counts: dict[str, int] = {}
    for label, queryset in _due(now).items():
        if dry_run:
            counts[label] = queryset.count()
            continue
        done = 0
        while ids := list(queryset.values_list("pk", flat=True)[:batch_size]):
            with transaction.atomic():
                changed = anonymisers[label](ids, now=now)
            if not changed:  # another run took this batch meanwhile
                break
            done += changed
        counts[label] = done
    if expired := mailstore.expire_mail(now, dry_run=dry_run):
        counts["mail.file"] = expired
    total = sum(counts.values())
    if total and not dry_run:
        erasure = Erasure.objects.create(
            kind=ErasureKind.RETENTION, at=now, reference=secrets.token_hex(5), counts=counts
        )
        audit.record(actor=None, action="privacy.retention", obj=erasure, changes=counts)
    return {
        "dry_run": dry_run,
        "registrations_days": settings.SAMVERKA_RETENTION_REGISTRATIONS_DAYS,
        "cases_days": settings.SAMVERKA_RETENTION_CASES_DAYS,
        "mail_days": settings.SAMVERKA_RETENTION_MAIL_DAYS,
        "counts": counts,
        "total": total,
    }
