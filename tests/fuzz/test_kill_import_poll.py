"""An import and a feed poll killed mid-way (SIGKILL) and started again lose and duplicate
nothing.

Both run as real ``samverka`` processes against a SQLite database file, so that the kill is a
real one (the model is tests/newsletters/test_newsletters_kill_resume.py).
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fuzz_support import SAMVERKA, luhn_orgnr, rss, samverka_env, sqlite_count, sqlite_rows

ORGANISATIONS = 3000


def _env(path: Path) -> dict[str, str]:
    return samverka_env(
        path,
        "kill-import-poll-test",
        SAMVERKA_FEEDS_ALLOW_PRIVATE="1",
        SAMVERKA_FEEDS_TIMEOUT="120",
    )


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database file, made once and copied for each test."""
    path = tmp_path_factory.mktemp("migrated")
    subprocess.run([SAMVERKA, "migrate", "-v0"], env=_env(path), check=True, capture_output=True)
    return path


def _copy(migrated: Path, target: Path) -> dict[str, str]:
    for source in migrated.glob("db.sqlite3*"):
        shutil.copy(source, target / source.name)
    return _env(target)


def _writing(db: Path) -> bool:
    """True while another process holds the database's write lock (is inside its transaction)."""
    connection = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        connection.close()


def test_import_killed_mid_way_writes_nothing_and_rerun_imports_everything_once(tmp_path, migrated):
    env = _copy(migrated, tmp_path)
    db = tmp_path / "db.sqlite3"
    big = tmp_path / "organisations.csv"
    rows = [
        f"Företag {n} AB,{luhn_orgnr(f'5560{n:05d}')},company,2380" for n in range(ORGANISATIONS)
    ]
    big.write_text("name,orgnr,helix,municipality_code\n" + "\n".join(rows) + "\n")
    command = [SAMVERKA, "import", "organisations", str(big), "--format", "json"]

    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not _writing(db) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    _out, err = process.communicate()
    assert process.returncode == -signal.SIGKILL, err[-2000:]

    # One transaction: killed inside it, nothing of the file is there (not even part of it).
    assert sqlite_count(db, "SELECT COUNT(*) FROM actors_organisation") == 0
    assert sqlite_count(db, "SELECT COUNT(*) FROM core_auditentry") == 0

    second = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert json.loads(second.stdout)["created"] == ORGANISATIONS
    third = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    report = json.loads(third.stdout)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, ORGANISATIONS)
    assert sqlite_count(db, "SELECT COUNT(*) FROM actors_organisation") == ORGANISATIONS
    assert (
        sqlite_count(db, "SELECT COUNT(DISTINCT orgnr) FROM actors_organisation") == ORGANISATIONS
    )


# --- feed poll ------------------------------------------------------------------------------


class _Feeds:
    """Two feeds: ``fast`` answers at once; ``slow`` sends half its body and then stalls
    until ``release`` is set (so a poll of it can be killed mid-fetch)."""

    def __init__(self) -> None:
        self.slow_requested = threading.Event()
        self.release = threading.Event()
        feeds = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.strip("/")
                body = rss(name, 5)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if name == "slow" and not feeds.release.is_set():
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    feeds.slow_requested.set()
                    feeds.release.wait(60)
                    return
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def feeds() -> Iterator[_Feeds]:
    served = _Feeds()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.release.set()
    served.server.shutdown()
    served.server.server_close()


def test_poll_killed_mid_fetch_and_restarted_stores_every_item_exactly_once(
    tmp_path, migrated, feeds
):
    env = _copy(migrated, tmp_path)
    db = tmp_path / "db.sqlite3"
    setup = (
        "from samverka.scanning.models import FeedSource\n"
        f"FeedSource.objects.create(url='{feeds.url}/fast', name='fast')\n"
        f"FeedSource.objects.create(url='{feeds.url}/slow', name='slow')\n"
    )
    subprocess.run([SAMVERKA, "shell", "-c", setup], env=env, check=True, capture_output=True)
    command = [SAMVERKA, "scan", "poll", "--all", "--format", "json"]

    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    requested = feeds.slow_requested.wait(120)
    process.send_signal(signal.SIGKILL)
    _out, err = process.communicate()
    assert requested, err[-2000:]

    # The fast feed was stored before the kill; the slow one was being fetched: nothing of it.
    items = (
        "SELECT COUNT(*) FROM scanning_feeditem i JOIN scanning_feedsource s ON s.id = i.source_id"
    )
    assert sqlite_count(db, items + " WHERE s.name = 'fast'") == 5
    assert sqlite_count(db, items + " WHERE s.name = 'slow'") == 0

    feeds.release.set()
    second = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    results = {r["source"]: (r["status"], r["new"], r["seen"]) for r in json.loads(second.stdout)}
    assert results == {"fast": ("ok", 0, 5), "slow": ("ok", 5, 0)}
    third = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert [(r["new"], r["seen"]) for r in json.loads(third.stdout)] == [(0, 5), (0, 5)]

    assert sqlite_count(db, "SELECT COUNT(*) FROM scanning_feeditem") == 10
    assert sqlite_count(db, "SELECT COUNT(DISTINCT source_id || guid) FROM scanning_feeditem") == 10
    sources = sqlite_rows(
        db,
        "SELECT name, last_error, consecutive_failures, last_success IS NOT NULL "
        "FROM scanning_feedsource ORDER BY name",
    )
    assert sources == [("fast", "", 0, 1), ("slow", "", 0, 1)]
