"""The Chromium page shared by the browser tests (Playwright for Python, Debian's Chromium)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("SAMVERKA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's hosts, which this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def browser_page() -> Iterator[Any]:
    """A Chromium page whose ``console_errors`` collects console errors, page errors and
    responses of 400 and above.

    Request it after the fixtures that write data: Playwright's sync API runs an event loop in
    this thread, and ORM calls made while it runs would open a second, never-closed database
    connection (and trip Django's async-safety guard).
    """
    if not shutil.which(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on(
            "response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None
        )
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.console_errors = errors
        yield page
        context.close()
        browser.close()
