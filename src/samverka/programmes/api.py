"""API router of the programme and project database (mounted under /api/v1/).

Reading is open: programmes with their tree, published calls, granted projects and the budget
report. Applications that are not granted are visible only to those ``Project.objects.visible_to``
allows (officers, the applicant and, once submitted, the call's assessors); to anyone else they do
not exist (404).
Writes need a token or a session and go through the services, which check the roles again:
programme officers write, applicants change only their own drafts, assessors only their own
assessment.
"""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    BigIntegerField,
    Exists,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.errors import AuthenticationError
from ninja.pagination import paginate

from samverka.actors.models import Organisation
from samverka.actors.services import normalise_orgnr
from samverka.api.auth import TokenAuth, write_auth
from samverka.api.schemas import Pages
from samverka.core import roles
from samverka.geo.models import Area
from samverka.programmes.models import (
    Assessment,
    Call,
    FinancingLine,
    Measure,
    Programme,
    Project,
    StatusChange,
)
from samverka.programmes.schemas import (
    ApplicationFields,
    ApplicationIn,
    AssessmentIn,
    AssessmentOut,
    BudgetReportOut,
    CallDetail,
    CallOut,
    DecisionIn,
    FinancingIn,
    FinancingLineOut,
    FollowUpReportIn,
    FollowUpReportOut,
    ProgrammeDetail,
    ProgrammeOut,
    ProjectDetail,
    ProjectFilters,
    ProjectOut,
    TransitionIn,
)
from samverka.programmes.services import assessment as assessment_service
from samverka.programmes.services import financing, reports, workflow

router = Router(tags=["programmes"])

_token_auth = TokenAuth()


# Who is reading ---------------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> Any:
    """The user behind a read request: a bearer token when one is sent (a bad one is a 401, not
    silently anonymous), else the session's user."""
    if request.headers.get("Authorization"):
        user = _token_auth(request)
        if user is None:
            raise AuthenticationError
        return user
    return getattr(request, "user", None) or AnonymousUser()


# Lookups ----------------------------------------------------------------------------------------


def _line_total(column: str) -> Coalesce:
    total = (
        FinancingLine.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=BigIntegerField()), Value(0))


def _with_totals(projects: QuerySet[Project]) -> QuerySet[Project]:
    # Subqueries rather than joins: filters on measures or municipalities must not multiply sums.
    return projects.annotate(
        budget_sek=_line_total("budget_sek"),
        decided_sek=_line_total("decided_sek"),
        outcome_sek=_line_total("outcome_sek"),
    )


def _project_list(viewer: Any) -> QuerySet[Project]:
    return _with_totals(
        Project.objects.visible_to(viewer)
        .select_related("programme", "call", "applicant")
        .prefetch_related("measures", "municipalities")
    ).order_by("reference")


def _get_project(reference: str, viewer: Any) -> Project:
    """The project with its details, or 404 when missing or not visible to ``viewer``."""
    project = (
        _with_totals(
            Project.objects.select_related("programme", "call", "applicant").prefetch_related(
                "measures",
                "municipalities",
                "partners",
                Prefetch(
                    "financing_lines",
                    queryset=FinancingLine.objects.select_related("financier").order_by(
                        "year", "category", "pk"
                    ),
                ),
                Prefetch("status_changes", queryset=StatusChange.objects.select_related("actor")),
            )
        )
        .filter(reference=reference)
        .first()
    )
    if project is None or not roles.can_view_application(viewer, project):
        raise Http404(_("No project with the reference “%(ref)s”.") % {"ref": reference})
    return project


def _get_project_for_write(reference: str, user: Any) -> Project:
    """The bare project row for a service call: 404 unless ``user`` may at least see it."""
    project = (
        Project.objects.select_related("programme", "call", "applicant")
        .filter(reference=reference)
        .first()
    )
    if project is None or not roles.can_view_application(user, project):
        raise Http404(_("No project with the reference “%(ref)s”.") % {"ref": reference})
    return project


def _get_programme(code: str) -> Programme:
    programme = Programme.objects.select_related("owner").filter(code=code).first()
    if programme is None:
        raise Http404(_("No programme with the code “%(code)s”.") % {"code": code})
    return programme


