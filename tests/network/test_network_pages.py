"""The network pages: the analytics table (the view without JavaScript), exports and the
vendored cytoscape.js."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from typing import Any

import networkx as nx
import pytest
from django.test import Client
from django.urls import reverse

from samverka.actors.enums import Helix, RelationKind
from samverka.actors.models import Organisation, Relation
from samverka.clusters.models import Cluster, Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(
    make_cluster: Callable[..., Cluster], make_organisation: Callable[..., Organisation]
) -> dict[str, Any]:
    """A cluster of three (two companies, one university) and an outsider related to one."""
    cluster = make_cluster("Nätverkskluster", slug="natverk")
    orgs = [
        make_organisation("Alfa AB", helix=Helix.COMPANY),
        make_organisation("Beta AB", helix=Helix.COMPANY),
        make_organisation("Campus Universitet", helix=Helix.ACADEMIA),
    ]
    for org in orgs:
        Membership.objects.create(cluster=cluster, organisation=org)
    outsider = make_organisation("Delta Kommun", helix=Helix.PUBLIC)
    Relation.objects.create(source=orgs[0], target=outsider, kind=RelationKind.PARTNERSHIP)
    return {"cluster": cluster, "orgs": orgs, "outsider": outsider}


def view_data(response: Any) -> dict[str, Any]:
    match = re.search(
        r'<script id="network-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match
    return json.loads(match.group(1))


def table_names(response: Any) -> list[str]:
    table = response.content.decode().split('id="network-table"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', table)


def test_cluster_network_page_renders_table_and_graph_data(
    client: Client, network: dict[str, Any]
) -> None:
    response = client.get(reverse("network:cluster", args=["natverk"]))

    assert response.status_code == 200
    assert sorted(table_names(response)) == ["Alfa AB", "Beta AB", "Campus Universitet"]
    assert response.context["figures"]["nodes"] == 3
    assert response.context["figures"]["edges"] == 3
    data = view_data(response)
    assert data["api"] == "/api/v1/network/clusters/natverk/graph"
    assert data["payload"]["total_nodes"] == 3
    assert len(data["payload"]["nodes"]) == 3
    html = response.content.decode()
    assert "Showing 3 of 3 organisations and 3 of 3 links." in " ".join(html.split())
    assert 'src="/static/vendor/cytoscape/cytoscape.min.js"' in html


def test_cluster_network_filter_by_kind_drops_membership_links(
    client: Client, network: dict[str, Any]
) -> None:
    response = client.get(reverse("network:cluster", args=["natverk"]), {"kind": "relation"})

    # The outsider is not a member, so no relation lies inside the cluster.
    assert response.context["figures"]["edges"] == 0
    assert response.context["figures"]["isolated"]["count"] == 3


def test_organisation_ego_network_includes_related_outsider(
    client: Client, network: dict[str, Any]
) -> None:
    alfa = network["orgs"][0]

    response = client.get(reverse("network:organisation", args=[alfa.pk]))

    assert sorted(table_names(response)) == [
        "Alfa AB",
        "Beta AB",
        "Campus Universitet",
        "Delta Kommun",
    ]
    assert view_data(response)["api"] == f"/api/v1/network/organisations/{alfa.pk}/ego"


def test_network_pages_404_for_unknown_cluster_and_organisation(client: Client) -> None:
    assert client.get(reverse("network:cluster", args=["nothing"])).status_code == 404
    assert client.get(reverse("network:organisation", args=[999999])).status_code == 404


def test_cluster_network_analytics_csv_export(client: Client, network: dict[str, Any]) -> None:
    response = client.get(reverse("network:cluster", args=["natverk"]), {"export": "csv"})

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert sorted(r[0] for r in rows[1:]) == ["Alfa AB", "Beta AB", "Campus Universitet"]
    assert {r[2] for r in rows[1:]} == {"2"}


def test_cluster_network_gexf_export_reads_back(client: Client, network: dict[str, Any]) -> None:
    response = client.get(reverse("network:cluster", args=["natverk"]), {"export": "gexf"})

    assert response["Content-Disposition"] == 'attachment; filename="natverk-network.gexf"'
    graph = nx.read_gexf(io.BytesIO(response.content), node_type=int)
    assert graph.number_of_nodes() == 3
    assert graph.number_of_edges() == 3


def test_network_static_files_are_served(client: Client) -> None:
    for path in ("/static/vendor/cytoscape/cytoscape.min.js", "/static/network/network-view.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content)
        response.close()
        assert len(body) > 1000


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


def test_analytics_fragment_follows_the_filters(client: Client, network: dict[str, Any]) -> None:
    url = reverse("network:cluster", args=["natverk"])

    everything = client.get(url, {"fragment": "analytics"})
    relations = client.get(url, {"fragment": "analytics", "kind": "relation"})

    assert everything.status_code == 200
    assert b"<html" not in everything.content  # the fragment alone, for the filters to swap in
    assert everything.content.count(b"<tr>") == 1 + 3  # the head and the three members
    links = re.findall(rb"</td><td>(\d+)</td><td>[\d,.]+</td>", relations.content)
    assert sorted(int(n) for n in links) == [0, 0, 0]  # no relation inside the cluster
    assert b"export=csv" in relations.content
    assert b"fragment=" not in relations.content  # export links keep the filters only


def test_communities_come_from_seeded_louvain_at_any_size() -> None:
    from samverka.network.services import stats

    graph = nx.connected_caveman_graph(6, 5)
    result = stats(graph, seed=11)

    assert result["community_method"] == "louvain"
    assert result["communities"] == 6  # six cliques of five joined in a ring
    assert stats(graph, seed=11) == result  # seeded: the same every time
    assert stats(graph, louvain_levels=1)["communities"] >= 6


def test_large_graphs_use_label_propagation_and_say_so() -> None:
    from samverka.network.services import stats

    graph = nx.connected_caveman_graph(6, 5)
    small = stats(graph)
    large = stats(graph, louvain_max_edges=10)

    assert small["community_method"] == "louvain"
    assert large["community_method"] == "label_propagation"
    assert large["communities"] == 6  # six cliques of five joined in a ring
    assert stats(graph, louvain_max_edges=10) == large  # seeded: the same every time
