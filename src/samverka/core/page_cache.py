"""The page cache: whole responses for logged-out visitors, dropped at the next data change.

Public pages (the cluster directory, organisation and project pages, the calendar, the API's
lists) are read far more often than the data behind them changes, and most readers are not
logged in. :class:`PageCacheMiddleware` keeps such responses in a cache local to each server
process, keyed by scheme, host, address and language, and serves them until the data changes.

Invalidation is by a *content generation*: a token in the shared cache (``CACHES["default"]``:
the database or Redis, seen by every server and worker; in Redis it is read with one client kept
per process). Every write statement that Django sends
to a content table, from a view, the worker, an import or the shell, replaces the token when its
transaction commits (:func:`watch_writes`, installed on every database connection), and a cached
page is only served under the token it was made under. Writes to bookkeeping tables (sessions,
the cache table, the task queue, the audit log, periodic-job slots) do not count. A time limit
(``SAMVERKA_PAGE_CACHE_SECONDS``) bounds what a change made outside Django (psql by hand) could
leave stale; 0 turns the cache off.

Every page carries a CSRF token (the language switch, htmx's header): a stored page holds a
placeholder in its place, and each visitor served from the cache gets a token of their own, with
the CSRF cookie that goes with it. What is never cached: requests with any cookie but the CSRF
and language cookies (a session cookie means a login, the messages cookie a message to show) or
with an ``Authorization`` header (API tokens), htmx requests, anything but GET and HEAD, and
responses that are not a plain 200, set cookies, changed the session, vary on request headers,
are marked private/no-cache, are downloads (``Content-Disposition``), streaming, or larger than
``SAMVERKA_PAGE_CACHE_MAX_BYTES``. Views can opt out with :func:`exempt`. Security headers (CSP,
HSTS, frame options) are added to every response, cached or not, by the middleware around this
one. Writes made in autocommit mode start the new generation at the next safe point (the end of
the request or task, process exit, the next page lookup): see :func:`flush`.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

GENERATION_KEY = "samverka:pages:generation"
CACHE_HEADER = "X-Samverka-Cache"

# Tables whose writes do not change what a page shows.
BOOKKEEPING_TABLES = frozenset(
    {
        "django_session",
        "django_admin_log",
        "samverka_cache",
        "django_tasks_database_dbtaskresult",
        "core_auditentry",
        "core_periodicrun",
    }
)
# INSERT [OR IGNORE|REPLACE] INTO t, REPLACE INTO t, UPDATE [OR …] t, DELETE FROM t; a statement
# that starts with WITH counts as a write when it holds one of the verbs (table not looked at).
_WRITE = re.compile(
    r"\s*(?:(?:INSERT(?:\s+OR\s+\w+)?|REPLACE)\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    r'\s+"?([\w.]+)"?',
    re.IGNORECASE,
)
_WITH_WRITE = re.compile(r"\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE | re.DOTALL)
_PLAIN_TYPES = ("text/html", "application/json", "text/calendar", "application/rss+xml")
# A stored page holds this in place of the CSRF token it was rendered with; every visitor served
# from the cache gets a token of their own (and the cookie that goes with it) in its place.
_TOKEN_PLACEHOLDER = f"csrf{secrets.token_hex(30)}".encode()
_MASKED_TOKEN = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")

V = TypeVar("V", bound=Callable[..., Any])


def exempt(view: V) -> V:
    """Mark a view whose responses the page cache must never store or serve."""
    view.page_cache_exempt = True  # type: ignore[attr-defined]
    return view


# Invalidation ------------------------------------------------------------------------------------


def _redis() -> Any | None:
    """A Redis client when the shared cache is Redis, kept for the process: Django's RedisCache
    builds a new client object on every call, which cost a cache hit a fifth of its time."""
    conf = settings.CACHES["default"]
    if not conf["BACKEND"].endswith(".RedisCache"):
        return None
    location = conf["LOCATION"]
    client = _redis_clients.get(location)
    if client is None:
        import redis

        client = _redis_clients.setdefault(location, redis.Redis.from_url(location))
    return client


_redis_clients: dict[str, Any] = {}


def current_generation() -> str:
    """The shared content generation, made on first use."""
    flush()
    client = _redis()
    if client is not None:
        value = client.get(GENERATION_KEY)
        if value is None:
            client.set(GENERATION_KEY, uuid.uuid4().hex, nx=True)
            value = client.get(GENERATION_KEY) or b""
        return value.decode()
    cache = caches["default"]
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, None)
        generation = cache.get(GENERATION_KEY) or ""
    return generation


def bump() -> None:
    """Start a new content generation: every cached page is stale from now on."""
    client = _redis()
    if client is not None:
        client.set(GENERATION_KEY, uuid.uuid4().hex)
    else:
        caches["default"].set(GENERATION_KEY, uuid.uuid4().hex, None)


def changed(using: str = "default") -> None:
    """Note a content change made behind Django's cursor (PostgreSQL ``COPY``): cached pages
    are dropped when the current transaction commits."""
    _bump_on_commit(using)


def _bump_on_commit(using: str) -> None:
    # In a transaction: registered once and run when the outermost one commits (Django drops it
    # on rollback). A request that read the old generation before the commit stores its page
    # under that generation, which is never served again. In autocommit mode the statement has
    # committed, but its cursor may still be reading (INSERT … RETURNING on SQLite), so the bump
    # waits for the next safe point: see flush().
    global _pending
    from django.db import connections

    connection = connections[using]
    if not connection.in_atomic_block:
        _pending = True
        return
    if not any(func is _after_commit for _sids, func, _robust in connection.run_on_commit):
        transaction.on_commit(_after_commit, using=using)


_pending = False


def flush(**kwargs: Any) -> None:
    """Start a new generation if a write made outside a transaction is waiting for one. Called at
    safe points: the end of every request and task, process exit, and before a page is looked up.
    """
    global _pending
    if _pending:
        _pending = False
        _after_commit()


_migrating = False


def migration_started(**kwargs: Any) -> None:
    """``pre_migrate`` receiver: no bumps while migrating (the cache table may not exist yet)."""
    global _migrating
    _migrating = True


def migration_finished(**kwargs: Any) -> None:
    """``post_migrate`` receiver: one bump for everything the migrations changed."""
    global _migrating
    if _migrating:
        _migrating = False
        _after_commit()


def _after_commit() -> None:
    if _migrating:
        return
    # A write must never fail because the cache does; the time limit still bounds what a missed
    # bump leaves stale.
    try:
        bump()
    except Exception:  # the cache backend's errors are not one family
        logger.warning("page cache: could not start a new generation", exc_info=True)


def is_content_write(sql: str) -> bool:
    """Whether ``sql`` writes to a table that pages show (not bookkeeping)."""
    match = _WRITE.match(sql)
    if match:
        return match.group(1).lower() not in BOOKKEEPING_TABLES
    return bool(_WITH_WRITE.match(sql))


def _watch(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and is_content_write(sql):
        _bump_on_commit(context["connection"].alias)
    return result


def watch_writes(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: wrap the connection's statements so that writes to
    content tables start a new generation when they commit. Inserted first, once per
    connection object (it fires again on every reconnect), so that ``execute_wrapper()``
    blocks that pop their own wrapper leave it in place."""
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _watch)


