"""The world of the roles × actions matrix, built once per module and rolled back at its end.

Each test runs inside its own savepoint (pytest-django's ``db``), so a write made by one test is
undone before the next; the world itself is undone when the module finishes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from security_world import World, build_world


@pytest.fixture(scope="module")
def world(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    from django.test import override_settings

    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media), SAMVERKA_BOUNCE_SECRET="matrix-bounce-secret"),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            # One session per role for the whole module: logging in again for every test costs
            # more than the test itself.
            for role, user in world.users.items():
                if user is not None:
                    login = Client()
                    login.force_login(user)
                    world.sessions[role] = login.cookies[settings.SESSION_COOKIE_NAME].value
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate limits (Get help, subscriptions) count in the cache: start every test at zero."""
    cache.clear()
    yield
    cache.clear()
