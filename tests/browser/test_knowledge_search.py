"""Browser test: searching from the header box finds ranked results with highlighted words."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from samverka.actors.models import Organisation
from samverka.knowledge.models import GoodExample

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def knowledge(transactional_db: Any) -> None:
    GoodExample.objects.create(
        title="Hyggesfritt skogsbruk i Jämtland",
        slug="hyggesfritt",
        summary="Kontinuitetsskogsbruk i praktiken.",
        body="<p>Så brukar vi skogen utan kalhyggen &lt;script&gt; och med blandade trädslag.</p>",
        published=True,
    )
    GoodExample.objects.create(
        title="Utkast om skog", slug="utkast", body="<p>Skogen</p>", published=False
    )
    Organisation.objects.create(
        name="Skogsägarna Mitt", helix="company", description="Rådgivning om skogar och virke."
    )
    Organisation.objects.create(name="Mejeriet", helix="company", description="Ost och mjölk.")


def test_search_from_the_header(knowledge: None, live_server: Any, browser_page: Any) -> None:
    from playwright.sync_api import expect

    page = browser_page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/clusters/")
    box = page.locator("header input[type=search][name=q]")
    box.fill("skogen")
    box.press("Enter")
    page.wait_for_url(f"{live_server.url}/knowledge/search/?q=skogen")
    hits = page.locator(".search-hit h2 a")
    expect(hits).to_have_count(2)
    assert sorted(hits.all_inner_texts()) == [
        "Hyggesfritt skogsbruk i Jämtland",
        "Skogsägarna Mitt",
    ]
    marks = page.locator(".search-snippet mark")
    assert marks.count() >= 2
    assert {m.lower() for m in marks.all_inner_texts()} & {"skogen", "skogar"}
    # escaped text stays text: no script element came from a document
    assert page.locator(".search-snippet script").count() == 0
    assert "Utkast om skog" not in page.content()
    page.screenshot(path=str(OUTPUT / "knowledge-search.png"), full_page=True)

    # a compound part and a typo, through the search page's own form
    page.fill("main input[name=q]", "skogsbrok")
    page.locator("main form[role=search] button[type=submit]").click()
    expect(page.locator(".search-hit h2 a")).to_have_count(1)
    assert page.locator(".search-hit h2 a").inner_text() == "Hyggesfritt skogsbruk i Jämtland"
    page.select_option("main select[name=kind]", "organisation")
    page.fill("main input[name=q]", "skog")
    page.locator("main form[role=search] button[type=submit]").click()
    expect(page.locator(".search-hit h2 a")).to_have_count(1)
    assert page.locator(".search-hit h2 a").inner_text() == "Skogsägarna Mitt"
    page.screenshot(path=str(OUTPUT / "knowledge-search-filtered.png"), full_page=True)
    assert page.console_errors == []
