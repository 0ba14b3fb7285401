"""``samverka network change`` and ``GET /api/v1/network/change``: the network between two
years, on hand-built relations with known start years."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from samverka.actors.enums import RelationKind
from samverka.actors.models import Relation
from samverka.clusters.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages."""


@pytest.fixture
def years(make_organisation, make_cluster):
    """A–B related since 2019, C–D since 2023, A–C (a project 2019–2020 is left out: plain
    relations). Cluster "pair" holds C and D from 2023."""
    orgs = {name: make_organisation(name) for name in "ABCDE"}
    Relation.objects.create(
        source=orgs["A"],
        target=orgs["B"],
        kind=RelationKind.PARTNERSHIP,
        since=datetime.date(2019, 1, 1),
    )
    Relation.objects.create(
        source=orgs["C"],
        target=orgs["D"],
        kind=RelationKind.PARTNERSHIP,
        since=datetime.date(2023, 1, 1),
    )
    pair = make_cluster("Pair", slug="pair")
    for name in "CD":
        Membership.objects.create(
            cluster=pair, organisation=orgs[name], since=datetime.date(2023, 2, 1)
        )
    return {name: org.pk for name, org in orgs.items()}


def _change(*args):
    out = io.StringIO()
    call_command("network", "change", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def test_cli_change_between_years(years):
    result = _change("--from", "2020", "--to", "2024")

    c, d = years["C"], years["D"]
    assert (result["from"], result["to"], result["cluster"]) == (2020, 2024, None)
    assert result["nodes"] == [2, 4]
    assert result["edges"] == [1, 2]
    assert result["nodes_added"] == sorted([c, d], key=str)
    assert result["nodes_removed"] == []
    assert result["edges_added"] == [sorted([c, d], key=str)]
    assert result["edges_removed"] == []
    assert result["organisations"] == {str(c): "C", str(d): "D"}


def test_cli_change_in_a_cluster(years):
    result = _change("--from", "2020", "--to", "2024", "--cluster", "pair")

    assert result["cluster"] == "pair"
    assert result["nodes"] == [0, 2]
    assert result["edges_added"] == [sorted([years["C"], years["D"]], key=str)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2024", "--to", "2020"], "must be an earlier year"),
        (["--from", "1200", "--to", "2020"], "between 1900 and 2100"),
        (["--from", "2020", "--to", "2024", "--cluster", "nowhere"], "No cluster"),
    ],
)
def test_cli_change_bad_input_exits_2(years, args, message):
    with pytest.raises(CommandError) as error:
        call_command("network", "change", *args, "--format", "json", stdout=io.StringIO())

    assert error.value.returncode == 2
    assert message in str(error.value)


def test_cli_change_text(years):
    out = io.StringIO()
    call_command("network", "change", "--from", "2020", "--to", "2024", stdout=out)

    assert "Organisations added (2): C, D" in out.getvalue()


def test_api_change_matches_cli(client, years):
    response = client.get("/api/v1/network/change", {"from": 2020, "to": 2024})

    assert response.status_code == 200
    assert response.json() == _change("--from", "2020", "--to", "2024")


def test_api_change_bad_years_422(client, years):
    wrong_order = client.get("/api/v1/network/change", {"from": 2024, "to": 2020})
    not_a_year = client.get("/api/v1/network/change", {"from": "soon", "to": 2020})
    missing = client.get("/api/v1/network/change", {"from": 2020})

    assert wrong_order.status_code == 422
    assert "must be an earlier year" in wrong_order.json()["detail"]
    assert not_a_year.status_code == 422
    assert missing.status_code == 422
    assert (
        client.get(
            "/api/v1/network/change", {"from": 2020, "to": 2024, "cluster": "nowhere"}
        ).status_code
        == 404
    )
