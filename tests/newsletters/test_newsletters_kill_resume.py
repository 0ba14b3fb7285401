"""A send killed mid-way (SIGKILL) and started again mails every recipient exactly once.

The sending runs as real ``samverka newsletter send`` processes against a SQLite database file and
the file-based mail backend, so that the kill is a real one.
"""

from __future__ import annotations

import email
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

SAMVERKA = str(Path(sys.executable).with_name("samverka"))
RECIPIENTS = 8
SEPARATOR = b"\n" + b"-" * 79 + b"\n"

SETUP = f"""
from django.utils import timezone
from samverka.newsletters.models import Block, Issue, Newsletter, Subscription
n = Newsletter.objects.create(name="Kill test", slug="kill-test")
for i in range({RECIPIENTS}):
    Subscription.objects.create(
        newsletter=n, email=f"r{{i}}@example.se", status="active", confirmed_at=timezone.now()
    )
issue = Issue.objects.create(newsletter=n, subject="Killed and resumed")
Block.objects.create(issue=issue, kind="text", title="Hello", body="<p>Text</p>")
print(issue.pk)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMVERKA_")}
    env.pop("PYTEST_CURRENT_TEST", None)
    env.update(
        SAMVERKA_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SAMVERKA_VAR_DIR=str(tmp_path),
        SAMVERKA_SECRET_KEY="kill-and-resume-test",
        SAMVERKA_SITE_URL="https://samverka.example",
        SAMVERKA_NEWSLETTER_BATCH_SIZE="2",
        SAMVERKA_NEWSLETTER_RATE="12",  # two mails, then about ten seconds of sleep
        SAMVERKA_FROM_EMAIL="Samverka <news@samverka.example>",
    )
    return env


def _messages(mail_dir: Path) -> list[email.message.Message]:
    messages = []
    for path in sorted(mail_dir.glob("*.log")) if mail_dir.exists() else []:
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk))
    return messages


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, made once and copied for each test."""
    path = tmp_path_factory.mktemp("migrated")
    subprocess.run([SAMVERKA, "migrate", "-v0"], env=_env(path), check=True, capture_output=True)
    return path


def _prepare(env: dict[str, str], migrated: Path) -> str:
    target = Path(env["SAMVERKA_VAR_DIR"])
    for source in migrated.glob("db.sqlite3*"):
        shutil.copy(source, target / source.name)
    setup = subprocess.run(
        [SAMVERKA, "shell", "-c", SETUP], env=env, check=True, capture_output=True, text=True
    )
    return setup.stdout.strip().splitlines()[-1]


def _kill_after_first_batch(command: list[str], env: dict[str, str], mail_dir: Path) -> int:
    """Start ``command``, SIGKILL it while it sleeps after its first batch; returns the number
    of mails written by then."""
    log = mail_dir.parent / "killed-process.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while (
            len(_messages(mail_dir)) < 2 and process.poll() is None and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        time.sleep(0.5)  # the batch is committed; the sender now sleeps to keep the rate
        process.send_signal(signal.SIGKILL)
        process.wait()
    written = len(_messages(mail_dir))
    assert 2 <= written < RECIPIENTS, (written, log.read_text(errors="replace")[-3000:])
    return written


def test_send_killed_mid_way_and_restarted_mails_everyone_exactly_once(tmp_path, migrated):
    env = _env(tmp_path)
    mail_dir = tmp_path / "mail"
    issue_id = _prepare(env, migrated)

    after_kill = _kill_after_first_batch([SAMVERKA, "newsletter", "send", issue_id], env, mail_dir)

    second = subprocess.run(
        [SAMVERKA, "newsletter", "send", issue_id, "--format", "json"],
        env={**env, "SAMVERKA_NEWSLETTER_RATE": "0"},
        check=True,
        capture_output=True,
        text=True,
    )

    result = json.loads(second.stdout)
    recipients = Counter(m["To"] for m in _messages(mail_dir))
    assert recipients == Counter({f"r{i}@example.se": 1 for i in range(RECIPIENTS)})
    assert result["sent"] == RECIPIENTS - after_kill
    assert result["skipped"] == after_kill
    assert result["status"] == "sent"
    assert result["deliveries"]["sent"] == RECIPIENTS
    message_ids = {m["Message-ID"] for m in _messages(mail_dir)}
    assert len(message_ids) == RECIPIENTS
    assert all(mid.endswith("@samverka.example>") for mid in message_ids)
    status = subprocess.run(
        [SAMVERKA, "newsletter", "status", issue_id, "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(status.stdout)["status"] == "sent"


def test_worker_killed_mid_send_is_resumed_by_the_periodic_job(tmp_path, migrated):
    env = {**_env(tmp_path), "SAMVERKA_NEWSLETTER_LEASE_SECONDS": "1"}
    mail_dir = tmp_path / "mail"
    issue_id = _prepare(env, migrated)
    start = (
        "from samverka.newsletters.models import Issue\n"
        "from samverka.newsletters.services import start_sending\n"
        f"print(start_sending(issue=Issue.objects.get(pk={issue_id}), actor=None))\n"
    )
    started = subprocess.run(
        [SAMVERKA, "shell", "-c", start], env=env, check=True, capture_output=True, text=True
    )
    assert started.stdout.strip().splitlines()[-1] == str(RECIPIENTS)

    _kill_after_first_batch(
        [SAMVERKA, "worker", "--no-scheduler", "--interval", "0.2"], env, mail_dir
    )
    time.sleep(1.5)  # past the lease: the issue counts as stalled
    resume = "from samverka.newsletters.tasks import resume_stalled_issues\n"
    resume += "resume_stalled_issues.enqueue()\n"
    subprocess.run([SAMVERKA, "shell", "-c", resume], env=env, check=True, capture_output=True)
    subprocess.run(
        [SAMVERKA, "worker", "--no-scheduler", "--batch", "--interval", "0.2"],
        env={**env, "SAMVERKA_NEWSLETTER_RATE": "0"},
        check=True,
        capture_output=True,
        timeout=120,
    )

    recipients = Counter(m["To"] for m in _messages(mail_dir))
    assert recipients == Counter({f"r{i}@example.se": 1 for i in range(RECIPIENTS)})
    status = subprocess.run(
        [SAMVERKA, "newsletter", "status", issue_id, "--format", "json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert json.loads(status.stdout)["status"] == "sent"
