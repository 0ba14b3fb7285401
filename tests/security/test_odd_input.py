"""Issue #14: text no database can hold answers 400, never 500.

A NUL character in any route's parameter (``/events/%00/``) or in the query string is refused
before a view runs (PostgreSQL fails on it); every URL pattern is walked, generated from the
resolver so that routes added later are covered. A JSON body holding a lone surrogate or a NUL
in any string (or key) is refused by the API's parser, tried on every API write of the roles
matrix as a role allowed to make it.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import get_resolver
from security_world import World
from test_roles_matrix import ACTIONS, _patterns

pytestmark = pytest.mark.django_db

NUL = "a%00"
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def _nul_urls() -> list[str]:
    """Per URL pattern and string parameter, the address with NUL in that parameter (the
    others plain); a pattern without one gets NUL appended to its last segment."""
    urls = set()
    for route, _name, _callback in _patterns(get_resolver().url_patterns):
        route = route.replace("^", "").replace("$", "").replace("\\Z", "")
        slots = [m for m in PARAMETER.finditer(route) if m["converter"] != "int"]
        if not slots:
            urls.add("/" + route.rstrip("/") + "%00/")
        for poisoned in slots:

            def sample(m: re.Match[str], poisoned: re.Match[str] = poisoned) -> str:
                if m["converter"] == "int":
                    return "1"
                return NUL if m.span() == poisoned.span() else "a"

            urls.add("/" + PARAMETER.sub(sample, route))
    return sorted(urls)


NUL_URLS = _nul_urls()


def test_the_walk_covers_the_routes_of_the_issue() -> None:
    assert len(NUL_URLS) > 400
    for url in ("/newsletters/unsubscribe/a%00/", "/help/status/a%00/", "/events/a%00/"):
        assert url in NUL_URLS


@pytest.mark.parametrize("url", NUL_URLS)
def test_nul_in_any_route_is_a_bad_request(client: Client, world: World, url: str) -> None:
    world.login(client, "admin")
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code == 400, f"{method.upper()} {url}: {response.status_code}"


@pytest.mark.parametrize(
    "url", ["/clusters/?q=%00", "/api/v1/organisations?q=a%00b", "/events/?focus=%00"]
)
def test_nul_in_the_query_string_is_a_bad_request(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):  # the API's errors are JSON, this one too
        assert "NUL" in response.json()["detail"]


def _api_writes() -> list[Any]:
    """The API writes of the roles matrix whose operation takes a JSON body."""
    from samverka.api.urls import api

    paths = api.get_openapi_schema()["paths"]
    writes = []
    for action in ACTIONS:
        if action.endpoint.startswith("API "):
            _, method, path = action.endpoint.split(" ")
            if "requestBody" in paths[path][method.lower()]:
                writes.append(action)
    return writes


API_WRITES = _api_writes()
PREFERRED = ["admin", "manager", "officer", "member", "assessor"]


def _poison(value: Any, target: int, bad: str, seen: list[int]) -> Any:
    """``value`` with ``bad`` appended to its ``target``-th string (keys count too)."""

    def hit() -> bool:
        seen[0] += 1
        return seen[0] - 1 == target

    if isinstance(value, str):
        return value + bad if hit() else value
    if isinstance(value, list):
        return [_poison(v, target, bad, seen) for v in value]
    if isinstance(value, dict):
        return {(k + bad if hit() else k): _poison(v, target, bad, seen) for k, v in value.items()}
    return value


class PoisoningClient(Client):
    """Sends an action's JSON body with one string (or key) made unstorable; an empty body
    becomes an object whose only key is."""

    target = 0
    bad = "\ud800"
    strings = 0

    def generic(self, method: str, path: str, data: Any = "", *args: Any, **kwargs: Any) -> Any:
        body = json.loads(data) if data else {}
        seen = [0]
        poisoned = _poison(body, self.target, self.bad, seen) if body else {"x" + self.bad: 1}
        self.strings = seen[0]
        return super().generic(method, path, json.dumps(poisoned), *args, **kwargs)


@pytest.mark.parametrize("bad", ["\ud800", "\x00"], ids=["surrogate", "nul"])
@pytest.mark.parametrize("action", API_WRITES, ids=[a.id for a in API_WRITES])
def test_unstorable_text_in_an_api_body_is_a_bad_request(
    world: World, action: Any, bad: str
) -> None:
    client = PoisoningClient()
    world.login(client, next(role for role in PREFERRED if role in action.allow))
    client.bad = bad
    before = action.probe(world), len(mail.outbox)
    while True:
        response = action.send(client, world)
        assert response.status_code == 400, f"{action.id}, string {client.target}: {response}"
        assert "detail" in response.json()
        client.target += 1
        if client.target >= client.strings:
            break
    assert (action.probe(world), len(mail.outbox)) == before
