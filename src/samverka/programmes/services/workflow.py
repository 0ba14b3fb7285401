"""The application/project pipeline: creating and editing applications, submitting them, status
transitions with their history, and the follow-up reports of granted projects.

Pipeline (``ALLOWED``)::

    draft → submitted → in_assessment → granted | rejected
                 ↘ draft (returned for completion)
    granted → running → final_report → closed

- The applicant (the user who created the application, or a person of the applicant
  organisation) submits their own draft; a programme officer may submit on their behalf.
- Every other step is the programme officer's. ``granted``/``rejected`` are reached only
  through ``services.assessment.decide`` (which records amounts and motivation).
- ``final_report → closed`` requires the final follow-up report to be submitted.

Every change writes a ``StatusChange`` (who, when, note) and an audit entry. Functions raise
``ValidationError`` (with field names where there is one) or ``PermissionDenied``.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverka.actors.models import Organisation
from samverka.core import audit, roles
from samverka.core.sanitise import clean_html
from samverka.programmes.enums import ProjectStatus, ReportKind
from samverka.programmes.models import Call, FollowUpReport, Measure, Project, StatusChange
from samverka.programmes.services.financing import financing_problems

S = ProjectStatus

ALLOWED: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset({S.IN_ASSESSMENT, S.DRAFT}),
    S.IN_ASSESSMENT: frozenset({S.GRANTED, S.REJECTED}),
    S.GRANTED: frozenset({S.RUNNING}),
    S.RUNNING: frozenset({S.FINAL_REPORT}),
    S.FINAL_REPORT: frozenset({S.CLOSED}),
    S.REJECTED: frozenset(),
    S.CLOSED: frozenset(),
}
DECISION_STATUSES = frozenset({S.GRANTED, S.REJECTED})

#: Fields an application form may set (``applicant`` is checked separately).
APPLICATION_FIELDS = [
    "title",
    "applicant",
    "description",
    "sustainability_economic",
    "sustainability_ecological",
    "sustainability_social",
    "gender_equality",
    "youth",
    "integration",
    "expected_jobs_women",
    "expected_jobs_men",
    "expected_companies",
    "expected_participants_women",
    "expected_participants_men",
    "start_date",
    "end_date",
]
#: Answers every application must give before it can be submitted.
REQUIRED_ANSWERS = [
    "sustainability_economic",
    "sustainability_ecological",
    "sustainability_social",
    "gender_equality",
    "youth",
    "integration",
]
FINAL_REPORT_MONTHS = 2


# Permissions ------------------------------------------------------------------------------------


def is_applicant(user: Any, project: Project) -> bool:
    """The user who created the application or a person of the applicant organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return project.created_by_id == user.pk or project.applicant_id in (
        roles.applicant_organisation_ids(user)
    )


def may_transition(user: Any, project: Project, to_status: str) -> bool:
    """Whether ``user`` may move ``project`` to ``to_status`` (ignoring completeness checks)."""
    if to_status not in ALLOWED.get(project.status, ()):
        return False
    if to_status == S.SUBMITTED:
        return roles.is_programme_officer(user) or is_applicant(user, project)
    return roles.is_programme_officer(user)


def call_is_open(call: Call, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return call.published and call.opens <= today <= call.closes


# References ------------------------------------------------------------------------------------


def _reference_prefix(*, call: Call | None, programme: Any) -> str:
    if call is not None:
        return call.slug.upper()[:32]
    return f"{programme.code.upper()[:24]}-{timezone.localdate().year}"


def next_reference(*, call: Call | None, programme: Any) -> str:
    """The next free reference: ``<CALL-SLUG>-<nnn>`` (or ``<PROGRAMME>-<year>-<nnn>``)."""
    prefix = _reference_prefix(call=call, programme=programme)
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)$")
    numbers = [
        int(m.group(1))
        for ref in Project.objects.filter(reference__startswith=f"{prefix}-").values_list(
            "reference", flat=True
        )
        if (m := pattern.match(ref))
    ]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


