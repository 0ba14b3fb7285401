"""The knowledge API refuses null for fields whose columns cannot hold it (found by schemathesis)."""

from __future__ import annotations

from typing import Any

import pytest

from samverka.api.models import ApiToken
from samverka.knowledge.models import GoodExample


@pytest.mark.parametrize("field", ["kind", "title", "published"])
def test_knowledge_api_null_field_is_422(client: Any, make_user: Any, field: str) -> None:
    admin = make_user(role="platform_admin_superuser")
    _token, raw = ApiToken.issue(user=admin, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    payload = {"title": "Vallodling i norr", "kind": "method", "published": True, field: None}
    response = client.post("/api/v1/knowledge", payload, content_type="application/json", **auth)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert not GoodExample.objects.exists()

    created = client.post(
        "/api/v1/knowledge", {"title": "Vallodling i norr"}, content_type="application/json", **auth
    ).json()
    response = client.patch(
        f"/api/v1/knowledge/{created['slug']}",
        {field: None},
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 422
    assert GoodExample.objects.get().title == "Vallodling i norr"
