"""Fixtures for the API tests; the builders live in api_builders."""

from __future__ import annotations

from typing import Any

import pytest
from api_builders import make_user


@pytest.fixture
def manager() -> Any:
    return make_user(username="manager")


@pytest.fixture
def other_manager() -> Any:
    return make_user(username="othermanager")


@pytest.fixture
def admin_user() -> Any:
    return make_user(username="root", superuser=True)
