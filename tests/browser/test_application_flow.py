"""Browser test: an applicant drafts and submits an application, an officer starts the
assessment, an assessor scores it and the officer sees the ranking."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "programmes"))
import test_programme_workflow_builders as b

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def flow(transactional_db: Any) -> dict[str, Any]:
    """All rows and logged-in sessions, made before the browser starts (see
    test_cluster_directory.py for why)."""
    org = b.organisation("Skogsgården Ekonomisk förening")
    call = b.call(max_support_share="0.5")
    assessor = b.user("assessor", username="bedomare")
    call.assessors.add(assessor)
    sessions = {}
    users = {
        "applicant": b.user(username="sokande", org=org),
        "officer": b.user("programme_officer", username="handlaggare"),
        "assessor": assessor,
    }
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "call": call,
        "org": org,
        "financier": b.organisation("Länsstyrelsen Västernorrland"),
        "criteria": [c.name for c in call.programme.criteria.all()],
        "sessions": sessions,
    }


def act_as(page: Any, live_server: Any, session: str) -> None:
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_application_drafted_submitted_assessed_and_ranked(
    flow: dict[str, Any], live_server: Any, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    call = flow["call"]

    # The applicant drafts the application from the call page.
    act_as(page, live_server, flow["sessions"]["applicant"])
    page.goto(f"{live_server.url}/programmes/calls/{call.slug}/")
    page.screenshot(path=str(OUTPUT / "application-call.png"), full_page=True)
    page.get_by_role("link", name="Apply", exact=True).or_(
        page.get_by_role("link", name="Ansök", exact=True)
    ).click()
    page.fill("#id_title", "Lokalproducerad mat i Sundsvall")
    page.get_by_label("1.1 Åtgärd 1.1").check()
    page.fill("#id_start_date", "2026-01-01")
    page.fill("#id_end_date", "2026-12-31")
    for name, answer in b.ANSWERS.items():
        page.fill(f"#id_{name}", answer)
    page.select_option("#id_lines-0-financier", label="Länsstyrelsen Västernorrland")
    page.select_option("#id_lines-0-category", "state")
    page.fill("#id_lines-0-year", "2026")
    page.fill("#id_lines-0-budget_sek", "400000")
    page.select_option("#id_lines-1-financier", label="Skogsgården Ekonomisk förening")
    page.select_option("#id_lines-1-category", "private")
    page.fill("#id_lines-1-year", "2026")
    page.fill("#id_lines-1-budget_sek", "400000")
    page.screenshot(path=str(OUTPUT / "application-form.png"), full_page=True)
    page.locator("form.stacked button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Lokalproducerad mat i Sundsvall")
    reference = f"{call.slug.upper()}-001"
    assert reference in page.url
    page.locator("form[action$='/submit/'] button").click()
    expect(page.locator(".message-error")).to_have_count(0)
    page.screenshot(path=str(OUTPUT / "application-submitted.png"), full_page=True)
    status = page.locator("strong.status").inner_text().lower()
    assert status in {"submitted", "inskickad"}

    # The officer starts the assessment.
    act_as(page, live_server, flow["sessions"]["officer"])
    page.goto(f"{live_server.url}/programmes/projects/{reference}/")
    page.locator("form:has(input[value=in_assessment]) button").click()
    assert page.locator("strong.status").inner_text().lower() in {
        "in assessment",
        "under bedömning",
    }

    # The assessor scores every criterion (one n/a) and submits.
    act_as(page, live_server, flow["sessions"]["assessor"])
    page.goto(f"{live_server.url}/programmes/projects/{reference}/assessment/")
    selects = page.locator("fieldset.criterion select")
    assert selects.count() == len(flow["criteria"])
    for i, value in enumerate(["5", "3", "na"]):
        selects.nth(i).select_option(value)
    page.fill("#id_comment", "Väl förankrat projekt.")
    page.screenshot(path=str(OUTPUT / "assessment-form.png"), full_page=True)
    page.locator("button[name=submit]").click()
    page.wait_for_url(f"{live_server.url}/programmes/projects/{reference}/")

    # The officer sees the ranking with the assessor's weighted score: (5 + 3) / 2 = 4.
    act_as(page, live_server, flow["sessions"]["officer"])
    page.goto(f"{live_server.url}/programmes/calls/{call.slug}/ranking/")
    row = page.locator("table.ranking tbody tr").first
    assert reference in row.inner_text()
    cells = row.locator("td")
    assert cells.nth(2).inner_text() in {"4.00", "4,00"}  # the assessor's score
    assert cells.last.inner_text() in {"4.00", "4,00"}  # the mean
    page.screenshot(path=str(OUTPUT / "ranking.png"), full_page=True)
    assert page.console_errors == []
