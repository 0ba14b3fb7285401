"""Browser test: subscribing, confirming and unsubscribing, and a manager's mail preview, under
the Content Security Policy."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from samverka.clusters.models import Cluster
from samverka.newsletters.models import (
    Block,
    BlockKind,
    Issue,
    IssueStatus,
    Newsletter,
    Subscription,
    SubscriptionStatus,
)

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason=f"{CHROMIUM} is not installed"),
]


@pytest.fixture
def newsletter_data(transactional_db: Any) -> dict[str, Any]:
    cluster = Cluster.objects.create(name="Vreta Kluster", slug="vreta-kluster")
    manager = User.objects.create_user("nlmanager", "nlmanager@example.se", "pw-Test-1234")
    cluster.managers.add(manager)
    newsletter = Newsletter.objects.create(name="Vreta News", slug="vreta-news", cluster=cluster)
    sent = Issue.objects.create(
        newsletter=newsletter,
        subject="Spring issue",
        status=IssueStatus.SENT,
        sent_at=timezone.now() - timedelta(days=1),
    )
    Block.objects.create(issue=sent, kind=BlockKind.TEXT, title="Testbed opens", body="<p>Hi</p>")
    draft = Issue.objects.create(newsletter=newsletter, subject="Summer draft")
    Block.objects.create(issue=draft, kind=BlockKind.TEXT, title="Draft block", body="<p>x</p>")
    Block.objects.create(
        issue=draft, kind=BlockKind.TEXT, title="Second block", body="<p>y</p>", position=1
    )
    Subscription.objects.create(newsletter=newsletter, email="p@example.se", token="pending-token")
    Subscription.objects.create(
        newsletter=newsletter,
        email="a@example.se",
        token="active-token",
        status=SubscriptionStatus.ACTIVE,
    )
    return {"sent": sent.pk, "draft": draft.pk}


def test_subscribe_confirm_unsubscribe_and_preview(
    newsletter_data: dict[str, Any], live_server: Any, browser_page: Any
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    base = live_server.url

    page.goto(f"{base}/newsletters/")
    page.locator("a[href='/newsletters/vreta-news/#subscribe']").click()
    page.fill("input[name=email]", "new@example.se")
    page.check("input[name=consent]")
    page.locator("#subscribe ~ form button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()
    expect(page.locator(".issue-list a")).to_have_text(["Spring issue"])

    page.goto(f"{base}/newsletters/confirm/pending-token/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_contain_text("p@example.se")

    page.goto(f"{base}/newsletters/unsubscribe/active-token/")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main [role=status]")).to_contain_text("a@example.se")

    page.goto(f"{base}/accounts/login/?next=/newsletters/issues/{newsletter_data['draft']}/")
    page.fill("input[name=login]", "nlmanager")
    page.fill("input[name=password]", "pw-Test-1234")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/newsletters/issues/{newsletter_data['draft']}/")
    expect(page.locator(".block-list li")).to_have_count(2)
    page.evaluate("window.__marker = 'same page'")
    page.locator(".block-list li").first.locator("button[value=down]").click()
    expect(page.locator(".block-list li").first).to_contain_text("Second block")
    assert page.evaluate("window.__marker") == "same page"  # moved by htmx, no reload

    page.goto(f"{base}/newsletters/issues/{newsletter_data['draft']}/preview/")
    heading = page.locator("h1")
    expect(heading).to_have_text("Summer draft")
    # The inlined styles apply: the CSP of this page allows style attributes.
    assert heading.evaluate("e => getComputedStyle(e).fontSize") == "26px"

    assert page.console_errors == []
