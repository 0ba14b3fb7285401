"""The organisation list compares whole rows (DISTINCT) only when a to-many filter needs it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverka.actors.models import FocusArea, Organisation
from samverka.clusters.models import Cluster

pytestmark = pytest.mark.django_db


def _list_sql(client: Client, path: str) -> tuple[list[str], str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    assert response.status_code == 200
    names = [o.name for o in response.context["page"]]
    organisation_sql = [q["sql"] for q in ctx.captured_queries if "actors_organisation" in q["sql"]]
    return names, " ".join(organisation_sql)


def test_organisation_list_unfiltered_has_no_distinct(
    client: Client, make_organisation: Callable[..., Organisation]
) -> None:
    make_organisation("Alfa AB")
    make_organisation("Beta AB")

    names, sql = _list_sql(client, "/organisations/")

    assert names == ["Alfa AB", "Beta AB"]
    assert "DISTINCT" not in sql


def test_organisation_list_by_focus_and_cluster_lists_each_once(
    client: Client,
    make_organisation: Callable[..., Organisation],
    make_cluster: Callable[..., Cluster],
    focus_area: FocusArea,
) -> None:
    other = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    both = make_organisation("Båda AB")
    both.focus_areas.add(focus_area, other)
    cluster = make_cluster(slug="one")
    cluster.memberships.create(organisation=both, role="member")

    by_focus, focus_sql = _list_sql(client, "/organisations/?focus=vallodling")
    by_cluster, _ = _list_sql(client, "/organisations/?cluster=one")

    assert by_focus == ["Båda AB"]
    assert by_cluster == ["Båda AB"]
    assert "DISTINCT" in focus_sql
