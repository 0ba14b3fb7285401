"""Scale-out: two app servers and two workers, started separately, against one PostgreSQL database
and one Redis, as on two machines.

A newsletter to 2,000 subscribers goes through both workers and reaches every address exactly
once, also when one worker is killed with SIGKILL mid-send (the other finishes); a change made
through one server is seen at once on the other (page caches dropped everywhere); a session made
on one server is valid on the other. Needs PostgreSQL (SAMVERKA_TEST_DATABASE_URL) and Redis:
skipped on the SQLite pass, where several machines cannot share the database.
"""

from __future__ import annotations

import email
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from test_page_cache_servers import _django
from test_security_ratelimit import running_servers
from test_serve import server_env

TEST_DATABASE_URL = os.environ.get("SAMVERKA_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("SAMVERKA_TEST_SCALE_REDIS_URL", "redis://127.0.0.1:6379/10")
RECIPIENTS = 2000
PASSWORD = "scale-out-password-7!"
VICTIM = "samverka-scale-victim"  # the application_name of the worker that is killed
SEPARATOR = b"\n" + b"-" * 79 + b"\n"

pytestmark = pytest.mark.skipif(
    not TEST_DATABASE_URL.startswith("postgres"),
    reason="scale-out needs PostgreSQL (SAMVERKA_TEST_DATABASE_URL) shared by several processes",
)

SETUP = f"""
from django.contrib.auth import get_user_model
from django.utils import timezone
from samverka.actors.models import Organisation
from samverka.api.models import ApiToken
from samverka.newsletters.models import Block, Issue, Newsletter, Subscription
admin = get_user_model().objects.create_superuser("boss", "boss@example.se", {PASSWORD!r})
_token, plain = ApiToken.issue(user=admin, name="scale-out")
organisation = Organisation.objects.create(name="Före AB", helix="company")
newsletter = Newsletter.objects.create(name="Scale", slug="scale")
now = timezone.now()
Subscription.objects.bulk_create(
    Subscription(newsletter=newsletter, email=f"r{{i}}@example.se", status="active",
                 confirmed_at=now)
    for i in range({RECIPIENTS})
)
issue = Issue.objects.create(newsletter=newsletter, subject="Two workers")
Block.objects.create(issue=issue, kind="text", title="Hello", body="<p>Text</p>")
print(plain, organisation.pk, issue.pk)
"""


def _database_url(name: str) -> str:
    parts = urlsplit(TEST_DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _sql(url: str, query: str, *params: object) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(query, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    redis = pytest.importorskip("redis")
    store = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        store.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    store.flushdb()
    name = f"samverka_scale_{os.getpid()}"
    admin_url = _database_url("postgres")
    _sql(admin_url, f'DROP DATABASE IF EXISTS "{name}"')
    _sql(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield from _world(tmp_path_factory, name)
    finally:
        store.flushdb()
        store.close()
        _sql(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _world(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[dict]:
    """A migrated database with the test's data, two app servers on it."""
    var_dir = tmp_path_factory.mktemp("scale-var")
    env = server_env(
        var_dir,
        SAMVERKA_DATABASE_URL=_database_url(name),
        SAMVERKA_REDIS_URL=REDIS_URL,
        SAMVERKA_TASKS="database",
        SAMVERKA_PAGE_CACHE_SECONDS="300",
        SAMVERKA_MFA_REQUIRED="0",
        SAMVERKA_NEWSLETTER_BATCH_SIZE="25",
        SAMVERKA_NEWSLETTER_RATE="3000",  # per worker: 25 mails, then the rest of half a second
        SAMVERKA_SITE_URL="http://samverka.example",
        SAMVERKA_FROM_EMAIL="Samverka <news@samverka.example>",
    )
    out = _django(
        env,
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n" + SETUP,
    )
    token, organisation, issue = out.splitlines()[-1].split()
    with running_servers(env, 2) as urls:
        yield {
            "urls": urls,
            "env": env,
            "token": token,
            "organisation": int(organisation),
            "issue": int(issue),
            "database": env["SAMVERKA_DATABASE_URL"],
            "mail": var_dir / "mail",
        }


def test_a_change_through_one_server_is_seen_at_once_on_the_other(world):
    first, second = world["urls"]
    page = f"{second}/api/v1/organisations/{world['organisation']}"
    assert requests.get(page, timeout=20).json()["name"] == "Före AB"
    cached = requests.get(page, timeout=20)
    assert cached.headers["X-Samverka-Cache"] == "hit"

    changed = requests.patch(
        f"{first}/api/v1/organisations/{world['organisation']}",
        json={"name": "Efter AB"},
        headers={"Authorization": f"Bearer {world['token']}"},
        timeout=20,
    )
    assert changed.status_code == 200, changed.text[:500]

    fresh = requests.get(page, timeout=20)
    assert fresh.headers["X-Samverka-Cache"] == "miss"
    assert fresh.json()["name"] == "Efter AB"


def test_a_session_made_on_one_server_is_valid_on_the_other(world):
    first, second = world["urls"]
    with requests.Session() as session:
        session.headers.update({"Accept-Language": "en"})
        form = session.get(f"{first}/accounts/login/", timeout=20)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert token
        login = session.post(
            f"{first}/accounts/login/",
            data={"csrfmiddlewaretoken": token.group(1), "login": "boss", "password": PASSWORD},
            allow_redirects=False,
            timeout=20,
        )
        assert login.status_code == 302, login.text[:500]
        # A page only a logged-in user gets, asked of the other server with the same cookie.
        page = session.get(f"{second}/accounts/email/", allow_redirects=False, timeout=20)
        assert page.status_code == 200, (page.status_code, page.headers.get("location"))
        assert "boss@example.se" in page.text


def _recipients(mail_dir: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                counts[email.message_from_bytes(chunk)["To"]] += 1
    return counts


def _worker(env: dict[str, str], log: IO[bytes], **extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "samverka", "worker", "--no-scheduler", "--interval", "0.2"]
    return subprocess.Popen(
        [*command, "--lease", "5"], env={**env, **extra}, stdout=log, stderr=subprocess.STDOUT
    )


def _kill_between_mails(victim: subprocess.Popen, database: str) -> None:
    """SIGKILL ``victim`` while none of its database sessions is inside a transaction, so that
    every mail it wrote has its delivery marked sent (a mail written and then rolled back would
    be sent again by design: at least once, between the mail server and the database)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        victim.send_signal(signal.SIGSTOP)
        sessions, busy = _sql(
            database,
            "SELECT count(*), count(*) FILTER (WHERE state <> 'idle') FROM pg_stat_activity "
            "WHERE application_name = %s",
            VICTIM,
        )[0]
        if sessions and not busy:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            return
        victim.send_signal(signal.SIGCONT)
        time.sleep(0.05)
    pytest.fail("the worker to kill was never between two mails")


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def _send_through_two_workers(world: dict, logs: Path) -> None:
    """Start two workers, queue the send twice (each worker takes one task, both send at once),
    SIGKILL one mid-send, and wait until the other has finished the job."""
    env, database, mail_dir = world["env"], world["database"], world["mail"]
    with (logs / "survivor.log").open("wb") as log_a, (logs / "victim.log").open("wb") as log_b:
        survivor = _worker(env, log_a)
        victim = _worker(env, log_b, PGAPPNAME=VICTIM)
        try:
            _django(
                env,
                "from samverka.newsletters.models import Issue\n"
                "from samverka.newsletters.services import start_sending\n"
                "from samverka.newsletters.tasks import send_issue\n"
                f"issue = Issue.objects.get(pk={world['issue']})\n"
                "start_sending(issue=issue, actor=None)\n"
                "send_issue.enqueue(issue.pk)\n",
            )
            running = (
                "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'"
            )
            _wait(lambda: _sql(database, running)[0][0] == 2, 120, "both workers sending")
            _wait(lambda: sum(_recipients(mail_dir).values()) >= 300, 120, "the first mails")

            _kill_between_mails(victim, database)
            assert sum(_recipients(mail_dir).values()) < RECIPIENTS, "sent before the kill"

            status = "SELECT status FROM newsletters_issue WHERE id = %s"
            _wait(lambda: _sql(database, status, world["issue"])[0][0] == "sent", 150, "the send")
            # The killed worker's task is put back after the lease and runs again, finding no
            # work left.
            unfinished = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status IN ('READY', 'RUNNING')"
            _wait(lambda: _sql(database, unfinished)[0][0] == 0, 60, "the killed task's rerun")
        finally:
            for process in (survivor, victim):
                if process.poll() is None:
                    process.send_signal(signal.SIGCONT)
                    process.terminate()
                process.wait(timeout=30)


def test_newsletter_through_two_workers_one_killed_reaches_everyone_once(world, tmp_path):
    _send_through_two_workers(world, tmp_path)

    recipients = _recipients(world["mail"])
    assert recipients == Counter({f"r{i}@example.se": 1 for i in range(RECIPIENTS)})
    results = _sql(
        world["database"],
        "SELECT status, return_value FROM django_tasks_database_dbtaskresult WHERE task_path LIKE %s",
        "%send_issue",
    )
    sent = [value["sent"] for state, value in results if state == "SUCCESSFUL" and value]
    # The surviving worker sent part, not all: the killed one had sent the rest before it died.
    assert sent, results
    assert 0 < max(sent) < RECIPIENTS, results
