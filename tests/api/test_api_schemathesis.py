"""Issue #8: schemathesis against /api/v1/openapi.json — no 5xx, and every response conforms.

Every operation of the schema is fuzzed through the WSGI application in-process (so the test
database and its transaction apply) as three callers: an anonymous visitor, a plain member with a
bearer token and a platform admin with a bearer token (who also writes). The demo data is loaded
first, and path parameters are drawn from the ids that exist as well as from generated values, so
that handlers run on real objects and not only into 404s.

The run is deterministic (derandomized Hypothesis, no example database) and bounded by
``EXAMPLES`` per operation. All failures of all operations are collected and reported together.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.core.failures import Failure, FailureGroup

from samverka.api.models import ApiToken

#: Examples per operation for each caller (anonymous writes get one: they all answer 401);
#: together with loading the demo data the module stays under 2 minutes on a busy machine.
EXAMPLES_ANONYMOUS = 3
EXAMPLES_MEMBER = 3
EXAMPLES_ADMIN = 6
EXAMPLES_INVALID = 3

CHECK_NAMES = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
)


def _checks() -> list[Any]:
    schemathesis.checks.load_all_checks()
    return [CHECKS.get_one(name) for name in CHECK_NAMES]


@pytest.fixture(scope="module")
def _keep_connection() -> Iterator[None]:
    """Requests through the bare WSGI handler close the database connection when they end
    (CONN_MAX_AGE=0), which would end the test's transaction on PostgreSQL; Django's test
    client disconnects these handlers the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def demo_data(
    _keep_connection: None, django_db_setup: Any, django_db_blocker: Any
) -> Iterator[None]:
    """The demo data, loaded once for the module in a transaction that is rolled back at the
    end; each test runs in a savepoint inside it (pytest-django's ``db``)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command("demo", verbosity=0)
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _known_path_values() -> dict[tuple[str, str], list[Any]]:
    """Ids that exist, by (first path segment, parameter name)."""
    from samverka.actors.models import FocusArea, Organisation
    from samverka.clusters.models import Cluster
    from samverka.events.models import Event, Registration
    from samverka.indicators.models import Indicator
    from samverka.knowledge.models import GoodExample
    from samverka.matchmaking.models import Interest, Need, Offer
    from samverka.newsletters.models import Issue, Newsletter
    from samverka.programmes.models import Call, FollowUpReport, Programme, Project
    from samverka.sluice.models import HelpCase

    def ids(qs: Any, field: str = "pk") -> list[Any]:
        return list(qs.order_by("pk").values_list(field, flat=True)[:5])

    clusters = ids(Cluster.objects, "slug")
    return {
        ("?", "cluster"): clusters,
        ("?", "programme"): ids(Programme.objects, "code"),
        ("?", "focus"): ids(FocusArea.objects, "slug"),
        ("clusters", "slug"): clusters,
        ("clusters", "org_id"): ids(Organisation.objects),
        ("network", "slug"): clusters,
        ("network", "org_id"): ids(Organisation.objects),
        ("organisations", "org_id"): ids(Organisation.objects),
        ("programmes", "code"): ids(Programme.objects, "code"),
        ("calls", "slug"): ids(Call.objects, "slug"),
        ("projects", "reference"): ids(Project.objects, "reference"),
        ("projects", "report_id"): ids(FollowUpReport.objects),
        ("indicators", "code"): ids(Indicator.objects, "code"),
        ("events", "uid"): ids(Event.objects, "uid"),
        ("registrations", "registration_id"): ids(Registration.objects),
        ("newsletters", "slug"): ids(Newsletter.objects, "slug"),
        ("issues", "issue_id"): ids(Issue.objects),
        ("knowledge", "slug"): ids(GoodExample.objects, "slug"),
        ("help", "case_id"): ids(HelpCase.objects),
        ("needs", "pk"): ids(Need.objects),
        ("offers", "pk"): ids(Offer.objects),
        ("interests", "pk"): ids(Interest.objects),
    }


def _first_segment(path: str) -> str:
    return re.sub(r"^/api/v1/", "", path).split("/", 1)[0]


def _token(user: User) -> dict[str, str]:
    _, plain = ApiToken.issue(user=user, name="schemathesis")
    return {"Authorization": f"Bearer {plain}"}


def _run_operation(
    operation: Any,
    *,
    headers: dict[str, str],
    examples: int,
    mode: GenerationMode,
    known: dict[tuple[str, str], list[Any]],
    failures: list[str],
) -> int:
    """Fuzz one operation; append a line per distinct failure. Returns the examples run."""
    segment = _first_segment(operation.path)
    names = re.findall(r"{(\w+)}", operation.path)
    choices = {name: known.get((segment, name), []) for name in names if known.get((segment, name))}
    query_choices = {name: values for (segment, name), values in known.items() if segment == "?"}
    checks = _checks()
    seen: set[str] = set()
    calls = 0

    @hypothesis.given(case=operation.as_strategy(mode), data=st.data())
    @hypothesis.settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def run(case: Any, data: Any) -> None:
        nonlocal calls
        for name, values in choices.items():
            # Real ids, and now and then whatever was generated.
            value = data.draw(st.sampled_from([*values, None]))
            if value is not None:
                case.path_parameters[name] = value
        for name in set(case.query or {}) & set(query_choices):
            value = data.draw(st.sampled_from([*query_choices[name], None]))
            if value is not None:
                case.query[name] = value
        calls += 1
        # Each request in a savepoint, as if it had its own transaction like in production:
        # a request that fails on PostgreSQL must not abort the rest of the run.
        with transaction.atomic():
            response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (Failure, FailureGroup) as exc:
            for failure in exc.exceptions if isinstance(exc, FailureGroup) else [exc]:
                key = f"{operation.label} {failure.title} {response.status_code}"
                if key not in seen:
                    seen.add(key)
                    sent = f"path={case.path_parameters} query={case.query} body={case.body!r}"
                    failures.append(
                        f"{key}\n  {failure.message[:400]}\n  sent {sent[:400]}\n"
                        f"  got {response.text[:300]}"
                    )

    try:
        run()
    except hypothesis.errors.Unsatisfiable:
        # Nothing to break (e.g. only optional query parameters of any type).
        assert mode == GenerationMode.NEGATIVE
    return calls


def _fuzz_all(
    headers: dict[str, str],
    *,
    reads: int,
    writes: int,
    mode: GenerationMode = GenerationMode.POSITIVE,
) -> tuple[int, int]:
    """Fuzz every operation: ``reads`` examples for each GET, ``writes`` for the others; valid
    requests, or with ``GenerationMode.NEGATIVE`` requests that break the schema.
    Fails with all distinct failures found; returns the operations and examples run."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    known = _known_path_values()
    failures: list[str] = []
    operations = 0
    examples = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if mode == GenerationMode.NEGATIVE and not _takes_input(operation.definition.raw):
            continue
        operations += 1
        examples += _run_operation(
            operation,
            headers=headers,
            examples=reads if operation.method.upper() == "GET" else writes,
            mode=mode,
            known=known,
            failures=failures,
        )
    assert not failures, f"{len(failures)} failures:\n\n" + "\n\n".join(failures)
    return operations, examples


