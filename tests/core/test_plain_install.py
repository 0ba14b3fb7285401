"""``pip install samverka`` without extras (the SQLite default the README promises) migrates,
loads the demo and serves pages: the package goes into a fresh virtual environment, from a copy
of the sources as a fresh clone has them (no compiled catalogue), with no PostgreSQL or Redis
client installed.

It installs every dependency, so it runs in one pass only: the SQLite one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from test_commands import free_port, start, stop, wait_for_healthz

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("SAMVERKA_TEST_DATABASE_URL")),
    reason="plain install: runs once, in the SQLite pass",
)


def run(*command: str | Path, **options: object) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        timeout=900,
        **options,  # type: ignore[arg-type]
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


def test_plain_install_migrates_loads_the_demo_and_serves_on_sqlite(tmp_path: Path) -> None:
    source = tmp_path / "source"
    shutil.copytree(
        ROOT / "src",
        source / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.mo"),
    )
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "constraints.txt"):
        shutil.copy(ROOT / name, source / name)
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    bin_dir = venv / "bin"
    run(bin_dir / "python", "-m", "pip", "install", "-q", "-c", source / "constraints.txt", source)
    absent = run(
        bin_dir / "python",
        "-c",
        "import importlib.util as u; "
        "print([m for m in ('psycopg', 'psycopg2', 'redis') if u.find_spec(m) is None])",
        cwd=tmp_path,
    )
    assert absent.stdout.strip() == "['psycopg', 'psycopg2', 'redis']"

    var = tmp_path / "var"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SAMVERKA_", "DJANGO_", "PYTEST_", "PYTHON"))
        and key not in {"HOST", "PORT"}
    }
    env.update(
        SAMVERKA_VAR_DIR=str(var), SAMVERKA_DATABASE_URL=f"sqlite:///{var / 'samverka.sqlite3'}"
    )
    samverka = bin_dir / "samverka"
    run(samverka, "migrate", "--verbosity", "0", env=env, cwd=tmp_path)
    run(samverka, "demo", "--verbosity", "0", env=env, cwd=tmp_path)
    # the worker starts and drains the database queue (the default without Redis)
    run(samverka, "worker", "--batch", "--no-scheduler", "--interval", "0.1", env=env, cwd=tmp_path)

    port = free_port()
    server = start([str(samverka), "serve", "--port", str(port)], env, cwd=tmp_path)
    try:
        health = wait_for_healthz(port, server)
        pages = {}
        for path in ("/", "/clusters/", "/knowledge/search/?q=skog"):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30) as page:
                pages[path] = (page.status, page.read().decode())
    finally:
        stop(server)

    assert (health["status"], health["database"]["status"]) == ("ok", "ok")
    assert {path: status for path, (status, _html) in pages.items()} == dict.fromkeys(pages, 200)
    html = pages["/clusters/"][1]
    assert '<html lang="sv"' in html
    assert "Klusterkatalog" in html  # the Swedish catalogue was built into the package
    assert "Kompetenscentrum Naturbruksförvaltningen VGR" in html  # a demo cluster
