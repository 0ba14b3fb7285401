"""The programme officer's outcome entry: the service's rules and the page's permissions."""

from __future__ import annotations

from typing import Any

import pytest
import test_programme_workflow_builders as b
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from django.utils import translation

from samverka.core.models import AuditEntry
from samverka.programmes.enums import ProjectStatus as S
from samverka.programmes.models import FinancingLine, Project
from samverka.programmes.services import financing
from samverka.programmes.services.quality import check_projects

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    """The messages below are the English source strings."""
    with translation.override("en"):
        yield


@pytest.fixture
def setup() -> dict[str, Any]:
    org = b.organisation("Sökande AB")
    project = b.application(b.call(), applicant=org, status=S.RUNNING)
    # Decided as applied for, as ``assessment.decide`` would have set it.
    FinancingLine.objects.filter(project=project).update(decided_sek=F("budget_sek"))
    return {
        "project": project,
        "owner": b.user(org=org),
        "officer": b.user("programme_officer"),
        "assessor": b.user("assessor"),
    }


def lines_of(project: Project) -> dict[tuple[str, int], FinancingLine]:
    return {(ln.category, ln.year): ln for ln in project.financing_lines.all()}


def form_data(project: Project, **overrides: tuple[int, int]) -> dict[str, Any]:
    """POST data keeping every line's amounts; ``state_2026=(decided, outcome)`` overrides."""
    data: dict[str, Any] = {"note": ""}
    for (category, year), line in lines_of(project).items():
        decided, outcome = overrides.get(f"{category}_{year}", (line.decided_sek, line.outcome_sek))
        data[f"decided_{line.pk}"] = decided
        data[f"outcome_{line.pk}"] = outcome
    return data


# Service ----------------------------------------------------------------------------------------


def test_record_outcome_updates_lines_in_place_and_audits(setup: dict[str, Any]) -> None:
    project = setup["project"]
    before = lines_of(project)
    state = before[("state", 2026)]

    financing.record_outcome(
        project=project,
        actor=setup["officer"],
        amounts={state.pk: {"outcome_sek": 90_000}},
    )

    after = lines_of(project)
    assert {k: ln.pk for k, ln in after.items()} == {k: ln.pk for k, ln in before.items()}
    assert (after[("state", 2026)].decided_sek, after[("state", 2026)].outcome_sek) == (
        100_000,
        90_000,
    )
    entry = AuditEntry.objects.get(action="project.outcome_recorded")
    key = f"line {state.pk} ({state.financier_id}, state, 2026) outcome_sek"
    assert (entry.actor, entry.object_id, entry.changes) == (
        setup["officer"],
        str(project.pk),
        {"amounts": {key: [0, 90_000]}},
    )


def test_record_outcome_without_change_writes_no_audit(setup: dict[str, Any]) -> None:
    project = setup["project"]
    state = lines_of(project)[("state", 2026)]
    financing.record_outcome(
        project=project, actor=setup["officer"], amounts={state.pk: {"outcome_sek": 0}}
    )
    assert not AuditEntry.objects.filter(action="project.outcome_recorded").exists()


def test_record_outcome_refuses_negative_amounts(setup: dict[str, Any]) -> None:
    project = setup["project"]
    state = lines_of(project)[("state", 2026)]
    with pytest.raises(ValidationError) as exc:
        financing.record_outcome(
            project=project, actor=setup["officer"], amounts={state.pk: {"outcome_sek": -1}}
        )
    assert exc.value.message_dict == {
        "financing_lines": [f"{state.financier} 2026: amounts cannot be negative."]
    }


def test_record_outcome_above_decision_is_refused(setup: dict[str, Any]) -> None:
    project = setup["project"]
    state = lines_of(project)[("state", 2026)]
    with pytest.raises(ValidationError) as exc:
        financing.record_outcome(
            project=project, actor=setup["officer"], amounts={state.pk: {"outcome_sek": 100_001}}
        )
    assert exc.value.message_dict == {
        "financing_lines": [
            f"{state.financier} 2026: the outcome 100001 SEK is above the decided 100000 SEK. "
            "If the decision was changed, correct the decided amount and say why in the note."
        ]
    }
    assert lines_of(project)[("state", 2026)].outcome_sek == 0


def test_record_outcome_correcting_decision_needs_a_note(setup: dict[str, Any]) -> None:
    project = setup["project"]
    state = lines_of(project)[("state", 2026)]
    amounts = {state.pk: {"decided_sek": 120_000, "outcome_sek": 110_000}}
    with pytest.raises(ValidationError) as exc:
        financing.record_outcome(project=project, actor=setup["officer"], amounts=amounts)
    assert list(exc.value.message_dict) == ["note"]
    assert lines_of(project)[("state", 2026)].decided_sek == 100_000

    financing.record_outcome(
        project=project, actor=setup["officer"], amounts=amounts, note="Tilläggsbeslut 2026-09-01"
    )

    line = lines_of(project)[("state", 2026)]
    assert (line.decided_sek, line.outcome_sek) == (120_000, 110_000)
    assert AuditEntry.objects.get(action="project.outcome_recorded").changes["note"] == (
        "Tilläggsbeslut 2026-09-01"
    )
    # Nothing the data-quality check would report.
    assert [f.kind for f in check_projects(programme=project.programme)] == []


