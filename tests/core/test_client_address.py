"""The client address behind reverse proxies: forwarding headers believed only from
SAMVERKA_TRUSTED_PROXIES (core/client.py), for the login limit and HTTPS detection."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from samverka.core.client import resolve

REFUSED = "Too many failed login attempts"


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        # The client may send its own header: only the hop the proxy appended is believed.
        ("127.0.0.1", "10.9.9.9, 198.51.100.7", "198.51.100.7"),
        ("::1", "2001:db8::5", "2001:db8::5"),
        ("203.0.113.9", "198.51.100.7", "203.0.113.9"),  # not a proxy: header ignored
        ("10.0.0.2", "198.51.100.7, 10.0.0.1", "198.51.100.7"),  # two trusted proxies
        ("10.0.0.2", "198.51.100.7, not-an-address, 10.0.0.1", "10.0.0.1"),
        ("10.0.0.2", "127.0.0.1", "127.0.0.1"),  # every hop trusted: the leftmost
        ("10.0.0.2", "198.51.100.7:4711", "198.51.100.7"),
    ],
)
def test_first_untrusted_hop_from_the_right(settings, peer, forwarded_for, client):
    settings.SAMVERKA_TRUSTED_PROXIES = ["127.0.0.1", "::1", "10.0.0.0/8"]
    assert resolve(peer, forwarded_for) == client


@pytest.mark.django_db
def test_https_from_a_trusted_proxy_is_not_redirected_and_a_spoofed_one_is(client, settings):
    """A TLS-terminating proxy says X-Forwarded-Proto: https; without trusting it every request
    was answered with a redirect to the same https address."""
    settings.SECURE_SSL_REDIRECT = True
    url = reverse("home")

    behind_proxy = client.get(url, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
    spoofed = client.get(url, REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")

    assert behind_proxy.status_code == 200
    assert spoofed.status_code == 301
    assert spoofed["Location"].startswith("https://")


def _failed_login(client, peer: str, forwarded_for: str, username: str) -> str:
    meta = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded_for}
    form = client.get("/accounts/login/", **meta)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
    assert token
    response = client.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": token.group(1), "login": username, "password": "wrong"},
        **meta,
    )
    assert response.status_code in {200, 429}
    return response.content.decode()


@pytest.mark.django_db
def test_login_limit_counts_each_client_behind_the_proxy(client, settings, english):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip,1000/m/key"}

    for attempt in range(2):
        assert REFUSED not in _failed_login(client, "127.0.0.1", "198.51.100.1", f"u{attempt}")
    assert REFUSED in _failed_login(client, "127.0.0.1", "198.51.100.1", "u2")
    # Another visitor behind the same proxy has a limit of its own.
    assert REFUSED not in _failed_login(client, "127.0.0.1", "198.51.100.2", "u3")
    # A peer that is no proxy cannot escape its limit by naming another address.
    for attempt in range(2):
        page = _failed_login(client, "203.0.113.9", f"198.51.100.{10 + attempt}", "u4")
        assert REFUSED not in page
    assert REFUSED in _failed_login(client, "203.0.113.9", "198.51.100.99", "u5")


def test_a_malformed_trusted_proxy_stops_the_start():
    env = {**os.environ, "SAMVERKA_TRUSTED_PROXIES": "10.0.0.0/8,nonsense"}
    done = subprocess.run(
        [sys.executable, "-m", "samverka", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "SAMVERKA_TRUSTED_PROXIES: 'nonsense'" in done.stderr
