"""The one way tests read real public data from ``../shared/data`` (beside the repository).

The files stay outside the repository (their sources and licences are in its SOURCES.md), so a
fresh clone elsewhere has no such folder: the tests that need it are then skipped with one reason
naming the folder, and collection never touches it. CI sets ``SAMVERKA_REQUIRE_SHARED_DATA=1``,
which turns the absence into a failure, so the real-data tests cannot silently stop running.

Read the folder only inside a test: through the ``shared_data`` fixture (re-exported by
tests/conftest.py), or through ``shared_data_folder()`` in code that runs during a test, such as
a lazily built hypothesis strategy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REQUIRE_VARIABLE = "SAMVERKA_REQUIRE_SHARED_DATA"
MISSING = "../shared/data not found beside the repository; real-data tests skipped"


def shared_data_folder() -> Path:
    """The folder; skips the running test when it is absent, or fails it when it is required."""
    if SHARED_DATA.is_dir():
        return SHARED_DATA
    if os.environ.get(REQUIRE_VARIABLE) == "1":
        pytest.fail(
            f"../shared/data not found beside the repository ({SHARED_DATA}), "
            f"and {REQUIRE_VARIABLE}=1 requires the real-data tests to run",
            pytrace=False,
        )
    pytest.skip(MISSING)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: the tests that take this fixture skip (or fail) when it is absent."""
    return shared_data_folder()
