"""Background work of the events app: polling subscribed remote calendars.

Every five minutes the worker runs :func:`poll_due_calendars`, which polls each active
:class:`~samverka.events.models.CalendarSource` whose interval has passed (longer after failures:
the interval doubles per consecutive failure, up to a day), with a conditional GET, and imports
what changed into the source's cluster.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

from samverka.core.fetch import FetchError, fetch
from samverka.core.scheduler import periodic
from samverka.events.ical_import import import_calendar
from samverka.events.models import CalendarSource

MAX_BACKOFF = timedelta(days=1)


@dataclass
class PollResult:
    source: str
    source_id: int
    url: str
    status: str  # "imported", "not_modified" or "error"
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withdrawn: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise_url(url: str) -> str:
    """``webcal://`` and ``webcals://`` addresses as the https addresses they stand for."""
    url = url.strip()
    lower = url.lower()
    if lower.startswith("webcals://"):
        return "https://" + url[len("webcals://") :]
    if lower.startswith("webcal://"):
        return "https://" + url[len("webcal://") :]
    return url


def next_poll(source: CalendarSource) -> datetime | None:
    """When the source is next due (``None``: now)."""
    if source.last_polled is None:
        return None
    interval = timedelta(minutes=max(1, source.interval_minutes))
    backoff = min(interval * (2 ** min(source.consecutive_failures, 10)), MAX_BACKOFF)
    return source.last_polled + max(interval, backoff)


def due_sources(now: datetime | None = None) -> list[CalendarSource]:
    """Active sources whose polling interval (with back-off) has passed."""
    now = now or timezone.now()
    due = []
    for source in CalendarSource.objects.filter(active=True).select_related("cluster"):
        when = next_poll(source)
        if when is None or when <= now:
            due.append(source)
    return due


def poll_source(source: CalendarSource) -> PollResult:
    """Fetch one source (conditionally) and import it; record its health."""
    now = timezone.now()
    result = PollResult(source=source.name, source_id=source.pk, url=source.url, status="error")
    source.last_polled = now
    try:
        fetched = fetch(source.url, etag=source.etag, last_modified=source.last_modified_header)
    except FetchError as exc:
        result.error = str(exc)
    else:
        if fetched.not_modified:
            result.status = "not_modified"
        else:
            report = import_calendar(
                fetched.content, source=source, cluster=source.cluster, withdraw_missing=True
            )
            if report.ok:
                result.status = "imported"
                result.created, result.updated = report.created, report.updated
                result.unchanged = report.unchanged
                result.withdrawn = report.withdrawn
                source.etag = fetched.etag[:300]
                source.last_modified_header = fetched.last_modified[:100]
            else:
                errors = [report.file_error] if report.file_error else []
                errors += [str(e) for e in report.errors[:5]]
                result.error = "; ".join(errors)
    if result.status == "error":
        source.consecutive_failures += 1
        source.last_error = result.error
    else:
        source.consecutive_failures = 0
        source.last_error = ""
        source.last_success = now
    source.save(
        update_fields=[
            "last_polled",
            "last_success",
            "last_error",
            "consecutive_failures",
            "etag",
            "last_modified_header",
            "updated",
        ]
    )
    return result


def poll_sources(sources: list[CalendarSource]) -> list[PollResult]:
    """Poll each source in turn; one failing source does not stop the others."""
    return [poll_source(source) for source in sources]


@task()
def poll_due_calendars() -> int:
    """Poll the subscribed calendars that are due; returns how many were polled."""
    return len(poll_sources(due_sources()))


periodic("calendar-subscriptions", timedelta(minutes=5))(poll_due_calendars.enqueue)
