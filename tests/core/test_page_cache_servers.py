"""The page cache across processes: two app servers with a page cache each, sharing Redis, and a
write from a third process (as the worker or `samverka shell` would make) drops both caches."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from test_security_ratelimit import _redis, running_servers

REDIS_URL = os.environ.get("SAMVERKA_TEST_PAGE_CACHE_REDIS_URL", "redis://127.0.0.1:6379/12")
HEADER = "X-Samverka-Cache"


def _django(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + code],
        env={**env, "DJANGO_SETTINGS_MODULE": "samverka.settings"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[str], dict, int]]:
    store = _redis()
    store.flushdb()
    var_dir: Path = tmp_path_factory.mktemp("page-cache-var")
    env = {
        **os.environ,
        "SAMVERKA_VAR_DIR": str(var_dir),
        "SAMVERKA_DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "SAMVERKA_REDIS_URL": REDIS_URL,
        "SAMVERKA_PAGE_CACHE_SECONDS": "300",
        "SAMVERKA_DEBUG": "0",
        "SAMVERKA_HTTPS": "0",
    }
    env.pop("SAMVERKA_TESTING", None)
    env.pop("SAMVERKA_TEST_DATABASE_URL", None)
    organisation = _django(
        env,
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from samverka.actors.models import Organisation\n"
        "print(Organisation.objects.create(name='Före AB', helix='company').pk)",
    )
    with running_servers(env, 2) as urls:
        try:
            yield urls, env, int(organisation)
        finally:
            store.flushdb()
            store.close()


def _get(url: str) -> requests.Response:
    response = requests.get(url, timeout=20, headers={"Accept-Language": "sv"})
    assert response.status_code == 200, response.text[:500]
    return response


def test_a_write_from_another_process_drops_every_servers_cache(world) -> None:
    urls, env, pk = world
    pages = [f"{url}/api/v1/organisations/{pk}" for url in urls]
    for page in pages:
        assert _get(page).headers[HEADER] == "miss"
        second = _get(page)
        assert second.headers[HEADER] == "hit"
        assert second.json()["name"] == "Före AB"
    # The write happens in neither server: like the worker, an import or the shell.
    _django(
        env,
        "from samverka.actors.models import Organisation\n"
        f"Organisation.objects.filter(pk={pk}).update(name='Efter AB')",
    )
    for page in pages:
        fresh = _get(page)
        assert fresh.headers[HEADER] == "miss"
        assert fresh.json()["name"] == "Efter AB"
        assert _get(page).headers[HEADER] == "hit"
