"""Pages of calls, applications/projects, assessment, decisions and follow-up.

Thin: each view fetches its object through a permission check, hands the form data to a service in
``programmes.services`` and turns ValidationError into form errors or messages.
"""

from __future__ import annotations

import copy
import os
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.actors.models import Organisation
from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.knowledge import attachments
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.forms import (
    ApplicationForm,
    AssessorForm,
    CallDocumentForm,
    CallForm,
    ConflictForm,
    DecisionForm,
    FinancingFormSet,
    FollowUpReportForm,
    OutcomeForm,
    ScoreForm,
    TransitionForm,
    financing_lines,
)
from samverka.programmes.models import (
    Assessment,
    Call,
    CallDocument,
    FollowUpReport,
    Project,
    Score,
    StatusChange,
)
from samverka.programmes.services import assessment as assessment_service
from samverka.programmes.services import financing, workflow

S = ProjectStatus


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _officer(user: Any, _obj: Any = None) -> bool:
    return roles.is_programme_officer(user)


# Calls ------------------------------------------------------------------------------------------


def _visible_calls(user: Any) -> Any:
    calls = Call.objects.select_related("programme")
    return calls if roles.is_programme_officer(user) else calls.filter(published=True)


@require_GET
def call_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    calls = _visible_calls(request.user).order_by("closes")
    return render(
        request,
        "programmes/call_list.html",
        {
            "open_calls": [c for c in calls if c.opens <= today <= c.closes],
            "upcoming_calls": [c for c in calls if c.opens > today],
            "closed_calls": [c for c in calls if c.closes < today][:20],
            "is_officer": roles.is_programme_officer(request.user),
        },
    )


def _call_or_404(request: HttpRequest, slug: str) -> Call:
    return get_object_or_404(_visible_calls(request.user), slug=slug)


