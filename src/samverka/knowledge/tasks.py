"""Background work of the knowledge app: keeping the search index complete."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from samverka.core.scheduler import periodic
from samverka.knowledge import indexing


@task()
def index_new_scanned_items() -> int:
    """Index scanned items the poller wrote in bulk (no signals); returns how many were added."""
    return sum(indexing.catch_up(["scanned"]).values())


periodic("search-index-scanned", timedelta(minutes=10))(index_new_scanned_items.enqueue)
