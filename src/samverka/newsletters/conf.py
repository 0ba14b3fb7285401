"""Settings of the newsletters app, read from the environment by settings.py.

- ``SAMVERKA_NEWSLETTER_BATCH_SIZE`` (50): deliveries sent per batch;
- ``SAMVERKA_NEWSLETTER_RATE`` (600): at most this many mails per minute (0: no limit);
- ``SAMVERKA_NEWSLETTER_LEASE_SECONDS`` (600): after this long without progress an issue stuck in
  "sending" is resumed by the periodic job;
- ``SAMVERKA_BOUNCE_SECRET`` (or ``…_FILE``; unset): the bearer secret of the bounce webhook;
  unset refuses all;
- ``SAMVERKA_NEWSLETTER_UNSUBSCRIBE_EMAIL``: the ``mailto:`` address of ``List-Unsubscribe``
  (default: the address of ``DEFAULT_FROM_EMAIL``).
"""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings


def batch_size() -> int:
    return max(1, int(settings.SAMVERKA_NEWSLETTER_BATCH_SIZE))


def rate_per_minute() -> int:
    return max(0, int(settings.SAMVERKA_NEWSLETTER_RATE))


def lease_seconds() -> int:
    return max(1, int(settings.SAMVERKA_NEWSLETTER_LEASE_SECONDS))


def bounce_secret() -> str | None:
    return settings.SAMVERKA_BOUNCE_SECRET or None


def unsubscribe_email() -> str:
    return (
        settings.SAMVERKA_NEWSLETTER_UNSUBSCRIBE_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    )
