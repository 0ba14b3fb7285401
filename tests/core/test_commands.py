"""The ``samverka`` command line, run as a real process against its own SQLite database."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for a fresh, migrated Samverka installation in a temporary directory."""
    var = tmp_path_factory.mktemp("var")
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAMVERKA_", "DJANGO_", "PYTEST_")) and key not in {"HOST", "PORT"}
    }
    environ.update(
        SAMVERKA_VAR_DIR=str(var),
        SAMVERKA_DATABASE_URL=f"sqlite:///{var / 'samverka.sqlite3'}",
        SAMVERKA_TASKS="database",
        PYTHONWARNINGS="error::DeprecationWarning:samverka",
    )
    samverka(environ, "migrate", "--verbosity", "0", check=True)
    return environ


def samverka(env: dict[str, str], *args: str, check: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "samverka", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=check,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_healthz(port: int, process: subprocess.Popen, timeout: float = 180) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                return {"http_status": resp.status, **json.loads(resp.read())}
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError("the server did not answer /healthz in time")


def start(command: list[str], env: dict[str, str], **options: Any) -> subprocess.Popen:
    """A long-running command (a server), its output kept for ``stop``."""
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **options
    )


def stop(process: subprocess.Popen) -> tuple[int, str, str]:
    """Ctrl-C the process (only the one this test started) and collect its output."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    return process.returncode, out, err


def test_help_lists_samverka_commands(env: dict[str, str]) -> None:
    result = samverka(env, "help")

    assert result.returncode == 0
    for command in ("import", "serve", "worker", "run", "demo"):
        assert f"    {command}\n" in result.stdout


def test_import_command_exits_2_for_missing_file(env: dict[str, str], tmp_path: Path) -> None:
    result = samverka(env, "import", "organisations", str(tmp_path / "nope.csv"))

    assert result.returncode == 2
    assert "nope.csv: no such file" in result.stderr


def test_import_command_bad_row_exits_2_and_writes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "orgs.csv"
    path.write_text(
        "name,orgnr,helix,municipality_code\n"
        "Processbolaget AB,556016-0680,company,2380\n"
        "Rymdbolaget AB,,spaceship,2380\n",
        encoding="utf-8",
    )

    bad = samverka(env, "import", "organisations", str(path), "--format", "json")
    path.write_text(
        "name,orgnr,helix,municipality_code\nProcessbolaget AB,556016-0680,company,2380\n",
        encoding="utf-8",
    )
    good = samverka(env, "import", "organisations", str(path), "--format", "json")
    again = samverka(env, "import", "organisations", str(path), "--format", "json")

    assert bad.returncode == 2
    assert [(e["row"], e["column"]) for e in json.loads(bad.stdout)["errors"]] == [(3, "helix")]
    assert good.returncode == 0
    assert (json.loads(good.stdout)["created"], json.loads(good.stdout)["updated"]) == (1, 0)
    assert json.loads(again.stdout)["created"] == 0
    assert json.loads(again.stdout)["unchanged"] == 1


def test_import_command_reads_standard_input(env: dict[str, str]) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "samverka",
            "import",
            "organisations",
            "-",
            "--dry-run",
            "--format",
            "json",
        ],
        env=env,
        input="namn;helix;kommunkod\nStdin Förening;civilsamhälle;0180\n".encode(),
        capture_output=True,
        timeout=120,
    )

    report = json.loads(result.stdout)
    assert result.returncode == 0
    assert (report["dry_run"], report["written"], report["created"]) == (True, False, 1)


def test_serve_answers_healthz(env: dict[str, str]) -> None:
    port = free_port()
    process = start([sys.executable, "-m", "samverka", "serve", "--port", str(port)], env)
    try:
        health = wait_for_healthz(port, process)
    finally:
        _code, _out, err = stop(process)

    assert (health["http_status"], health["status"]) == (200, "ok")
    assert health["database"]["status"] == "ok"
    assert f"Serving on http://127.0.0.1:{port}/" in err


def test_worker_batch_runs_queued_task(env: dict[str, str]) -> None:
    enqueue = samverka(
        env,
        "shell",
        "-c",
        "from samverka.core.tasks import housekeeping; print(housekeeping.enqueue().id)",
        check=True,
    )
    task_id = enqueue.stdout.strip().splitlines()[-1]

    worker = samverka(env, "worker", "--batch", "--no-scheduler", "--interval", "0.1")
    status = samverka(
        env,
        "shell",
        "-c",
        "from django_tasks_db.models import DBTaskResult; "
        f"r = DBTaskResult.objects.get(id='{task_id}'); print(r.status, r.return_value)",
        check=True,
    )

    assert worker.returncode == 0
    assert status.stdout.strip().splitlines()[-1] == "SUCCESSFUL {'sessions': 0, 'task_results': 0}"


def test_run_serves_until_ctrl_c(env: dict[str, str]) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "samverka", "run", "--no-demo"],
        env={**env, "PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = wait_for_healthz(port, process)
    finally:
        code, out, err = stop(process)

    assert health["database"]["status"] == "ok"
    assert f"http://127.0.0.1:{port}/" in out
    assert code == 0
    assert err.rstrip().endswith("Stopped.")
