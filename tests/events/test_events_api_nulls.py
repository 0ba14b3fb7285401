"""PATCH /api/v1/events/{uid} with null for the extra dates clears them (was a 500, #8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from samverka.api.models import ApiToken
from samverka.events.models import Event


@pytest.mark.parametrize("field", ["rdates", "exdates"])
def test_events_api_null_dates_clear_them(client: Any, make_user: Any, field: str) -> None:
    admin = make_user(role="platform_admin_superuser")
    _token, raw = ApiToken.issue(user=admin, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    start = (timezone.now() + timedelta(days=30)).replace(microsecond=0)
    created = client.post(
        "/api/v1/events",
        {
            "title": "Fältdag",
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
        content_type="application/json",
        **auth,
    )
    assert created.status_code == 201, created.content
    uid = created.json()["uid"]

    response = client.patch(
        f"/api/v1/events/{uid}", {field: None}, content_type="application/json", **auth
    )

    assert response.status_code == 200
    assert getattr(Event.objects.get(uid=uid), field) == ""
