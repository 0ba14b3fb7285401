"""Fixtures of the events tests: event data and a published event of the managed cluster."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest

from samverka.events import services
from samverka.events.models import Event

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


@pytest.fixture
def event_data() -> Callable[..., dict[str, Any]]:
    def make(**extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": "Nätverksträff",
            "event_type": "network_meeting",
            "description": "<p>Välkommen</p><script>alert(1)</script>",
            "start": dt.datetime(2030, 3, 10, 9, 0, tzinfo=STOCKHOLM),
            "end": dt.datetime(2030, 3, 10, 16, 0, tzinfo=STOCKHOLM),
            "place": "Storgatan 1, Östersund",
        }
        data.update(extra)
        return data

    return make


@pytest.fixture
def published_event(cluster_manager: Any, event_data: Callable[..., dict[str, Any]]) -> Event:
    """A published event of the managed cluster with two seats."""
    user, cluster = cluster_manager
    event = services.create_event(user, event_data(host=cluster, capacity=2))
    return services.publish_event(user, event)
