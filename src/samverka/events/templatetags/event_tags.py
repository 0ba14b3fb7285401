"""Template tags of events: the "Upcoming events" section of a cluster's profile."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.urls import reverse
from django.utils import timezone

from samverka.clusters.models import Cluster
from samverka.events import services
from samverka.events.occurrences import occurrences

register = template.Library()


@register.inclusion_tag("events/_cluster_upcoming.html", takes_context=True)
def upcoming_events(context: dict[str, Any], cluster: Cluster, limit: int = 5) -> dict[str, Any]:
    """The next occurrences of a cluster's own, co-organised and shared events (a year ahead),
    each marked with how it belongs to the cluster; with the calendar and webcal links."""
    request = context.get("request")
    user = getattr(request, "user", None)
    today = timezone.localdate()
    events = services.events_for_cluster(cluster.pk).filter(
        pk__in=services.visible_events(user).values("pk")
    )
    items = []
    found = occurrences(events, today, today + dt.timedelta(days=366), prefetch=["organisers"])
    for occurrence in found[:limit]:
        event = occurrence.event
        organiser_ids = {c.pk for c in event.organisers.all()}
        if event.host_id == cluster.pk:
            role = "own"
        elif cluster.pk in organiser_ids:
            role = "co-organised"
        else:
            role = "shared"
        items.append({"occurrence": occurrence, "event": event, "role": role})
    feed = reverse("events:cluster-feed", args=[cluster.slug])
    if request is not None:
        from samverka.events.feed_views import webcal_url

        feed = webcal_url(request, feed)
    return {
        "cluster": cluster,
        "items": items,
        "feed_url": feed,
        "calendar_url": reverse("events:cluster-calendar", args=[cluster.slug]),
    }
