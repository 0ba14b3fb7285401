"""Broad queries are bounded: at most ``COUNT_CAP`` matches are counted and ranked, and every
surface (results, API, page, CLI) says "more than" instead of pretending to an exact count."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from samverka.knowledge import indexing
from samverka.knowledge import search as search_module
from samverka.knowledge.indexing import Entry
from samverka.knowledge.search import search

pytestmark = pytest.mark.django_db

CAP = 5


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


@pytest.fixture
def broad(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight documents with a compound of "bruk" (five in the body only, three in the title),
    two with "fiske"; the cap lowered to five."""
    monkeypatch.setattr(search_module, "COUNT_CAP", CAP)
    items = [
        (n, Entry(f"Förening {n}", f"Vi arbetar med skogsbruk och annat {n}.", [], f"/o/{n}/"))
        for n in range(5)
    ]
    items += [
        (n, Entry(f"Jordbruket {n}", f"En gård nummer {n}.", [], f"/o/{n}/")) for n in range(5, 8)
    ]
    items += [(n, Entry(f"Fiske {n}", "Fiske i sjön.", [], f"/o/{n}/")) for n in range(8, 10)]
    items.append((10, Entry("Utkast", "skogsbruk", [], "/o/10/", visibility="draft")))
    indexing.bulk_store("organisation", items)


@pytest.mark.usefixtures("broad")
def test_broad_query_is_capped_and_says_so() -> None:
    results = search("bruk", per_page=3)
    assert results.more is True
    assert results.total == CAP
    assert results.pages == 2
    assert len(results.hits) == 3
    ranks = [hit.rank for hit in results.hits]
    assert ranks == sorted(ranks, reverse=True)
    assert all("bruk" in (hit.title + hit.snippet).lower() for hit in results.hits)
    assert all(hit.title != "Utkast" for hit in results.hits)
    second = search("bruk", page=2, per_page=3)
    assert len(second.hits) == CAP - 3
    assert not {h.object_id for h in results.hits} & {h.object_id for h in second.hits}


@pytest.mark.usefixtures("broad")
def test_narrow_query_counts_exactly() -> None:
    results = search("fiske")
    assert (results.total, results.more) == (2, False)
    assert {hit.title for hit in results.hits} == {"Fiske 8", "Fiske 9"}
    assert "<mark>" in results.hits[0].snippet
    exact = search("jordbruket")
    assert (exact.total, exact.more) == (3, False)


@pytest.mark.usefixtures("broad")
def test_api_page_and_cli_say_more_than(client: Any, capsys: Any) -> None:
    data = client.get("/api/v1/search", {"q": "bruk"}).json()
    assert data["total"] == CAP
    assert data["more"] is True
    assert client.get("/api/v1/search", {"q": "fiske"}).json()["more"] is False
    html = client.get(reverse("knowledge:search"), {"q": "bruk"}).content.decode()
    assert f"More than {CAP} results" in html
    html = client.get(reverse("knowledge:search"), {"q": "fiske"}).content.decode()
    assert "2 results" in html
    assert "More than" not in html
    call_command("search", "query", "bruk", "--format", "json")
    out = json.loads(capsys.readouterr().out)
    assert (out["total"], out["more"]) == (CAP, True)
