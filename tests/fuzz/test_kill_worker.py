"""A feed poll and a calendar import killed (SIGKILL) while they run inside ``samverka worker``:
a restarted worker finds the task its dead predecessor left RUNNING, runs it again, and every item
and event ends up stored exactly once.

The workers are real processes on a SQLite database file (the model is test_kill_import_poll.py);
the in-process tests below pin down the recovery rules of :mod:`samverka.core.workers` and the
poll lease of the scanning app.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.utils import timezone
from fuzz_support import SAMVERKA, rss, samverka_env, sqlite_count, sqlite_rows

from samverka.core import workers
from samverka.core.models import PeriodicRun
from samverka.scanning import services as scanning
from samverka.scanning.models import FeedSource

FEED_TIMEOUT = 2  # seconds; a poll then holds its source for 2 * 2 + 10 seconds
POLL_TASK_LEASE = 15  # seconds; longer than that, so the poll reruns once the source is due
CALENDAR_TASK_LEASE = 3  # a calendar poll holds nothing: its rerun can come at once
EVENTS = 40


def _env(path: Path) -> dict[str, str]:
    return samverka_env(
        path,
        "kill-worker-test",
        SAMVERKA_FEEDS_ALLOW_PRIVATE="1",
        SAMVERKA_FEEDS_TIMEOUT=str(FEED_TIMEOUT),
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


def _shell(env: dict[str, str], code: str) -> str:
    done = subprocess.run(
        [SAMVERKA, "shell", "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return done.stdout.strip().splitlines()[-1]


def _task(db: Path, task_id: str) -> tuple[str, str, object]:
    """Status, worker ids (JSON) and return value (JSON) of a task result row."""
    (row,) = sqlite_rows(
        db,
        "SELECT status, worker_ids, return_value FROM django_tasks_database_dbtaskresult "
        "WHERE replace(id, '-', '') = ?",
        (task_id.replace("-", ""),),
    )
    return row


def _worker(env: dict[str, str], log: Path, lease: int) -> subprocess.Popen:
    command = [SAMVERKA, "worker", "--no-scheduler", "--interval", "0.2", "--lease", str(lease)]
    with log.open("ab") as output:
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)


def _kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def _kill_worker_when_stalled(env: dict[str, str], log: Path, lease: int, server: _Server) -> None:
    """Start a worker, SIGKILL it once it is stuck mid-fetch on the stalling server."""
    first = _worker(env, log, lease)
    stalled = server.stalled.wait(60)
    _kill(first)
    assert stalled, log.read_text(errors="replace")[-3000:]


def _wait_finished(db: Path, task_id: str, process: subprocess.Popen, log: Path) -> None:
    """Wait until the task has finished (in ``process``, a worker), then stop it cleanly."""
    deadline = time.monotonic() + 90
    while _task(db, task_id)[0] in {"READY", "RUNNING"} and time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.wait(30)
    assert process.returncode == 0, log.read_text(errors="replace")[-3000:]


# --- a local server of feeds and a calendar ----------------------------------------------------


def _ics(events: int) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Samverka//Kill test//SV"]
    for n in range(events):
        day = f"2031{1 + n // 28:02d}{1 + n % 28:02d}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:kill-{n}@example.se",
            "DTSTAMP:20260101T000000Z",
            f"DTSTART:{day}T090000Z",
            f"DTEND:{day}T100000Z",
            f"SUMMARY:Träff {n}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


class _Server:
    """``/fast`` (an RSS feed) answers at once; ``/slow`` (RSS) and ``/calendar.ics`` send half
    their body and then stall until ``release`` is set, so that a poll of them can be killed
    mid-fetch. ``requests`` counts the requests per path."""

    def __init__(self) -> None:
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.requests: dict[str, int] = {}
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.strip("/")
                served.requests[name] = served.requests.get(name, 0) + 1
                if name == "calendar.ics":
                    body, kind = _ics(EVENTS), "text/calendar; charset=utf-8"
                else:
                    body, kind = rss(name, 5), "application/rss+xml"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if name != "fast" and not served.release.is_set():
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    served.stalled.set()
                    served.release.wait(60)
                    return
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def server() -> Iterator[_Server]:
    served = _Server()
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    yield served
    served.release.set()
    served.server.shutdown()
    served.server.server_close()


# --- the kills ----------------------------------------------------------------------------------


def test_worker_killed_mid_poll_is_recovered_and_stores_every_item_once(tmp_path, migrated, server):
    env = _copy(migrated, tmp_path)
    db = tmp_path / "db.sqlite3"
    log = tmp_path / "worker.log"
    task_id = _shell(
        env,
        "from samverka.scanning.models import FeedSource\n"
        "from samverka.scanning.tasks import poll_due_feeds\n"
        f"FeedSource.objects.create(url='{server.url}/fast', name='fast')\n"
        f"FeedSource.objects.create(url='{server.url}/slow', name='slow')\n"
        "print(poll_due_feeds.enqueue().id)\n",
    )

    _kill_worker_when_stalled(env, log, POLL_TASK_LEASE, server)

    # Killed mid-fetch of the slow feed: the fast one is stored, the slow one not, and the task
    # is left RUNNING by a worker that no longer exists.
    items = (
        "SELECT COUNT(*) FROM scanning_feeditem i JOIN scanning_feedsource s ON s.id = i.source_id"
    )
    assert sqlite_count(db, items + " WHERE s.name = 'fast'") == 5
    assert sqlite_count(db, items + " WHERE s.name = 'slow'") == 0
    assert _task(db, task_id)[0] == "RUNNING"

    server.release.set()
    second = _worker(env, log, POLL_TASK_LEASE)
    _wait_finished(db, task_id, second, log)

    status, worker_ids, returned = _task(db, task_id)
    assert status == "SUCCESSFUL", log.read_text(errors="replace")[-3000:]
    assert len(_json(worker_ids)) == 2  # the killed attempt and the one that finished
    assert _json(returned) == 1  # the rerun polled the slow feed only: the fast one was done
    assert server.requests == {"fast": 1, "slow": 2}
    assert sqlite_count(db, items + " WHERE s.name = 'fast'") == 5
    assert sqlite_count(db, items + " WHERE s.name = 'slow'") == 5
    assert sqlite_count(db, "SELECT COUNT(DISTINCT source_id || guid) FROM scanning_feeditem") == 10
    sources = sqlite_rows(
        db,
        "SELECT name, last_error, consecutive_failures, last_success IS NOT NULL "
        "FROM scanning_feedsource ORDER BY name",
    )
    assert sources == [("fast", "", 0, 1), ("slow", "", 0, 1)]
    # The dead worker's heartbeat was cleared by the recovery, the live one's on its way out.
    assert sqlite_count(db, "SELECT COUNT(*) FROM core_periodicrun WHERE name LIKE 'worker:%'") == 0


def test_worker_killed_mid_calendar_import_is_recovered_and_imports_every_event_once(
    tmp_path, migrated, server
):
    env = _copy(migrated, tmp_path)
    db = tmp_path / "db.sqlite3"
    log = tmp_path / "worker.log"
    task_id = _shell(
        env,
        "from samverka.clusters.models import Cluster\n"
        "from samverka.events.models import CalendarSource\n"
        "from samverka.events.tasks import poll_due_calendars\n"
        "cluster = Cluster.objects.create(name='Kill', slug='kill')\n"
        f"CalendarSource.objects.create(name='Kalender', url='{server.url}/calendar.ics', "
        "cluster=cluster)\n"
        "print(poll_due_calendars.enqueue().id)\n",
    )

    _kill_worker_when_stalled(env, log, CALENDAR_TASK_LEASE, server)
    assert sqlite_count(db, "SELECT COUNT(*) FROM events_event") == 0
    assert _task(db, task_id)[0] == "RUNNING"

    server.release.set()
    second = _worker(env, log, CALENDAR_TASK_LEASE)
    _wait_finished(db, task_id, second, log)

    status, worker_ids, returned = _task(db, task_id)
    assert status == "SUCCESSFUL", log.read_text(errors="replace")[-3000:]
    assert len(_json(worker_ids)) == 2
    assert _json(returned) == 1
    assert server.requests == {"calendar.ics": 2}
    assert sqlite_count(db, "SELECT COUNT(*) FROM events_event") == EVENTS
    assert sqlite_count(db, "SELECT COUNT(DISTINCT uid) FROM events_event") == EVENTS
    assert sqlite_rows(
        db,
        "SELECT consecutive_failures, last_error, last_success IS NOT NULL "
        "FROM events_calendarsource",
    ) == [(0, "", 1)]


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


# --- the rules, in process ---------------------------------------------------------------------


def _running(started: timezone.datetime, *worker_ids: str):
    from django_tasks_db.models import DBTaskResult, get_date_max

    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="samverka.core.tasks.housekeeping",
        backend_name="default",
        run_after=get_date_max(),
        started_at=started,
        worker_ids=list(worker_ids),
    )


@pytest.mark.django_db
def test_recovery_requeues_only_tasks_of_dead_workers_past_the_lease():
    now = timezone.now()
    lease = timedelta(minutes=5)
    workers.beat("alive", now - timedelta(minutes=1))
    workers.beat("dead", now - timedelta(minutes=6))
    of_alive = _running(now - timedelta(hours=1), "alive")
    of_dead = _running(now - timedelta(minutes=10), "dead")
    of_unknown = _running(now - timedelta(minutes=10), "gone-without-a-trace")
    just_started = _running(now - timedelta(minutes=1), "dead")

    assert workers.recover_lost_tasks(lease, now) == 2
    assert workers.recover_lost_tasks(lease, now) == 0  # nothing twice

    for task in (of_alive, of_dead, of_unknown, just_started):
        task.refresh_from_db()
    assert (of_alive.status, of_dead.status, of_unknown.status) == ("RUNNING", "READY", "READY")
    assert just_started.status == "RUNNING"
    assert of_dead.worker_ids == ["dead"]  # the lost attempt stays counted
    names = set(PeriodicRun.objects.values_list("name", flat=True))
    assert names == {"worker:alive"}  # the stale heartbeat is gone


@pytest.mark.django_db
def test_recovery_fails_a_task_whose_worker_died_in_every_attempt():
    now = timezone.now()
    task = _running(now - timedelta(minutes=10), "a", "b", "c")

    assert workers.recover_lost_tasks(timedelta(minutes=5), now) == 1

    task.refresh_from_db()
    assert task.status == "FAILED"
    assert task.finished_at == now
    assert task.exception_class_path == "samverka.core.workers.WorkerLost"
    assert "worker c stopped during attempt 3" in task.traceback
    workers.retire("a")  # retiring a worker without a heartbeat is harmless


@pytest.mark.django_db
def test_retire_removes_the_heartbeat():
    workers.beat("leaving")
    workers.beat("leaving")  # a second beat updates the same row
    assert PeriodicRun.objects.filter(name="worker:leaving").count() == 1
    workers.retire("leaving")
    assert not PeriodicRun.objects.filter(name__startswith="worker:").exists()


@pytest.mark.django_db
def test_unfinished_poll_holds_its_source_for_the_lease_only():
    source = FeedSource.objects.create(url="https://example.se/feed", name="f")
    other_worker = FeedSource.objects.get(pk=source.pk)
    now = timezone.now()
    assert scanning._claim(source, now)  # a poll starts and its worker is killed
    assert not scanning._claim(other_worker, now)  # meanwhile nobody else polls it
    lease = scanning.poll_lease()

    assert source not in scanning.due_sources(now + lease - timedelta(seconds=1))
    assert source in scanning.due_sources(now + lease + timedelta(seconds=1))


@pytest.mark.django_db
def test_finished_poll_holds_its_source_for_the_whole_interval(monkeypatch):
    source = FeedSource.objects.create(url="https://example.se/feed", name="f")
    monkeypatch.setattr(scanning, "fetch", _refused)
    result = scanning.poll_source(source)

    source.refresh_from_db()
    assert (result.status, source.consecutive_failures) == ("error", 1)
    assert source.last_polled is not None
    assert scanning.next_poll(source) == source.last_polled + timedelta(hours=2)  # backed off


def _refused(*args: object, **kwargs: object) -> object:
    raise scanning.FetchError("refused")


@pytest.mark.django_db
def test_a_short_lease_worker_does_not_take_a_long_lease_worker_for_dead():
    now = timezone.now()
    # Beat 4 minutes ago with the default 5-minute lease: alive for another minute.
    workers.beat("patient", now - timedelta(minutes=4), lease=timedelta(minutes=5))
    task = _running(now - timedelta(minutes=10), "patient")

    # A worker started with --lease 20 recovers: the heartbeat's own expiry decides.
    assert workers.recover_lost_tasks(timedelta(seconds=20), now) == 0
    task.refresh_from_db()
    assert task.status == "RUNNING"
    assert PeriodicRun.objects.filter(name="worker:patient").exists()
    # Once that expiry has passed, the task is requeued.
    assert workers.recover_lost_tasks(timedelta(seconds=20), now + timedelta(minutes=2)) == 1
