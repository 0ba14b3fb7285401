"""Issue #8, the matrix's blind spot: a GET (or HEAD) never writes, whoever asks.

The roles × actions matrix (test_roles_matrix.py) tries every write endpoint and assumes that
views answering only GET write nothing. This module checks that assumption: every URL pattern that
answers GET, and every GET operation of the API, is requested by each of the matrix's roles in the
matrix's world, and no INSERT, UPDATE or DELETE (or DDL) may run on any table outside
``ALLOWED_TABLES``. Statements are seen through ``connection.execute_wrapper`` on every database
connection, so raw SQL and ORM writes alike are caught; a GET may not send mail either.

``test_every_get_endpoint_is_covered`` fails listing any GET-able URL pattern or API operation
that has neither a row here nor a reason in ``SKIPPED``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import get_resolver, reverse
from security_world import ROLES, World
from test_roles_matrix import SKIPPED_PREFIXES as MATRIX_SKIPPED_PREFIXES
from test_roles_matrix import _methods, _patterns

pytestmark = pytest.mark.django_db

#: Tables a GET may write, each for a reason that is not the page's doing.
ALLOWED_TABLES = {
    # The session: logging in is not a GET of the page, but a page may leave a flash message or
    # allauth/MFA state in the session, which the session middleware saves.
    "django_session",
    # The shared cache when it is the database cache (settings.CACHES, SAMVERKA_CACHE=db): rate
    # limits and cached computations are caches, not data. Tests run on the memory cache, so
    # this entry only matters where the database cache is configured.
    "samverka_cache",
}

# Statement verbs that write. ``WITH ... INSERT/UPDATE/DELETE`` is searched inside the statement.
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[`\"]?([\w.]+)",
    re.IGNORECASE,
)
_DDL = re.compile(r"^\s*(TRUNCATE|CREATE|DROP|ALTER|MERGE)\b", re.IGNORECASE)
_CTE_WRITE = re.compile(
    r"(?<!FOR )\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+[`\"]?([\w.]+)", re.IGNORECASE
)


def written_table(sql: str) -> str | None:
    """The table a statement writes, ``"<DDL>"`` for schema changes, or None for a read."""
    if match := _WRITE.match(sql):
        return match.group(1)
    if match := _DDL.match(sql):
        return f"<{match.group(1).upper()}>"
    if sql.lstrip()[:4].upper() == "WITH" and (match := _CTE_WRITE.search(sql)):
        return match.group(1)
    return None


@contextmanager
def writes_recorded(allow: frozenset[str] = frozenset()) -> Iterator[list[str]]:
    """Collect ``"table: statement"`` for every write outside ``ALLOWED_TABLES`` (and ``allow``),
    on every database connection, while the block runs."""
    found: list[str] = []
    allowed = ALLOWED_TABLES | allow

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        table = written_table(sql)
        if table is not None and table.strip('"`') not in allowed:
            found.append(f"{table}: {sql[:200]}")
        return execute(sql, params, many, context)

    with ExitStack() as stack:
        for connection in connections.all():
            stack.enter_context(connection.execute_wrapper(wrapper))
        yield found


def test_write_detector_sees_orm_and_raw_writes(world: World) -> None:
    """The detector itself: ORM and raw writes are caught, reads and allowed tables are not."""
    from django.db import connection

    from samverka.matchmaking.models import Need

    with writes_recorded() as writes:
        list(Need.objects.all())
        list(Need.objects.select_for_update().filter(pk=world.need.pk))
        Need.objects.filter(pk=world.need.pk).update(title="Changed")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_session WHERE session_key = %s", ["nothing"])
    assert [w.split(":")[0].strip('"') for w in writes] == ["matchmaking_need"]
    assert written_table('WITH x AS (SELECT 1) INSERT INTO "a_b" SELECT * FROM x') == "a_b"
    assert written_table("SELECT 1 FROM t FOR UPDATE") is None
    assert written_table("CREATE TABLE t (x int)") == "<CREATE>"


# The pages ---------------------------------------------------------------------------------------

Args = Callable[[World], list[Any]]


@dataclass(frozen=True)
class Page:
    """A URL name, how to fill its arguments from the world, and an optional query string."""

    name: str
    args: Args | None = None
    query: str = ""
    #: Why no role sees a 2xx answer (by default some role must: the arguments then name real
    #: objects, so the GET reached the view's work rather than a 404).
    no_reader: str = ""
    #: Tables this page alone may write besides ``ALLOWED_TABLES`` (say why where it is used).
    allow: frozenset[str] = frozenset()

    @property
    def id(self) -> str:
        return self.name + (f"?{self.query}" if self.query else "")

    def url(self, w: World) -> str:
        url = reverse(self.name, args=self.args(w) if self.args else [])
        return f"{url}?{self.query}" if self.query else url


def _next_100_days() -> str:
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    return f"start={today}&end={today + dt.timedelta(days=100)}"


def _base36(number: int) -> str:
    from django.utils.http import int_to_base36

    return int_to_base36(number)


def _a(*names: str) -> Args:
    """Arguments from world attributes: ``"alpha.slug"`` is ``world.alpha.slug``."""

    def args(w: World) -> list[Any]:
        values = []
        for name in names:
            obj, _, attr = name.partition(".")
            value = getattr(w, obj)
            values.append(getattr(value, attr or "pk"))
        return values

    return args


#: allauth records a user's address from ``auth_user.email`` in its own table the first time one of
#: its views looks the user up (``sync_user_email_addresses``): a one-off copy of data the user
#: already has, idempotent, and the library's, not ours. Allowed on the allauth pages that do it.
ALLAUTH_EMAIL_SYNC = frozenset({"account_emailaddress"})
MFA_REAUTH = "allauth MFA: asks for a recent reauthentication or an authenticator first"

PAGES = [
    Page("home"),
    Page("healthz"),
    Page("set_language", query="next=/", no_reader="Django's set_language: a GET only redirects"),
    Page("javascript-catalog"),
    Page("audit-log"),
    Page("bench-empty", no_reader="a 404 unless SAMVERKA_BENCH_ENDPOINTS is on"),
    Page("api:api-root", no_reader="django-ninja answers 404 at the API's root"),
    Page("api:openapi-json"),
    Page("api:openapi-view"),
    # Accounts (allauth): the pages, and the links from mails with unknown keys.
    Page("account_login"),
    Page("account_logout"),
    Page("account_inactive"),
    Page("account_signup"),
    Page("account_reauthenticate"),
    Page("account_email", allow=ALLAUTH_EMAIL_SYNC),
    Page("account_email_verification_sent"),
    Page("account_change_password"),
    Page("account_set_password", no_reader="every user has a password: redirects to change it"),
    Page("account_reset_password"),
    Page("account_confirm_login_code", no_reader="no login code was asked for: redirects"),
    Page("account_confirm_email", lambda w: ["unknown-key"]),
    Page("account_reset_password_from_key_done"),
    Page(
        "account_reset_password_from_key",
        lambda w: [_base36(w.users["member"].pk), "unknown-key"],
        allow=ALLAUTH_EMAIL_SYNC,
    ),
    Page("account_reset_password_done"),
    Page("mfa_index"),
    Page("mfa_authenticate", no_reader=MFA_REAUTH),
    Page("mfa_reauthenticate", no_reader=MFA_REAUTH),
    Page("mfa_activate_totp", no_reader=MFA_REAUTH),
    Page("mfa_deactivate_totp", no_reader=MFA_REAUTH),
    Page("mfa_view_recovery_codes", no_reader=MFA_REAUTH),
    Page("mfa_generate_recovery_codes", no_reader=MFA_REAUTH),
    Page("mfa_download_recovery_codes", no_reader=MFA_REAUTH),
    # Clusters
    Page("clusters:directory"),
    Page("clusters:create"),
    Page("clusters:map"),
    Page("clusters:profile", _a("alpha.slug")),
    Page("clusters:edit", _a("alpha.slug")),
    Page("clusters:staircase", _a("alpha.slug")),
    Page("clusters:staircase-assess", _a("alpha.slug")),
    # Programmes
    Page("programmes:calls"),
    Page("programmes:call-create"),
    Page("programmes:call", _a("call.slug")),
    Page("programmes:call-edit", _a("call.slug")),
    Page("programmes:call-document", _a("call_document")),
    Page("programmes:call-ranking", _a("call.slug")),
    Page("programmes:call-ranking", _a("call.slug"), query="export=csv"),
    Page("programmes:call-ranking", _a("call.slug"), query="export=xlsx"),
    Page("programmes:application-create", _a("call.slug")),
    Page("programmes:applications"),
    Page("programmes:project", _a("in_assessment.reference")),
    Page("programmes:project", _a("draft.reference")),
    Page("programmes:application-edit", _a("draft.reference")),
    Page("programmes:decision", _a("in_assessment.reference")),
    Page("programmes:outcome", _a("granted.reference")),
    Page("programmes:assessment", _a("in_assessment.reference")),
    Page("programmes:followup-report", _a("granted.reference", "report")),
    Page("programmes:report-budget", _a("programme.code")),
    Page("programmes:report-portfolio", _a("programme.code")),
    Page("programmes:programmes"),
    Page("programmes:import"),
    Page("programmes:programme", _a("programme.code")),
    Page("programmes:measure", _a("programme.code", "measure.code")),
    # Indicators and the network
    Page("indicators:baselines", _a("programme.code")),
    Page("indicators:goals", _a("programme.code")),
    Page("indicators:catalogue"),
    Page("indicators:indicator", _a("indicator.code")),
    Page("network:cluster", _a("alpha.slug")),
    Page("network:organisation", _a("org_a1")),
    # Events
    Page("events:calendar"),
    Page("events:feed"),
    Page("events:cluster-feed", _a("alpha.slug")),
    Page("events:import"),
    Page("events:sources"),
    Page("events:source-delete", _a("calendar_source")),
    Page(
        "events:source-poll",
        _a("calendar_source"),
        no_reader="polls only on POST; a GET redirects to the subscriptions",
    ),
    Page("events:cluster-calendar", _a("alpha.slug")),
    Page("events:create"),
    Page("events:detail", _a("event.uid")),
    Page("events:detail", _a("draft_event.uid")),
    Page("events:edit", _a("event.uid")),
    Page("events:manage", _a("event.uid")),
    Page("events:registration-cancel", _a("registration.token")),
    # Newsletters
    Page("newsletters:index"),
    Page("newsletters:create"),
    Page("newsletters:confirm", _a("pending_subscription.token")),
    Page("newsletters:unsubscribe", _a("subscription.token")),
    Page("newsletters:compose", _a("issue")),
    Page("newsletters:preview", _a("issue")),
    Page("newsletters:send", _a("issue")),
    Page("newsletters:newsletter", _a("newsletter.slug")),
    Page("newsletters:rss", _a("newsletter.slug")),
    Page("newsletters:atom", _a("newsletter.slug")),
    Page("newsletters:manage", _a("newsletter.slug")),
    Page("newsletters:subscribers", _a("newsletter.slug")),
    Page("newsletters:issue", _a("newsletter.slug", "issue")),
    # Horizon scanning
    Page("scanning:index"),
    Page("scanning:item", _a("item")),
    Page("scanning:sources"),
    Page("scanning:source-add"),
    Page("scanning:opml-import"),
    Page("scanning:opml-export"),
    Page("scanning:folders"),
    Page("scanning:curated", _a("alpha.slug")),
    # Knowledge
    Page("knowledge:index"),
    Page("knowledge:search", query="q=ley"),
    Page("knowledge:create"),
    Page("knowledge:attachment", _a("attachment")),
    Page("knowledge:detail", _a("example.slug")),
    Page("knowledge:edit", _a("example.slug")),
    # Get help (the sluice)
    Page("sluice:get-help"),
    Page("sluice:sent", _a("case.token")),
    Page("sluice:status", _a("case.token")),
    Page("sluice:cases"),
    Page("sluice:case", _a("case")),
    Page("sluice:rules"),
    Page("sluice:rule-new"),
    Page("sluice:rule-edit", _a("rule")),
    Page("sluice:report"),
    # Matchmaking
    Page("matchmaking:index"),
    Page("matchmaking:report"),
    Page("matchmaking:need-list"),
    Page("matchmaking:need-create"),
    Page("matchmaking:need-detail", _a("need")),
    Page("matchmaking:need-edit", _a("need")),
    Page("matchmaking:offer-list"),
    Page("matchmaking:offer-create"),
    Page("matchmaking:offer-detail", _a("offer")),
    Page("matchmaking:offer-edit", _a("offer")),
    # Actors
    Page("actors:organisations"),
    Page("actors:organisation-create"),
    Page("actors:organisation-import"),
    Page("actors:organisation", _a("org_a1")),
    Page("actors:organisation-edit", _a("org_a1")),
    Page("actors:person-create"),
    Page("actors:person", _a("member_person")),
    Page("actors:person-edit", _a("member_person")),
]

#: GET-able URL patterns not requested here, each with its reason.
SKIPPED: dict[str, str] = {
    "admin/": "Django's admin: its own read views, staff only; the project's admin code only "
    "configures ModelAdmins (no custom GET views)",
    "api/v1/": "the API's operations are covered one by one from the OpenAPI schema (API_GETS); "
    "its root and schema pages are in PAGES",
}

#: Every GET operation of the API (``/api/v1`` + path), with its path parameters from the world.
API_GETS: dict[str, Callable[[World], str]] = {
    "/api/v1/clusters": lambda w: "/clusters",
    "/api/v1/clusters/{slug}": lambda w: f"/clusters/{w.alpha.slug}",
    "/api/v1/organisations": lambda w: "/organisations",
    "/api/v1/organisations/{org_id}": lambda w: f"/organisations/{w.org_a1.pk}",
    "/api/v1/focus-areas": lambda w: "/focus-areas",
    "/api/v1/areas": lambda w: "/areas",
    "/api/v1/programmes": lambda w: "/programmes",
    "/api/v1/programmes/{code}": lambda w: f"/programmes/{w.programme.code}",
    "/api/v1/programmes/{code}/reports/budget": lambda w: (
        f"/programmes/{w.programme.code}/reports/budget"
    ),
    "/api/v1/calls": lambda w: "/calls",
    "/api/v1/calls/{slug}": lambda w: f"/calls/{w.call.slug}",
    "/api/v1/projects": lambda w: "/projects",
    "/api/v1/projects/{reference}": lambda w: f"/projects/{w.in_assessment.reference}",
    "/api/v1/projects/{reference}/reports": lambda w: f"/projects/{w.granted.reference}/reports",
    "/api/v1/indicators": lambda w: "/indicators",
    "/api/v1/indicators/{code}": lambda w: f"/indicators/{w.indicator.code}",
    "/api/v1/indicators/{code}/values": lambda w: f"/indicators/{w.indicator.code}/values",
    "/api/v1/programmes/{code}/goals": lambda w: f"/programmes/{w.programme.code}/goals",
    "/api/v1/network/stats": lambda w: "/network/stats",
    "/api/v1/network/clusters/{slug}/graph": lambda w: f"/network/clusters/{w.alpha.slug}/graph",
    "/api/v1/network/organisations/{org_id}/ego": lambda w: (
        f"/network/organisations/{w.org_a1.pk}/ego"
    ),
    "/api/v1/network/change": lambda w: "/network/change?from=2020&to=2030",
    "/api/v1/staircase/model": lambda w: "/staircase/model",
    "/api/v1/clusters/{slug}/staircase": lambda w: f"/clusters/{w.alpha.slug}/staircase",
    "/api/v1/events": lambda w: "/events",
    "/api/v1/events/occurrences": lambda w: "/events/occurrences?" + _next_100_days(),
    "/api/v1/events/{uid}": lambda w: f"/events/{w.event.uid}",
    "/api/v1/registrations": lambda w: "/registrations",
    "/api/v1/newsletters": lambda w: "/newsletters",
    "/api/v1/newsletters/{slug}/issues": lambda w: f"/newsletters/{w.newsletter.slug}/issues",
    "/api/v1/issues/{issue_id}": lambda w: f"/issues/{w.issue.pk}",
    "/api/v1/scanning/items": lambda w: "/scanning/items",
    "/api/v1/scanning/sources": lambda w: "/scanning/sources",
    "/api/v1/knowledge": lambda w: "/knowledge",
    "/api/v1/knowledge/{slug}": lambda w: f"/knowledge/{w.example.slug}",
    "/api/v1/search": lambda w: "/search?q=ley",
    "/api/v1/help/cases": lambda w: "/help/cases",
    "/api/v1/help/cases/{case_id}": lambda w: f"/help/cases/{w.case.pk}",
    "/api/v1/audit": lambda w: "/audit",
    "/api/v1/needs": lambda w: "/needs",
    "/api/v1/offers": lambda w: "/offers",
    "/api/v1/needs/{pk}/matches": lambda w: f"/needs/{w.need.pk}/matches",
    "/api/v1/offers/{pk}/matches": lambda w: f"/offers/{w.offer.pk}/matches",
}


# The tests ---------------------------------------------------------------------------------------


def _request_as_every_role(
    world: World, url: str, methods: tuple[str, ...] = ("GET",), allow: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Request ``url`` as each role with each method; fail on any write or mail. Returns the
    GET status per role."""
    statuses: dict[str, int] = {}
    for role in ROLES:
        client = Client()
        world.login(client, role)
        for method in methods:
            sent = len(mail.outbox)
            with writes_recorded(allow) as writes:
                response = client.generic(method, url)
                if response.streaming:  # a download: read it, as the view's reads may be lazy
                    b"".join(response.streaming_content)  # and the client closes it at the end
            assert writes == [], f"{method} {url} as {role} wrote:\n" + "\n".join(writes)
            assert len(mail.outbox) == sent, f"{method} {url} as {role} sent mail"
            assert response.status_code < 500, f"{method} {url} as {role}"
            if method == "GET":
                statuses[role] = response.status_code
    return statuses


