"""The cluster map of Sweden and the member map on the cluster profile."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster, Membership
from samverka.clusters.views import county_centroids
from samverka.geo.models import Area

pytestmark = pytest.mark.django_db

MAP = reverse("clusters:map")


def map_data(response: Any) -> dict[str, Any]:
    match = re.search(
        r'<script id="cluster-map-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the map data block is missing"
    return json.loads(match.group(1))


def test_cluster_map_lists_every_cluster_by_county(
    client: Client, make_cluster: Callable[..., Cluster]
) -> None:
    gront = make_cluster("Grönt Center Test", county="23", slug="gront")
    make_cluster("Skånekluster Test", county="12", slug="skane")
    make_cluster("Skåne Två", county="12", slug="skane-2")
    gront.regions.add(Area.objects.get(code="22"))  # works in two counties
    Cluster.objects.create(name="Nowhere Cluster", slug="nowhere")

    response = client.get(MAP)

    assert response.status_code == 200
    html = response.content.decode()
    lists = dict(
        re.findall(r'<li data-county="(\d\d)"><h3>[^<]*</h3>\s*<ul>(.*?)</ul>', html, re.S)
    )
    assert sorted(lists) == ["12", "22", "23"]
    assert re.findall(r">([^<]+)</a>", lists["12"]) == ["Skåne Två", "Skånekluster Test"]
    assert re.findall(r">([^<]+)</a>", lists["22"]) == ["Grönt Center Test"]
    assert 'href="/clusters/nowhere/"' in html  # listed under "without a county"
    assert 'src="/static/vendor/leaflet/leaflet.js"' in html


def test_cluster_map_json_places_clusters_at_county_centroids(
    client: Client, make_cluster: Callable[..., Cluster]
) -> None:
    make_cluster("Skånekluster Test", county="12", slug="skane")

    data = map_data(client.get(MAP))

    assert data["boundaries"] == "/static/geo/counties.geojson"
    assert data["tiles"] == ""
    assert [c["code"] for c in data["counties"]] == ["12"]
    county = data["counties"][0]
    assert county["clusters"] == [{"name": "Skånekluster Test", "url": "/clusters/skane/"}]
    # Skåne lies in the far south: its centroid must be inside the county's rough box.
    assert 55.3 < county["lat"] < 56.5
    assert 12.4 < county["lon"] < 14.6


def test_county_centroids_cover_all_counties_inside_sweden() -> None:
    centroids = county_centroids()

    assert len(centroids) == 21
    assert all(55 < lat < 69 and 10 < lon < 25 for lat, lon in centroids.values())
    assert centroids["25"][0] > centroids["01"][0]  # Norrbotten north of Stockholm


def test_cluster_map_boundaries_and_scripts_are_served(client: Client) -> None:
    for path in (
        "/static/geo/counties.geojson",
        "/static/vendor/leaflet/leaflet.js",
        "/static/vendor/leaflet/leaflet.css",
        "/static/network/cluster-map.js",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        b"".join(response.streaming_content)
        response.close()


def test_cluster_map_query_count_does_not_grow(
    client: Client, make_cluster: Callable[..., Cluster], django_assert_max_num_queries: Any
) -> None:
    make_cluster()
    with CaptureQueriesContext(connection) as few:
        client.get(MAP)
    for n in range(8):
        make_cluster(county="12" if n % 2 else "01")

    with django_assert_max_num_queries(len(few)):
        response = client.get(MAP)

    assert response.context["cluster_count"] == 9


def test_directory_links_to_the_map(client: Client) -> None:
    assert f'href="{MAP}"' in client.get(reverse("clusters:directory")).content.decode()


def test_profile_shows_member_map_and_table(
    client: Client,
    make_cluster: Callable[..., Cluster],
    make_organisation: Callable[..., Organisation],
) -> None:
    cluster = make_cluster("Grönt Center Test", county="23", slug="gront", members=2)  # Östersund
    for _ in range(3):
        org = make_organisation(municipality=Area.objects.get(code="1280"))  # Malmö
        Membership.objects.create(cluster=cluster, organisation=org)
    Membership.objects.create(cluster=cluster, organisation=make_organisation(municipality=None))

    response = client.get(cluster.get_absolute_url())

    assert response.context["places"] == [
        {"code": "1280", "name": "Malmö", "county_code": "12", "county": "Skåne län", "count": 3},
        {
            "code": "2380",
            "name": "Östersund",
            "county_code": "23",
            "county": "Jämtlands län",
            "count": 2,
        },
    ]
    html = response.content.decode()
    section = html.split('aria-labelledby="places-heading"')[1].split("</section>")[0]
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in section
    assert "<title>Malmö: 3 " in section
    assert "<title>Östersund: 2 " in section
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>[^<]*</td><td>(\d+)</td></tr>', section)
    assert rows == [("Malmö", "3"), ("Östersund", "2")]


def test_profile_without_placed_members_says_so(
    client: Client, make_cluster: Callable[..., Cluster]
) -> None:
    cluster = make_cluster(slug="empty")

    response = client.get(cluster.get_absolute_url())

    assert response.context["places"] == []
    assert (
        "<svg"
        not in response.content.decode().split('id="places-heading"')[1].split("</section>")[0]
    )


def test_profile_query_count_does_not_grow(
    client: Client,
    make_cluster: Callable[..., Cluster],
    make_organisation: Callable[..., Organisation],
    django_assert_max_num_queries: Any,
) -> None:
    cluster = make_cluster(slug="growing", members=1)
    client.get(cluster.get_absolute_url())
    cache.clear()  # both requests compute the (cached) network figures
    with CaptureQueriesContext(connection) as few:
        client.get(cluster.get_absolute_url())
    for code in ("0180", "1280", "1480", "2480", "0580", "0180"):
        org = make_organisation(municipality=Area.objects.get(code=code))
        Membership.objects.create(cluster=cluster, organisation=org)

    cache.clear()
    with django_assert_max_num_queries(len(few)):
        response = client.get(cluster.get_absolute_url())

    assert len(response.context["places"]) == 6


def test_profile_shows_network_figures_and_link(
    client: Client, make_cluster: Callable[..., Cluster]
) -> None:
    cluster = make_cluster(slug="three", members=3)

    response = client.get(cluster.get_absolute_url())

    network = response.context["network"]
    assert (network["nodes"], network["edges"], network["density"]) == (3, 3, 1.0)
    assert network["cross_helix_share"] == 0.0  # all three are companies
    assert f'href="{reverse("network:cluster", args=["three"])}"' in response.content.decode()


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""