# Creating and editing ---------------------------------------------------------------------------


def _snapshot(project: Project) -> dict[str, Any]:
    data = audit.snapshot(project, [*APPLICATION_FIELDS, "status"])
    if project.pk:
        data["partners"] = sorted(project.partners.values_list("pk", flat=True))
        data["measures"] = sorted(project.measures.values_list("code", flat=True))
        data["municipalities"] = sorted(project.municipalities.values_list("code", flat=True))
    return data


def _check_applicant(actor: Any, applicant: Organisation | None) -> None:
    if applicant is None:
        raise ValidationError({"applicant": _("Choose the applicant organisation.")})
    if not roles.is_programme_officer(actor) and applicant.pk not in (
        roles.applicant_organisation_ids(actor)
    ):
        raise ValidationError(
            {"applicant": _("You can apply only for the organisation you belong to.")}
        )


def _check_measures(call: Call | None, measures: Iterable[Measure], programme: Any) -> list:
    measures = list(measures)
    if call is not None:
        allowed = set(call.measures.values_list("pk", flat=True))
        if any(m.pk not in allowed for m in measures):
            raise ValidationError({"measures": _("Choose only measures this call is open to.")})
    elif any(m.programme_id != programme.pk for m in measures):
        raise ValidationError({"measures": _("Choose only measures of the programme.")})
    return measures


def _apply(project: Project, data: Mapping[str, Any]) -> None:
    for name in APPLICATION_FIELDS:
        if name in data:
            setattr(project, name, data[name])
    project.description = clean_html(project.description)


@transaction.atomic
def create_application(
    *,
    actor: Any,
    call: Call,
    data: Mapping[str, Any],
    partners: Iterable[Organisation] = (),
    measures: Iterable[Measure] = (),
    municipalities: Iterable[Any] = (),
) -> Project:
    """Create a draft application to ``call`` with a fresh unique reference; audit-logged.

    ``data`` holds fields of ``APPLICATION_FIELDS`` (``applicant`` is an Organisation). Anyone
    logged in may apply for their own organisation while the call is published and not closed;
    programme officers may create applications for any organisation at any time.

    Raises PermissionDenied for anonymous users and ValidationError (field names) for bad data.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        raise PermissionDenied
    officer = roles.is_programme_officer(actor)
    if not officer and (not call.published or call.closes < timezone.localdate()):
        raise ValidationError(_("This call is not open for applications."), code="call_closed")
    _check_applicant(actor, data.get("applicant"))
    measures = _check_measures(call, measures, call.programme)
    project = Project(programme=call.programme, call=call, created_by=actor)
    _apply(project, data)
    project.full_clean(exclude=["reference"])
    for _attempt in range(5):
        project.reference = next_reference(call=call, programme=call.programme)
        try:
            # A savepoint, so that a reference taken by a concurrent request can be retried.
            with transaction.atomic():
                project.save()
            break
        except IntegrityError:
            project.pk = None
    else:
        raise ValidationError(_("Could not allocate a reference; try again."), code="reference")
    project.partners.set(partners)
    project.measures.set(measures)
    project.municipalities.set(municipalities)
    StatusChange.objects.create(project=project, from_status="", to_status=S.DRAFT, actor=actor)
    audit.record(
        actor=actor,
        action="project.created",
        obj=project,
        changes=audit.diff({}, _snapshot(project)),
    )
    return project


@transaction.atomic
def update_application(
    *,
    project: Project,
    actor: Any,
    data: Mapping[str, Any],
    partners: Iterable[Organisation] | None = None,
    measures: Iterable[Measure] | None = None,
    municipalities: Iterable[Any] | None = None,
) -> Project:
    """Change an application's fields (only those in ``data``) and, when given, its partners,
    measures and municipalities; audit-logged with the changed values.

    Applicants may edit only their own drafts; programme officers any application.
    Raises PermissionDenied or ValidationError (field names).
    """
    if not roles.can_edit_application(actor, project):
        raise PermissionDenied
    before = _snapshot(project)
    if "applicant" in data and data["applicant"] != project.applicant:
        _check_applicant(actor, data["applicant"])
    _apply(project, data)
    project.full_clean()
    project.save()
    if partners is not None:
        project.partners.set(partners)
    if measures is not None:
        project.measures.set(_check_measures(project.call, measures, project.programme))
    if municipalities is not None:
        project.municipalities.set(municipalities)
    changes = audit.diff(before, _snapshot(project))
    if changes:
        audit.record(actor=actor, action="project.changed", obj=project, changes=changes)
    return project


# Submission and transitions ---------------------------------------------------------------------


def completeness_problems(*, project: Project) -> dict[str, list[str]]:
    """What is missing before ``project`` can be submitted, by field (empty = complete)."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    if not project.title.strip():
        add("title", _("Give the application a title."))
    if not project.applicant_id:
        add("applicant", _("Choose the applicant organisation."))
    measures = set(project.measures.values_list("pk", flat=True))
    if project.call_id:
        allowed = set(project.call.measures.values_list("pk", flat=True))
        if not measures & allowed:
            add("measures", _("Choose at least one measure of the call."))
        elif measures - allowed:
            add("measures", _("Choose only measures this call is open to."))
    elif not measures:
        add("measures", _("Choose at least one measure."))
    if not project.start_date:
        add("start_date", _("Give a start date."))
    if not project.end_date:
        add("end_date", _("Give an end date."))
    if project.start_date and project.end_date and project.end_date < project.start_date:
        add("end_date", _("The end date is before the start date."))
    for name in REQUIRED_ANSWERS:
        if not getattr(project, name).strip():
            add(
                name,
                _("Answer the question on %(topic)s.")
                % {"topic": Project._meta.get_field(name).verbose_name},
            )
    for field, message in financing_problems(project=project):
        add(field, message)
    return problems


