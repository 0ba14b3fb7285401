"""The matchmaking API and the ``samverka match`` command."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from samverka.actors.models import Person
from samverka.api.models import ApiToken
from samverka.matchmaking.models import Interest, Need, Offer


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


def _bearer(user: Any) -> dict[str, str]:
    _token, secret = ApiToken.issue(user=user, name="test")
    return {"Authorization": f"Bearer {secret}"}


def test_api_lists_public_active_listings_with_filters(
    client: Any, make_listing: Any, focus_area: Any
) -> None:
    make_listing(Need, "Offentligt", kind="capital", focus=[focus_area])
    make_listing(Need, "Internt", visibility="members")
    make_listing(Need, "Annat", kind="market", county="01")
    body = client.get("/api/v1/needs").json()
    assert sorted(n["title"] for n in body) == ["Annat", "Offentligt"]
    only = client.get("/api/v1/needs", {"kind": "capital"}).json()
    assert [n["title"] for n in only] == ["Offentligt"]
    assert only[0]["focus_areas"] == [{"slug": "vallodling", "name": "Ley farming"}]
    assert only[0]["county"] == {"code": "23", "name": "Jämtlands län"}
    assert [n["title"] for n in client.get("/api/v1/needs", {"county": "01"}).json()] == ["Annat"]
    assert client.get("/api/v1/offers").json() == []


def test_api_matches_with_score_and_reasons(
    client: Any, make_listing: Any, focus_area: Any
) -> None:
    need = make_listing(Need, "Vallodling", focus=[focus_area])
    offer = make_listing(Offer, "Vallodlingsförsök", focus=[focus_area])
    body = client.get(f"/api/v1/needs/{need.pk}/matches", {"top": 5}).json()
    assert body["method"] == "lexical"
    assert body["source"]["id"] == need.pk
    assert [m["item"]["id"] for m in body["matches"]] == [offer.pk]
    match = body["matches"][0]
    assert match["score"] > 0
    assert {"code": "focus_areas", "text": "Shared focus areas: Ley farming.", "points": 25.0} in (
        match["reasons"]
    )
    back = client.get(f"/api/v1/offers/{offer.pk}/matches").json()
    assert [m["item"]["id"] for m in back["matches"]] == [need.pk]


def test_api_members_only_source_is_not_found_for_the_public(
    client: Any, make_listing: Any
) -> None:
    need = make_listing(Need, visibility="members")
    assert client.get(f"/api/v1/needs/{need.pk}/matches").status_code == 404


def test_api_create_need_with_permission_checks(
    client: Any, member_user: Any, make_organisation: Any, focus_area: Any
) -> None:
    user, organisation = member_user
    payload = {
        "kind": "partner",
        "title": "Partner sökes",
        "owner": organisation.pk,
        "county": "23",
        "focus_areas": ["vallodling"],
    }
    anonymous = client.post("/api/v1/needs", payload, content_type="application/json")
    assert anonymous.status_code == 401
    headers = _bearer(user)
    created = client.post(
        "/api/v1/needs", payload, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    assert created.json()["title"] == "Partner sökes"
    need = Need.objects.get()
    assert need.created_by == user
    assert [f.slug for f in need.focus_areas.all()] == ["vallodling"]
    stranger = make_organisation()
    refused = client.post(
        "/api/v1/offers",
        payload | {"owner": stranger.pk},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 403
    bad = client.post(
        "/api/v1/offers",
        payload | {"county": "99"},
        content_type="application/json",
        headers=headers,
    )
    assert bad.status_code == 422
    assert Offer.objects.count() == 0


def test_api_interest_and_outcome(
    client: Any,
    member_user: Any,
    make_listing: Any,
    make_organisation: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    user, organisation = member_user
    other = make_organisation()
    Person.objects.create(name="Olle", email="olle@example.se", organisation=other)
    Person.objects.create(name="Mia", email="mia@example.se", organisation=organisation)
    need = make_listing(Need, owner=organisation)
    offer = make_listing(Offer, owner=other)
    headers = _bearer(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/interests",
            {"need": need.pk, "offer": offer.pk},
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 201
    assert sorted(response.json()["recipients"]) == ["mia@example.se", "olle@example.se"]
    assert len(mail.outbox) == 2
    interest = Interest.objects.get()
    outcome = client.post(
        f"/api/v1/interests/{interest.pk}/outcome",
        {"outcome": "meeting"},
        content_type="application/json",
        headers=headers,
    )
    assert outcome.status_code == 200
    assert outcome.json()["outcome"] == "meeting"
    interest.refresh_from_db()
    assert interest.outcome == "meeting"


def test_cli_match_json(make_listing: Any, focus_area: Any) -> None:
    need = make_listing(Need, "Vallodling", focus=[focus_area])
    offer = make_listing(Offer, "Vallodlingsförsök", focus=[focus_area])
    out = StringIO()
    call_command("match", str(need.pk), "--top", "3", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["method"] == "lexical"
    assert [m["id"] for m in data["matches"]] == [offer.pk]
    assert data["matches"][0]["reasons"][0]["text"] == "Shared focus areas: Ley farming."
    out = StringIO()
    call_command("match", f"offer:{offer.pk}", "--format", "json", stdout=out)
    assert [m["id"] for m in json.loads(out.getvalue())["matches"]] == [need.pk]


def test_cli_match_bad_input_exits_2(db: Any) -> None:
    with pytest.raises(CommandError) as error:
        call_command("match", "offer:abc")
    assert error.value.returncode == 2
    with pytest.raises(CommandError, match="No need with the id 999"):
        call_command("match", "999")
