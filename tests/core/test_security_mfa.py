"""Two-factor authentication (TOTP) through the real allauth views, and the role requirement."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from samverka.api.models import ApiToken

PASSWORD = "pw-Test-1234"  # what make_user in tests/conftest.py sets


def totp(secret: str, *, offset: int = 0) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits) for the current time step plus ``offset`` steps."""
    counter = int(time.time()) // 30 + offset
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    start = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[start : start + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def _isolated(settings: Any) -> None:
    # One step of clock tolerance, so a code computed just before a 30 s boundary still counts.
    settings.MFA_TOTP_TOLERANCE = 1
    cache.clear()  # rate-limit counters and used-code markers of earlier tests


def login(client: Client, user: User) -> Any:
    return client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})


def activate_totp(client: Client) -> str:
    """Set up the authenticator app as a user would; returns the secret."""
    asked = client.get("/accounts/2fa/totp/activate/")
    # allauth asks for the password again before a second factor is added.
    assert asked["Location"].startswith("/accounts/reauthenticate/")
    again = client.post(asked["Location"], {"password": PASSWORD})
    assert again["Location"] == "/accounts/2fa/totp/activate/"
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    secret = page.context["form"].secret
    assert secret in page.content.decode()  # shown for manual entry next to the QR code
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp(secret)})
    assert response.status_code == 302, response.context["form"].errors
    return secret


def test_totp_login_asks_for_code_and_refuses_a_wrong_one(make_user: Callable[..., User]) -> None:
    user = make_user()
    client = Client()
    assert login(client, user).status_code == 302
    secret = activate_totp(client)
    stored = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    assert secret not in str(stored.data)  # encrypted at rest (core.mfa.MFAAdapter)
    client.post("/accounts/logout/")

    response = login(client, user)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # Password alone is not a login: pages still see an anonymous visitor.
    assert client.get("/accounts/2fa/").status_code == 302
    assert "_auth_user_id" not in client.session

    valid = {totp(secret, offset=step) for step in (-1, 0, 1)}
    wrong = next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)
    refused = client.post("/accounts/2fa/authenticate/", {"code": wrong})
    assert refused.status_code == 200
    assert refused.context["form"].errors
    assert "_auth_user_id" not in client.session

    accepted = client.post("/accounts/2fa/authenticate/", {"code": totp(secret)})
    assert accepted.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/accounts/2fa/").status_code == 200


def test_recovery_code_works_once(make_user: Callable[..., User]) -> None:
    user = make_user()
    client = Client()
    login(client, user)
    activate_totp(client)
    codes_page = client.get("/accounts/2fa/recovery-codes/")
    codes = codes_page.context["unused_codes"]
    assert len(codes) == 10
    assert codes[0] in codes_page.content.decode()
    client.post("/accounts/logout/")

    login(client, user)
    assert client.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    client.post("/accounts/logout/")

    login(client, user)
    again = client.post("/accounts/2fa/authenticate/", {"code": codes[0]})
    assert again.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "role", ["platform_admin_superuser", "platform_admin", "programme_officer"]
)
def test_mfa_required_for_role_redirects_until_set_up(
    settings: Any, make_user: Callable[..., User], role: str
) -> None:
    settings.SAMVERKA_MFA_REQUIRED = True
    user = make_user(role=role)
    client = Client()
    assert login(client, user).status_code == 302
    for path in ("/", "/clusters/", "/admin/", "/programmes/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == "/accounts/2fa/totp/activate/"
    # The health check stays reachable (static files are served before the check runs).
    assert client.get("/healthz").status_code == 200
    activate_totp(client)
    assert client.get("/clusters/").status_code == 200


def test_mfa_required_leaves_members_and_managers_alone(
    settings: Any, make_user: Callable[..., User], cluster_manager: Any
) -> None:
    settings.SAMVERKA_MFA_REQUIRED = True
    for user in (make_user(), cluster_manager[0]):
        client = Client()
        login(client, user)
        assert client.get("/clusters/").status_code == 200


def test_mfa_not_required_when_setting_off(settings: Any, make_user: Callable[..., User]) -> None:
    settings.SAMVERKA_MFA_REQUIRED = False
    client = Client()
    login(client, make_user(role="platform_admin_superuser"))
    assert client.get("/clusters/").status_code == 200


def test_api_token_refused_until_mfa_set_up(settings: Any, make_user: Callable[..., User]) -> None:
    settings.SAMVERKA_MFA_REQUIRED = True
    admin = make_user(role="platform_admin_superuser")
    _, plain = ApiToken.issue(user=admin, name="script")
    payload = {"name": "Token Org", "helix": "company"}
    headers = {"Authorization": f"Bearer {plain}", "Accept-Language": "en"}

    refused = Client().post(
        "/api/v1/organisations", payload, content_type="application/json", headers=headers
    )
    assert refused.status_code == 403
    assert "two-factor" in refused.json()["detail"]

    browser = Client()
    login(browser, admin)
    session_refused = browser.get("/api/v1/organisations", headers={"Accept-Language": "en"})
    assert session_refused.status_code == 403
    assert "two-factor" in session_refused.json()["detail"]

    activate_totp(browser)
    created = Client().post(
        "/api/v1/organisations", payload, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    assert created.json()["name"] == "Token Org"


def test_mfa_link_in_user_menu(make_user: Callable[..., User]) -> None:
    client = Client()
    login(client, make_user())
    page = client.get("/clusters/").content.decode()
    assert re.search(r'<a href="/accounts/2fa/">[^<]+</a>', page)
