"""SQL queries per key page must not grow with the amount of data (issue #8).

The demo data is the small data set; the counts for each key page are taken, then the data grows
(more organisations, people, memberships of the same clusters, projects, indicator values and
events, through the benchmark generator's small scale) and the counts must be the same.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster
from samverka.core.scale_data import generate
from samverka.events.models import Event
from samverka.indicators.models import Indicator, Value
from samverka.programmes.models import Programme, Project

pytestmark = pytest.mark.django_db


def _key_pages() -> dict[str, str]:
    """The key pages, with the same objects before and after the data grows."""
    cluster = Cluster.objects.annotate(n=Count("memberships")).order_by("-n", "slug").first()
    organisation = Organisation.objects.filter(memberships__cluster=cluster).order_by("pk").first()
    programme = Programme.objects.annotate(n=Count("projects")).order_by("-n", "code").first()
    project = Project.objects.filter(programme=programme).order_by("pk").first()
    indicator = Indicator.objects.filter(values__isnull=False).order_by("code").first()
    assert cluster is not None
    assert organisation is not None
    assert programme is not None
    assert project is not None
    assert indicator is not None
    return {
        "home": "/",
        "cluster directory": "/clusters/",
        "cluster profile": f"/clusters/{cluster.slug}/",
        "organisation list": "/organisations/",
        "organisation list, filtered": "/organisations/?helix=company&county=23",
        "organisation": f"/organisations/{organisation.pk}/",
        "programme list": "/programmes/",
        "programme (projects)": f"/programmes/{programme.code}/",
        "project": f"/programmes/projects/{project.reference}/",
        "indicator": f"/indicators/{indicator.code}/",
        "goal dashboard": f"/indicators/programmes/{programme.code}/goals/",
        "calendar": "/calendar/",
        "search": "/knowledge/search/?q=skog",
        "network ego page": f"/network/organisations/{organisation.pk}/",
        "API clusters": "/api/v1/clusters",
        "API organisations": "/api/v1/organisations",
        "API projects": "/api/v1/projects",
        "API events": "/api/v1/events",
    }


def _query_counts(pages: dict[str, str]) -> dict[str, int]:
    client = Client(HTTP_ACCEPT_LANGUAGE="sv")
    counts = {}
    for name, path in pages.items():
        assert client.get(path).status_code == 200, path  # warm caches (ContentType, sites)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[name] = len(ctx.captured_queries)
    return counts


def _sizes() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "projects": Project.objects.count(),
        "events": Event.objects.count(),
        "values": Value.objects.count(),
    }


def test_key_pages_query_counts_do_not_grow_with_the_data() -> None:
    call_command("demo", verbosity=0)
    pages = _key_pages()
    before_sizes = _sizes()
    before = _query_counts(pages)

    generate("small", seed=3)
    after_sizes = _sizes()
    after = _query_counts(pages)

    assert all(after_sizes[k] >= 3 * before_sizes[k] for k in before_sizes), after_sizes
    grown = {name: (before[name], after[name]) for name in pages if after[name] != before[name]}
    assert grown == {}
