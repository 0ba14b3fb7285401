"""Financing validation: each rule's message, and saving lines atomically with permissions."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
import test_programme_workflow_builders as b
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from samverka.core.models import AuditEntry
from samverka.programmes.enums import FinancierCategory as C
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.models import FinancingLine
from samverka.programmes.services.financing import (
    financing_problems,
    save_financing_lines,
    totals,
    validate_financing,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    """The messages below are the English source strings."""
    with translation.override("en"):
        yield


def messages(project: Any) -> list[str]:
    return [m for _f, m in financing_problems(project=project)]


def test_financing_valid_plan_has_no_problems() -> None:
    project = b.application(b.call())
    assert messages(project) == []
    validate_financing(project=project)
    assert totals(project.financing_lines.all()).support_share == 0.5


def test_financing_without_lines_asks_for_one() -> None:
    project = b.application(b.call(), lines=[])
    assert messages(project) == ["Add at least one financing line."]


def test_financing_missing_year_does_not_cover_budget() -> None:
    project = b.application(b.call(), lines=[(C.STATE, 2026, 100), (C.PRIVATE, 2026, 100)])
    assert messages(project) == ["The financing does not cover the budget: no financing in 2027."]


def test_financing_zero_total_does_not_cover_budget() -> None:
    project = b.application(b.call(), lines=[(C.PRIVATE, 2026, 0)])
    assert messages(project) == ["The financing does not cover the budget: the total is 0 SEK."]


def test_financing_support_share_above_call_maximum() -> None:
    project = b.application(
        b.call(max_support_share="0.4"),
        lines=[(C.STATE, 2026, 60), (C.EU, 2027, 10), (C.PRIVATE, 2027, 30)],
    )
    assert messages(project) == [
        "The public support share is 70 %, above the call's maximum of 40 %."
    ]


def test_financing_year_outside_project_period() -> None:
    project = b.application(
        b.call(),
        lines=[(C.STATE, 2026, 10), (C.PRIVATE, 2027, 10), (C.PRIVATE, 2029, 10)],
    )
    assert messages(project) == ["The year 2029 is outside the project period 2026 to 2027."]


def test_financing_negative_amount_in_unsaved_lines() -> None:
    project = b.application(b.call())
    lines = list(project.financing_lines.all())
    lines[0].budget_sek = -5
    assert f"Amounts cannot be negative ({lines[0].financier}, 2026)." in [
        m for _f, m in financing_problems(project=project, lines=lines)
    ]


def test_financing_decided_above_budget_needs_motivation() -> None:
    project = b.application(b.call())
    FinancingLine.objects.filter(project=project, year=2027, category=C.STATE).update(
        decided_sek=60_000
    )
    line = project.financing_lines.get(year=2027, category=C.STATE)
    expected = (
        f"The decided amount for {line.financier} 2027 is above its budget without a "
        "motivated decision."
    )
    assert messages(project) == [expected]
    project.decision_motivation = "Utökat stöd för fler deltagare."
    assert messages(project) == []


def test_validate_financing_raises_with_field_name() -> None:
    project = b.application(b.call(), lines=[])
    with pytest.raises(ValidationError) as caught:
        validate_financing(project=project)
    assert caught.value.message_dict == {"financing_lines": ["Add at least one financing line."]}


def test_save_financing_lines_replaces_and_audits() -> None:
    org = b.organisation()
    owner = b.user(org=org)
    project = b.application(b.call(), applicant=org, created_by=owner)
    financier = b.organisation("Länsstyrelsen")
    saved = save_financing_lines(
        project=project,
        actor=owner,
        lines=[
            {"financier": financier, "category": C.STATE, "year": 2026, "budget_sek": 70},
            {"financier": financier.pk, "category": C.STATE, "year": 2027, "budget_sek": "30"},
        ],
    )
    assert [(ln.year, ln.budget_sek) for ln in saved] == [(2026, 70), (2027, 30)]
    assert AuditEntry.objects.filter(action="project.financing_changed").count() == 1


def test_save_financing_lines_rejects_bad_lines_and_keeps_old() -> None:
    org = b.organisation()
    owner = b.user(org=org)
    project = b.application(b.call(), applicant=org, created_by=owner)
    with pytest.raises(ValidationError) as caught:
        save_financing_lines(
            project=project,
            actor=owner,
            lines=[
                {"financier": org, "category": C.STATE, "year": 2030, "budget_sek": 1},
                {"financier": org, "category": C.STATE, "year": 2026, "budget_sek": -1},
                {"financier": org, "category": "bank", "year": 2026, "budget_sek": 1},
            ],
        )
    assert caught.value.message_dict["financing_lines"] == [
        "Line 1: the year 2030 is outside the project period 2026 to 2027.",
        "Line 2: amounts cannot be negative.",
        "Line 3: choose a financier category.",
    ]
    assert project.financing_lines.count() == 4


def test_save_financing_lines_refused_for_other_applicant_and_after_submission() -> None:
    org = b.organisation()
    owner = b.user(org=org)
    project = b.application(b.call(), applicant=org, created_by=owner)
    line = {"financier": org, "category": C.PRIVATE, "year": 2026, "budget_sek": 1}
    with pytest.raises(PermissionDenied):
        save_financing_lines(project=project, actor=b.user(org=b.organisation()), lines=[line])
    project.status = ProjectStatus.SUBMITTED
    with pytest.raises(PermissionDenied):
        save_financing_lines(project=project, actor=owner, lines=[line])


def test_save_financing_lines_officer_keeps_decided_amounts() -> None:
    project = b.application(b.call(), status=ProjectStatus.RUNNING, start=date(2026, 1, 1))
    FinancingLine.objects.filter(project=project).update(decided_sek=10)
    officer = b.user("programme_officer")
    lines = [
        {
            "financier": ln.financier_id,
            "category": ln.category,
            "year": ln.year,
            "budget_sek": ln.budget_sek,
            **({"outcome_sek": 7} if ln.category == C.STATE else {}),
        }
        for ln in project.financing_lines.all()
    ]
    saved = save_financing_lines(project=project, actor=officer, lines=lines)
    assert {(ln.decided_sek, ln.outcome_sek) for ln in saved} == {(10, 7), (10, 0)}