def test_record_outcome_refuses_lines_of_another_project(setup: dict[str, Any]) -> None:
    other = b.application(b.call(), status=S.RUNNING)
    foreign = other.financing_lines.first()
    with pytest.raises(ValidationError) as exc:
        financing.record_outcome(
            project=setup["project"],
            actor=setup["officer"],
            amounts={foreign.pk: {"outcome_sek": 1}},
        )
    assert exc.value.message_dict == {
        "financing_lines": [f"Financing lines {foreign.pk} do not belong to this project."]
    }


@pytest.mark.parametrize("who", ["owner", "assessor"])
def test_record_outcome_only_by_officers(setup: dict[str, Any], who: str) -> None:
    project = setup["project"]
    state = lines_of(project)[("state", 2026)]
    with pytest.raises(PermissionDenied):
        financing.record_outcome(
            project=project, actor=setup[who], amounts={state.pk: {"outcome_sek": 1}}
        )


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (S.DRAFT, False),
        (S.SUBMITTED, False),
        (S.IN_ASSESSMENT, False),
        (S.REJECTED, False),
        (S.GRANTED, True),
        (S.RUNNING, True),
        (S.FINAL_REPORT, True),
        (S.CLOSED, False),
    ],
)
def test_record_outcome_only_for_granted_running_or_final_report(
    setup: dict[str, Any], status: str, allowed: bool
) -> None:
    project = setup["project"]
    Project.objects.filter(pk=project.pk).update(status=status)
    state = lines_of(project)[("state", 2026)]
    amounts = {state.pk: {"outcome_sek": 5}}
    if allowed:
        financing.record_outcome(project=project, actor=setup["officer"], amounts=amounts)
        assert lines_of(project)[("state", 2026)].outcome_sek == 5
    else:
        with pytest.raises(PermissionDenied):
            financing.record_outcome(project=project, actor=setup["officer"], amounts=amounts)


# Page -------------------------------------------------------------------------------------------


def test_outcome_page_permissions_per_role(setup: dict[str, Any], client: Client) -> None:
    project = setup["project"]
    url = reverse("programmes:outcome", args=[project.reference])
    assert url == f"/programmes/projects/{project.reference}/outcome/"
    response = client.get(url)
    assert (response.status_code, response.url.split("?")[0]) == (
        302,
        resolve_url(settings.LOGIN_URL),
    )
    assert client.post(url, form_data(project, state_2026=(100_000, 1))).status_code == 302
    for who in ("owner", "assessor"):
        other = Client()
        other.force_login(setup[who])
        assert other.get(url).status_code == 403
        assert other.post(url, form_data(project, state_2026=(100_000, 1))).status_code == 403
    assert lines_of(project)[("state", 2026)].outcome_sek == 0
    officer = Client()
    officer.force_login(setup["officer"])
    assert officer.get(url).status_code == 200
    assert officer.get(reverse("programmes:outcome", args=["NOPE-1"])).status_code == 404


def test_outcome_page_records_and_links_from_project(setup: dict[str, Any], client: Client) -> None:
    project = setup["project"]
    client.force_login(setup["officer"])
    url = reverse("programmes:outcome", args=[project.reference])
    assert url in client.get(project.get_absolute_url()).content.decode()

    response = client.post(
        url, form_data(project, state_2026=(100_000, 95_000), private_2027=(50_000, 50_000))
    )

    assert response.url == project.get_absolute_url()
    assert {k: ln.outcome_sek for k, ln in lines_of(project).items()} == {
        ("state", 2026): 95_000,
        ("private", 2026): 0,
        ("state", 2027): 0,
        ("private", 2027): 50_000,
    }


def test_outcome_page_shows_errors_and_keeps_data(setup: dict[str, Any], client: Client) -> None:
    project = setup["project"]
    client.force_login(setup["officer"])
    url = reverse("programmes:outcome", args=[project.reference])
    response = client.post(
        url,
        form_data(project, state_2026=(100_000, 200_000), private_2026=(100_000, 5)),
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "is above the decided" in html
    assert {ln.outcome_sek for ln in lines_of(project).values()} == {0}

    response = client.post(
        url, form_data(project, state_2026=(100_000, -1)), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()


def test_outcome_page_hidden_link_for_draft(setup: dict[str, Any], client: Client) -> None:
    project = setup["project"]
    Project.objects.filter(pk=project.pk).update(status=S.DRAFT)
    client.force_login(setup["officer"])
    url = reverse("programmes:outcome", args=[project.reference])
    assert url not in client.get(project.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 403