@require_GET
def call_detail(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(request, slug)
    officer = roles.is_programme_officer(request.user)
    weights = assessment_service.call_weights(call)
    applications = None
    if officer:
        applications = call.applications.select_related("applicant").with_totals()
        export = request.GET.get("export")
        if export in FORMATS:
            rows = (
                [
                    p.reference,
                    p.title,
                    p.applicant.name,
                    p.get_status_display(),
                    p.submitted_at,
                    p.budget_total or 0,
                    p.decided_total or 0,
                ]
                for p in applications
            )
            headers = [
                _("Reference"),
                _("Title"),
                _("Applicant"),
                _("Status"),
                _("Submitted"),
                _("Budget (SEK)"),
                _("Decided (SEK)"),
            ]
            return table_response(headers, rows, fmt=export, filename=f"{call.slug}-applications")
    return render(
        request,
        "programmes/call_detail.html",
        {
            "call": call,
            "measures": call.measures.select_related("priority_area"),
            "criteria": [(c, w) for c, w in weights.values()],
            "documents": call.documents.all(),
            "is_open": workflow.call_is_open(call),
            "is_officer": officer,
            "applications": applications,
            "assessors": call.assessors.order_by("username") if officer else None,
            "assessor_form": AssessorForm() if officer else None,
            "document_form": CallDocumentForm() if officer else None,
            "support_percent": call.max_support_share * 100,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    if not roles.is_programme_officer(request.user):
        raise PermissionDenied
    call = get_object_or_404(Call, slug=slug) if slug else None
    form = CallForm(request.POST or None, instance=copy.copy(call))
    if request.method == "POST" and form.is_valid():
        try:
            saved = workflow.save_call(
                actor=request.user,
                call=call,
                data=form.call_data(),
                measures=form.cleaned_data["measures"],
                weights=form.weights(),
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Saved the call %(title)s.") % {"title": saved.title})
            return redirect(saved)
    return render(request, "programmes/call_form.html", {"form": form, "call": call})


@login_required
@require_POST
def call_document_add(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_for_write(Call, _officer, request.user, slug=slug)
    form = CallDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            workflow.add_call_document(call=call, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Document added."))
    else:
        messages.error(request, _("Choose a file and give it a title."))
    return redirect(call)


@require_GET
def call_document(request: HttpRequest, pk: int) -> FileResponse:
    """Download a call document: always as a download, never rendered by the browser."""
    document = get_object_or_404(CallDocument, pk=pk, call__in=_visible_calls(request.user))
    return attachments.download(document.file, os.path.basename(document.file.name))


@login_required
@require_POST
def call_assessor(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_for_write(Call, _officer, request.user, slug=slug)
    if "remove" in request.POST:
        user = get_object_or_404(get_user_model(), pk=request.POST["remove"])
        assessment_service.unassign_assessor(call=call, user=user, actor=request.user)
        messages.success(request, _("Removed %(user)s from the assessors.") % {"user": user})
        return redirect(call)
    form = AssessorForm(request.POST)
    if form.is_valid():
        user = form.cleaned_data["user"]
        assessment_service.assign_assessor(call=call, user=user, actor=request.user)
        messages.success(request, _("%(user)s assesses this call.") % {"user": user})
    else:
        messages.error(request, _("Choose an assessor."))
    return redirect(call)


@login_required
@require_GET
def call_ranking(request: HttpRequest, slug: str) -> HttpResponse:
    call = get_for_write(
        Call.objects.select_related("programme"), _officer, request.user, slug=slug
    )
    rows = assessment_service.ranking(call=call)
    assessors = [s.assessor for s in rows[0].scores] if rows else list(call.assessors.all())
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Rank"),
            _("Reference"),
            _("Title"),
            _("Applicant"),
            _("Status"),
            *[str(a) for a in assessors],
            _("Mean"),
        ]
        table = (
            [
                r.rank or "",
                r.project.reference,
                r.project.title,
                r.project.applicant.name,
                r.project.get_status_display(),
                *[float(s.score) if s.score is not None else "" for s in r.scores],
                float(r.mean) if r.mean is not None else "",
            ]
            for r in rows
        )
        return table_response(headers, table, fmt=export, filename=f"{call.slug}-ranking")
    return render(
        request,
        "programmes/call_ranking.html",
        {"call": call, "rows": rows, "assessors": assessors},
    )


# Applications -----------------------------------------------------------------------------------


def _applicant_choices(user: Any) -> Any:
    if roles.is_programme_officer(user):
        return Organisation.objects.order_by("name")
    return Organisation.objects.filter(pk__in=roles.applicant_organisation_ids(user))


def _save_application(request: HttpRequest, *, call: Call, project: Project | None) -> HttpResponse:
    initial_lines = (
        [
            {
                "financier": ln.financier_id,
                "category": ln.category,
                "year": ln.year,
                "budget_sek": ln.budget_sek,
            }
            for ln in project.financing_lines.all()
        ]
        if project
        else []
    )
    applicants = _applicant_choices(request.user)
    form = ApplicationForm(
        request.POST or None,
        instance=copy.copy(project),
        call=call,
        applicants=applicants,
        initial={} if project else {"applicant": applicants.first()},
    )
    formset = FinancingFormSet(request.POST or None, initial=initial_lines, prefix="lines")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        related = {
            "partners": form.cleaned_data["partners"],
            "measures": form.cleaned_data["measures"],
            "municipalities": form.cleaned_data["municipalities"],
        }
        try:
            if project is None:
                saved = workflow.create_application(
                    actor=request.user, call=call, data=form.application_data(), **related
                )
            else:
                saved = workflow.update_application(
                    project=project, actor=request.user, data=form.application_data(), **related
                )
            financing.save_financing_lines(
                project=saved, actor=request.user, lines=financing_lines(formset)
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Saved the draft %(reference)s. Submit it when it is complete.")
                % {"reference": saved.reference},
            )
            return redirect(saved)
    return render(
        request,
        "programmes/application_form.html",
        {"form": form, "formset": formset, "call": call, "project": project},
    )


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call_or_404(request, slug)
    if not (roles.is_programme_officer(request.user) or workflow.call_is_open(call)):
        messages.error(request, _("This call is not open for applications."))
        return redirect(call)
    if not _applicant_choices(request.user).exists():
        messages.error(
            request,
            _("Your account is not linked to an organisation, so you cannot apply yet."),
        )
        return redirect(call)
    # The transaction keeps the project and its lines together when the lines are invalid.
    with transaction.atomic():
        response = _save_application(request, call=call, project=None)
        if request.method == "POST" and response.status_code == 200:
            transaction.set_rollback(True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, reference: str) -> HttpResponse:
    project = get_for_write(
        Project.objects.select_related("call", "programme"),
        roles.can_edit_application,
        request.user,
        reference=reference,
    )
    if project.call is None:
        raise Http404
    with transaction.atomic():
        response = _save_application(request, call=project.call, project=project)
        if request.method == "POST" and response.status_code == 200:
            transaction.set_rollback(True)
    return response


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    """The user's own applications and, for assessors, the applications they assess."""
    user = request.user
    own = (
        Project.objects.filter(
            Q(created_by=user) | Q(applicant_id__in=roles.applicant_organisation_ids(user))
        )
        .select_related("call", "applicant")
        .distinct()
    )
    to_assess = (
        Project.objects.filter(call__assessors=user, status=S.IN_ASSESSMENT)
        .select_related("call", "applicant")
        .prefetch_related(
            Prefetch("assessments", queryset=Assessment.objects.filter(assessor=user))
        )
        if roles.is_assessor(user)
        else None
    )
    return render(request, "programmes/application_list.html", {"own": own, "to_assess": to_assess})


def _project_for_view(request: HttpRequest, reference: str) -> Project:
    project = get_object_or_404(
        Project.objects.select_related("call__programme", "programme", "applicant", "created_by"),
        reference=reference,
    )
    if not roles.can_view_application(request.user, project):
        raise Http404
    return project


@require_GET
def project_detail(request: HttpRequest, reference: str) -> HttpResponse:
    project = _project_for_view(request, reference)
    user = request.user
    officer = roles.is_programme_officer(user)
    lines = list(project.financing_lines.select_related("financier"))
    sums = financing.totals(lines)
    assessments = None
    if officer and project.call_id:
        weights = assessment_service.call_weights(project.call)
        assessments = [
            (a, assessment_service.weighted_score(a, weights=weights))
            for a in project.assessments.select_related("assessor").prefetch_related(
                Prefetch("scores", queryset=Score.objects.select_related("criterion"))
            )
        ]
    transitions = [
        (status, S(status).label)
        for status in sorted(workflow.ALLOWED.get(project.status, ()))
        if status not in workflow.DECISION_STATUSES
        and status != S.SUBMITTED
        and workflow.may_transition(user, project, status)
    ]
    is_applicant = workflow.is_applicant(user, project)
    reports = list(project.reports.all())
    return render(
        request,
        "programmes/project_detail.html",
        {
            "project": project,
            "history": StatusChange.objects.filter(project=project).select_related("actor"),
            "lines": lines,
            "totals": sums,
            "support_percent": sums.support_share * 100 if sums.support_share is not None else None,
            "max_percent": project.call.max_support_share * 100 if project.call_id else None,
            "assessments": assessments,
            "reports": [(r, workflow.can_submit_report(user, r)) for r in reports],
            "can_edit": roles.can_edit_application(user, project) and project.status == S.DRAFT,
            "can_submit": project.status == S.DRAFT
            and workflow.may_transition(user, project, S.SUBMITTED),
            "missing": workflow.completeness_problems(project=project)
            if project.status == S.DRAFT and (is_applicant or officer)
            else None,
            "transitions": transitions,
            "can_decide": officer and project.status == S.IN_ASSESSMENT,
            "can_record_outcome": financing.can_record_outcome(user, project),
            "can_assess": project.status == S.IN_ASSESSMENT
            and assessment_service.is_assigned(user, project),
            "is_officer": officer,
            "measures": project.measures.all(),
            "partners": project.partners.all(),
            "municipalities": project.municipalities.all(),
        },
    )


@login_required
@require_POST
def project_submit(request: HttpRequest, reference: str) -> HttpResponse:
    project = get_object_or_404(Project.objects.select_related("call"), reference=reference)
    if not roles.can_view_application(request.user, project):
        raise Http404
    try:
        workflow.submit(project=project, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _("The application could not be submitted:"))
        _errors(request, exc)
    else:
        messages.success(
            request, _("Submitted %(reference)s. Thank you!") % {"reference": project.reference}
        )
    return redirect(project)


@login_required
@require_POST
def project_transition(request: HttpRequest, reference: str) -> HttpResponse:
    project = get_for_write(Project, _officer, request.user, reference=reference)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied
    try:
        workflow.transition(
            project=project,
            to_status=form.cleaned_data["to_status"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("%(reference)s is now “%(status)s”.")
            % {"reference": project.reference, "status": project.get_status_display()},
        )
    return redirect(project)


@login_required
@require_http_methods(["GET", "POST"])
def decision_edit(request: HttpRequest, reference: str) -> HttpResponse:
    project = get_for_write(
        Project.objects.select_related("call"), _officer, request.user, reference=reference
    )
    if project.status != S.IN_ASSESSMENT:
        messages.error(request, _("Only applications in assessment can be decided."))
        return redirect(project)
    lines = list(project.financing_lines.select_related("financier"))
    form = DecisionForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        granted = form.cleaned_data["decision"] == "grant"
        try:
            assessment_service.decide(
                project=project,
                actor=request.user,
                granted=granted,
                decided_amounts=form.amounts() if granted else {},
                motivation=form.cleaned_data["motivation"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            message = (
                _("%(reference)s was granted.") if granted else _("%(reference)s was rejected.")
            )
            messages.success(request, message % {"reference": project.reference})
            return redirect(project)
    return render(
        request,
        "programmes/decision_form.html",
        {
            "project": project,
            "form": form,
            "lines": lines,
            "totals": financing.totals(lines),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def outcome_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """The programme officer's follow-up of a granted project: outcome (and corrected decided
    amounts) per financing line."""
    project = get_for_write(
        Project.objects.select_related("call", "programme"),
        financing.can_record_outcome,
        request.user,
        reference=reference,
    )
    lines = list(project.financing_lines.select_related("financier").order_by("year", "pk"))
    form = OutcomeForm(request.POST or None, lines=lines)
    if request.method == "POST" and form.is_valid():
        try:
            financing.record_outcome(
                project=project,
                actor=request.user,
                amounts=form.amounts(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Recorded the outcome of %(reference)s.") % {"reference": project.reference},
            )
            return redirect(project)
    return render(
        request,
        "programmes/outcome_form.html",
        {"project": project, "form": form, "totals": financing.totals(lines)},
    )


# Assessment -------------------------------------------------------------------------------------


def _assignable_project(request: HttpRequest, reference: str) -> Project:
    project = get_object_or_404(
        Project.objects.select_related("call__programme", "applicant"), reference=reference
    )
    if not assessment_service.is_assigned(request.user, project):
        raise PermissionDenied
    return project


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """The assigned assessor's scoring page. GET only reads (an assessor who has not saved yet
    sees an unsaved assessment); the first valid POST creates the assessment."""
    project = _assignable_project(request, reference)
    try:
        assessment = assessment_service.assessment_for(project=project, assessor=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(project)
    weights = assessment_service.call_weights(project.call)
    stored = assessment_service.stored_scores(assessment)
    form = ScoreForm(
        request.POST or None,
        weights=weights,
        scores=stored,
        initial={"comment": assessment.comment},
    )
    if request.method == "POST" and assessment.submitted_at is None and form.is_valid():
        submit = "submit" in request.POST
        try:
            assessment_service.score_assessment(
                project=project,
                assessor=request.user,
                scores=form.scores(),
                comment=form.cleaned_data["comment"],
                submit=submit,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if submit:
                messages.success(request, _("Your assessment has been submitted."))
                return redirect(project)
            messages.success(request, _("Scores saved. Submit when you are done."))
            return redirect("programmes:assessment", reference=project.reference)
    # score_assessment saves through its own instance (rolled back on refusal), so
    # ``assessment`` still holds what was read above: no refresh needed.
    return render(
        request,
        "programmes/assessment_form.html",
        {
            "project": project,
            "assessment": assessment,
            "form": form,
            "conflict_form": ConflictForm(),
            "lines": project.financing_lines.select_related("financier"),
            "score": assessment_service.weighted_score(assessment, weights=weights),
        },
    )


@login_required
@require_POST
def assessment_conflict(request: HttpRequest, reference: str) -> HttpResponse:
    project = _assignable_project(request, reference)
    form = ConflictForm(request.POST)
    if form.is_valid():
        assessment_service.declare_conflict(
            project=project, assessor=request.user, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            _("Conflict of interest recorded; you will not assess %(reference)s.")
            % {"reference": project.reference},
        )
        return redirect("programmes:applications")
    messages.error(request, _("Describe the conflict of interest."))
    return redirect("programmes:assessment", reference=project.reference)


# Follow-up --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def followup_report(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    report = get_for_write(
        FollowUpReport.objects.select_related("project"),
        workflow.can_submit_report,
        request.user,
        pk=pk,
        project__reference=reference,
    )
    form = FollowUpReportForm(request.POST or None, instance=copy.copy(report))
    if request.method == "POST" and form.is_valid():
        try:
            workflow.submit_report(report=report, actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Report submitted."))
            return redirect(report.project)
    return render(request, "programmes/followup_form.html", {"report": report, "form": form})
