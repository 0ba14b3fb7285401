"""Creating and changing events: sanitising, validation, host checks and SEQUENCE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from samverka.core.models import AuditEntry
from samverka.events import services
from samverka.events.models import Event, EventStatus


def test_create_event_sanitises_and_adds_host_as_organiser(
    cluster_manager: Any, event_data: Any, focus_area: Any
) -> None:
    user, cluster = cluster_manager
    event = services.create_event(user, event_data(host=cluster, focus_areas=[focus_area]))
    event.refresh_from_db()
    assert event.description == "<p>Välkommen</p>"
    assert list(event.organisers.all()) == [cluster]
    assert list(event.focus_areas.all()) == [focus_area]
    assert event.status == EventStatus.DRAFT
    assert event.sequence == 0
    assert event.uid.endswith("@samverka")
    assert AuditEntry.objects.filter(action="event.created", object_id=str(event.pk)).count() == 1


def test_create_event_end_before_start_refused(cluster_manager: Any, event_data: Any) -> None:
    user, cluster = cluster_manager
    data = event_data(host=cluster)
    data["end"] = data["start"] - dt.timedelta(hours=1)
    with pytest.raises(ValidationError):
        services.create_event(user, data)
    assert Event.objects.count() == 0


def test_create_event_on_other_cluster_refused(
    cluster_manager: Any, make_cluster: Any, event_data: Any
) -> None:
    user, _cluster = cluster_manager
    with pytest.raises(PermissionDenied):
        services.create_event(user, event_data(host=make_cluster()))
    with pytest.raises(ValidationError):
        services.create_event(user, event_data(host=None))
    assert Event.objects.count() == 0


def test_admin_may_create_national_event(make_user: Any, event_data: Any) -> None:
    admin = make_user(role="platform_admin")
    event = services.create_event(admin, event_data(host=None))
    assert event.host is None


def test_sequence_rises_once_per_published_change(cluster_manager: Any, event_data: Any) -> None:
    user, cluster = cluster_manager
    event = services.create_event(user, event_data(host=cluster))
    event = services.update_event(user, event, {"title": "Draft change"})
    assert event.sequence == 0  # drafts do not count
    event = services.publish_event(user, event)
    assert event.sequence == 1
    event = services.update_event(user, event, {"title": "New title", "place": "Elsewhere"})
    assert Event.objects.get(pk=event.pk).sequence == 2
    event = services.update_event(user, event, {"title": "New title"})
    assert Event.objects.get(pk=event.pk).sequence == 2  # nothing changed
    event = services.update_event(user, event, {"organisers": [cluster]})
    assert Event.objects.get(pk=event.pk).sequence == 2  # host already an organiser
    event = services.cancel_event(user, event)
    saved = Event.objects.get(pk=event.pk)
    assert (saved.sequence, saved.status) == (3, EventStatus.CANCELLED)
    assert AuditEntry.objects.filter(action="event.changed", object_id=str(event.pk)).count() == 4
