"""``samverka serve`` as a real server: several processes, links that follow the address it was
started on, and a request body limit that refuses an oversized upload before reading it."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from test_page_cache_servers import _django
from test_security_ratelimit import running_servers


def server_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production-like server on a SQLite file in ``var_dir`` (no test
    settings, no site address unless given)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAMVERKA_", "HOST", "PORT"))}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(
        SAMVERKA_VAR_DIR=str(var_dir),
        SAMVERKA_DATABASE_URL=f"sqlite:///{var_dir / 'db.sqlite3'}",
        SAMVERKA_SECRET_KEY="serve-tests-not-secret",
        SAMVERKA_DEBUG="0",
    )
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    var_dir = tmp_path_factory.mktemp("serve-var")
    env = server_env(var_dir)
    _django(
        env,
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from samverka.clusters.models import Cluster\n"
        "Cluster.objects.create(name='Fjällkluster', slug='fjall')\n",
    )
    with running_servers(env, 1, ("--workers", "2")) as (url,):
        yield url, env


def test_links_point_where_the_server_listens(server):
    """Without SAMVERKA_SITE_URL the links the server writes (here a feed's) name the address
    it was started on, not a fixed default."""
    url, _env = server
    feed = requests.get(url + "/scanning/fjall/curated.rss", timeout=20)
    assert feed.status_code == 200, feed.text[:300]
    assert f'href="{url}/scanning/fjall/curated.rss"' in feed.text, feed.text[:500]


def test_the_worker_follows_host_and_port_too(tmp_path):
    env = server_env(tmp_path, HOST="192.0.2.10", PORT="8123")
    printed = _django(env, "from django.conf import settings; print(settings.SITE_URL)")
    assert printed.splitlines()[-1] == "http://192.0.2.10:8123"


def test_several_server_processes_answer(server):
    url, _env = server
    answers = {requests.get(url + "/healthz", timeout=20).status_code for _ in range(6)}
    assert answers == {200}


def _status_of(url: str, declared: int, sent: bytes) -> str:
    """POST with a declared Content-Length but only ``sent`` bytes of body; the status line the
    server answers with (a server that waits for the whole body times out instead)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as sock:
        head = (
            f"POST /accounts/login/ HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {declared}\r\n\r\n"
        )
        sock.sendall(head.encode() + sent)
        return sock.makefile("rb").readline().decode().strip()


def test_a_body_over_the_limit_is_refused_before_it_is_read(server):
    """The largest upload setting plus headroom is the limit (issue 14): a longer body is
    answered 413 at once, without waiting for (or spooling) the rest."""
    url, _env = server
    limit = settings.SAMVERKA_REQUEST_MAX_BYTES
    assert limit > settings.SAMVERKA_UPLOAD_MAX_MB * 1024 * 1024
    assert limit > settings.SAMVERKA_IMPORT_MAX_BYTES
    assert " 413 " in _status_of(url, limit + 1, b"x" * 65536)
    assert " 413 " in _status_of(url, 900 * 1024 * 1024, b"x" * 65536)
    # A body within the limit is read and handed to the application (here: no CSRF token).
    body = b"x" * 1024
    assert " 403 " in _status_of(url, len(body), body)