def _takes_input(operation: dict[str, Any]) -> bool:
    """Whether an operation has a body or query parameters: the invalid requests worth making
    (a path parameter that is a plain string cannot be made invalid, and trying is slow)."""
    query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
    return bool(operation.get("requestBody") or query)


def _operation_count(*, taking_input: bool = False) -> int:
    from samverka.api.urls import api

    paths = api.get_openapi_schema()["paths"]
    return sum(
        1
        for methods in paths.values()
        for operation in methods.values()
        if _takes_input(operation) or not taking_input
    )


@pytest.mark.usefixtures("demo_data")
def test_api_schemathesis_anonymous(db: Any) -> None:
    operations, examples = _fuzz_all({}, reads=EXAMPLES_ANONYMOUS, writes=1)
    assert operations == _operation_count()
    assert examples >= operations


@pytest.mark.usefixtures("demo_data")
def test_api_schemathesis_member(member_user: tuple[User, Any]) -> None:
    user, _organisation = member_user
    operations, examples = _fuzz_all(_token(user), reads=EXAMPLES_MEMBER, writes=EXAMPLES_MEMBER)
    assert operations == _operation_count()
    assert examples >= operations


@pytest.mark.usefixtures("demo_data")
def test_api_schemathesis_platform_admin(make_user: Callable[..., User]) -> None:
    admin = make_user("fuzzadmin", role="platform_admin_superuser")
    operations, examples = _fuzz_all(_token(admin), reads=EXAMPLES_ADMIN, writes=EXAMPLES_ADMIN)
    assert operations == _operation_count()
    assert examples >= operations


