"""The page cache for logged-out visitors (core/page_cache.py): what is served from it, what is
never stored, and that every kind of data change drops it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection, transaction
from django.middleware.csrf import _unmask_cipher_token
from django.test import Client
from django.test.utils import CaptureQueriesContext

from samverka.actors.models import Organisation
from samverka.core import page_cache
from samverka.newsletters.models import Newsletter, Subscription

HEADER = page_cache.CACHE_HEADER


@pytest.fixture(autouse=True)
def page_cache_on(settings: Any) -> Iterator[None]:
    settings.SAMVERKA_PAGE_CACHE_SECONDS = 300
    caches["pages"].clear()
    caches["default"].delete(page_cache.GENERATION_KEY)
    yield
    caches["pages"].clear()


@pytest.fixture
def organisation(make_organisation: Any) -> Organisation:
    return make_organisation("Skogsklustret AB")


def _page(client: Any, organisation: Organisation, **headers: Any) -> Any:
    return client.get(f"/organisations/{organisation.pk}/", **headers)


def _tokens(page: Any) -> set[str]:
    return set(re.findall(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page.text))


def _without_tokens(page: Any) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", page.text)


def test_second_visit_is_served_from_the_cache_without_queries(client, organisation) -> None:
    first = _page(client, organisation)
    assert first.status_code == 200
    assert first[HEADER] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = _page(client, organisation)
    assert second[HEADER] == "hit"
    assert len(queries) == 0
    assert _without_tokens(second) == _without_tokens(first)
    # The outer middleware still adds its headers to a cached page.
    assert "default-src 'self'" in second["Content-Security-Policy"]
    assert second["X-Frame-Options"] == "DENY"


def test_each_visitor_served_from_the_cache_gets_a_working_csrf_token(organisation) -> None:
    first_visitor = Client(enforce_csrf_checks=True)
    assert _page(first_visitor, organisation)[HEADER] == "miss"
    second_visitor = Client(enforce_csrf_checks=True)
    page = _page(second_visitor, organisation)
    assert page[HEADER] == "hit"
    # The page's tokens are the second visitor's own: they match the cookie set for them...
    secret = page.cookies["csrftoken"].value
    (token,) = _tokens(page)
    assert _unmask_cipher_token(token) == secret
    assert secret != first_visitor.cookies["csrftoken"].value
    assert f'"X-CSRFToken": "{token}"' in page.text
    # ...and a form on it can be posted.
    switched = second_visitor.post(
        "/i18n/setlang/", {"csrfmiddlewaretoken": token, "language": "en", "next": "/"}
    )
    assert switched.status_code == 302
    refused = Client(enforce_csrf_checks=True).post(
        "/i18n/setlang/", {"csrfmiddlewaretoken": token, "language": "en", "next": "/"}
    )
    assert refused.status_code == 403


# The invalidation tests commit for real (transaction=True): the bump runs when a write commits.


@pytest.mark.django_db(transaction=True)
def test_a_saved_change_is_shown_at_once(client, organisation) -> None:
    assert b"Skogsklustret AB" in _page(client, organisation).content
    assert _page(client, organisation)[HEADER] == "hit"
    organisation.name = "Skogsklustret ekonomisk förening"
    organisation.save()
    page = _page(client, organisation)
    assert page[HEADER] == "miss"
    assert "Skogsklustret ekonomisk förening" in page.content.decode()


@pytest.mark.django_db(transaction=True)
def test_bulk_update_and_delete_drop_the_cache(client, organisation, make_organisation) -> None:
    _page(client, organisation)
    Organisation.objects.filter(pk=organisation.pk).update(name="Uppdaterad via update()")
    assert "Uppdaterad via update()" in _page(client, organisation).content.decode()
    other = make_organisation("Tas bort AB")
    assert _page(client, other).status_code == 200
    assert _page(client, other)[HEADER] == "hit"
    Organisation.objects.filter(pk=other.pk).delete()
    assert _page(client, other).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_raw_sql_writes_drop_the_cache(client, organisation) -> None:
    _page(client, organisation)
    table = Organisation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET name = %s WHERE id = %s',  # noqa: S608 (model meta)
            ["Rå SQL AB", organisation.pk],
        )
    assert "Rå SQL AB" in _page(client, organisation).content.decode()


def test_bookkeeping_writes_keep_the_cache(client, organisation) -> None:
    _page(client, organisation)
    generation = page_cache.current_generation()
    session = SessionStore()
    session["anything"] = 1
    session.save()
    caches["default"].set("unrelated", 1)
    assert page_cache.current_generation() == generation
    assert _page(client, organisation)[HEADER] == "hit"


@pytest.mark.parametrize(
    ("sql", "content"),
    [
        ('INSERT INTO "actors_organisation" ("name") VALUES (%s)', True),
        ("  update actors_organisation SET name = %s", True),
        ('DELETE FROM "network_relation" WHERE id = %s', True),
        ('INSERT INTO "django_session" ("session_key") VALUES (%s)', False),
        ('UPDATE "core_periodicrun" SET last_run = %s', False),
        ('DELETE FROM "samverka_cache" WHERE cache_key = %s', False),
        ("SELECT * FROM \"actors_organisation\" WHERE name = 'UPDATE x'", False),
        # SQLite's many-to-many add() and bulk_create(ignore_conflicts=True); the trigram table
        ('INSERT OR IGNORE INTO "events_event_organisers" ("event_id") VALUES (%s)', True),
        ("INSERT OR REPLACE INTO knowledge_term_trgm (term) VALUES (%s)", True),
        ('REPLACE INTO "actors_organisation" ("name") VALUES (%s)', True),
        # PostgreSQL upserts in a common table expression
        (
            "WITH up AS (INSERT INTO indicators_value (x) SELECT x FROM s RETURNING 1) SELECT 1",
            True,
        ),
        ("WITH c AS (SELECT id FROM actors_organisation) SELECT * FROM c", False),
    ],
)
def test_which_statements_count_as_content_writes(sql: str, content: bool) -> None:
    assert page_cache.is_content_write(sql) is content


def test_languages_are_cached_apart(client, organisation) -> None:
    swedish = _page(client, organisation, HTTP_ACCEPT_LANGUAGE="sv")
    english = _page(client, organisation, HTTP_ACCEPT_LANGUAGE="en")
    assert english[HEADER] == "miss"
    assert swedish.content != english.content
    again = _page(client, organisation, HTTP_ACCEPT_LANGUAGE="sv")
    assert again[HEADER] == "hit"
    assert _without_tokens(again) == _without_tokens(swedish)


def test_logged_in_users_are_never_served_or_stored(client, organisation, make_user) -> None:
    user = make_user()
    client.force_login(user)
    mine = _page(client, organisation)
    assert HEADER not in mine
    assert _page(client, organisation).get(HEADER) is None
    client.logout()
    # What the logged-in visit rendered was not stored for anonymous visitors.
    assert _page(client, organisation)[HEADER] == "miss"


def test_api_tokens_and_htmx_bypass_the_cache(client, organisation) -> None:
    url = f"/api/v1/organisations/{organisation.pk}"
    assert client.get(url)[HEADER] == "miss"
    assert client.get(url)[HEADER] == "hit"
    with_token = client.get(url, HTTP_AUTHORIZATION="Bearer not-a-real-token")
    assert HEADER not in with_token
    htmx = _page(client, organisation, HTTP_HX_REQUEST="true")
    assert HEADER not in htmx


def test_pages_that_vary_or_set_cookies_are_never_stored(client, db) -> None:
    # The login page is marked private and no-cache by allauth.
    first = client.get("/accounts/login/")
    assert first.status_code == 200
    assert HEADER not in first
    assert HEADER not in client.get("/accounts/login/")


def test_exempt_views_and_other_methods_are_not_cached(client, organisation) -> None:
    assert client.get("/healthz").status_code == 200
    assert HEADER not in client.get("/healthz")
    assert HEADER not in client.get("/healthz")
    _page(client, organisation)
    posted = client.post(f"/organisations/{organisation.pk}/")
    assert HEADER not in posted


def test_errors_are_not_stored(client, db) -> None:
    assert HEADER not in client.get("/organisations/999999999/")
    assert client.get("/organisations/999999999/").status_code == 404


def test_zero_seconds_turns_it_off(client, organisation, settings) -> None:
    settings.SAMVERKA_PAGE_CACHE_SECONDS = 0
    assert HEADER not in _page(client, organisation)
    assert HEADER not in _page(client, organisation)


def test_a_page_from_an_older_generation_is_not_served(client, organisation) -> None:
    _page(client, organisation)
    page_cache.bump()
    assert _page(client, organisation)[HEADER] == "miss"


@pytest.mark.django_db(transaction=True)
def test_commit_and_rollback_in_autocommit_mode(client, make_organisation) -> None:
    organisation = make_organisation("Före AB")
    _page(client, organisation)
    # A rolled-back transaction leaves the cache valid for what is still true...

    def rename_then_fail() -> None:
        with transaction.atomic():
            Organisation.objects.filter(pk=organisation.pk).update(name="Aldrig sparad AB")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        rename_then_fail()
    page = _page(client, organisation)
    assert "Före AB" in page.content.decode()
    assert "Aldrig sparad AB" not in page.content.decode()
    # ...and the next committed transaction still drops it (the rollback left nothing behind).
    with transaction.atomic():
        Organisation.objects.filter(pk=organisation.pk).update(name="Efter AB")
    assert not connection.run_on_commit
    assert "Efter AB" in _page(client, organisation).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_bump_is_registered_once_per_transaction(make_organisation) -> None:
    with transaction.atomic():
        for n in range(5):
            make_organisation(f"Batch {n}")
        bumps = [f for _s, f, _r in connection.run_on_commit if f is page_cache._after_commit]
        assert len(bumps) == 1
        before = page_cache.current_generation()
    assert page_cache.current_generation() != before


@pytest.mark.django_db(transaction=True)
def test_writes_in_autocommit_mode_with_the_database_cache(settings) -> None:
    # The default production cache is the database, on the writer's own connection. A bump made
    # while an INSERT … RETURNING was still being read broke the insert on SQLite ("FOREIGN KEY
    # constraint failed"); the bump now waits for a safe point.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "samverka_cache",
        },
    }
    call_command("createcachetable", verbosity=0)  # tests run with the memory cache
    before = page_cache.current_generation()
    newsletter = Newsletter.objects.create(name="Autocommit", slug="autocommit")
    Subscription.objects.create(newsletter=newsletter, email="a@example.se", status="active")
    assert page_cache.current_generation() != before
    assert Subscription.objects.filter(newsletter=newsletter).count() == 1


@pytest.mark.django_db(transaction=True)
def test_values_written_by_postgresql_copy_drop_the_cache() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is the PostgreSQL fast path")
    from decimal import Decimal

    from samverka.indicators.services.store import ValueRow, ensure_indicator, store_values

    indicator = ensure_indicator("N00000", name_sv="Testindikator")
    before = page_cache.current_generation()
    result = store_values(
        indicator=indicator,
        rows=[ValueRow("2380", "2024", "T", Decimal(12))],
        source="test",
    )
    assert result.created == 1
    assert page_cache.current_generation() != before


def test_every_bookkeeping_table_exists(db) -> None:
    # A misspelt name would silently make its writes drop the cache (the samverka_cache table is
    # made only where the database cache is configured, so it is not checked here).
    tables = set(connection.introspection.table_names())
    assert page_cache.BOOKKEEPING_TABLES - {"samverka_cache"} <= tables


@pytest.mark.django_db(transaction=True)
def test_worker_heartbeats_and_task_rows_keep_the_cache() -> None:
    from samverka.core import workers

    before = page_cache.current_generation()
    workers.beat("test-worker")
    workers.recover_lost_tasks()
    workers.retire("test-worker")
    assert page_cache.current_generation() == before


def test_a_message_waiting_in_a_cookie_is_shown_not_a_cached_page(client, organisation) -> None:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage, Message

    _page(client, organisation)
    assert _page(client, organisation)[HEADER] == "hit"
    storage = CookieStorage(client.request().wsgi_request)
    encoded = storage._encode([Message(constants.SUCCESS, "Tack, vi har fått ditt ärende.")])
    client.cookies["messages"] = encoded
    page = _page(client, organisation)
    assert HEADER not in page
    assert "Tack, vi har fått ditt ärende." in page.content.decode()


def test_a_shared_cache_that_does_not_answer_means_no_cache_not_an_error(
    client, organisation, monkeypatch
) -> None:
    def down() -> str:
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(page_cache, "current_generation", down)
    page = _page(client, organisation)
    assert page.status_code == 200
    assert HEADER not in page
    assert "Skogsklustret AB" in page.content.decode()


def test_http_and_https_are_cached_apart(client, organisation) -> None:
    assert _page(client, organisation)[HEADER] == "miss"
    assert _page(client, organisation, secure=True)[HEADER] == "miss"
    assert _page(client, organisation, secure=True)[HEADER] == "hit"
