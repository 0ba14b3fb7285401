"""Copies of sent mail kept by the default file backend: an erasure removes the person's
messages (and only theirs), retention deletes old files."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from privacy_world import EMAIL, NEIGHBOUR, World
from test_privacy_erase import WORD

from samverka.events import services as events
from samverka.privacy.models import Erasure
from samverka.privacy.services import erase_personal_data, run_retention

HOME = "eva@home.example"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


@pytest.fixture
def mail_dir(settings: Any, tmp_path: Path) -> Path:
    """The file backend of a default installation, writing to a folder of the test's own."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return settings.EMAIL_FILE_PATH


def _stored(folder: Path) -> str:
    return "".join(path.read_text("utf-8", "replace") for path in sorted(folder.glob("*.log")))


def test_erase_removes_stored_mail_about_the_person_only(world: World, mail_dir: Path) -> None:
    # The registration confirmation (the app's own mail, with her cancel link) to her second
    # login address ...
    events.register(event=world.event, name="E. Ek", email=HOME, gender="woman")
    # ... one connection's file holding her mail, her neighbour's, and a handler's mail that
    # names her address in an encoded (non-ASCII, long-lined) body.
    with mail.get_connection() as connection:
        mail.EmailMessage("Hej", "Till Eva.", None, [EMAIL], connection=connection).send()
        mail.EmailMessage("Hej", "Till Neva.", None, [NEIGHBOUR], connection=connection).send()
        body = "Ärende från " + "å" * 1200 + f" {EMAIL.title()} åäö"
        mail.EmailMessage("Ärende", body, None, ["handler@x.example"], connection=connection).send()
    before = _stored(mail_dir)
    assert HOME in before
    assert "Till Eva." in before

    dry = erase_personal_data(EMAIL, dry_run=True)
    assert dry["changed"]["mail.message"] == 3
    assert _stored(mail_dir) == before

    result = erase_personal_data(EMAIL)

    assert result["changed"]["mail.message"] == 3
    assert Erasure.objects.get().counts["mail.message"] == 3
    stored = _stored(mail_dir)
    assert not WORD.search(stored)
    assert HOME not in stored
    assert "Till Eva." not in stored
    assert "Ärende" not in stored
    assert NEIGHBOUR in stored
    assert "Till Neva." in stored
    assert erase_personal_data(EMAIL)["total"] == 0


def test_erase_command_reports_stored_mail(world: World, mail_dir: Path) -> None:
    mail.EmailMessage("Hej", "Hej!", None, [EMAIL]).send()
    out = StringIO()
    call_command("gdpr", "erase", EMAIL, stdout=out)
    assert "mail.message: 1" in out.getvalue()
    assert not list(mail_dir.glob("*.log"))


def _mail_file(folder: Path, name: str, age_days: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(b"To: a@x.example\n\nHej\n" + b"-" * 79 + b"\n")
    stamp = (NOW - dt.timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_retention_deletes_old_mail_files(db: Any, mail_dir: Path, settings: Any) -> None:
    settings.SAMVERKA_RETENTION_MAIL_DAYS = 30
    settings.SAMVERKA_RETENTION_REGISTRATIONS_DAYS = settings.SAMVERKA_RETENTION_CASES_DAYS = 0
    old = _mail_file(mail_dir, "20240101-000000-1.log", 31)
    recent = _mail_file(mail_dir, "20240101-000000-2.log", 29)

    assert run_retention(now=NOW, dry_run=True)["counts"] == {"mail.file": 1}
    assert old.exists()
    result = run_retention(now=NOW)

    assert result["counts"] == {"mail.file": 1}
    assert (old.exists(), recent.exists()) == (False, True)
    assert Erasure.objects.get().counts == {"mail.file": 1}

    settings.SAMVERKA_RETENTION_MAIL_DAYS = 0
    _mail_file(mail_dir, "20240101-000000-3.log", 400)
    assert run_retention(now=NOW)["counts"] == {}
