"""Settings of the newsletters app: a Django setting of the same name wins, then the environment.

- ``SAMVERKA_NEWSLETTER_BATCH_SIZE`` (50): deliveries sent per batch;
- ``SAMVERKA_NEWSLETTER_RATE`` (600): at most this many mails per minute (0: no limit);
- ``SAMVERKA_NEWSLETTER_LEASE_SECONDS`` (600): after this long without progress an issue stuck in
  "sending" is resumed by the periodic job;
- ``SAMVERKA_BOUNCE_SECRET`` (unset): the bearer secret of the bounce webhook; unset refuses all;
- ``SAMVERKA_NEWSLETTER_UNSUBSCRIBE_EMAIL``: the ``mailto:`` address of ``List-Unsubscribe``
  (default: the address of ``DEFAULT_FROM_EMAIL``).
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from pathlib import Path

from django.conf import settings


def _raw(name: str) -> str | None:
    value = getattr(settings, name, None)
    if value is not None:
        return str(value)
    return os.environ.get(name) or None


def _int(name: str, default: int) -> int:
    value = _raw(name)
    return int(value) if value and value.strip() else default


def batch_size() -> int:
    return max(1, _int("SAMVERKA_NEWSLETTER_BATCH_SIZE", 50))


def rate_per_minute() -> int:
    return max(0, _int("SAMVERKA_NEWSLETTER_RATE", 600))


def lease_seconds() -> int:
    return max(1, _int("SAMVERKA_NEWSLETTER_LEASE_SECONDS", 600))


def bounce_secret() -> str | None:
    """The webhook secret, from the setting, ``SAMVERKA_BOUNCE_SECRET`` or ``…_FILE``."""
    if value := _raw("SAMVERKA_BOUNCE_SECRET"):
        return value
    if path := os.environ.get("SAMVERKA_BOUNCE_SECRET_FILE"):
        return Path(path).read_text(encoding="utf-8").strip() or None
    return None


def unsubscribe_email() -> str:
    return (
        _raw("SAMVERKA_NEWSLETTER_UNSUBSCRIBE_EMAIL") or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    )