#: Pages also requested with HEAD (a sample: HEAD runs the same view as GET in Django).
HEAD_SAMPLE = {
    "home",
    "programmes:assessment",
    "programmes:call-ranking",
    "events:detail",
    "newsletters:confirm",
    "newsletters:unsubscribe",
    "events:registration-cancel",
    "sluice:status",
    "knowledge:attachment",
    "scanning:item",
    "account_confirm_email",
}


@pytest.mark.parametrize("page", PAGES, ids=[p.id for p in PAGES])
def test_get_writes_nothing(world: World, page: Page) -> None:
    methods = ("GET", "HEAD") if page.name in HEAD_SAMPLE else ("GET",)

    statuses = _request_as_every_role(world, page.url(world), methods, page.allow)

    if page.no_reader:
        assert not any(200 <= s < 300 for s in statuses.values()), page.no_reader
    else:
        assert any(200 <= s < 300 for s in statuses.values()), f"nobody reads {page.id}: {statuses}"


EXPORTS = ("csv", "xlsx", "pdf")  # core/exports.FORMATS, and the programme reports' PDF


@pytest.mark.parametrize("page", [p for p in PAGES if not p.query], ids=lambda p: p.id)
def test_exports_write_nothing(world: World, page: Page) -> None:
    """The downloads many pages give with ``?export=``, as the platform admin (who may read every
    page): a sample, since an export runs the page's own queries plus a writer."""
    client = Client()
    world.login(client, "admin")
    for fmt in EXPORTS:
        url = f"{page.url(world)}?export={fmt}"
        with writes_recorded(page.allow) as writes:
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
        assert writes == [], f"GET {url} wrote:\n" + "\n".join(writes)
        assert response.status_code < 500, url