def _lock(project: Project) -> Project:
    """Re-read the project's row under a lock so that two requests cannot both move it."""
    locked = (
        Project.objects.select_for_update(of=("self",)).select_related("call").get(pk=project.pk)
    )
    project.status = locked.status
    return project


def _move(project: Project, *, to_status: str, actor: Any, note: str, **fields: Any) -> None:
    from_status = project.status
    project.status = to_status
    for name, value in fields.items():
        setattr(project, name, value)
    project.save(update_fields=["status", "updated", *fields])
    StatusChange.objects.create(
        project=project, from_status=from_status, to_status=to_status, actor=actor, note=note
    )
    audit.record(
        actor=actor,
        action="project.status_changed",
        obj=project,
        changes={"status": [from_status, to_status], **({"note": note} if note else {})},
    )


@transaction.atomic
def transition(*, project: Project, to_status: str, actor: Any, note: str = "") -> Project:
    """Move ``project`` to ``to_status`` when the pipeline allows it and ``actor`` may do so.

    Moving to ``submitted`` runs the same checks as ``submit``; ``granted``/``rejected`` are
    refused here (use ``assessment.decide``); ``closed`` requires the submitted final report.
    Records a StatusChange and an audit entry.

    Raises ValidationError (code ``transition_not_allowed``) for a step the pipeline does not
    allow, PermissionDenied when the actor may not take an allowed step.
    """
    if to_status == S.SUBMITTED:
        return submit(project=project, actor=actor, note=note)
    _lock(project)
    _check_step(project, to_status)
    if to_status in DECISION_STATUSES:
        raise ValidationError(
            _(
                "An application is granted or rejected only by a decision with amounts and motivation."
            ),
            code="decision_required",
        )
    if not may_transition(actor, project, to_status):
        raise PermissionDenied
    if to_status == S.DRAFT and not note.strip():
        raise ValidationError({"note": _("Say what the applicant needs to complete.")})
    if (
        to_status == S.CLOSED
        and not project.reports.filter(kind=ReportKind.FINAL, submitted_at__isnull=False).exists()
    ):
        raise ValidationError(
            _("The project can be closed only when its final report is submitted."),
            code="final_report_missing",
        )
    extra = {"submitted_at": None} if to_status == S.DRAFT else {}
    _move(project, to_status=to_status, actor=actor, note=note, **extra)
    return project


