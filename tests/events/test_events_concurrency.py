"""Simultaneous registrations and cancellations never overfill an event (PostgreSQL: the event
row is locked with SELECT ... FOR UPDATE)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from samverka.events import services
from samverka.events.models import Event, Registration


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registrations_never_overfill(cluster_manager: Any, event_data: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises all writes anyway")
    user, cluster = cluster_manager
    event = services.publish_event(
        user, services.create_event(user, event_data(host=cluster, capacity=3))
    )
    barrier = threading.Barrier(8)
    errors: list[Exception] = []

    def register(n: int) -> None:
        try:
            barrier.wait()
            services.register(
                event=Event.objects.get(pk=event.pk), name=f"P{n}", email=f"p{n}@example.se"
            )
        except ValidationError as exc:  # pragma: no cover - would be a failure below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = sorted(Registration.objects.values_list("status", flat=True))
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * 5

    confirmed = list(Registration.objects.filter(status="confirmed"))
    barrier = threading.Barrier(len(confirmed))

    def cancel(registration: Registration) -> None:
        try:
            barrier.wait()
            services.cancel_registration(registration)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(r,)) for r in confirmed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = {
        s: Registration.objects.filter(status=s).count()
        for s in ("confirmed", "waitlisted", "cancelled")
    }
    assert counts == {"confirmed": 3, "waitlisted": 2, "cancelled": 3}
