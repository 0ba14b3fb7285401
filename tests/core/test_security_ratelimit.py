"""Failed-login limits hold across app servers that share Redis.

Two real ``samverka serve`` processes (separate Python processes, so no shared memory) use one
Redis database as their cache; failed logins on either count towards the same limit.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest
import redis
import requests

REDIS_URL = os.environ.get("SAMVERKA_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
KEY_LIMIT = 3  # failed logins per username in five minutes, for this test
REFUSED = "Too many failed login attempts"


def _redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: IO[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited: {log.read()[-3000:]}")
        try:
            if requests.get(url + "/healthz", timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise TimeoutError(url)


@contextmanager
def running_servers(
    env: dict[str, str], count: int, args: tuple[str, ...] = ("--workers", "1")
) -> Iterator[list[str]]:
    """``count`` real ``samverka serve`` processes with ``env`` and ``args``, each on a free
    port; their URLs, once every one answers. Their output goes to files, not pipes, so that a
    server that logs much never blocks on a full pipe."""
    processes, urls, logs = [], [], []
    try:
        for _ in range(count):
            port = _free_port()
            logs.append(tempfile.TemporaryFile("w+"))  # noqa: SIM115 (closed below)
            command = [sys.executable, "-m", "samverka", "serve", "--port", str(port)]
            processes.append(
                subprocess.Popen(
                    [*command, "--threads", "2", *args],
                    env=env,
                    stdout=logs[-1],
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, process, log in zip(urls, processes, logs, strict=True):
            _wait_until_up(url, process, log)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for log in logs:
            log.close()


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    store = _redis()
    store.flushdb()
    var_dir: Path = tmp_path_factory.mktemp("ratelimit-var")
    env = {
        **os.environ,
        "SAMVERKA_VAR_DIR": str(var_dir),
        "SAMVERKA_DATABASE_URL": f"sqlite:///{var_dir / 'db.sqlite3'}",
        "SAMVERKA_REDIS_URL": REDIS_URL,
        "SAMVERKA_LOGIN_RATE_LIMIT": f"1000/m/ip,{KEY_LIMIT}/5m/key",
        "SAMVERKA_DEBUG": "0",
        "SAMVERKA_HTTPS": "0",
    }
    env.pop("SAMVERKA_TESTING", None)
    env.pop("SAMVERKA_TEST_DATABASE_URL", None)
    # Only the tables a failed login touches (users, e-mail addresses, the demo marker): a full
    # migrate takes a minute.
    setup = (
        "import django; django.setup(); from django.core.management import call_command; "
        "call_command('migrate', 'core', verbosity=0); "
        "call_command('migrate', 'account', verbosity=0)"
    )
    subprocess.run(
        [sys.executable, "-c", setup],
        env={**env, "DJANGO_SETTINGS_MODULE": "samverka.settings"},
        check=True,
        timeout=180,
    )
    with running_servers(env, 2) as urls:
        try:
            yield urls
        finally:
            store.flushdb()
            store.close()


def _failed_login(base_url: str, username: str) -> str:
    """One login with a wrong password through the real form (CSRF cookie and token)."""
    with requests.Session() as session:
        # Behind a load balancer every server sees the site's one host name; allauth's per-account
        # counter includes it, so both servers must get the same Host header.
        session.headers.update({"Accept-Language": "en", "Host": "localhost"})
        form = session.get(base_url + "/accounts/login/", timeout=20)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token, form.text[:500]
        response = session.post(
            base_url + "/accounts/login/",
            data={
                "csrfmiddlewaretoken": token.group(1),
                "login": username,
                "password": "wrong password",
            },
            timeout=20,
        )
    assert response.status_code in {200, 429}, response.status_code
    assert "_auth_user_id" not in response.text
    return response.text


def test_login_limit_shared_between_two_servers(two_servers: list[str]) -> None:
    first, second = two_servers
    # KEY_LIMIT failures, alternating between the servers, are answered as wrong passwords.
    for attempt in range(KEY_LIMIT):
        page = _failed_login(first if attempt % 2 == 0 else second, "target")
        assert REFUSED not in page
    # The next one is refused on either server, although each saw fewer than the limit.
    assert REFUSED in _failed_login(second, "target")
    assert REFUSED in _failed_login(first, "target")
    # Another account from the same address is still let through to the password check.
    assert REFUSED not in _failed_login(second, "someone-else")
    # The counters are in Redis (not in each process, nor in the database).
    keys = _redis().keys("*")
    assert any(b"login_failed" in key for key in keys), keys