def _check_step(project: Project, to_status: str) -> None:
    if to_status not in S.values:
        raise ValidationError(
            _("Unknown status %(status)s.") % {"status": to_status}, code="status"
        )
    if to_status not in ALLOWED.get(project.status, ()):
        raise ValidationError(
            _("An application cannot go from “%(from)s” to “%(to)s”.")
            % {"from": S(project.status).label, "to": S(to_status).label},
            code="transition_not_allowed",
        )


@transaction.atomic
def submit(*, project: Project, actor: Any, note: str = "") -> Project:
    """Submit a complete draft while its call is open (opens ≤ today ≤ closes).

    The applicant submits their own draft; a programme officer may submit any. Raises
    PermissionDenied, or ValidationError keyed by the incomplete fields (``financing_lines`` for
    the financing), or with code ``call_closed`` / ``transition_not_allowed``.
    """
    _lock(project)
    _check_step(project, S.SUBMITTED)
    if not may_transition(actor, project, S.SUBMITTED):
        raise PermissionDenied
    if project.call_id and not call_is_open(project.call):
        raise ValidationError(
            _("The call is not open: applications are accepted from %(opens)s to %(closes)s.")
            % {"opens": project.call.opens.isoformat(), "closes": project.call.closes.isoformat()},
            code="call_closed",
        )
    problems = completeness_problems(project=project)
    if problems:
        raise ValidationError(problems)
    _move(project, to_status=S.SUBMITTED, actor=actor, note=note, submitted_at=timezone.now())
    return project


# Follow-up --------------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def create_followup_reports(*, project: Project) -> list[FollowUpReport]:
    """Create the due follow-up reports of a granted project (idempotent): a progress report on
    each anniversary of the start date before the end date, and the final report two months
    after the end date. Existing reports of the same kind and due date are kept."""
    if not (project.start_date and project.end_date):
        return []
    wanted = []
    due = add_months(project.start_date, 12)
    years = 1
    while due < project.end_date:
        wanted.append((ReportKind.PROGRESS, due))
        years += 1
        due = add_months(project.start_date, 12 * years)
    wanted.append((ReportKind.FINAL, add_months(project.end_date, FINAL_REPORT_MONTHS)))
    have = set(project.reports.values_list("kind", "due_date"))
    FollowUpReport.objects.bulk_create(
        [
            FollowUpReport(project=project, kind=k, due_date=d)
            for k, d in wanted
            if (k, d) not in have
        ]
    )
    return list(project.reports.all())


REPORT_FIELDS = [
    "jobs_women",
    "jobs_men",
    "new_companies",
    "participants_women",
    "participants_men",
    "text",
]


def can_submit_report(user: Any, report: FollowUpReport) -> bool:
    project = report.project
    if report.submitted_at is not None:
        return False
    if project.status not in {S.GRANTED, S.RUNNING, S.FINAL_REPORT}:
        return False
    return roles.is_programme_officer(user) or is_applicant(user, project)


@transaction.atomic
def submit_report(*, report: FollowUpReport, actor: Any, data: Mapping[str, Any]) -> FollowUpReport:
    """Submit a follow-up report with its results (``REPORT_FIELDS``); audit-logged.

    The applicant or a programme officer submits it, once, while the project is granted, running
    or in its final-report stage. Raises PermissionDenied or ValidationError.
    """
    report = (
        FollowUpReport.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=report.pk)
    )
    if report.submitted_at is not None:
        raise ValidationError(_("This report has already been submitted."), code="submitted")
    if not can_submit_report(actor, report):
        raise PermissionDenied
    if not str(data.get("text", "")).strip():
        raise ValidationError({"text": _("Describe what the project has done.")})
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    report.text = clean_html(report.text)
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.full_clean()
    report.save()
    audit.record(
        actor=actor,
        action="project.report_submitted",
        obj=report.project,
        changes={"report": [None, audit.snapshot(report, ["kind", "due_date", *REPORT_FIELDS])]},
    )
    return report


