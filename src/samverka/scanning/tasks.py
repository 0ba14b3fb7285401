"""Background work of the scanning app: polling feeds and the weekly digests.

Every five minutes the worker polls the sources that are due (see
:func:`samverka.scanning.services.due_sources`); once a day it sends the weekly digests that are
due, each claimed with a conditional UPDATE first so that two workers never send the same one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from samverka.clusters.models import Cluster
from samverka.core.mail import render_mail
from samverka.core.scheduler import periodic
from samverka.scanning import services
from samverka.scanning.models import ClusterDigest, DigestSubscription, FeedItem

WEEK = timedelta(days=7)


@task()
def poll_due_feeds() -> int:
    """Poll every source that is due; returns how many were polled."""
    return len(services.poll_sources(services.due_sources()))


def week_items(cluster_ids: set[int], since: datetime) -> QuerySet[FeedItem]:
    """Items of the clusters' sources (owned or shared) from the week that were tagged or
    rated."""
    return (
        FeedItem.objects.filter(
            Q(source__cluster_id__in=cluster_ids) | Q(source__shared_with__in=cluster_ids),
            created__gte=since,
        )
        .filter(Q(focus_areas__isnull=False) | Q(notes__rating__isnull=False))
        .distinct()
        .select_related("source")
        .prefetch_related("focus_areas")
        .order_by("-published", "-pk")
    )


def _claim(model: Any, pk: int, previous: datetime | None, now: datetime) -> bool:
    return model.objects.filter(pk=pk, last_sent=previous).update(last_sent=now) == 1


def _send(template: str, context: dict[str, Any], recipients: list[str]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render_mail(f"scanning/email/{template}", context)
    send_mail(subject, body, None, recipients)


def _context(items: list[FeedItem], **extra: Any) -> dict[str, Any]:
    return {
        "items": [{"item": i, "url": settings.SITE_URL + i.get_absolute_url()} for i in items[:50]],
        "count": len(items),
        "list_url": settings.SITE_URL + reverse("scanning:index"),
        **extra,
    }


@task()
def send_weekly_digests(now_iso: str = "") -> int:
    """Send the weekly digest to each opted-in user and to each cluster's managers, at most once
    a week; returns the number of mails sent. Nothing is sent for a week without items."""
    now = datetime.fromisoformat(now_iso) if now_iso else timezone.now()
    due = Q(last_sent__isnull=True) | Q(last_sent__lte=now - WEEK + timedelta(hours=1))
    sent = 0
    for sub in DigestSubscription.objects.filter(due, active=True).select_related("user"):
        user = sub.user
        if not user.is_active or not user.email:
            continue
        items = list(week_items(services.user_cluster_ids(user), now - WEEK))
        if not items or not _claim(DigestSubscription, sub.pk, sub.last_sent, now):
            continue
        try:
            _send("digest", _context(items, user=user), [user.email])
        except Exception:
            DigestSubscription.objects.filter(pk=sub.pk).update(last_sent=sub.last_sent)
            raise
        sent += 1
    for cluster in Cluster.objects.filter(feed_sources__isnull=False).distinct():
        digest, _created = ClusterDigest.objects.get_or_create(cluster=cluster)
        if digest.last_sent and digest.last_sent > now - WEEK + timedelta(hours=1):
            continue
        recipients = sorted(
            cluster.managers.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        items = list(week_items({cluster.pk}, now - WEEK))
        if not recipients or not items:
            continue
        if not _claim(ClusterDigest, digest.pk, digest.last_sent, now):
            continue
        try:
            _send("cluster_digest", _context(items, cluster=cluster), recipients)
        except Exception:
            ClusterDigest.objects.filter(pk=digest.pk).update(last_sent=digest.last_sent)
            raise
        sent += 1
    return sent


periodic("scanning-poll", timedelta(minutes=5))(poll_due_feeds.enqueue)
periodic("scanning-digests", timedelta(hours=6))(send_weekly_digests.enqueue)
