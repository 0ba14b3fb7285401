"""Background work of the matchmaking app: keeping the shared document frequencies fresh, so
that no page request has to count them at scale."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from samverka.core.scheduler import periodic
from samverka.matchmaking import lexical
from samverka.matchmaking.models import Need, Offer


@task()
def refresh_match_statistics() -> dict[str, int]:
    """Count the document frequencies of needs and offers again and share them through the
    cache (idempotent). Returns the number of active listings of each kind."""
    return {
        model._meta.model_name: lexical.refresh_statistics(model).documents
        for model in (Need, Offer)
    }


periodic("matchmaking-statistics", timedelta(minutes=30))(refresh_match_statistics.enqueue)
