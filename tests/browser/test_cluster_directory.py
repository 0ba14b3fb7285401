"""Browser test: Playwright for Python driving Debian's Chromium against the live server."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea, Organisation
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
    forest = FocusArea.objects.create(
        slug="variationsrikt-skogsbruk",
        name_sv="Variationsrikt skogsbruk",
        name_en="Diverse forestry",
    )
    made = {}
    for name, slug, county in [
        ("Vreta Kluster", "vreta-kluster", "05"),
        ("FRODA Dalarna", "froda-dalarna", "20"),
        ("Agro Sörmland", "agro-sormland", "04"),
    ]:
        cluster = Cluster.objects.create(name=name, slug=slug, summary=f"Summary of {name}")
        cluster.regions.add(Area.objects.get(code=county))
        cluster.focus_areas.add(forest)
        made[slug] = cluster
    for i, helix in enumerate([Helix.COMPANY, Helix.COMPANY, Helix.ACADEMIA]):
        org = Organisation.objects.create(
            name=f"Testgården {i} AB", helix=helix, municipality=Area.objects.get(code="0580")
        )
        Membership.objects.create(cluster=made["vreta-kluster"], organisation=org)
    return made


def test_cluster_directory_filter_profile_and_language_switch(
    clusters: dict[str, Cluster], live_server: Any, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    OUTPUT.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/clusters/")
    assert page.locator("html").get_attribute("lang") == "sv"
    cards = page.locator("#results .card")
    assert cards.count() == 3

    # Filtering by county swaps the results in place through htmx (no full reload).
    page.evaluate("window.__marker = 'same page'")
    page.select_option("select[name=county]", "05")
    expect(cards).to_have_count(1)
    assert page.evaluate("window.__marker") == "same page"
    assert "county=05" in page.url
    assert cards.first.locator("h3").inner_text() == "Vreta Kluster"
    page.screenshot(path=str(OUTPUT / "directory-filtered.png"), full_page=True)

    page.click("text=Vreta Kluster")
    page.wait_for_url(f"{live_server.url}/clusters/vreta-kluster/")
    assert page.locator("h1").inner_text() == "Vreta Kluster"
    helix_rows = page.locator("table.bars tbody tr")
    assert helix_rows.count() == len(Helix)
    assert page.locator("section[aria-labelledby=members-heading] tbody tr").count() == 3

    page.click(".lang-switch button")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#helix-heading").inner_text() == "Members by helix type"
    assert page.url.endswith("/clusters/vreta-kluster/")
    page.screenshot(path=str(OUTPUT / "profile-en.png"), full_page=True)

    assert page.console_errors == []
