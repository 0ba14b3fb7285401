"""Consent records of the demo data (loaded by ``samverka demo``; idempotent).

The demo loaders write people, registrations, subscriptions and cases straight into the tables,
as data from before consent records existed would be; they get the same backfill as such data.
"""

from __future__ import annotations

import importlib
from typing import TextIO

from django.apps import apps
from django.db import transaction


@transaction.atomic
def load_privacy_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    backfill = importlib.import_module("samverka.privacy.migrations.0002_backfill_consents")
    created = backfill.backfill(apps, None)
    if stdout:
        stdout.write(f"Privacy demo: {created} consent records created.\n")
    return {"consents": created}
