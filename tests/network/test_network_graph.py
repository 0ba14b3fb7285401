"""Building the actor network from memberships, relations and granted projects."""

from __future__ import annotations

import datetime

import pytest

from samverka.actors.enums import Helix, RelationKind
from samverka.actors.models import Relation
from samverka.clusters.models import Membership
from samverka.network.services import UnknownCluster, build_graph, graph_payload
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.models import Programme, Project

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def network(make_organisation, make_cluster):
    """Four organisations: a, b, c in cluster "green", a–d related, a+c+d in a granted project."""
    a = make_organisation("A Farm", helix=Helix.COMPANY)
    b = make_organisation("B University", helix=Helix.ACADEMIA)
    c = make_organisation("C Region", helix=Helix.PUBLIC)
    d = make_organisation("D Union", helix=Helix.CIVIL_SOCIETY)
    green = make_cluster("Green", slug="green")
    for org, since in ((a, 2020), (b, 2022), (c, 2021)):
        Membership.objects.create(cluster=green, organisation=org, since=datetime.date(since, 3, 1))
    Relation.objects.create(
        source=a, target=d, kind=RelationKind.PARTNERSHIP, since=datetime.date(2024, 1, 1)
    )
    programme = Programme.objects.create(code="lb", name="LB", start_year=2014, end_year=2027)
    granted = Project.objects.create(
        reference="P-1",
        programme=programme,
        title="Joint",
        applicant=a,
        start_date=datetime.date(2018, 1, 1),
        end_date=datetime.date(2020, 12, 31),
        status=ProjectStatus.GRANTED,
    )
    granted.partners.add(c, d)
    draft = Project.objects.create(
        reference="P-2", programme=programme, title="Draft", applicant=b, status=ProjectStatus.DRAFT
    )
    draft.partners.add(d)
    return {"a": a.pk, "b": b.pk, "c": c.pk, "d": d.pk}


def _edge(graph, u, v):
    data = dict(graph.edges[u, v])
    data["years"] = (min(data["years"]), max(data["years"])) if data["years"] else None
    return data


def test_build_graph_edges_from_each_source(network, django_assert_max_num_queries):
    ids = network
    with django_assert_max_num_queries(9):
        graph = build_graph(today=TODAY)

    assert graph.nodes[ids["b"]] == {
        "name": "B University",
        "helix": "academia",
        "municipality": "2380",
        "clusters": ("green",),
    }
    assert sorted(tuple(sorted(e)) for e in graph.edges) == sorted(
        tuple(sorted(pair))
        for pair in [
            (ids["a"], ids["b"]),
            (ids["a"], ids["c"]),
            (ids["b"], ids["c"]),
            (ids["a"], ids["d"]),
            (ids["c"], ids["d"]),
        ]
    )
    # membership from the later "since" of the two; the draft project gives no b–d edge
    assert _edge(graph, ids["a"], ids["b"]) == {
        "weight": 1,
        "weights": {"membership": 1},
        "kinds": ("membership",),
        "years": (2022, 2026),
    }
    # a and c share the cluster (2021→) and the project (2018–2020): aggregated
    assert _edge(graph, ids["a"], ids["c"]) == {
        "weight": 2,
        "weights": {"membership": 1, "project": 1},
        "kinds": ("membership", "project"),
        "years": (2018, 2026),
    }
    assert graph.edges[ids["a"], ids["c"]]["years"] == frozenset(range(2018, 2027))
    # a and d: the explicit relation (2024→) and the project
    assert _edge(graph, ids["a"], ids["d"]) == {
        "weight": 2,
        "weights": {"project": 1, "relation": 1},
        "kinds": ("project", "relation"),
        "years": (2018, 2026),
    }
    assert graph.edges[ids["a"], ids["d"]]["years"] == frozenset(
        {2018, 2019, 2020, 2024, 2025, 2026}
    )
    assert _edge(graph, ids["c"], ids["d"])["kinds"] == ("project",)


def test_build_graph_year_keeps_links_active_that_year(network):
    ids = network

    graph = build_graph(year=2019, today=TODAY)

    assert graph.number_of_nodes() == 4
    assert {tuple(sorted(e)) for e in graph.edges} == {
        tuple(sorted(p)) for p in [(ids["a"], ids["c"]), (ids["a"], ids["d"]), (ids["c"], ids["d"])]
    }
    assert graph.edges[ids["a"], ids["c"]]["weights"] == {"project": 1}
    assert graph.edges[ids["a"], ids["c"]]["years"] == frozenset({2018, 2019, 2020})


def test_build_graph_kinds_filter(network):
    ids = network

    graph = build_graph(kinds=["relation"], today=TODAY)

    assert list(graph.edges(data="kinds")) in (
        [(ids["a"], ids["d"], ("relation",))],
        [(ids["d"], ids["a"], ("relation",))],
    )


