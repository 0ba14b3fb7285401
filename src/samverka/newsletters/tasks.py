"""Background work of the newsletters app: sending issues, and resuming stalled sends."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from samverka.core.scheduler import periodic
from samverka.newsletters import services


@task()
def send_issue(issue_id: int) -> dict[str, int]:
    """Send the pending deliveries of an issue (see :func:`services.send_pending`); running it
    twice, or in two workers at once, mails nobody twice."""
    return dict(services.send_pending(issue_id))


@task()
def resume_stalled_issues() -> list[int]:
    """Enqueue the send task again for issues whose worker died mid-send (no progress within
    ``SAMVERKA_NEWSLETTER_LEASE_SECONDS``). Safe to run twice: the claims keep sends unique."""
    ids = services.stalled_issue_ids()
    for issue_id in ids:
        send_issue.enqueue(issue_id)
    return ids


periodic("newsletter-resume", timedelta(minutes=5))(resume_stalled_issues.enqueue)