@pytest.mark.parametrize("path", sorted(API_GETS))
def test_api_get_writes_nothing(world: World, path: str) -> None:
    url = "/api/v1" + API_GETS[path](world)

    statuses = _request_as_every_role(world, url, ("GET", "HEAD"))

    assert any(200 <= s < 300 for s in statuses.values()), f"nobody reads {path}: {statuses}"


def test_assessor_opening_the_assessment_page_creates_nothing(world: World) -> None:
    """The write that prompted this module: the page used to create an empty assessment."""
    from samverka.programmes.models import Assessment

    client = Client()
    world.login(client, "assessor")

    response = client.get(reverse("programmes:assessment", args=[world.in_assessment.reference]))

    assert response.status_code == 200
    assert not Assessment.objects.filter(project=world.in_assessment).exists()


# Completeness ------------------------------------------------------------------------------------


def get_endpoints() -> tuple[set[str], set[str]]:
    """The names of the URL patterns that answer GET (outside ``SKIPPED``), and the API's GET
    operation paths."""
    from samverka.api.urls import api as ninja_api

    pages = set()
    for route, name, callback in _patterns(get_resolver().url_patterns):
        if route.startswith(tuple(SKIPPED)) and not name.startswith("api:"):
            continue
        methods = _methods(callback)
        if methods is None or "GET" in methods:
            pages.add(name or route)
    schema = ninja_api.get_openapi_schema()
    operations = {path for path, ops in schema["paths"].items() if "get" in ops}
    # The API's URL patterns are named after one operation each; they are covered per operation.
    pages = {p for p in pages if not p.startswith("api:") or p in {pg.name for pg in PAGES}}
    return pages, operations


def test_every_get_endpoint_is_covered() -> None:
    pages, operations = get_endpoints()

    missing_pages = sorted(pages - {p.name for p in PAGES})
    missing_api = sorted(operations - set(API_GETS))

    assert missing_pages == [], "GET pages not requested: " + ", ".join(missing_pages)
    assert missing_api == [], "API GET operations not requested: " + ", ".join(missing_api)


def test_rows_name_real_endpoints() -> None:
    pages, operations = get_endpoints()

    assert sorted({p.name for p in PAGES} - pages) == []
    assert sorted(set(API_GETS) - operations) == []


def test_skips_cover_only_what_the_matrix_skips_too() -> None:
    """Skipping is narrower here than in the matrix: accounts, i18n and jsi18n are requested."""
    assert set(SKIPPED) <= set(MATRIX_SKIPPED_PREFIXES)
    assert "accounts/" in MATRIX_SKIPPED_PREFIXES
    assert any(p.name.startswith("account_") for p in PAGES)
