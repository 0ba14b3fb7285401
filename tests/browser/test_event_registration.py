"""Browser test: register for an event in Chromium and see the confirmation; the calendar."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from samverka.clusters.models import Cluster
from samverka.events import services
from samverka.events.models import Event, Registration
from samverka.geo.models import Area

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(__file__).resolve().parents[2] / "test-output" / "browser"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def event(transactional_db: Any) -> Event:
    cluster = Cluster.objects.create(name="Vreta Kluster", slug="vreta-kluster")
    cluster.regions.add(Area.objects.get(code="05"))
    start = (timezone.localtime() + dt.timedelta(days=3)).replace(
        hour=9, minute=30, second=0, microsecond=0
    )
    created = services.create_event(
        None,
        {
            "title": "Workshop: klustertrappan",
            "event_type": "workshop",
            "description": "<p>Vi går igenom <strong>klustertrappan</strong> tillsammans.</p>",
            "start": start,
            "end": start + dt.timedelta(hours=4),
            "place": "Vreta Utbildningscentrum",
            "municipality": Area.objects.get(code="0580"),
            "host": cluster,
            "capacity": 20,
        },
    )
    return services.publish_event(None, created)


def test_register_for_event_in_browser(event: Event, live_server: Any, browser_page: Any) -> None:
    from playwright.sync_api import expect

    page = browser_page
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/events/{event.uid}/")
    expect(page.locator("h1")).to_have_text("Workshop: klustertrappan")
    page.fill("#id_name", "Anna Andersson")
    page.fill("#id_email", "anna@example.se")
    page.fill("#id_organisation", "Vreta Gård AB")
    page.select_option("#id_gender", "woman")
    page.check("#id_contact_consent")
    page.screenshot(path=str(OUTPUT / "event-registration-form.png"), full_page=True)
    page.locator("form[action$='/register/'] button[type=submit]").click()
    expect(page.locator("p.lead[role=status]")).to_contain_text("anna@example.se")
    page.screenshot(path=str(OUTPUT / "event-registration-confirmed.png"), full_page=True)

    page.goto(f"{live_server.url}/calendar/")
    expect(page.locator("table.month-grid")).to_contain_text("Workshop: klustertrappan")
    page.screenshot(path=str(OUTPUT / "event-calendar-month.png"), full_page=True)
    page.select_option("#id_view", "list")
    expect(page.locator("ul.event-list")).to_contain_text("Workshop: klustertrappan")
    assert "view=list" in page.url
    page.screenshot(path=str(OUTPUT / "event-calendar-list.png"), full_page=True)
    assert page.console_errors == []

    registration = _outside_event_loop(
        lambda: Registration.objects.values("name", "gender", "status", "consent_at").get(
            event_id=event.pk
        )
    )
    assert (registration["name"], registration["gender"], registration["status"]) == (
        "Anna Andersson",
        "woman",
        "confirmed",
    )
    assert registration["consent_at"] is not None
    assert [m.to for m in mail.outbox] == [["anna@example.se"]]


def _outside_event_loop(query: Callable[[], Any]) -> Any:
    """Run an ORM query in a worker thread: Playwright's event loop runs in this one."""

    def run() -> Any:
        try:
            return query()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


@pytest.fixture
def manager_session(event: Event, live_server: Any) -> dict[str, Any]:
    """A cluster manager's session cookie and a registrant to check in."""
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.create_user("manager", "manager@example.se", "pw-Test-1234")
    event.host.managers.add(user)
    services.register(event=event, name="Bo Berg", email="bo@example.se", gender="man")
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def test_check_in_with_htmx(
    event: Event, manager_session: dict[str, Any], live_server: Any, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    page.context.add_cookies([manager_session])
    page.goto(f"{live_server.url}/events/{event.uid}/manage/")
    row = page.locator("table.registrants tbody tr", has_text="Bo Berg")
    row.locator("button.checkin").click()
    expect(row.locator("button.checkin.checked")).to_be_visible()
    page.screenshot(path=str(OUTPUT / "event-manage-checkin.png"), full_page=True)
    assert page.console_errors == []
    attended = _outside_event_loop(
        lambda: Registration.objects.values_list("attended", flat=True).get(email="bo@example.se")
    )
    assert attended is True