# The middleware ----------------------------------------------------------------------------------


def _request_is_cacheable(request: HttpRequest) -> bool:
    # Only the CSRF and language cookies may come along: the session cookie means a login (or a
    # session's messages), the messages cookie a message the page must show once.
    return (
        settings.SAMVERKA_PAGE_CACHE_SECONDS > 0
        and request.method in ("GET", "HEAD")
        and request.COOKIES.keys() <= {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
        and "Authorization" not in request.headers
        and "HX-Request" not in request.headers
    )


def _response_is_cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-cache", "no-store")):
        return False
    if response.has_header("Content-Disposition") or response.has_header("Vary"):
        return False
    if not response.get("Content-Type", "").startswith(_PLAIN_TYPES):
        return False
    if len(response.content) > settings.SAMVERKA_PAGE_CACHE_MAX_BYTES:
        return False
    session = getattr(request, "session", None)
    if session is not None and session.modified:
        return False
    user = getattr(request, "_cached_user", None)
    if user is not None and user.is_authenticated:
        return False
    return not getattr(request, "auth", None)


def _without_csrf_token(request: HttpRequest, content: bytes) -> bytes:
    """``content`` with every masked form of this request's CSRF secret replaced by the
    placeholder (each ``get_token`` call masks the secret differently)."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return content

    def replace(match: re.Match[bytes]) -> bytes:
        token = match.group(0)
        return _TOKEN_PLACEHOLDER if _unmask_cipher_token(token.decode()) == secret else token

    return _MASKED_TOKEN.sub(replace, content)


def _key(request: HttpRequest) -> str:
    return (
        f"page:{request.scheme}://{request.get_host()}:{get_language()}:{request.get_full_path()}"
    )


class PageCacheMiddleware:
    """Serve logged-out GET/HEAD requests from the page cache (see the module docstring).

    Place it last in ``MIDDLEWARE``: the view's response is stored before the outer middleware
    adds its headers, and a cached response passes through them again on the way out."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        pending = getattr(request, "_page_cache", None)
        if pending is not None and _response_is_cacheable(request, response):
            key, generation = pending
            content = _without_csrf_token(request, response.content)
            caches["pages"].set(
                key,
                (generation, response.status_code, dict(response.items()), content),
                settings.SAMVERKA_PAGE_CACHE_SECONDS,
            )
            response[CACHE_HEADER] = "miss"
        return response

    def process_view(
        self, request: HttpRequest, view: Callable, args: tuple, kwargs: dict
    ) -> HttpResponse | None:
        """Answer from the cache when the stored page is of the current generation."""
        if getattr(view, "page_cache_exempt", False) or not _request_is_cacheable(request):
            return None
        try:
            generation = current_generation()
        except Exception:  # the shared cache is down: serve uncached rather than fail
            logger.warning("page cache: the shared cache did not answer", exc_info=True)
            return None
        key = _key(request)
        stored = caches["pages"].get(key)
        if stored is not None and stored[0] == generation:
            _generation, status, headers, content = stored
            if _TOKEN_PLACEHOLDER in content:
                content = content.replace(_TOKEN_PLACEHOLDER, get_token(request).encode())
            response = HttpResponse(content, status=status, headers=headers)
            response[CACHE_HEADER] = "hit"
            return response
        request._page_cache = (key, generation)  # type: ignore[attr-defined]
        return None
