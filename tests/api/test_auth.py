from __future__ import annotations

import json
import re

import pytest
from api_builders import make_cluster, make_user
from django.core.management import CommandError, call_command
from django.test import Client

from samverka.api.models import ApiToken, hash_token
from samverka.clusters.models import Cluster

pytestmark = pytest.mark.django_db


def _patch(client, headers=None, **extra):
    return client.patch(
        "/api/v1/clusters/c",
        {"summary": "changed"},
        content_type="application/json",
        headers=headers or {},
        **extra,
    )


def test_token_auth_updates_last_used(client, manager):
    make_cluster(slug="c", managers=(manager,))
    token, plain = ApiToken.issue(user=manager, name="ci")
    assert token.last_used is None
    response = _patch(client, {"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used is not None
    assert Cluster.objects.get(slug="c").summary == "changed"


def test_wrong_or_revoked_token_is_401(client, manager):
    make_cluster(slug="c", managers=(manager,))
    token, plain = ApiToken.issue(user=manager, name="ci")
    assert _patch(client, {"Authorization": "Bearer smv_wrong"}).status_code == 401
    token.revoke()
    response = _patch(client, {"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert Cluster.objects.get(slug="c").summary == ""


def test_token_of_inactive_user_is_401(client, manager):
    make_cluster(slug="c", managers=(manager,))
    _, plain = ApiToken.issue(user=manager, name="ci")
    manager.is_active = False
    manager.save()
    assert _patch(client, {"Authorization": f"Bearer {plain}"}).status_code == 401


def test_session_auth_needs_csrf_token(manager):
    make_cluster(slug="c", managers=(manager,))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)

    refused = _patch(browser)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]

    browser.get("/api/v1/docs")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    accepted = _patch(browser, {"X-CSRFToken": csrf})
    assert accepted.status_code == 200
    assert Cluster.objects.get(slug="c").summary == "changed"


def test_anonymous_write_with_csrf_enforced_is_401_not_403(manager):
    make_cluster(slug="c", managers=(manager,))
    assert _patch(Client(enforce_csrf_checks=True)).status_code == 401


def test_openapi_json_lists_the_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.content)
    assert spec["info"]["title"] == "Samverka API"
    assert spec["info"]["version"] == "1"
    paths = spec["paths"]
    for path in [
        "/api/v1/clusters",
        "/api/v1/clusters/{slug}",
        "/api/v1/clusters/{slug}/members/{org_id}",
        "/api/v1/organisations",
        "/api/v1/organisations/{org_id}",
        "/api/v1/focus-areas",
    ]:
        assert path in paths
    assert set(paths["/api/v1/clusters/{slug}"]) == {"get", "patch"}
    assert set(paths["/api/v1/clusters/{slug}/members/{org_id}"]) == {"put", "delete"}


def test_docs_page_works_without_inline_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert "src=" in attributes
        assert body.strip() == ""
    assert "swagger-ui-bundle.js" in html
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_docs_static_files_exist():
    from django.contrib.staticfiles import finders

    assert finders.find("ninja/swagger-ui-bundle.js")
    assert finders.find("api/swagger-init.js")


def test_token_command_create_prints_a_working_token(capsys):
    user = make_user(username="alice")
    call_command("token", "create", "alice", "--name", "laptop", "--format", "json")
    payload = json.loads(capsys.readouterr().out)
    token = ApiToken.objects.get(user=user)
    assert token.name == "laptop"
    assert payload["token"].startswith("smv_")
    assert payload["prefix"] == token.prefix
    assert token.key_hash == hash_token(payload["token"])


def test_token_command_revoke_by_prefix(capsys):
    user = make_user(username="bob")
    token, _plain = ApiToken.issue(user=user, name="x")
    call_command("token", "revoke", token.prefix)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "Revoked" in capsys.readouterr().out


@pytest.mark.parametrize("length", [6, 10, 11, 12, 20, 46, 47], ids=lambda n: f"first-{n}")
def test_token_command_revoke_by_any_start_or_the_whole_token(capsys, length):
    """Any start of at least 6 characters identifies the token, also one longer than the
    stored prefix (10) but shorter than the token (47)."""
    user = make_user(username="bob")
    token, plain = ApiToken.issue(user=user, name="x")
    assert len(plain) == 47
    call_command("token", "revoke", plain[:length])
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.parametrize(
    "given",
    [
        "smv_zz",  # starts no token
        "smv_abcd3fXYZ",  # longer than a stored prefix, and starting with none
        "smv_abcd",  # the start of two
        "smv_same00XYZ",  # longer than the stored prefix two tokens share
    ],
)
def test_token_command_revoke_refuses_nothing_or_several_with_status_2(given):
    user = make_user(username="carl")
    for n, prefix in enumerate(["smv_abcd1f", "smv_abcd2f", "smv_same00", "smv_same00"]):
        ApiToken.objects.create(
            user=user, name=f"t{n}", key_hash=hash_token(f"t{n}"), prefix=prefix
        )
    with pytest.raises(CommandError) as excinfo:
        call_command("token", "revoke", given)
    assert excinfo.value.returncode == 2
    assert "token" in str(excinfo.value)
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_token_command_revoke_a_whole_token_that_is_not_one_fails():
    """A string as long as a token whose start is a real token's prefix revokes nothing: it is
    a different token (a typo, or someone else's)."""
    user = make_user(username="dora")
    token, plain = ApiToken.issue(user=user, name="x")
    wrong = plain[:-1] + ("A" if plain[-1] != "A" else "B")
    with pytest.raises(CommandError) as excinfo:
        call_command("token", "revoke", wrong)
    assert excinfo.value.returncode == 2
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_command_unknown_user_fails():
    with pytest.raises(CommandError, match="nobody"):
        call_command("token", "create", "nobody")