def test_build_graph_cluster_scope_only_members(network):
    ids = network

    graph = build_graph(cluster="green", today=TODAY)

    assert set(graph.nodes) == {ids["a"], ids["b"], ids["c"]}
    assert graph.edges[ids["a"], ids["c"]]["weight"] == 2


def test_build_graph_unknown_cluster_raises(network):
    with pytest.raises(UnknownCluster, match="nowhere"):
        build_graph(cluster="nowhere")


def test_build_graph_ego_network_radius(network):
    ids = network

    one = build_graph(organisation=ids["b"], radius=1, today=TODAY)
    two = build_graph(organisation=ids["b"], radius=2, today=TODAY)

    assert set(one.nodes) == {ids["a"], ids["b"], ids["c"]}
    assert set(two.nodes) == set(ids.values())


def test_graph_payload_truncates_and_keeps_the_centre(network):
    ids = network
    graph = build_graph(today=TODAY)

    payload = graph_payload(graph, limit=2, keep=(ids["b"],))

    assert payload["truncated"] is True
    assert (payload["total_nodes"], payload["total_edges"]) == (4, 5)
    # b is pinned; of the rest the best connected (a: degree 3) comes next
    assert [n["id"] for n in payload["nodes"]] == sorted([ids["a"], ids["b"]])
    assert payload["edges"] == [
        {
            "source": min(ids["a"], ids["b"]),
            "target": max(ids["a"], ids["b"]),
            "kinds": ["membership"],
            "weight": 1,
            "weights": {"membership": 1},
            "years": [2022, 2023, 2024, 2025, 2026],
        }
    ]


def test_large_cluster_clique_left_out_but_centre_keeps_its_links(
    network, make_organisation, make_cluster, monkeypatch, client
):
    """Above the limit a cluster's co-members are not all linked to each other: the graph says
    which cluster, an ego network keeps its centre's links, the stats and the page say so."""
    from samverka.actors.models import Organisation
    from samverka.network.services import graph as graph_module
    from samverka.network.services import stats

    monkeypatch.setattr(graph_module, "MEMBERSHIP_CLIQUE_LIMIT", 4)
    big = make_cluster("Big", slug="big")
    members = [network["a"]] + [make_organisation(f"Big member {i}").pk for i in range(5)]
    Membership.objects.bulk_create(
        Membership(cluster=big, organisation_id=pk, since=datetime.date(2023, 1, 1))
        for pk in members
    )

    whole = build_graph(today=TODAY)
    assert whole.graph["cliques_left_out"] == ["big"]
    for u in members[1:]:  # no co-member link among the big cluster's members
        for v in members[1:]:
            assert u == v or not whole.has_edge(u, v)
    assert not whole.has_edge(network["a"], members[1])
    # the small cluster keeps its clique
    assert whole.edges[network["a"], network["b"]]["kinds"] == ("membership",)
    assert stats(whole)["cliques_left_out"] == ["big"]

    ego = build_graph(organisation=network["a"], today=TODAY)
    assert ego.graph["cliques_left_out"] == ["big"]
    for pk in members[1:]:
        assert ego.edges[network["a"], pk]["weights"] == {"membership": 1}
        assert min(ego.edges[network["a"], pk]["years"]) == 2023
    assert not ego.has_edge(members[1], members[2])
    assert graph_payload(ego)["cliques_left_out"] == ["big"]

    # Any member's ego network: linked to every co-member, who are not linked to each other.
    other = build_graph(organisation=members[1], today=TODAY)
    assert set(other.neighbors(members[1])) == set(members) - {members[1]}
    assert not other.has_edge(network["a"], members[2])

    monkeypatch.setattr("samverka.network.views.MEMBERSHIP_CLIQUE_LIMIT", 4)
    page = client.get(f"/network/organisations/{network['a']}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "clusters with more than 4 members are left out (big)" in page.content.decode()
    assert Organisation.objects.filter(pk__in=members).count() == 6


def test_ego_network_of_a_partner_reaches_the_applicant_and_other_partners(network):
    """Projects are found from either side (applicant or partner): d's only shared project
    links it to its applicant a and the other partner c; the draft does not link it to b."""
    ids = network
    ego = build_graph(organisation=ids["d"], radius=1, kinds=["project"], today=TODAY)

    assert set(ego.nodes) == {ids["a"], ids["c"], ids["d"]}
    assert {tuple(sorted(e)) for e in ego.edges} == {
        tuple(sorted(pair))
        for pair in [(ids["a"], ids["c"]), (ids["a"], ids["d"]), (ids["c"], ids["d"])]
    }
