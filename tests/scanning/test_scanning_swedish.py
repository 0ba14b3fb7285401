"""The pages render in the default language (Swedish) too."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from samverka.scanning.models import FeedItem, FeedSource


def test_pages_render_in_swedish(client: Any, cluster_manager: Any) -> None:
    user, cluster = cluster_manager
    source = FeedSource.objects.create(url="https://o.example.se/rss", name="Own", cluster=cluster)
    item = FeedItem.objects.create(source=source, title="Utlysning", content_hash="x")
    client.force_login(user)
    for url in (
        reverse("scanning:index"),
        reverse("scanning:sources"),
        reverse("scanning:folders"),
        reverse("scanning:source-add"),
        reverse("scanning:opml-import"),
        item.get_absolute_url(),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="sv"' in response.content.decode(), url
