"""The ``shared_data`` helper in a throw-away checkout: without ``../shared/data`` beside it, a
test that needs the folder is skipped with the reason naming it (or fails when
``SAMVERKA_REQUIRE_SHARED_DATA=1``), and collection never reads it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HELPER = Path(__file__).with_name("shared_data.py")
REAL_DATA_TEST = """
import pytest
from hypothesis import given, settings, strategies as st
from shared_data import shared_data_folder


def test_reads_a_file(shared_data):
    assert (shared_data / "scb" / "table.px").read_text() == "real"


@pytest.mark.usefixtures("shared_data")
@settings(max_examples=2, database=None)
@given(data=st.deferred(lambda: st.just((shared_data_folder() / "scb" / "table.px").read_text())))
def test_strategy_built_from_a_file(data):
    assert data == "real"


def test_without_the_folder():
    pass
"""


def run_checkout(tmp_path: Path, *, require: str | None) -> subprocess.CompletedProcess[str]:
    """pytest in ``tmp_path/repo`` (a stand-in repository whose tests use the helper)."""
    tests = tmp_path / "repo" / "tests"
    tests.mkdir(parents=True, exist_ok=True)
    shutil.copy(HELPER, tests / "shared_data.py")
    (tests / "conftest.py").write_text("from shared_data import shared_data  # noqa: F401\n")
    (tests / "test_real.py").write_text(REAL_DATA_TEST)
    (tmp_path / "repo" / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "SAMVERKA_REQUIRE_SHARED_DATA"}
    if require is not None:
        env["SAMVERKA_REQUIRE_SHARED_DATA"] = require
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", "-p", "no:django"],
        cwd=tmp_path / "repo",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_absent_folder_skips_the_real_data_tests_with_one_reason(tmp_path: Path) -> None:
    result = run_checkout(tmp_path, require=None)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 2 skipped" in result.stdout
    reason = "../shared/data not found beside the repository; real-data tests skipped"
    assert result.stdout.count(f": {reason}\n") == 2, result.stdout


def test_absent_folder_fails_when_required(tmp_path: Path) -> None:
    result = run_checkout(tmp_path, require="1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 2 errors" in result.stdout
    message = "SAMVERKA_REQUIRE_SHARED_DATA=1 requires the real-data tests to run"
    assert result.stdout.count(message) == 2, result.stdout


def test_present_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "shared" / "data" / "scb").mkdir(parents=True)
    (tmp_path / "shared" / "data" / "scb" / "table.px").write_text("real")
    result = run_checkout(tmp_path, require="1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
