"""The cluster profile stays bounded for large clusters: members in pages, network figures cached
and left out above a size."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverka.clusters import services, views
from samverka.clusters.models import Cluster

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


def test_profile_lists_members_in_pages(
    client: Client, make_cluster: Callable[..., Cluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MEMBERS_PER_PAGE", 2)
    cluster = make_cluster(slug="paged", members=5)

    first = client.get(cluster.get_absolute_url())
    last = client.get(cluster.get_absolute_url() + "?page=3")

    assert "5 members" in first.content.decode()
    assert len(first.context["members"]) == 2
    assert 'rel="next"' in first.content.decode()
    assert len(last.context["members"]) == 1
    shown = {
        m.organisation_id
        for p in (1, 2, 3)
        for m in client.get(cluster.get_absolute_url() + f"?page={p}").context["members"]
    }
    assert shown == set(cluster.memberships.values_list("organisation_id", flat=True))


def test_profile_network_figures_are_cached_until_members_change(
    client: Client, make_cluster: Callable[..., Cluster], make_organisation: Callable[..., object]
) -> None:
    cache.clear()
    cluster = make_cluster(slug="cached", members=3)
    client.get(cluster.get_absolute_url())
    with CaptureQueriesContext(connection) as cold:
        cache.clear()
        client.get(cluster.get_absolute_url())
    with CaptureQueriesContext(connection) as warm:
        response = client.get(cluster.get_absolute_url())

    assert len(warm.captured_queries) < len(cold.captured_queries)
    assert response.context["network"]["nodes"] == 3
    cluster.memberships.create(organisation=make_organisation())
    assert client.get(cluster.get_absolute_url()).context["network"]["nodes"] == 4


def test_profile_leaves_out_network_figures_of_a_large_cluster(
    client: Client, make_cluster: Callable[..., Cluster], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "NETWORK_FIGURES_MAX_MEMBERS", 2)
    cluster = make_cluster(slug="large", members=3)

    response = client.get(cluster.get_absolute_url())

    assert "nodes" not in response.context["network"]
    assert "too large for its network figures" in response.content.decode()
    assert 'href="/network/clusters/large/"' in response.content.decode()


def test_membership_summary_counts_members_in_one_pass(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., object]
) -> None:
    cluster = make_cluster(slug="summary", members=2)  # two companies in Östersund
    cluster.memberships.create(organisation=make_organisation(helix="academia", municipality=None))

    with CaptureQueriesContext(connection) as queries:
        summary = services.membership_summary(cluster)

    assert len(queries.captured_queries) == 2
    assert summary["count"] == 3
    assert summary["last"] == cluster.memberships.order_by("-pk").first().pk
    counts = {row["helix"]: row["count"] for row in summary["helix"]}
    assert counts["company"] == 2
    assert counts["academia"] == 1
    assert counts["public"] == 0
    assert [(p["code"], p["count"]) for p in summary["places"]] == [("2380", 2)]


def test_profile_member_map_follows_the_members(
    client: Client, make_cluster: Callable[..., Cluster], make_organisation: Callable[..., object]
) -> None:
    """The drawn map is reused only for the same figures: a new member changes it."""
    from samverka.geo.models import Area

    cluster = make_cluster(slug="mapped", members=1)
    before = str(client.get(cluster.get_absolute_url()).context["member_map"])
    cluster.memberships.create(organisation=make_organisation())
    cluster.memberships.create(
        organisation=make_organisation(municipality=Area.objects.get(code="2361"))
    )
    after = str(client.get(cluster.get_absolute_url()).context["member_map"])

    assert "Östersund: 1 members" in before
    assert "Östersund: 2 members" in after
    assert "Härjedalen: 1 members" in after
    assert client.get(cluster.get_absolute_url()).context["member_map"] == after