@pytest.mark.usefixtures("demo_data")
def test_api_schemathesis_invalid_input(make_user: Callable[..., User]) -> None:
    """Requests that break the schema (wrong types, missing fields, bad values) as an admin, who
    gets past authentication: 4xx as documented, never a 5xx."""
    admin = make_user("fuzzadmin", role="platform_admin_superuser")
    operations, examples = _fuzz_all(
        _token(admin), reads=EXAMPLES_INVALID, writes=EXAMPLES_INVALID, mode=GenerationMode.NEGATIVE
    )
    assert operations == _operation_count(taking_input=True) > 30
    assert examples >= operations


def _component_definitions() -> dict[str, set[str]]:
    """Every JSON schema that our ninja schemas define, by the component name it gets."""
    import json

    from ninja import Schema

    import samverka.api.urls  # noqa: F401 - imports every router and its schemas

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found: dict[str, set[str]] = {}
    for cls in set(subclasses(Schema)):
        if not cls.__module__.startswith("samverka."):
            continue
        schema = cls.model_json_schema(ref_template="#/components/schemas/{model}")
        definitions = schema.pop("$defs", {})
        if schema.get("$ref") is None:  # a recursive model refers to its own definition
            definitions[cls.__name__] = schema
        for name, definition in definitions.items():
            found.setdefault(name, set()).add(json.dumps(definition, sort_keys=True))
    return found


def test_api_schema_component_names_are_unique() -> None:
    """Two schemas (or enums) with one class name share one OpenAPI component, so one of them
    was documented with the other's fields (the network's OrganisationRef, knowledge's Kind)."""
    clashes = {name for name, variants in _component_definitions().items() if len(variants) > 1}
    assert clashes == set()


def test_api_schema_documents_error_responses(client: Any) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    patch_cluster = paths["/api/v1/clusters/{slug}"]["patch"]["responses"]
    assert sorted(patch_cluster) == ["200", "400", "401", "403", "404", "422"]
    assert patch_cluster["403"]["content"] == error
    assert sorted(paths["/api/v1/clusters"]["get"]["responses"]) == ["200"]
    assert sorted(paths["/api/v1/network/stats"]["get"]["responses"]) == [
        "200",
        "400",
        "404",
        "422",
    ]


def test_api_every_paged_list_bounds_the_page_number() -> None:
    from samverka.api.urls import api

    paths = api.get_openapi_schema()["paths"]
    pages = [
        (path, parameter["schema"].get("maximum"))
        for path, methods in paths.items()
        for operation in methods.values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "page" and parameter["in"] == "query"
    ]
    assert len(pages) >= 5
    assert {maximum for _path, maximum in pages} == {1_000_000}, pages


@pytest.mark.parametrize(
    "path", ["/api/v1/scanning/items", "/api/v1/organisations", "/api/v1/search"]
)
def test_api_page_number_out_of_range_is_422(client: Any, db: Any, path: str) -> None:
    """A huge page number overflowed the OFFSET (500 on SQLite and PostgreSQL)."""
    response = client.get(path, {"page": 8077866402975516672})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["page"]
    last = client.get(path, {"page": 1_000_000}).json()
    assert last.get("items", last.get("results")) == []