def _calls(viewer: Any) -> QuerySet[Call]:
    calls = Call.objects.select_related("programme").prefetch_related("measures")
    if not roles.is_programme_officer(viewer):
        calls = calls.filter(published=True)
    return calls.order_by("closes", "slug")


def _application_arguments(
    data: dict[str, Any], *, programme: Programme
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn API input (ids and codes) into what the workflow service takes. Unknown ids or codes
    are a ValidationError naming every field at once."""
    errors: dict[str, list[str]] = {}
    related: dict[str, Any] = {}

    def unknown(field: str, keys: list[Any]) -> None:
        errors[field] = [_("unknown: %(keys)s") % {"keys": ", ".join(str(k) for k in keys)}]

    if "applicant" in data:
        applicant_id = data.pop("applicant")
        applicant = Organisation.objects.filter(pk=applicant_id).first() if applicant_id else None
        if applicant_id and applicant is None:
            unknown("applicant", [applicant_id])
        data["applicant"] = applicant
    if data.get("partners") is not None:
        ids = data.pop("partners")
        found = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
        if missing := [i for i in ids if i not in found]:
            unknown("partners", missing)
        related["partners"] = [found[i] for i in dict.fromkeys(ids) if i in found]
    if data.get("measures") is not None:
        codes = data.pop("measures")
        found = {m.code: m for m in Measure.objects.filter(programme=programme, code__in=codes)}
        if missing := [c for c in codes if c not in found]:
            unknown("measures", missing)
        related["measures"] = [found[c] for c in dict.fromkeys(codes) if c in found]
    if data.get("municipalities") is not None:
        codes = data.pop("municipalities")
        found = {a.code: a for a in Area.objects.municipalities().filter(code__in=codes)}
        if missing := [c for c in codes if c not in found]:
            unknown("municipalities", missing)
        related["municipalities"] = [found[c] for c in dict.fromkeys(codes) if c in found]
    for key in ("partners", "measures", "municipalities"):
        data.pop(key, None)  # sent as null: leave as they are
    for name, value in list(data.items()):
        if value is None and name not in ("start_date", "end_date", "applicant"):
            field = Project._meta.get_field(name)
            data[name] = 0 if field.get_internal_type() == "PositiveIntegerField" else ""
    if errors:
        raise ValidationError(errors)
    return data, related


def _assessment_out(assessment: Assessment) -> dict[str, Any]:
    weights = assessment_service.call_weights(assessment.project.call)
    stored = {s.criterion_id: s for s in assessment.scores.all()}
    return {
        "project": assessment.project.reference,
        "assessor": assessment.assessor.get_username(),
        "conflict_of_interest": assessment.conflict_of_interest,
        "conflict_note": assessment.conflict_note,
        "comment": assessment.comment,
        "submitted_at": assessment.submitted_at,
        "weighted_score": assessment_service.weighted_score(assessment, weights=weights),
        "scores": [
            {
                "criterion": criterion_id,
                "name": criterion.name,
                "weight": weight,
                "score": stored[criterion_id].score if criterion_id in stored else None,
                "comment": stored[criterion_id].comment if criterion_id in stored else "",
            }
            for criterion_id, (criterion, weight) in weights.items()
        ],
    }


# Programmes -------------------------------------------------------------------------------------


@router.get("/programmes", response=list[ProgrammeOut], summary="All programmes")
def list_programmes(request: HttpRequest) -> Any:
    return list(Programme.objects.select_related("owner"))


@router.get(
    "/programmes/{code}",
    response=ProgrammeDetail,
    summary="One programme with its tree of priority areas, measures and criteria",
)
def get_programme(request: HttpRequest, code: str) -> Any:
    """Priority areas → measures → sub-measures, each with its goals and the granted projects'
    count and amounts; the selection criteria with their weights."""
    return _get_programme(code)


@router.get(
    "/programmes/{code}/reports/budget",
    response=BudgetReportOut,
    summary="Budget and outcome per financier category and year",
)
def budget_report(request: HttpRequest, code: str) -> Any:
    """Indicative budget and outcome of the granted projects per financier category and year,
    with a row of category ``total`` per year (the table of the programme document)."""
    return reports.budget_report(programme=_get_programme(code))


# Calls ------------------------------------------------------------------------------------------


@router.get("/calls", response=list[CallOut], summary="Calls for applications")
def list_calls(request: HttpRequest, all: bool = False, programme: str | None = None) -> Any:
    """The calls open today; ``?all=true`` lists every published call (programme officers also
    see unpublished ones). ``programme`` narrows to one programme's calls."""
    calls = _calls(_viewer(request))
    if not all:
        today = timezone.localdate()
        calls = calls.filter(published=True, opens__lte=today, closes__gte=today)
    if programme:
        calls = calls.filter(programme__code=programme)
    return list(calls)


@router.get("/calls/{slug}", response=CallDetail, summary="One call with its criteria")
def get_call(request: HttpRequest, slug: str) -> Any:
    call = (
        _calls(_viewer(request))
        .prefetch_related("call_criteria__criterion", "documents")
        .filter(slug=slug)
        .first()
    )
    if call is None:
        raise Http404(_("No call with the slug “%(slug)s”.") % {"slug": slug})
    return call


# Projects: reading ------------------------------------------------------------------------------


@router.get("/projects", response=list[ProjectOut], summary="Projects, filtered and paged")
@paginate(Pages)
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:
    """Granted projects for everyone, plus the applications the caller may see. Filters:
    ``programme`` and ``measure`` codes, ``status``, ``year`` (has a financing line that year),
    ``applicant`` (organisation number) and ``municipality`` (code)."""
    projects = _project_list(_viewer(request))
    if filters.programme:
        projects = projects.filter(programme__code=filters.programme)
    if filters.measure:
        links = Project.measures.through.objects.filter(
            project_id=OuterRef("pk"), measure__code=filters.measure
        )
        projects = projects.filter(Exists(links))
    if filters.status:
        projects = projects.filter(status=filters.status)
    if filters.year is not None:
        lines = FinancingLine.objects.filter(project_id=OuterRef("pk"), year=filters.year)
        projects = projects.filter(Exists(lines))
    if filters.applicant:
        try:
            orgnr = normalise_orgnr(filters.applicant)
        except ValidationError as exc:
            raise ValidationError({"applicant": exc.messages}) from exc
        projects = projects.filter(applicant__orgnr=orgnr)
    if filters.municipality:
        links = Project.municipalities.through.objects.filter(
            project_id=OuterRef("pk"), area__code=filters.municipality
        )
        projects = projects.filter(Exists(links))
    return projects


@router.get(
    "/projects/{reference}",
    response=ProjectDetail,
    summary="One project with financing, measures, municipalities and history",
)
def get_project(request: HttpRequest, reference: str) -> Any:
    return _get_project(reference, _viewer(request))


# Projects: writing ------------------------------------------------------------------------------


@router.post(
    "/projects",
    response={201: ProjectDetail},
    auth=write_auth,
    summary="Create a draft application to a call",
)
def create_project(request: HttpRequest, payload: ApplicationIn) -> Any:
    """Anyone registered as a person in an organisation may apply for it while the call is open;
    programme officers may create applications for any organisation. ``applicant`` defaults to
    the caller's own organisation; ``measures`` are measure codes of the call."""
    user = request.auth
    own = roles.applicant_organisation_ids(user)
    if not own and not roles.is_programme_officer(user):
        raise PermissionDenied(
            _("Only people registered in an organisation, and programme officers, can apply.")
        )
    call = _calls(user).filter(slug=payload.call).first()
    if call is None:
        raise ValidationError(
            {"call": [_("No call has the slug %(slug)s.") % {"slug": payload.call}]}
        )
    data = payload.dict(exclude_unset=True, exclude={"call"})
    if data.get("applicant") is None and len(own) == 1:
        data["applicant"] = next(iter(own))
    data, related = _application_arguments(data, programme=call.programme)
    project = workflow.create_application(actor=user, call=call, data=data, **related)
    return Status(201, _get_project(project.reference, user))


@router.patch(
    "/projects/{reference}",
    response=ProjectDetail,
    auth=write_auth,
    summary="Change an application",
)
def patch_project(request: HttpRequest, reference: str, payload: ApplicationFields) -> Any:
    """Only the fields sent are changed; lists replace the current ones. Applicants change only
    their own drafts; programme officers any application."""
    user = request.auth
    project = _get_project_for_write(reference, user)
    if not roles.can_edit_application(user, project):
        raise PermissionDenied(
            _("You may not change the application %(ref)s.") % {"ref": project.reference}
        )
    data, related = _application_arguments(
        payload.dict(exclude_unset=True), programme=project.programme
    )
    workflow.update_application(project=project, actor=user, data=data, **related)
    return _get_project(reference, user)


@router.post(
    "/projects/{reference}/transitions",
    response=ProjectDetail,
    auth=write_auth,
    summary="Move an application or project to another status",
)
def transition_project(request: HttpRequest, reference: str, payload: TransitionIn) -> Any:
    """Applicants submit their own drafts; every other step is a programme officer's. Granting
    and rejecting go through ``/decision``. A step the pipeline does not allow is a 422."""
    user = request.auth
    project = _get_project_for_write(reference, user)
    workflow.transition(project=project, to_status=payload.to_status, actor=user, note=payload.note)
    return _get_project(reference, user)


@router.put(
    "/projects/{reference}/financing",
    response=list[FinancingLineOut],
    auth=write_auth,
    summary="Replace the financing lines",
)
def put_financing(request: HttpRequest, reference: str, payload: FinancingIn) -> Any:
    """The lines sent replace the current ones. Applicants (own drafts) set the budget only;
    programme officers also decided and outcome amounts."""
    user = request.auth
    project = _get_project_for_write(reference, user)
    return financing.save_financing_lines(
        project=project, actor=user, lines=[line.dict() for line in payload.lines]
    )


@router.put(
    "/projects/{reference}/assessments/mine",
    response=AssessmentOut,
    auth=write_auth,
    summary="Score the application (assessors assigned to its call)",
)
def put_my_assessment(request: HttpRequest, reference: str, payload: AssessmentIn) -> Any:
    """Scores per criterion (0 to 5, or null for n/a) with comments; ``submit`` locks the
    assessment and needs an answer on every criterion. ``conflict_of_interest`` with a
    ``conflict_note`` declares a conflict instead. Only the caller's own assessment is touched."""
    user = request.auth
    project = _get_project_for_write(reference, user)
    with transaction.atomic():
        if payload.conflict_of_interest:
            assessment = assessment_service.declare_conflict(
                project=project, assessor=user, note=payload.conflict_note
            )
        else:
            assessment = assessment_service.start_assessment(project=project, assessor=user)
            assessment = assessment_service.save_scores(
                assessment=assessment,
                scores={s.criterion: (s.score, s.comment) for s in payload.scores},
                comment=payload.comment,
                submit=payload.submit,
                actor=user,
            )
    assessment = (
        Assessment.objects.select_related("project__call", "assessor")
        .prefetch_related("scores")
        .get(pk=assessment.pk)
    )
    return _assessment_out(assessment)


@router.post(
    "/projects/{reference}/decision",
    response=ProjectDetail,
    auth=write_auth,
    summary="Grant or reject an application (programme officers)",
)
def decide_project(request: HttpRequest, reference: str, payload: DecisionIn) -> Any:
    """``decided_amounts`` maps financing line ids to decided SEK (lines left out get 0)."""
    user = request.auth
    project = _get_project_for_write(reference, user)
    assessment_service.decide(
        project=project,
        actor=user,
        granted=payload.granted,
        decided_amounts=payload.decided_amounts,
        motivation=payload.motivation,
    )
    return _get_project(reference, user)


# Follow-up ---------------------------------------------------------------------------------------


@router.get(
    "/projects/{reference}/reports",
    response=list[FollowUpReportOut],
    summary="The project's progress and final reports",
)
def list_reports(request: HttpRequest, reference: str) -> Any:
    project = _get_project(reference, _viewer(request))
    return list(project.reports.order_by("due_date", "pk"))


@router.put(
    "/projects/{reference}/reports/{report_id}",
    response=FollowUpReportOut,
    auth=write_auth,
    summary="Submit a progress or final report with its results",
)
def submit_report(
    request: HttpRequest, reference: str, report_id: int, payload: FollowUpReportIn
) -> Any:
    """The applicant (or a programme officer) submits each report once, while the project is
    granted, running or in its final-report stage."""
    user = request.auth
    project = _get_project_for_write(reference, user)
    report = project.reports.filter(pk=report_id).first()
    if report is None:
        raise Http404(_("The project has no report with the id %(id)s.") % {"id": report_id})
    if not workflow.can_submit_report(user, report):
        raise PermissionDenied(_("You may not submit this report."))
    return workflow.submit_report(report=report, actor=user, data=payload.dict())
