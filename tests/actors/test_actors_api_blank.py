"""The organisations API with blank optional fields (found by schemathesis, #8)."""

from __future__ import annotations

from typing import Any

from samverka.actors.models import Organisation
from samverka.api.models import ApiToken


def _auth(user: Any) -> dict[str, str]:
    _token, raw = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_actors_api_blank_municipality_means_none(client: Any, make_user: Any) -> None:
    auth = _auth(make_user(role="platform_admin_superuser"))
    payload = {"name": "Gröna Gårdar AB", "helix": "company", "municipality": ""}
    response = client.post(
        "/api/v1/organisations", payload, content_type="application/json", **auth
    )
    assert response.status_code == 201
    organisation = Organisation.objects.get(name="Gröna Gårdar AB")
    assert organisation.municipality is None


def test_actors_api_blank_name_is_422(client: Any, make_user: Any) -> None:
    auth = _auth(make_user(role="platform_admin_superuser"))
    payload = {"name": "", "helix": "company"}
    response = client.post(
        "/api/v1/organisations", payload, content_type="application/json", **auth
    )
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]
    assert not Organisation.objects.exists()
