"""``.ci/check_skips.py``: a CI pass fails on a skipped test that its list does not name."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
  <testcase classname="tests.core.test_page_cache" name="test_copy" />
  <testcase classname="tests.events.test_events_concurrency" name="test_locks">
    <skipped type="pytest.skip" message="row locks need PostgreSQL" /></testcase>
  <testcase classname="tests.core.test_security_ratelimit" name="test_limit[a]">
    <skipped type="pytest.skip" message="no Redis at redis://127.0.0.1:6379/13" /></testcase>
  <testcase classname="tests.security.test_roles_matrix.TestRoles" name="test_x">
    <skipped type="pytest.skip" message="why not" /></testcase>
</testsuite></testsuites>
"""


def check(tmp_path: Path, listing: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "report.xml").write_text(REPORT)
    (tmp_path / "expected.txt").write_text(listing)
    return subprocess.run(
        [sys.executable, str(ROOT / ".ci" / "check_skips.py"), "report.xml", "expected.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_unlisted_skips_fail_and_are_named_with_their_reason(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        "# comment\ntests/events/test_events_concurrency.py::test_locks  # PostgreSQL only\n",
    )
    assert result.returncode == 1
    assert "2 unexpected skip(s)" in result.stderr
    assert (
        "SKIPPED tests/core/test_security_ratelimit.py::test_limit[a]: no Redis at "
        "redis://127.0.0.1:6379/13" in result.stderr
    )
    assert (
        "SKIPPED tests/security/test_roles_matrix.py::TestRoles::test_x: why not" in result.stderr
    )
    assert "test_locks" not in result.stderr


def test_listed_skips_and_patterns_pass(tmp_path: Path) -> None:
    result = check(
        tmp_path,
        "tests/events/test_events_concurrency.py::test_locks  # PostgreSQL only\n"
        "tests/core/test_security_ratelimit.py::test_limit[[]*]  # every parameter\n"
        "tests/security/*::TestRoles::*  # a class\n"
        "tests/core/test_page_cache.py::test_copy  # listed, but it ran\n",
    )
    assert result.returncode == 0, result.stderr
    assert "3 skip(s), all expected" in result.stderr
    assert "did not skip: tests/core/test_page_cache.py::test_copy" in result.stderr


def test_an_entry_without_its_reason_is_refused(tmp_path: Path) -> None:
    result = check(tmp_path, "tests/events/test_events_concurrency.py::test_locks\n")
    assert result.returncode == 1
    assert "say why tests/events/test_events_concurrency.py::test_locks" in result.stderr