# Calls ------------------------------------------------------------------------------------------

CALL_FIELDS = [
    "programme",
    "slug",
    "title",
    "description",
    "opens",
    "closes",
    "max_support_share",
    "published",
]


@transaction.atomic
def save_call(
    *,
    actor: Any,
    call: Call | None = None,
    data: Mapping[str, Any],
    measures: Iterable[Measure] | None = None,
    weights: Mapping[int, Any] | None = None,
) -> Call:
    """Create or update a call (programme officers only); audit-logged.

    ``weights`` is ``{criterion_id: weight}`` for criteria of the call's programme; a new call
    without ``weights`` gets every programme criterion with the programme's weight. Measures must
    belong to the call's programme. Raises PermissionDenied or ValidationError (field names).
    """
    if not roles.is_programme_officer(actor):
        raise PermissionDenied
    creating = call is None
    call = call or Call()
    before = {} if creating else _call_snapshot(call)
    for name in CALL_FIELDS:
        if name in data:
            setattr(call, name, data[name])
    call.description = clean_html(call.description)
    call.full_clean()
    if measures is not None:
        measures = list(measures)
        if any(m.programme_id != call.programme_id for m in measures):
            raise ValidationError({"measures": _("Choose only measures of the call's programme.")})
    call.save()
    if measures is not None:
        call.measures.set(measures)
    criteria = {c.pk: c for c in call.programme.criteria.all()}
    if weights is None and creating:
        weights = {pk: c.weight for pk, c in criteria.items()}
    if weights is not None:
        if unknown := set(map(int, weights)) - set(criteria):
            raise ValidationError(
                {"weights": _("Unknown criteria: %(ids)s.") % {"ids": sorted(unknown)}}
            )
        for weight in weights.values():
            if weight is None or Decimal(weight) < 0:
                raise ValidationError({"weights": _("Weights must be 0 or more.")})
        call.call_criteria.exclude(criterion_id__in=[int(k) for k in weights]).delete()
        for criterion_id, weight in weights.items():
            call.call_criteria.update_or_create(
                criterion_id=int(criterion_id), defaults={"weight": Decimal(weight)}
            )
    changes = audit.diff(before, _call_snapshot(call))
    if changes:
        audit.record(
            actor=actor,
            action="call.created" if creating else "call.changed",
            obj=call,
            changes=changes,
        )
    return call


def _call_snapshot(call: Call) -> dict[str, Any]:
    data = audit.snapshot(call, CALL_FIELDS)
    if call.pk:
        data["measures"] = sorted(call.measures.values_list("code", flat=True))
        data["weights"] = {str(cc.criterion_id): str(cc.weight) for cc in call.call_criteria.all()}
    return data


@transaction.atomic
def add_call_document(*, call: Call, actor: Any, title: str, file: Any) -> Any:
    """Attach a document to a call (programme officers only); audit-logged. The file's type is
    sniffed from its content and its size capped (as for knowledge-hub attachments); raises
    ValidationError when refused."""
    from samverka.knowledge.attachments import check_upload

    if not roles.is_programme_officer(actor):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError({"title": _("Give the document a title.")})
    try:
        name, _content_type = check_upload(file)
    except ValidationError as error:
        raise ValidationError({"file": error.messages}) from error
    file.name = name
    document = call.documents.create(title=title.strip(), file=file)
    audit.record(
        actor=actor, action="call.document_added", obj=call, changes={"document": [None, title]}
    )
    return document
