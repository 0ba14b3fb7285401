"""The application pipeline: creation, submission, every transition allowed and refused,
follow-up reports and reminders, and the pages' permissions per role."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import test_programme_workflow_builders as b
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from samverka.core.models import AuditEntry
from samverka.programmes.enums import ProjectStatus as S
from samverka.programmes.enums import ReportKind
from samverka.programmes.models import FollowUpReport, Project, StatusChange
from samverka.programmes.services import workflow
from samverka.programmes.services.assessment import decide
from samverka.programmes.tasks import send_followup_reminders

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, Any]:
    org = b.organisation("Sökande AB")
    return {
        "call": b.call(),
        "org": org,
        "owner": b.user(org=org),
        "officer": b.user("programme_officer"),
        "other": b.user(org=b.organisation()),
    }


def test_create_application_gives_sequential_references(setup: dict[str, Any]) -> None:
    call, owner, org = setup["call"], setup["owner"], setup["org"]
    first = workflow.create_application(
        actor=owner, call=call, data={"title": "Ett", "applicant": org}
    )
    second = workflow.create_application(
        actor=owner, call=call, data={"title": "Två", "applicant": org}
    )
    assert [first.reference, second.reference] == [
        f"{call.slug.upper()}-001",
        f"{call.slug.upper()}-002",
    ]
    assert first.status == S.DRAFT
    assert first.created_by == owner
    assert list(first.status_changes.values_list("to_status", flat=True)) == [S.DRAFT]
    assert AuditEntry.objects.filter(action="project.created").count() == 2


def test_create_application_refuses_other_organisation(setup: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        workflow.create_application(
            actor=setup["other"], call=setup["call"], data={"title": "X", "applicant": setup["org"]}
        )
    assert caught.value.message_dict == {
        "applicant": ["You can apply only for the organisation you belong to."]
    }


def test_create_application_refuses_measure_outside_call(setup: dict[str, Any]) -> None:
    call = setup["call"]
    with pytest.raises(ValidationError) as caught:
        workflow.create_application(
            actor=setup["owner"],
            call=call,
            data={"title": "X", "applicant": setup["org"]},
            measures=call.programme.measures.filter(code="1.3"),
        )
    assert caught.value.message_dict == {"measures": ["Choose only measures this call is open to."]}


def test_submit_complete_draft(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], applicant=setup["org"], created_by=setup["owner"])
    workflow.submit(project=project, actor=setup["owner"])
    project.refresh_from_db()
    assert project.status == S.SUBMITTED
    assert project.submitted_at is not None
    change = project.status_changes.last()
    assert (change.from_status, change.to_status, change.actor) == (
        S.DRAFT,
        S.SUBMITTED,
        setup["owner"],
    )


def test_submit_incomplete_lists_missing_fields(setup: dict[str, Any]) -> None:
    project = b.application(
        setup["call"], applicant=setup["org"], created_by=setup["owner"], youth="", lines=[]
    )
    project.measures.clear()
    Project.objects.filter(pk=project.pk).update(start_date=None)
    project.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        workflow.submit(project=project, actor=setup["owner"])
    assert caught.value.message_dict == {
        "measures": ["Choose at least one measure of the call."],
        "start_date": ["Give a start date."],
        "youth": ["Answer the question on youth."],
        "financing_lines": ["Add at least one financing line."],
    }
    assert Project.objects.get(pk=project.pk).status == S.DRAFT


@pytest.mark.parametrize("days", [(-30, -1), (1, 30)])
def test_submit_refused_when_call_not_open(setup: dict[str, Any], days: tuple[int, int]) -> None:
    today = timezone.localdate()
    call = b.call(opens=today + timedelta(days=days[0]), closes=today + timedelta(days=days[1]))
    project = b.application(call, applicant=setup["org"], created_by=setup["owner"])
    with pytest.raises(ValidationError) as caught:
        workflow.submit(project=project, actor=setup["owner"])
    assert caught.value.code == "call_closed"


def test_submit_refused_for_other_applicant(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], applicant=setup["org"], created_by=setup["owner"])
    with pytest.raises(PermissionDenied):
        workflow.submit(project=project, actor=setup["other"])


EXPECTED = [
    "expected_jobs_women",
    "expected_jobs_men",
    "expected_companies",
    "expected_participants_women",
    "expected_participants_men",
]

ALLOWED_BY_OFFICER = [
    (S.SUBMITTED, S.IN_ASSESSMENT),
    (S.SUBMITTED, S.DRAFT),
    (S.GRANTED, S.RUNNING),
    (S.RUNNING, S.FINAL_REPORT),
    (S.FINAL_REPORT, S.CLOSED),
]


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED_BY_OFFICER)
def test_transition_allowed_for_officer(
    setup: dict[str, Any], from_status: str, to_status: str
) -> None:
    project = b.application(setup["call"], status=from_status, created_by=setup["owner"])
    if to_status == S.CLOSED:
        FollowUpReport.objects.create(
            project=project,
            kind=ReportKind.FINAL,
            due_date=date(2028, 2, 29),
            submitted_at=timezone.now(),
        )
    workflow.transition(project=project, to_status=to_status, actor=setup["officer"], note="Ok")
    project.refresh_from_db()
    assert project.status == to_status
    assert StatusChange.objects.filter(
        project=project, from_status=from_status, to_status=to_status, actor=setup["officer"]
    ).exists()
    assert AuditEntry.objects.filter(action="project.status_changed").count() == 1


@pytest.mark.parametrize(("from_status", "to_status"), ALLOWED_BY_OFFICER)
def test_transition_refused_for_applicant(
    setup: dict[str, Any], from_status: str, to_status: str
) -> None:
    project = b.application(setup["call"], status=from_status, created_by=setup["owner"])
    with pytest.raises(PermissionDenied):
        workflow.transition(project=project, to_status=to_status, actor=setup["owner"], note="x")


REFUSED = [
    (S.DRAFT, S.IN_ASSESSMENT),
    (S.DRAFT, S.GRANTED),
    (S.SUBMITTED, S.GRANTED),
    (S.SUBMITTED, S.RUNNING),
    (S.IN_ASSESSMENT, S.DRAFT),
    (S.IN_ASSESSMENT, S.RUNNING),
    (S.GRANTED, S.CLOSED),
    (S.REJECTED, S.GRANTED),
    (S.REJECTED, S.RUNNING),
    (S.RUNNING, S.CLOSED),
    (S.CLOSED, S.RUNNING),
    (S.CLOSED, S.DRAFT),
]


@pytest.mark.parametrize(("from_status", "to_status"), REFUSED)
def test_transition_refused_by_pipeline(
    setup: dict[str, Any], from_status: str, to_status: str
) -> None:
    project = b.application(setup["call"], status=from_status)
    with pytest.raises(ValidationError) as caught:
        workflow.transition(project=project, to_status=to_status, actor=setup["officer"])
    assert caught.value.code == "transition_not_allowed"
    assert Project.objects.get(pk=project.pk).status == from_status


def test_transition_to_decision_requires_decide(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], status=S.IN_ASSESSMENT)
    with pytest.raises(ValidationError) as caught:
        workflow.transition(project=project, to_status=S.GRANTED, actor=setup["officer"])
    assert caught.value.code == "decision_required"


def test_transition_return_to_draft_needs_note(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], status=S.SUBMITTED)
    with pytest.raises(ValidationError) as caught:
        workflow.transition(project=project, to_status=S.DRAFT, actor=setup["officer"])
    assert caught.value.message_dict == {"note": ["Say what the applicant needs to complete."]}


def test_transition_close_needs_final_report(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], status=S.FINAL_REPORT)
    with pytest.raises(ValidationError) as caught:
        workflow.transition(project=project, to_status=S.CLOSED, actor=setup["officer"])
    assert caught.value.code == "final_report_missing"


def test_followup_reports_created_on_grant(setup: dict[str, Any]) -> None:
    project = b.application(
        setup["call"], status=S.IN_ASSESSMENT, start=date(2026, 3, 1), end=date(2028, 6, 30)
    )
    decide(
        project=project,
        actor=setup["officer"],
        granted=True,
        decided_amounts={project.financing_lines.first().pk: 1000},
        motivation="Bra.",
    )
    assert list(project.reports.values_list("kind", "due_date")) == [
        (ReportKind.PROGRESS, date(2027, 3, 1)),
        (ReportKind.PROGRESS, date(2028, 3, 1)),
        (ReportKind.FINAL, date(2028, 8, 30)),
    ]
    workflow.create_followup_reports(project=project)
    assert project.reports.count() == 3


def test_submit_report_by_applicant_once(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], status=S.RUNNING, created_by=setup["owner"])
    report = FollowUpReport.objects.create(
        project=project, kind="progress", due_date=date(2027, 1, 1)
    )
    with pytest.raises(PermissionDenied):
        workflow.submit_report(report=report, actor=setup["other"], data={"text": "x"})
    with pytest.raises(ValidationError):
        workflow.submit_report(report=report, actor=setup["owner"], data={"text": " "})
    workflow.submit_report(
        report=report, actor=setup["owner"], data={"text": "Klart.", "jobs_women": 2, "jobs_men": 1}
    )
    report.refresh_from_db()
    assert (report.jobs_women, report.jobs_men, report.submitted_by) == (2, 1, setup["owner"])
    with pytest.raises(ValidationError):
        workflow.submit_report(report=report, actor=setup["owner"], data={"text": "Igen"})


def test_reminders_sent_once_for_due_and_overdue(setup: dict[str, Any]) -> None:
    project = b.application(setup["call"], status=S.RUNNING, created_by=setup["owner"])
    today = timezone.localdate()
    overdue = FollowUpReport.objects.create(
        project=project, kind="progress", due_date=today - timedelta(days=3)
    )
    soon = FollowUpReport.objects.create(
        project=project, kind="final", due_date=today + timedelta(days=14)
    )
    FollowUpReport.objects.create(
        project=project, kind="final", due_date=today + timedelta(days=15)
    )
    FollowUpReport.objects.create(
        project=project, kind="progress", due_date=today, submitted_at=timezone.now()
    )
    assert send_followup_reminders.call() == 2
    assert send_followup_reminders.call() == 0
    assert len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == {setup["owner"].email}
    assert f"/programmes/projects/{project.reference}/reports/{overdue.pk}/" in mail.outbox[0].body
    assert project.reference in mail.outbox[1].subject
    overdue.refresh_from_db()
    soon.refresh_from_db()
    assert overdue.reminded_at is not None
    assert soon.reminded_at is not None


# Pages and permissions --------------------------------------------------------------------------


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def test_call_list_and_page_public(setup: dict[str, Any], client: Client) -> None:
    call = setup["call"]
    hidden = b.call(call.programme)
    hidden.published = False
    hidden.save()
    page = client.get(reverse("programmes:calls")).content.decode()
    assert call.title in page
    assert reverse("programmes:call", args=[call.slug]) in page
    assert reverse("programmes:call", args=[hidden.slug]) not in page
    detail = client.get(call.get_absolute_url())
    text = detail.content.decode()
    assert "Kriterium A" in text
    assert "1.1 Åtgärd 1.1" in text
    assert "50 %" in text
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_application_create_page_for_own_organisation(
    setup: dict[str, Any], client: Client
) -> None:
    call, org = setup["call"], setup["org"]
    login(client, setup["owner"])
    measure = call.measures.get(code="1.1")
    financier = b.organisation("Region Västernorrland")
    data = {
        "title": "Ny ansökan",
        "applicant": org.pk,
        "measures": [measure.pk],
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "expected_jobs_women": 0,
        "expected_jobs_men": 0,
        "expected_companies": 0,
        "expected_participants_women": 0,
        "expected_participants_men": 0,
        **b.ANSWERS,
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 60,
        "lines-0-financier": financier.pk,
        "lines-0-category": "county_council",
        "lines-0-year": 2026,
        "lines-0-budget_sek": 500,
        "lines-1-financier": org.pk,
        "lines-1-category": "private",
        "lines-1-year": 2026,
        "lines-1-budget_sek": 500,
    }
    response = client.post(reverse("programmes:application-create", args=[call.slug]), data)
    project = Project.objects.get(title="Ny ansökan")
    assert response.url == project.get_absolute_url()
    assert project.financing_lines.count() == 2
    response = client.post(reverse("programmes:project-submit", args=[project.reference]))
    project.refresh_from_db()
    assert project.status == S.SUBMITTED


def test_application_create_with_bad_lines_writes_nothing(
    setup: dict[str, Any], client: Client
) -> None:
    login(client, setup["owner"])
    data = {
        "title": "Trasig",
        **dict.fromkeys(EXPECTED, 0),
        "applicant": setup["org"].pk,
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 60,
        "lines-0-financier": setup["org"].pk,
        "lines-0-category": "private",
        "lines-0-year": 2030,
        "lines-0-budget_sek": 500,
    }
    response = client.post(
        reverse("programmes:application-create", args=[setup["call"].slug]),
        data,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "outside the project period" in response.content.decode()
    assert not Project.objects.filter(title="Trasig").exists()


def test_project_page_visibility_per_role(setup: dict[str, Any], client: Client) -> None:
    project = b.application(setup["call"], applicant=setup["org"], created_by=setup["owner"])
    url = project.get_absolute_url()
    assert client.get(url).status_code == 404  # anonymous, draft
    assert login(Client(), setup["other"]).get(url).status_code == 404
    assert login(Client(), setup["owner"]).get(url).status_code == 200
    assert login(Client(), setup["officer"]).get(url).status_code == 200
    Project.objects.filter(pk=project.pk).update(status=S.RUNNING)
    assert client.get(url).status_code == 200  # granted projects are public


def test_edit_and_status_writes_per_role(setup: dict[str, Any], client: Client) -> None:
    project = b.application(setup["call"], applicant=setup["org"], created_by=setup["owner"])
    edit = reverse("programmes:application-edit", args=[project.reference])
    submit = reverse("programmes:project-submit", args=[project.reference])
    status = reverse("programmes:project-status", args=[project.reference])
    assert client.get(edit).status_code == 302  # to login
    assert client.post(submit).status_code == 302
    assert not Project.objects.filter(pk=project.pk, status=S.SUBMITTED).exists()
    other = login(Client(), setup["other"])
    assert other.get(edit).status_code == 403
    assert other.post(submit).status_code == 404
    assessor = login(Client(), b.user("assessor"))
    assert assessor.get(edit).status_code == 403
    assert assessor.post(status, {"to_status": S.IN_ASSESSMENT}).status_code == 403
    owner = login(Client(), setup["owner"])
    assert owner.get(edit).status_code == 200
    owner.post(submit)
    assert owner.get(edit).status_code == 403  # no longer a draft
    assert owner.post(status, {"to_status": S.IN_ASSESSMENT}).status_code == 403
    officer = login(Client(), setup["officer"])
    officer.post(status, {"to_status": S.IN_ASSESSMENT})
    assert Project.objects.get(pk=project.pk).status == S.IN_ASSESSMENT


def test_call_create_only_for_officer(setup: dict[str, Any], client: Client) -> None:
    prog = setup["call"].programme
    url = reverse("programmes:call-create")
    assert login(Client(), setup["owner"]).get(url).status_code == 403
    officer = login(client, setup["officer"])
    response = officer.post(
        url,
        {
            "programme": prog.pk,
            "slug": "hosten-2026",
            "title": "Hösten 2026",
            "measures": [prog.measures.get(code="1.2").pk],
            "opens": "2026-09-01",
            "closes": "2026-10-31",
            "max_support_share": "0.6",
            "published": "on",
        },
    )
    call = prog.calls.get(slug="hosten-2026")
    assert response.url == call.get_absolute_url()
    assert call.call_criteria.count() == 3
    assert list(call.measures.values_list("code", flat=True)) == ["1.2"]


def test_call_applications_export_for_officer(setup: dict[str, Any], client: Client) -> None:
    project = b.application(setup["call"], status=S.SUBMITTED)
    url = setup["call"].get_absolute_url() + "?export=csv"
    response = login(client, setup["officer"]).get(url)
    body = response.content.decode("utf-8-sig")
    assert project.reference in body
    assert "300000" in body
