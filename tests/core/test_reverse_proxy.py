"""Samverka behind a real reverse proxy: Debian's nginx with the site file the docs ship
(docs/deploy/nginx-samverka.conf) terminates TLS with a throw-away certificate in front of a real
``samverka serve`` (two processes) on a SQLite file.

Runs once, in the SQLite pass of CI: what it checks (headers, cookies, client addresses) does not
depend on the database, so it is skipped when SAMVERKA_TEST_DATABASE_URL is set (the PostgreSQL
pass lists this skip as expected).
"""

from __future__ import annotations

import os
import re
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from certificates import self_signed
from test_page_cache_servers import _django
from test_security_ratelimit import _free_port, running_servers
from test_serve import server_env

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
SITE_FILE = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "nginx-samverka.conf"
PASSWORD = "proxy-test-password-9!"
REFUSED = "Too many failed login attempts"
IP_LIMIT = 3

pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (Debian package nginx)"),
    pytest.mark.skipif(
        bool(os.environ.get("SAMVERKA_TEST_DATABASE_URL")),
        reason="the reverse-proxy test runs once, in the SQLite pass",
    ),
]


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1, valid for a day."""
    cert, key, _pem = self_signed(directory, "localhost", ips=("127.0.0.1",))
    return cert, key


def _site(upstream: str, https_port: int, http_port: int, cert: Path, key: Path) -> str:
    """The shipped site file with this test's names, ports and certificate (IPv4 only)."""
    text = SITE_FILE.read_text(encoding="utf-8")
    replacements = {
        "server 127.0.0.1:8000;": f"server {upstream};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/letsencrypt/live/samverka.example.se/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/samverka.example.se/privkey.pem": str(key),
        "samverka.example.se": "localhost",
    }
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in {SITE_FILE}"
        text = text.replace(old, new)
    return "\n".join(line for line in text.splitlines() if "listen [::]" not in line)


def _nginx_conf(prefix: Path) -> str:
    temp = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 1;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} warn;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log {prefix / 'access.log'};\n{temp}\n"
        f"    include {prefix / 'site.conf'};\n}}\n"
    )


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            with httpx.Client(verify=False, timeout=2) as client:  # noqa: S501 (only: is it up)
                client.get(f"https://127.0.0.1:{port}/healthz")
            return
        except httpx.TransportError:
            time.sleep(0.2)
    pytest.fail("nginx did not start")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    var_dir = tmp_path_factory.mktemp("proxy-var")
    prefix = tmp_path_factory.mktemp("nginx")
    https_port, http_port = _free_port(), _free_port()
    site_url = f"https://localhost:{https_port}"
    env = server_env(
        var_dir,
        SAMVERKA_SITE_URL=site_url,
        SAMVERKA_ALLOWED_HOSTS="localhost",
        SAMVERKA_LOGIN_RATE_LIMIT=f"{IP_LIMIT}/m/ip,1000/m/key",
        SAMVERKA_MFA_REQUIRED="0",
    )
    _django(
        env,
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from django.contrib.auth import get_user_model\n"
        f"get_user_model().objects.create_user('anna', 'anna@example.se', {PASSWORD!r})\n",
    )
    cert, key = _certificate(prefix)
    with running_servers(env, 1, ("--workers", "2")) as (upstream,):
        (prefix / "site.conf").write_text(
            _site(upstream.removeprefix("http://"), https_port, http_port, cert, key)
        )
        (prefix / "nginx.conf").write_text(_nginx_conf(prefix))
        log = prefix / "error.log"
        command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(log)]
        process = subprocess.Popen([*command, "-g", "daemon off;"], stderr=subprocess.DEVNULL)
        try:
            _wait_for_port(https_port, process, log)
            yield {"url": site_url, "http_port": http_port, "cert": cert}
        finally:
            process.terminate()
            process.wait(timeout=20)


def _client(proxy: dict, source: str = "127.0.0.1") -> httpx.Client:
    """A client that trusts only the test's certificate, connecting from ``source``."""
    context = ssl.create_default_context(cafile=str(proxy["cert"]))
    transport = httpx.HTTPTransport(verify=context, local_address=source)
    return httpx.Client(
        base_url=proxy["url"],
        transport=transport,
        headers={"Accept-Language": "en"},
        timeout=30,
        follow_redirects=False,
    )


def _login(client: httpx.Client, password: str, **headers: str) -> httpx.Response:
    form = client.get("/accounts/login/", headers=headers)
    assert form.status_code == 200, form.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token
    return client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "login": "anna", "password": password},
        # A browser sends the page it posts from; Django's CSRF check requires it over HTTPS.
        headers={"Referer": f"{client.base_url}/accounts/login/", **headers},
    )


def test_pages_over_https_without_a_redirect_loop_with_hsts_and_csp(proxy):
    with _client(proxy) as client:
        home = client.get("/")
        assert home.status_code == 200, (home.status_code, home.headers.get("location"))
        assert home.headers["strict-transport-security"].startswith("max-age=")
        assert "default-src 'self'" in home.headers["content-security-policy"]
        assert home.headers["x-content-type-options"] == "nosniff"
    # Plain HTTP goes to the HTTPS address, once.
    with httpx.Client(timeout=30) as plain:
        moved = plain.get(f"http://127.0.0.1:{proxy['http_port']}/events/")
    assert moved.status_code == 301
    assert moved.headers["location"].startswith("https://")


def test_login_over_https_with_secure_cookies(proxy):
    with _client(proxy) as client:
        response = _login(client, PASSWORD)
        assert response.status_code == 302, response.text[:500]
        cookies = response.headers.get_list("set-cookie")
        session = [c for c in cookies if c.startswith("sessionid=")]
        assert session, cookies
        assert all("Secure" in c and "HttpOnly" in c for c in session)
        assert all("Secure" in c for c in cookies if c.startswith("csrftoken="))
        page = client.get(response.headers["location"])
        assert page.status_code == 200
        assert "anna" in page.text


def _refused(source: str, proxy: dict, **headers: str) -> bool:
    with _client(proxy, source) as client:
        response = _login(client, "wrong password", **headers)
    assert response.status_code in {200, 429}, response.status_code
    return REFUSED in response.text


def test_two_client_addresses_have_separate_login_limits_and_spoofing_is_ignored(proxy):
    for _ in range(IP_LIMIT):
        assert not _refused("127.0.0.2", proxy)
    assert _refused("127.0.0.2", proxy)
    # A spoofed X-Forwarded-For from the same client leaves it in its own bucket.
    assert _refused("127.0.0.2", proxy, **{"X-Forwarded-For": "198.51.100.23"})
    # Another visitor behind the same proxy still reaches the password check.
    assert not _refused("127.0.0.3", proxy)
