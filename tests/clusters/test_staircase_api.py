"""The read-only staircase API: the model, and a cluster's step, history and (for its managers)
the latest answers and plan."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from samverka.api.models import ApiToken
from samverka.clusters.models import Cluster, CriterionScore, MaturityStep
from samverka.clusters.staircase_services import load_steps, save_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages."""


def _submit(user: User, cluster: Cluster, *, met_steps: set[int]) -> None:
    answers: dict[int, dict[str, Any]] = {}
    for step in load_steps():
        for c in step.criteria.all():
            answers[c.pk] = {
                "score": CriterionScore.MET if step.number in met_steps else CriterionScore.PARTLY,
                "evidence": f"Evidence {c.code}",
                "links": "https://example.se/minutes" if c.code == "trust" else "",
                "confirmed": True,
            }
    save_assessment(
        actor=user, cluster=cluster, answers=answers, plan="Build a strategy.", submit=True
    )


@pytest.fixture
def assessed(cluster_manager: tuple[User, Cluster]) -> tuple[User, Cluster]:
    user, cluster = cluster_manager
    _submit(user, cluster, met_steps=set())
    _submit(user, cluster, met_steps={1})
    return user, cluster


def test_model_lists_steps_and_criteria_in_both_languages(client: Client) -> None:
    response = client.get("/api/v1/staircase/model")

    assert response.status_code == 200
    data = response.json()
    assert [s["number"] for s in data] == list(
        MaturityStep.objects.order_by("number").values_list("number", flat=True)
    )
    assert [s["number"] for s in data] == [1, 2, 3]
    first = data[0]
    assert first["name_sv"] != first["name_en"]
    codes = [c["code"] for s in data for c in s["criteria"]]
    assert "trust" in codes
    assert "global-links" in codes
    global_links = next(c for s in data for c in s["criteria"] if c["code"] == "global-links")
    assert global_links["measure"] == "international_members"
    assert global_links["text_sv"] != global_links["text_en"]


def test_public_sees_step_and_history_but_not_answers(
    client: Client, assessed: tuple[User, Cluster]
) -> None:
    _user, cluster = assessed

    response = client.get(f"/api/v1/clusters/{cluster.slug}/staircase")

    assert response.status_code == 200
    data = response.json()
    assert data["cluster"] == "managed"
    assert data["step_reached"] == 1
    assert data["step"]["number"] == 1
    assert data["top_step"] == 3
    assert data["details"] is False
    assert [h["step_reached"] for h in data["history"]] == [0, 1]
    assert data["latest"]["step_reached"] == 1
    assert data["latest"]["answers"] is None
    assert data["latest"]["plan"] is None
    assert data["next_step"] is None


def test_manager_sees_latest_answers_and_what_is_missing(
    client: Client, assessed: tuple[User, Cluster]
) -> None:
    user, cluster = assessed
    client.force_login(user)

    data = client.get(f"/api/v1/clusters/{cluster.slug}/staircase").json()

    assert data["details"] is True
    answers = {a["criterion"]: a for a in data["latest"]["answers"]}
    assert answers["trust"]["score"] == "met"
    assert answers["trust"]["step"] == 1
    assert answers["trust"]["links"] == ["https://example.se/minutes"]
    assert answers["trust"]["evidence"] == "Evidence trust"
    assert answers["global-links"]["score"] == "partly"
    assert answers["mapping"]["prefilled_value"].startswith("1 of 5 helix types present")
    assert answers["mapping"]["confirmed"] is True
    assert data["latest"]["plan"] == "Build a strategy."
    assert data["next_step"]["step"]["number"] == 2
    step_two = [c.code for c in MaturityStep.objects.get(number=2).criteria.all()]
    assert data["next_step"]["missing"] == step_two


def test_token_of_a_manager_gives_details_and_a_bad_token_is_401(
    client: Client, assessed: tuple[User, Cluster], make_user: Callable[..., User]
) -> None:
    user, cluster = assessed
    _token, secret = ApiToken.issue(user=user, name="test")
    _other, other_secret = ApiToken.issue(user=make_user(), name="other")
    url = f"/api/v1/clusters/{cluster.slug}/staircase"

    mine = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    others = client.get(url, headers={"Authorization": f"Bearer {other_secret}"})
    bad = client.get(url, headers={"Authorization": "Bearer smv_nonsense"})

    assert mine.json()["details"] is True
    assert others.json()["details"] is False
    assert others.json()["latest"]["answers"] is None
    assert bad.status_code == 401


def test_unassessed_and_unknown_clusters(
    client: Client, make_cluster: Callable[..., Cluster]
) -> None:
    cluster = make_cluster("Fresh", slug="fresh")

    fresh = client.get(f"/api/v1/clusters/{cluster.slug}/staircase").json()
    missing = client.get("/api/v1/clusters/nowhere/staircase")

    assert fresh["step_reached"] is None
    assert fresh["latest"] is None
    assert fresh["history"] == []
    assert missing.status_code == 404
    assert "nowhere" in missing.json()["detail"]
