"""The programmes API, writing: applications, transitions, financing, assessments and the
decision, each tried by the role that may and by those that may not."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from imports_builders import (
    bearer,
    make_applicant,
    make_call,
    make_org,
    make_project,
    make_tree_programme,
    make_user,
)

from samverka.core.models import AuditEntry
from samverka.programmes.models import Assessment, Project

pytestmark = pytest.mark.django_db

YEAR = datetime.date.today().year + 1
ANSWERS = {
    "sustainability_economic": "Fler jobb",
    "sustainability_ecological": "Mindre transporter",
    "sustainability_social": "Bredare rekrytering",
    "gender_equality": "Jämn fördelning",
    "youth": "Sommarjobb",
    "integration": "Språkpraktik",
}


@pytest.fixture
def setup() -> dict[str, Any]:
    programme = make_tree_programme()
    assessor_a = make_user("anna", role="assessor")
    assessor_b = make_user("bo", role="assessor")
    call = make_call(programme, "vn-2026", assessors=(assessor_a, assessor_b))
    organisation = make_org("Sundsvall Innovation AB")
    return {
        "programme": programme,
        "call": call,
        "organisation": organisation,
        "applicant": make_applicant(organisation, "sara"),
        "other_applicant": make_applicant(make_org("Annat AB"), "olof"),
        "officer": make_user("officer", role="programme_officer"),
        "assessor_a": assessor_a,
        "assessor_b": assessor_b,
        "state": make_org("Tillväxtverket", helix="public"),
        "private": make_org("SCA AB"),
    }


def send(client: Any, method: str, path: str, user: Any | None = None, data: Any = None) -> Any:
    headers = {"Accept-Language": "en", **(bearer(user) if user is not None else {})}
    return getattr(client, method)(
        f"/api/v1{path}", data or {}, content_type="application/json", headers=headers
    )


def create(client: Any, setup: dict[str, Any], user: Any = None, **fields: Any) -> Any:
    data = {
        "call": "vn-2026",
        "title": "Smart skog",
        "measures": ["1.1"],
        "start_date": f"{YEAR}-01-01",
        "end_date": f"{YEAR}-12-31",
        **ANSWERS,
        **fields,
    }
    return send(client, "post", "/projects", user or setup["applicant"], data)


def financing_lines(setup: dict[str, Any]) -> dict[str, Any]:
    return {
        "lines": [
            {"financier": setup["state"].pk, "category": "state", "year": YEAR, "budget_sek": 500},
            {
                "financier": setup["private"].pk,
                "category": "private",
                "year": YEAR,
                "budget_sek": 500,
            },
        ]
    }


def complete_draft(client: Any, setup: dict[str, Any]) -> str:
    reference = create(client, setup).json()["reference"]
    response = send(
        client,
        "put",
        f"/projects/{reference}/financing",
        setup["applicant"],
        financing_lines(setup),
    )
    assert response.status_code == 200, response.json()
    return reference


def move(client: Any, reference: str, user: Any, to_status: str, note: str = "") -> Any:
    return send(
        client,
        "post",
        f"/projects/{reference}/transitions",
        user,
        {"to_status": to_status, "note": note},
    )


def in_assessment(client: Any, setup: dict[str, Any]) -> str:
    reference = complete_draft(client, setup)
    assert move(client, reference, setup["applicant"], "submitted").status_code == 200
    assert move(client, reference, setup["officer"], "in_assessment").status_code == 200
    return reference


def scores(setup: dict[str, Any], innovation: int | None, sustainability: int | None) -> list:
    criteria = {c.name: c.pk for c in setup["programme"].criteria.all()}
    return [
        {"criterion": criteria["Innovation"], "score": innovation, "comment": "i"},
        {"criterion": criteria["Hållbarhet"], "score": sustainability, "comment": "h"},
    ]


# Anonymous ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/projects"),
        ("patch", "/projects/P-1"),
        ("post", "/projects/P-1/transitions"),
        ("put", "/projects/P-1/financing"),
        ("put", "/projects/P-1/assessments/mine"),
        ("post", "/projects/P-1/decision"),
    ],
)
def test_writes_without_token_are_401(
    client: Any, setup: dict[str, Any], method: str, path: str
) -> None:
    make_project(setup["programme"], "P-1", status="draft", call=setup["call"])

    response = send(client, method, path)

    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]


# Creating and editing ----------------------------------------------------------------------


def test_applicant_creates_a_draft_for_their_organisation(
    client: Any, setup: dict[str, Any]
) -> None:
    response = create(client, setup, municipalities=["2281"])

    assert response.status_code == 201
    data = response.json()
    assert (data["reference"], data["status"], data["call"]) == ("VN-2026-001", "draft", "vn-2026")
    assert data["applicant"]["name"] == "Sundsvall Innovation AB"
    assert (data["measures"], data["municipalities"][0]["code"]) == (["1.1"], "2281")
    assert [h["to_status"] for h in data["status_history"]] == ["draft"]
    project = Project.objects.get()
    assert (project.created_by, project.youth) == (setup["applicant"], "Sommarjobb")


def test_user_without_organisation_cannot_apply(client: Any, setup: dict[str, Any]) -> None:
    response = create(client, setup, user=make_user())

    assert response.status_code == 403
    assert Project.objects.count() == 0


def test_applicant_cannot_apply_for_another_organisation(
    client: Any, setup: dict[str, Any]
) -> None:
    response = create(client, setup, applicant=setup["private"].pk)

    assert response.status_code == 422
    assert "applicant" in response.json()["errors"]


def test_create_with_unknown_call_or_measure_is_422(client: Any, setup: dict[str, Any]) -> None:
    assert create(client, setup, call="nope").json()["errors"] == {
        "call": ["No call has the slug nope."]
    }
    response = create(client, setup, measures=["1.1", "7.7"])
    assert response.status_code == 422
    assert response.json()["errors"] == {"measures": ["unknown: 7.7"]}
    assert Project.objects.count() == 0


def test_applicant_patches_own_draft(client: Any, setup: dict[str, Any]) -> None:
    reference = create(client, setup).json()["reference"]

    response = send(
        client,
        "patch",
        f"/projects/{reference}",
        setup["applicant"],
        {"title": "Smartare skog", "expected_jobs_women": 3, "measures": ["3.4a"]},
    )

    assert response.status_code == 200
    data = response.json()
    assert (data["title"], data["expected_jobs_women"], data["measures"]) == (
        "Smartare skog",
        3,
        ["3.4a"],
    )
    entry = AuditEntry.objects.filter(action="project.changed").get()
    assert entry.changes["title"] == ["Smart skog", "Smartare skog"]


def test_applicant_cannot_patch_another_applicants_draft(
    client: Any, setup: dict[str, Any]
) -> None:
    reference = create(client, setup).json()["reference"]

    response = send(
        client, "patch", f"/projects/{reference}", setup["other_applicant"], {"title": "Mitt"}
    )

    assert response.status_code == 404
    assert Project.objects.get().title == "Smart skog"


def test_applicant_cannot_patch_after_submitting(client: Any, setup: dict[str, Any]) -> None:
    reference = complete_draft(client, setup)
    assert move(client, reference, setup["applicant"], "submitted").status_code == 200

    response = send(client, "patch", f"/projects/{reference}", setup["applicant"], {"title": "X"})

    assert response.status_code == 403
    assert Project.objects.get().title == "Smart skog"


def test_officer_patches_a_submitted_application(client: Any, setup: dict[str, Any]) -> None:
    reference = complete_draft(client, setup)
    move(client, reference, setup["applicant"], "submitted")

    response = send(client, "patch", f"/projects/{reference}", setup["officer"], {"title": "Ny"})

    assert (response.status_code, response.json()["title"]) == (200, "Ny")


# Transitions -------------------------------------------------------------------------------


def test_applicant_submits_a_complete_draft(client: Any, setup: dict[str, Any]) -> None:
    reference = complete_draft(client, setup)

    response = move(client, reference, setup["applicant"], "submitted")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "submitted"
    assert data["submitted_at"] is not None
    assert [(h["from_status"], h["to_status"], h["by"]) for h in data["status_history"]] == [
        ("", "draft", "sara"),
        ("draft", "submitted", "sara"),
    ]


def test_submitting_an_incomplete_draft_is_422_by_field(client: Any, setup: dict[str, Any]) -> None:
    reference = create(client, setup, youth="").json()["reference"]

    response = move(client, reference, setup["applicant"], "submitted")

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"youth", "financing_lines"}
    assert Project.objects.get().status == "draft"


def test_applicant_cannot_take_the_officers_steps(client: Any, setup: dict[str, Any]) -> None:
    reference = complete_draft(client, setup)
    move(client, reference, setup["applicant"], "submitted")

    assert move(client, reference, setup["applicant"], "in_assessment").status_code == 403
    assert move(client, reference, setup["officer"], "in_assessment").status_code == 200


def test_step_outside_the_pipeline_is_422(client: Any, setup: dict[str, Any]) -> None:
    reference = complete_draft(client, setup)

    response = move(client, reference, setup["officer"], "running")

    assert response.status_code == 422
    assert Project.objects.get().status == "draft"


def test_granting_by_transition_is_refused(client: Any, setup: dict[str, Any]) -> None:
    reference = in_assessment(client, setup)

    assert move(client, reference, setup["officer"], "granted").status_code == 422


# Financing ---------------------------------------------------------------------------------


def test_applicant_sets_budget_lines_of_own_draft(client: Any, setup: dict[str, Any]) -> None:
    reference = create(client, setup).json()["reference"]

    response = send(
        client,
        "put",
        f"/projects/{reference}/financing",
        setup["applicant"],
        financing_lines(setup),
    )

    assert response.status_code == 200
    assert sorted((line["category"], line["budget_sek"]) for line in response.json()) == [
        ("private", 500),
        ("state", 500),
    ]
    detail = send(client, "get", f"/projects/{reference}", setup["applicant"]).json()
    assert detail["budget_sek"] == 1000


def test_financing_negative_amount_or_year_outside_period_is_422(
    client: Any, setup: dict[str, Any]
) -> None:
    reference = create(client, setup).json()["reference"]
    negative = financing_lines(setup)
    negative["lines"][0]["budget_sek"] = -1
    outside = financing_lines(setup)
    outside["lines"][0]["year"] = YEAR + 5

    for payload in (negative, outside):
        response = send(
            client, "put", f"/projects/{reference}/financing", setup["applicant"], payload
        )
        assert response.status_code == 422
    assert Project.objects.get().financing_lines.count() == 0


def test_other_applicant_cannot_set_financing(client: Any, setup: dict[str, Any]) -> None:
    reference = create(client, setup).json()["reference"]

    response = send(
        client,
        "put",
        f"/projects/{reference}/financing",
        setup["other_applicant"],
        financing_lines(setup),
    )

    assert response.status_code == 404


# Assessment --------------------------------------------------------------------------------


def test_assessor_scores_and_submits_own_assessment(client: Any, setup: dict[str, Any]) -> None:
    reference = in_assessment(client, setup)
    path = f"/projects/{reference}/assessments/mine"

    draft = send(client, "put", path, setup["assessor_a"], {"scores": scores(setup, 5, None)})
    final = send(
        client,
        "put",
        path,
        setup["assessor_a"],
        {"scores": scores(setup, 4, 1), "comment": "Bra", "submit": True},
    )

    assert draft.status_code == 200
    assert draft.json()["weighted_score"] == "5.00"  # n/a does not count
    assert final.status_code == 200
    data = final.json()
    assert (data["assessor"], data["comment"], data["weighted_score"]) == ("anna", "Bra", "3.00")
    assert [(s["name"], s["weight"], s["score"]) for s in data["scores"]] == [
        ("Innovation", "2.00", 4),
        ("Hållbarhet", "1.00", 1),
    ]
    assert data["submitted_at"] is not None
    assert Assessment.objects.get().assessor == setup["assessor_a"]
    locked = send(client, "put", path, setup["assessor_a"], {"scores": scores(setup, 0, 0)})
    assert locked.status_code == 422


def test_two_assessors_each_touch_only_their_own_assessment(
    client: Any, setup: dict[str, Any]
) -> None:
    reference = in_assessment(client, setup)
    path = f"/projects/{reference}/assessments/mine"

    send(client, "put", path, setup["assessor_a"], {"scores": scores(setup, 5, 5)})
    send(client, "put", path, setup["assessor_b"], {"scores": scores(setup, 1, 1)})

    by_assessor = {
        a.assessor.username: sorted(s.score for s in a.scores.all())
        for a in Assessment.objects.prefetch_related("scores").select_related("assessor")
    }
    assert by_assessor == {"anna": [5, 5], "bo": [1, 1]}


def test_score_out_of_range_is_422(client: Any, setup: dict[str, Any]) -> None:
    reference = in_assessment(client, setup)

    response = send(
        client,
        "put",
        f"/projects/{reference}/assessments/mine",
        setup["assessor_a"],
        {"scores": scores(setup, 6, 1)},
    )

    assert response.status_code == 422
    assert Assessment.objects.filter(scores__isnull=False).count() == 0


def test_unassigned_assessor_and_applicant_cannot_assess(
    client: Any, setup: dict[str, Any]
) -> None:
    reference = in_assessment(client, setup)
    path = f"/projects/{reference}/assessments/mine"
    outsider = make_user(role="assessor")

    assert send(client, "put", path, outsider, {"scores": []}).status_code == 404
    assert send(client, "put", path, setup["applicant"], {"scores": []}).status_code == 403
    assert Assessment.objects.count() == 0


def test_assessor_from_the_applicant_organisation_is_refused(
    client: Any, setup: dict[str, Any]
) -> None:
    reference = in_assessment(client, setup)
    colleague = make_applicant(setup["organisation"], "kollega")
    colleague.groups.add(setup["assessor_a"].groups.get())
    setup["call"].assessors.add(colleague)

    response = send(
        client,
        "put",
        f"/projects/{reference}/assessments/mine",
        colleague,
        {"scores": scores(setup, 5, 5)},
    )

    assert response.status_code == 422
    assert "own organisation" in response.json()["detail"]


def test_assessor_declares_a_conflict_of_interest(client: Any, setup: dict[str, Any]) -> None:
    reference = in_assessment(client, setup)
    path = f"/projects/{reference}/assessments/mine"

    response = send(
        client,
        "put",
        path,
        setup["assessor_b"],
        {"conflict_of_interest": True, "conflict_note": "Min bror är VD"},
    )

    assert response.status_code == 200
    assert (response.json()["conflict_of_interest"], response.json()["conflict_note"]) == (
        True,
        "Min bror är VD",
    )
    assert send(client, "put", path, setup["assessor_b"], {"scores": []}).status_code == 422


# Decision ----------------------------------------------------------------------------------


def test_officer_grants_with_decided_amounts(client: Any, setup: dict[str, Any]) -> None:
    reference = in_assessment(client, setup)
    lines = {line.category: line.pk for line in Project.objects.get().financing_lines.all()}

    response = send(
        client,
        "post",
        f"/projects/{reference}/decision",
        setup["officer"],
        {
            "granted": True,
            "motivation": "Hög poäng",
            "decided_amounts": {str(lines["state"]): 400, str(lines["private"]): 500},
        },
    )

    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["decision_motivation"], data["decided_sek"]) == (
        "granted",
        "Hög poäng",
        900,
    )
    # A granted project is public.
    assert client.get(f"/api/v1/projects/{reference}").json()["status"] == "granted"


@pytest.mark.parametrize("who", ["applicant", "assessor_a"])
def test_only_officers_decide(client: Any, setup: dict[str, Any], who: str) -> None:
    reference = in_assessment(client, setup)

    response = send(
        client,
        "post",
        f"/projects/{reference}/decision",
        setup[who],
        {"granted": True, "motivation": "Själv", "decided_amounts": {}},
    )

    assert response.status_code == 403
    assert Project.objects.get().status == "in_assessment"


def test_decision_without_motivation_is_422(client: Any, setup: dict[str, Any]) -> None:
    reference = in_assessment(client, setup)

    response = send(
        client,
        "post",
        f"/projects/{reference}/decision",
        setup["officer"],
        {"granted": False, "motivation": " "},
    )

    assert response.status_code == 422
    assert "motivation" in response.json()["errors"]


def test_whole_pipeline_through_the_api(client: Any, setup: dict[str, Any]) -> None:
    """Drafted, submitted, assessed by two assessors, decided, then running."""
    reference = in_assessment(client, setup)
    path = f"/projects/{reference}/assessments/mine"
    for assessor, (a, b) in ((setup["assessor_a"], (4, 2)), (setup["assessor_b"], (3, None))):
        response = send(
            client, "put", path, assessor, {"scores": scores(setup, a, b), "submit": True}
        )
        assert response.status_code == 200
    line = Project.objects.get().financing_lines.get(category="state")
    send(
        client,
        "post",
        f"/projects/{reference}/decision",
        setup["officer"],
        {"granted": True, "motivation": "Ja", "decided_amounts": {str(line.pk): 500}},
    )

    response = move(client, reference, setup["officer"], "running")

    assert response.status_code == 200
    assert [h["to_status"] for h in response.json()["status_history"]] == [
        "draft",
        "submitted",
        "in_assessment",
        "granted",
        "running",
    ]
