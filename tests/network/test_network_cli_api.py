"""``samverka network`` and the /api/v1/network endpoints over a small real network."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samverka.actors.enums import Helix, RelationKind
from samverka.actors.models import Relation
from samverka.clusters.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def bridged(make_organisation, make_cluster):
    """Cluster "duo": companies A, B; universities C, D; a relation B–C bridges the pairs."""
    orgs = {
        name: make_organisation(name, helix=helix)
        for name, helix in (
            ("A", Helix.COMPANY),
            ("B", Helix.COMPANY),
            ("C", Helix.ACADEMIA),
            ("D", Helix.ACADEMIA),
        )
    }
    duo = make_cluster("Duo", slug="duo")
    for name in "ABCD":
        Membership.objects.create(cluster=duo, organisation=orgs[name])
    Relation.objects.create(source=orgs["A"], target=orgs["B"], kind=RelationKind.PARTNERSHIP)
    Relation.objects.create(source=orgs["C"], target=orgs["D"], kind=RelationKind.PARTNERSHIP)
    Relation.objects.create(source=orgs["B"], target=orgs["C"], kind=RelationKind.SUPPLIER)
    return {name: org.pk for name, org in orgs.items()}


def _stats_json(*args):
    out = io.StringIO()
    call_command("network", "stats", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_cli_stats_json_relations_only_is_a_path(bridged):
    # A–B–C–D as a path: B and C each carry 2 of the C(3,2)=3 pairs: 2/3.
    result = _stats_json("--cluster", "duo", "--kind", "relation")

    assert {k: result[k] for k in ("nodes", "edges", "components", "density")} == {
        "nodes": 4,
        "edges": 3,
        "components": 1,
        "density": 0.5,
    }
    assert result["cross_helix_share"] == round(1 / 3, 6)
    assert result["top_brokers"] == [
        {
            "id": bridged["B"],
            "organisation": "B",
            "helix": "company",
            "betweenness": round(2 / 3, 6),
            "articulation_point": True,
        },
        {
            "id": bridged["C"],
            "organisation": "C",
            "helix": "academia",
            "betweenness": round(2 / 3, 6),
            "articulation_point": True,
        },
    ]
    assert result["communities"] == 2


def test_cli_stats_all_kinds_membership_makes_a_clique(bridged):
    result = _stats_json()

    assert (result["nodes"], result["edges"], result["density"]) == (4, 6, 1.0)
    assert result["clusters"] == [{"cluster": "duo", "edges": 6, "cross_helix_share": 0.666667}]


def test_cli_stats_text_names_the_brokers(bridged):
    out = io.StringIO()

    call_command("network", "stats", "--kind", "relation", stdout=out)

    assert "Top brokers between helix types:" in out.getvalue()
    assert "0.6667  B (company)  [articulation point]" in out.getvalue()


def test_cli_unknown_cluster_exits_2_naming_it(db):
    with pytest.raises(CommandError, match="nowhere") as raised:
        call_command("network", "stats", "--cluster", "nowhere", "--format", "json")

    assert raised.value.returncode == 2


def test_cli_export_gexf_opens_in_networkx(bridged, tmp_path):
    path = tmp_path / "duo.gexf"

    call_command(
        "network",
        "export",
        "--cluster",
        "duo",
        "--format",
        "gexf",
        "--output",
        str(path),
        stdout=io.StringIO(),
    )

    read = nx.read_gexf(path, node_type=int)
    assert set(read.nodes) == set(bridged.values())
    assert read.edges[bridged["B"], bridged["C"]]["kinds"] == "membership,relation"
    assert read.nodes[bridged["A"]]["label"] == "A"


def test_api_stats_matches_cli(client, bridged):
    response = client.get("/api/v1/network/stats", {"cluster": "duo"})

    assert response.status_code == 200
    assert response.json() == _stats_json("--cluster", "duo")


def test_api_stats_unknown_cluster_404(client, db):
    response = client.get("/api/v1/network/stats", {"cluster": "nowhere"})

    assert response.status_code == 404


def test_api_cluster_graph_payload(client, bridged):
    response = client.get("/api/v1/network/clusters/duo/graph", {"kind": "relation"})

    assert response.status_code == 200
    data = response.json()
    assert (data["truncated"], data["total_nodes"], data["total_edges"]) == (False, 4, 3)
    assert [(n["name"], n["helix"], n["degree"]) for n in data["nodes"]] == [
        ("A", "company", 1),
        ("B", "company", 2),
        ("C", "academia", 2),
        ("D", "academia", 1),
    ]
    b, c = sorted((bridged["B"], bridged["C"]))
    assert {
        "source": b,
        "target": c,
        "kinds": ["relation"],
        "weight": 1,
        "weights": {"relation": 1},
    } == {k: v for k, v in data["edges"][1].items() if k != "years"}


def test_api_ego_radius(client, bridged):
    one = client.get(f"/api/v1/network/organisations/{bridged['A']}/ego", {"kind": "relation"})
    two = client.get(
        f"/api/v1/network/organisations/{bridged['A']}/ego", {"kind": "relation", "radius": 2}
    )

    assert [n["name"] for n in one.json()["nodes"]] == ["A", "B"]
    assert [n["name"] for n in two.json()["nodes"]] == ["A", "B", "C"]


def test_api_ego_unknown_organisation_404_and_bad_radius_422(client, bridged):
    assert client.get("/api/v1/network/organisations/999999/ego").status_code == 404
    bad = client.get(f"/api/v1/network/organisations/{bridged['A']}/ego", {"radius": 9})
    assert bad.status_code == 422


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""
