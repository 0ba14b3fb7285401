"""Browser test: the indicator page (charts as SVG, the area chooser) and the goal dashboard of
the RTP Västernorrland demo (status badges), in Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from samverka.indicators.demo import load_indicator_demo
from samverka.programmes.demo import load_programme_demo

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def demo(transactional_db: Any) -> None:
    load_programme_demo()
    load_indicator_demo()


def test_indicator_page_charts_and_goal_dashboard_badges(
    demo: None, live_server: Any, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    OUTPUT.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_server.url}/indicators/")
    page.locator("main input[name=q]").press_sequentially("syssel")
    expect(page.locator("#results tbody tr")).to_have_count(2)  # swapped in by htmx
    page.click("text=Sysselsättningsgrad 20–64 år")
    page.wait_for_url("**/indicators/sysselsattningsgrad-20-64/")

    charts = page.locator("svg[role=img].chart")
    assert charts.count() == 3  # the area against the nation, women and men, the county map
    titles = [charts.nth(i).locator("title").first.text_content() for i in range(3)]
    assert titles[0].startswith("Stockholms län")
    assert titles[0].endswith("Riket")
    assert page.locator("#id_area").input_value() == "01"  # the first county with data

    page.select_option("#id_area", "22")
    page.click(".area-picker button[type=submit]")
    page.wait_for_url("**?area=22")
    assert page.locator("h2#charts-heading").inner_text() == "Västernorrlands län"
    lines = charts.first
    assert lines.locator("polyline").count() == 2
    assert lines.locator("circle").count() == 16  # eight years, two lines
    box = lines.bounding_box()
    assert box is not None
    assert box["width"] > 300
    assert page.locator("svg.chart path[stroke-width='2']").count() == 1  # the county outlined
    assert page.locator(".values-table tbody tr").count() == 8
    page.screenshot(path=str(OUTPUT / "indicator-page.png"), full_page=True)

    page.goto(f"{live_server.url}/indicators/programmes/rtp-vasternorrland-2008-2010/goals/")
    badges = page.locator(".goal-row .status")
    assert badges.count() == 5
    classes = sorted(badges.nth(i).get_attribute("class").split()[1] for i in range(5))
    assert classes == [
        "status-at_risk",
        "status-no_data",
        "status-off_track",
        "status-on_track",
        "status-on_track",
    ]
    on_track = page.locator(".goal-row", has_text="Ökat antal nya företag")
    assert on_track.locator(".status").get_attribute("class") == "status status-on_track"
    assert "%" in on_track.locator("td").nth(5).inner_text()
    page.screenshot(path=str(OUTPUT / "goal-dashboard.png"), full_page=True)

    assert page.console_errors == []
