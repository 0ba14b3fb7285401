"""Browser test: the Leaflet cluster map and the cytoscape.js network view under the CSP."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from samverka.actors.enums import Helix, RelationKind
from samverka.actors.models import Organisation, Relation
from samverka.clusters.models import Cluster, Membership
from samverka.geo.models import Area

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def clusters(transactional_db: Any) -> dict[str, Cluster]:
    made = {}
    for name, slug, counties in [
        ("Vreta Kluster", "vreta-kluster", ["05"]),
        ("Linköpingsnoden", "linkoping", ["05"]),
        ("FRODA Dalarna", "froda-dalarna", ["20"]),
        ("Norrlandsnätet", "norrland", ["25", "24"]),
    ]:
        cluster = Cluster.objects.create(name=name, slug=slug)
        cluster.regions.add(*Area.objects.filter(code__in=counties))
        made[slug] = cluster
    helixes = [Helix.COMPANY, Helix.COMPANY, Helix.ACADEMIA, Helix.PUBLIC, Helix.CIVIL_SOCIETY]
    orgs = [
        Organisation.objects.create(
            name=f"Testgården {i}", helix=helix, municipality=Area.objects.get(code="0580")
        )
        for i, helix in enumerate(helixes)
    ]
    for org in orgs:
        Membership.objects.create(cluster=made["vreta-kluster"], organisation=org)
    Relation.objects.create(source=orgs[0], target=orgs[2], kind=RelationKind.PARTNERSHIP)
    return made


def test_cluster_map_and_network_view(
    clusters: dict[str, Cluster], live_server: Any, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    OUTPUT.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/clusters/map/")
    counties = page.locator("#cluster-map path.leaflet-interactive")
    expect(counties).to_have_count(21)
    markers = page.locator("#cluster-map .cluster-marker")
    expect(markers).to_have_count(4)  # Östergötland (2), Dalarna, Norrbotten, Västerbotten
    assert sorted(markers.all_inner_texts()) == ["1", "1", "1", "2"]
    assert page.locator(".county-list > li").count() == 4
    page.screenshot(path=str(OUTPUT / "cluster-map.png"), full_page=True)

    # A county with several clusters lists them in a popup.
    page.locator("#cluster-map .cluster-marker[title^='Östergötland']").click()
    popup = page.locator(".leaflet-popup-content .map-popup-list a")
    expect(popup).to_have_count(2)
    assert popup.all_inner_texts() == ["Linköpingsnoden", "Vreta Kluster"]

    # A county with one cluster opens its profile on click.
    expect(page.locator("#cluster-map")).to_have_attribute("data-ready", "true")
    page.locator("#cluster-map .cluster-marker[title^='Dalarna']").click()
    page.wait_for_url(f"{live_server.url}/clusters/froda-dalarna/")

    page.goto(f"{live_server.url}/network/clusters/vreta-kluster/")
    expect(page.locator("#network-canvas canvas").first).to_be_attached()
    status = page.locator("#network-status")
    expect(status).to_have_attribute("data-nodes", "5")
    # The page speaks Swedish by default ("Visar 5 av 5 organisationer och 10 av 10 länkar.").
    assert re.search(r"5 (of|av) 5 \w+ (and|och) 10 (of|av) 10", status.inner_text())
    assert page.locator("#network-table tbody tr").count() == 5
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUTPUT / "network-view.png"), full_page=True)

    # Filtering re-fetches the graph from the API without reloading the page.
    page.evaluate("window.__marker = 'same page'")
    page.uncheck("input[name=kind][value=membership]")
    expect(status).to_contain_text(re.compile(r"5 (of|av) 5 \w+ (and|och) 1 (of|av) 1"))
    assert page.evaluate("window.__marker") == "same page"
    assert "kind=relation" in page.url

    # The figures and the table follow the filter too (re-rendered by the server).
    analytics = page.locator("#network-analytics")
    expect(analytics).to_have_attribute(
        "data-query", re.compile(r"^(?!.*membership).*kind=relation")
    )
    links = page.locator("#network-table tbody tr td:nth-child(3)")
    expect(links).to_have_count(5)
    assert sorted(int(x) for x in links.all_inner_texts()) == [0, 0, 0, 1, 1]
    assert page.evaluate("window.__marker") == "same page"
    page.wait_for_timeout(300)
    page.screenshot(path=str(OUTPUT / "network-view-relations.png"), full_page=True)

    # Back to all kinds: every member has four links again.
    page.check("input[name=kind][value=membership]")
    expect(analytics).to_have_attribute("data-query", re.compile("membership"))
    assert sorted(int(x) for x in links.all_inner_texts()) == [4, 4, 4, 4, 4]

    assert page.console_errors == []
