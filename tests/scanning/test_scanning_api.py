"""The scanning API: items and sources, with the same visibility as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from samverka.actors.models import FocusArea, Person
from samverka.scanning.models import FeedItem, FeedSource


@pytest.fixture
def data(cluster_manager: Any) -> dict[str, Any]:
    _manager, cluster = cluster_manager
    forest = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    national = FeedSource.objects.create(url="https://n.example.se/rss", name="National")
    own = FeedSource.objects.create(url="https://o.example.se/rss", name="Own", cluster=cluster)
    tagged = FeedItem.objects.create(
        source=national, title="Skog", content_hash="1", deadline=date(2027, 5, 1)
    )
    tagged.focus_areas.add(forest)
    FeedItem.objects.create(
        source=national, title="Early", content_hash="2", deadline=date(2027, 1, 1)
    )
    FeedItem.objects.create(source=own, title="Private", content_hash="3")
    return {"cluster": cluster, "national": national, "own": own}


def _titles(response: Any) -> list[str]:
    assert response.status_code == 200
    return sorted(i["title"] for i in response.json()["items"])


def test_items_public_and_filtered(client: Any, data: dict[str, Any]) -> None:
    assert _titles(client.get("/api/v1/scanning/items")) == ["Early", "Skog"]
    assert _titles(client.get("/api/v1/scanning/items?focus=skog")) == ["Skog"]
    assert _titles(client.get("/api/v1/scanning/items?deadline_after=2027-02-01")) == ["Skog"]
    own = data["own"].pk
    assert _titles(client.get(f"/api/v1/scanning/items?source={own}")) == []
    item = client.get("/api/v1/scanning/items?focus=skog").json()["items"][0]
    assert item["tags"] == ["skog"]
    assert item["deadline"] == "2027-05-01"
    assert item["source"] == "National"


def test_members_see_their_clusters_items(
    client: Any, data: dict[str, Any], make_user: Any
) -> None:
    user = make_user("m")
    Person.objects.create(name="M", organisation=data["cluster"].members.first(), user=user)
    client.force_login(user)
    assert _titles(client.get("/api/v1/scanning/items")) == ["Early", "Private", "Skog"]
    sources = client.get("/api/v1/scanning/sources").json()
    assert sorted(s["name"] for s in sources) == ["National", "Own"]


def test_sources_public(client: Any, data: dict[str, Any]) -> None:
    sources = client.get("/api/v1/scanning/sources").json()
    assert [s["name"] for s in sources] == ["National"]
    assert sources[0]["cluster"] is None
    assert sources[0]["consecutive_failures"] == 0


def test_bad_filter_is_422(client: Any, data: dict[str, Any]) -> None:
    assert client.get("/api/v1/scanning/items?deadline_after=nope").status_code == 422
