"""The sluice API: public case creation (validation, honeypot, rate limit) and the handlers'
cases and stage changes (auth and permissions)."""

from __future__ import annotations

import pytest
from django.core import mail

from samverka.api.models import ApiToken
from samverka.sluice.models import HelpCase

pytestmark = pytest.mark.django_db

URL = "/api/v1/help/cases"


@pytest.fixture(autouse=True)
def _english(english): ...


def _auth(user) -> dict[str, str]:
    _, plain = ApiToken.issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.fixture
def payload(focus_area) -> dict:
    return {
        "title": "Robot grazing testbed",
        "description": "We want to test a grazing robot on hilly land.",
        "kind": "testbed",
        "focus_area": focus_area.slug,
        "municipality": "2380",
        "name": "Ali Hassan",
        "email": "ali@agrobotik.example",
        "organisation_name": "Agrobotik Norr AB",
        "consent": True,
    }


def test_public_create_routes_and_mails(
    client, settings, payload, make_rule, cluster_manager, django_capture_on_commit_callbacks
):
    _manager, cluster = cluster_manager
    make_rule(county="23", target_cluster=cluster)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, payload, content_type="application/json")

    assert response.status_code == 201
    case = HelpCase.objects.get()
    body = response.json()
    assert body == {
        "stage": "received",
        "handler": "Managed Cluster",
        "status_url": settings.SITE_URL + case.get_status_url(),
    }
    assert case.assigned_cluster == cluster
    assert case.focus_area.slug == payload["focus_area"]
    assert case.consent_at is not None
    assert mail.outbox[0].to == ["ali@agrobotik.example"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": "nope"}, "email"),
        ({"consent": False}, "consent"),
        ({"title": ""}, "title"),
        ({"municipality": "9999"}, "municipality"),
        ({"focus_area": "unknown"}, "focus_area"),
        ({"website": "http://spam.example"}, "website"),
    ],
)
def test_public_create_validates_like_the_form(client, payload, change, field):
    payload.update(change)

    response = client.post(URL, payload, content_type="application/json")

    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert HelpCase.objects.count() == 0


def test_public_create_rate_limited(client, payload, settings):
    settings.SAMVERKA_HELP_RATE_LIMIT = "1/60"

    first = client.post(URL, payload, content_type="application/json")
    second = client.post(URL, payload, content_type="application/json")

    assert (first.status_code, second.status_code) == (201, 429)
    assert "Too many requests" in second.json()["detail"]
    assert HelpCase.objects.count() == 1


def test_list_and_detail_only_own_cases(
    client, make_case, cluster_manager, make_cluster, make_user
):
    manager, cluster = cluster_manager
    mine = make_case(title="Mine", assigned_cluster=cluster)
    theirs = make_case(title="Theirs", assigned_cluster=make_cluster("Else"))
    headers = _auth(manager)

    listing = client.get(URL, **headers)
    detail = client.get(f"{URL}/{mine.pk}", **headers)
    foreign = client.get(f"{URL}/{theirs.pk}", **headers)

    assert [c["title"] for c in listing.json()] == ["Mine"]
    assert detail.json()["handler_cluster"] == "managed"
    assert [t["to_stage"] for t in detail.json()["transitions"]] == ["received"]
    assert foreign.status_code == 403
    assert client.get(URL).status_code == 401
    assert client.get(f"{URL}/{mine.pk}").status_code == 401


def test_transition_endpoint(client, make_case, cluster_manager, make_cluster, make_user):
    manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)
    headers = _auth(manager)
    url = f"{URL}/{case.pk}/transitions"

    moved = client.post(
        url,
        {"to_stage": "testbed", "note": "Plot booked"},
        content_type="application/json",
        **headers,
    )
    back = client.post(url, {"to_stage": "screened"}, content_type="application/json", **headers)
    closed = client.post(
        url,
        {"to_stage": "closed", "outcome": "referred"},
        content_type="application/json",
        **headers,
    )
    anonymous = client.post(url, {"to_stage": "screened"}, content_type="application/json")
    outsider = make_user()
    make_cluster(slug="outside").managers.add(outsider)
    refused = client.post(
        url, {"to_stage": "screened"}, content_type="application/json", **_auth(outsider)
    )

    assert moved.status_code == 201
    assert moved.json()["stage"] == "testbed"
    assert moved.json()["transitions"][-1]["by"] == "manager"
    assert moved.json()["transitions"][-1]["note"] == "Plot booked"
    assert back.status_code == 422
    assert closed.json()["outcome"] == "referred"
    assert anonymous.status_code == 401
    assert refused.status_code == 403
    case.refresh_from_db()
    assert (case.stage, case.outcome) == ("closed", "referred")
    assert case.transitions.count() == 3
