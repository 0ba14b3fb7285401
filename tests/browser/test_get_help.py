"""Browser test: the Get help form is filled in and sent, the confirmation and the status page
are shown (no console errors under the CSP), and the case is routed."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from playwright.sync_api import expect

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.geo.models import Area
from samverka.sluice.models import HelpCase, RoutingRule

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def routing(transactional_db: Any) -> Cluster:
    from django.core.cache import cache

    cache.clear()  # the per-IP rate limit counts in the shared cache
    FocusArea.objects.create(slug="vallodling", name_sv="Vallodling", name_en="Ley farming")
    cluster = Cluster.objects.create(name="Grönt Center Jämtland", slug="gront-center")
    RoutingRule.objects.create(
        name="Jämtland", county=Area.objects.get(code="23"), target_cluster=cluster
    )
    return cluster


def _outside_event_loop(query: Callable[[], Any]) -> Any:
    """Run an ORM query in a worker thread: Playwright's event loop runs in this one."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = query()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result["value"]


def test_get_help_form_sends_a_request(
    live_server: Any, routing: Cluster, browser_page: Any
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/help/")

    expect(page.locator("h1")).to_be_visible()
    honeypot = page.locator("#id_website").bounding_box()
    assert honeypot is not None
    assert honeypot["x"] + honeypot["width"] <= 0
    page.locator("#id_title").fill("Vallfröblandning för norr")
    page.locator("#id_description").fill("Vi söker försöksrutor för en ny vallfröblandning.")
    page.locator("#id_kind").select_option("testbed")
    page.locator("#id_focus_area").select_option(label="Vallodling")
    page.locator("#id_municipality").select_option(label="Östersund (Jämtlands län)")
    page.locator("#id_name").fill("Lina Berg")
    page.locator("#id_email").fill("lina@norrvall.example")
    page.locator("#id_organisation_name").fill("Norrvall AB")
    page.locator("#id_consent").check()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / "get-help-form.png"), full_page=True)
    page.locator("main form.stacked button[type=submit]").click()

    page.wait_for_url("**/help/sent/**")
    expect(page.locator("p.lead[role=status]")).to_contain_text("Grönt Center Jämtland")
    page.screenshot(path=str(OUTPUT / "get-help-sent.png"), full_page=True)
    page.locator("main a.button").click()
    page.wait_for_url("**/help/status/**")
    expect(page.locator("h1")).to_have_text("Vallfröblandning för norr")
    assert page.console_errors == []

    case = _outside_event_loop(
        lambda: HelpCase.objects.values("assigned_cluster", "email", "stage", "consent_at").get()
    )
    assert case["assigned_cluster"] == routing.pk
    assert (case["email"], case["stage"]) == ("lina@norrvall.example", "received")
    assert case["consent_at"] is not None
    assert mail.outbox[0].to == ["lina@norrvall.example"]
