"""Schemas of the programmes API: what goes out (programmes, calls, projects, assessments) and
what comes in (applications, transitions, financing, scores, decisions)."""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from samverka.api.schemas import AreaRef, absolute_url
from samverka.programmes.enums import FinancierCategory, ProjectStatus
from samverka.programmes.models import Call, FinancingLine, Programme, Project, StatusChange
from samverka.programmes.services.structure import measures_with_figures
from samverka.programmes.services.workflow import call_is_open

# Programmes -------------------------------------------------------------------------------------


class OrganisationRef(Schema):
    id: int
    name: str


class ApplicantRef(OrganisationRef):
    orgnr: str | None


class ProgrammeOut(Schema):
    code: str
    name: str
    start_year: int
    end_year: int
    owner: OrganisationRef | None
    description: str
    url: str | None

    @staticmethod
    def resolve_url(obj: Any, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class GoalOut(Schema):
    text: str
    deadline_year: int | None


class MeasureOut(Schema):
    code: str
    name: str
    purpose: str
    challenges: str
    activities: str
    goals: list[GoalOut]
    project_count: int = Field(description="Granted projects working in the measure.")
    granted_sek: int = Field(description="Sum of the decided amounts of those projects.")
    outcome_sek: int
    sub_measures: list["MeasureOut"]


MeasureOut.model_rebuild()


class PriorityAreaOut(Schema):
    number: int
    name: str
    goal: str
    measures: list[MeasureOut]


class CriterionOut(Schema):
    id: int
    name: str
    guidance: str
    weight: Decimal


class ProgrammeDetail(ProgrammeOut):
    priority_areas: list[PriorityAreaOut]
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_priority_areas(obj: Programme) -> list[dict[str, Any]]:
        return programme_tree(obj)

    @staticmethod
    def resolve_criteria(obj: Programme) -> list[Any]:
        return list(obj.criteria.all())


def programme_tree(programme: Programme) -> list[dict[str, Any]]:
    """Priority areas → measures → sub-measures as plain data, in three queries."""
    measures = measures_with_figures(programme, prefetch=("goals",))
    nodes = {
        m.pk: {
            "code": m.code,
            "name": m.name,
            "purpose": m.purpose,
            "challenges": m.challenges,
            "activities": m.activities,
            "goals": list(m.goals.all()),
            "project_count": m.project_count,
            "granted_sek": m.granted_sek,
            "outcome_sek": m.outcome_sek,
            "sub_measures": [],
        }
        for m in measures
    }
    areas = {
        a.pk: {"number": a.number, "name": a.name, "goal": a.goal, "measures": []}
        for a in programme.priority_areas.all()
    }
    for measure in measures:
        parent = nodes.get(measure.parent_id) if measure.parent_id else None
        siblings = parent["sub_measures"] if parent else areas[measure.priority_area_id]["measures"]
        siblings.append(nodes[measure.pk])
    return list(areas.values())


class BudgetRow(Schema):
    category: str = Field(description="A financier category, or 'total' for the year's sum.")
    year: int
    budget_sek: int
    outcome_sek: int


class BudgetReportOut(Schema):
    programme: str
    unit: str
    rows: list[BudgetRow]


# Calls ------------------------------------------------------------------------------------------


class CallCriterionOut(Schema):
    id: int
    name: str
    weight: Decimal


class CallDocumentOut(Schema):
    title: str
    url: str


class CallOut(Schema):
    slug: str
    title: str
    programme: str
    measures: list[str]
    opens: date
    closes: date
    is_open: bool
    published: bool
    max_support_share: Decimal
    url: str | None

    @staticmethod
    def resolve_programme(obj: Call) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_measures(obj: Call) -> list[str]:
        return [m.code for m in obj.measures.all()]

    @staticmethod
    def resolve_is_open(obj: Call) -> bool:
        return call_is_open(obj)

    @staticmethod
    def resolve_url(obj: Call, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class CallDetail(CallOut):
    description: str
    criteria: list[CallCriterionOut]
    documents: list[CallDocumentOut]

    @staticmethod
    def resolve_criteria(obj: Call) -> list[dict[str, Any]]:
        return [
            {"id": cc.criterion_id, "name": cc.criterion.name, "weight": cc.weight}
            for cc in obj.call_criteria.all()
        ]

    @staticmethod
    def resolve_documents(obj: Call, context: dict[str, Any]) -> list[dict[str, Any]]:
        request = context.get("request")
        return [
            {
                "title": d.title,
                "url": request.build_absolute_uri(url) if request else url,
            }
            for d in obj.documents.all()
            for url in [reverse("programmes:call-document", args=[d.pk])]
        ]


# Projects ---------------------------------------------------------------------------------------


class ProjectOut(Schema):
    reference: str
    title: str
    programme: str
    call: str | None
    applicant: ApplicantRef
    status: ProjectStatus
    measures: list[str]
    municipalities: list[AreaRef]
    start_date: date | None
    end_date: date | None
    budget_sek: int = Field(description="Sum of the indicative budget of the financing lines.")
    decided_sek: int
    outcome_sek: int
    url: str | None

    @staticmethod
    def resolve_programme(obj: Project) -> str:
        return obj.programme.code

    @staticmethod
    def resolve_call(obj: Project) -> str | None:
        return obj.call.slug if obj.call_id else None

    @staticmethod
    def resolve_measures(obj: Project) -> list[str]:
        return [m.code for m in obj.measures.all()]

    @staticmethod
    def resolve_municipalities(obj: Project) -> list[Any]:
        return list(obj.municipalities.all())

    @staticmethod
    def resolve_url(obj: Project, context: dict[str, Any]) -> str | None:
        return absolute_url(obj, context)


class FinancingLineOut(Schema):
    id: int
    financier: OrganisationRef
    category: FinancierCategory
    year: int
    budget_sek: int
    decided_sek: int
    outcome_sek: int


class StatusChangeOut(Schema):
    from_status: str
    to_status: ProjectStatus
    by: str | None
    at: datetime
    note: str

    @staticmethod
    def resolve_by(obj: StatusChange) -> str | None:
        if obj.actor is None:
            return None
        return obj.actor.get_full_name() or obj.actor.get_username()


class ProjectDetail(ProjectOut):
    description: str
    partners: list[OrganisationRef]
    sustainability_economic: str
    sustainability_ecological: str
    sustainability_social: str
    gender_equality: str
    youth: str
    integration: str
    expected_jobs_women: int
    expected_jobs_men: int
    expected_companies: int
    expected_participants_women: int
    expected_participants_men: int
    financing_lines: list[FinancingLineOut]
    status_history: list[StatusChangeOut]
    submitted_at: datetime | None
    decided_at: datetime | None
    decision_motivation: str

    @staticmethod
    def resolve_partners(obj: Project) -> list[Any]:
        return list(obj.partners.all())

    @staticmethod
    def resolve_financing_lines(obj: Project) -> list[FinancingLine]:
        return list(obj.financing_lines.all())

    @staticmethod
    def resolve_status_history(obj: Project) -> list[StatusChange]:
        return list(obj.status_changes.all())


class ProjectFilters(Schema):
    programme: str | None = Field(None, description="Programme code.")
    measure: str | None = Field(None, description="Measure code, e.g. 1.1.")
    status: ProjectStatus | None = None
    year: int | None = Field(None, description="Projects with a financing line in this year.")
    applicant: str | None = Field(None, description="The applicant's organisation number.")
    municipality: str | None = Field(None, description="Municipality code, e.g. 2281.")


class ApplicationFields(Schema):
    """Fields an applicant fills in; all optional so that PATCH changes only what is sent."""

    title: str | None = None
    applicant: int | None = Field(None, description="Organisation id of the applicant.")
    description: str | None = None
    sustainability_economic: str | None = None
    sustainability_ecological: str | None = None
    sustainability_social: str | None = None
    gender_equality: str | None = None
    youth: str | None = None
    integration: str | None = None
    expected_jobs_women: int | None = Field(None, ge=0)
    expected_jobs_men: int | None = Field(None, ge=0)
    expected_companies: int | None = Field(None, ge=0)
    expected_participants_women: int | None = Field(None, ge=0)
    expected_participants_men: int | None = Field(None, ge=0)
    start_date: date | None = None
    end_date: date | None = None
    measures: list[str] | None = Field(None, description="Measure codes.")
    municipalities: list[str] | None = Field(None, description="Municipality codes.")
    partners: list[int] | None = Field(None, description="Organisation ids.")


class ApplicationIn(ApplicationFields):
    call: str = Field(description="Slug of the call applied to.")
    title: str


class TransitionIn(Schema):
    to_status: ProjectStatus
    note: str = ""


class FinancingLineIn(Schema):
    financier: int = Field(description="Organisation id of the financier.")
    category: FinancierCategory
    year: int
    budget_sek: int = Field(0, ge=0)
    decided_sek: int | None = Field(None, ge=0, description="Programme officers only.")
    outcome_sek: int | None = Field(None, ge=0, description="Programme officers only.")


class FinancingIn(Schema):
    lines: list[FinancingLineIn]


class ScoreIn(Schema):
    criterion: int = Field(description="Id of the selection criterion.")
    score: int | None = Field(None, ge=0, le=5, description="0 to 5, or null for n/a.")
    comment: str = ""


class AssessmentIn(Schema):
    scores: list[ScoreIn] = []
    comment: str = ""
    submit: bool = False
    conflict_of_interest: bool = Field(
        False, description="Declare a conflict of interest (with conflict_note) instead of scoring."
    )
    conflict_note: str = ""


class ScoreOut(Schema):
    criterion: int
    name: str
    weight: Decimal | None
    score: int | None
    comment: str


class AssessmentOut(Schema):
    project: str
    assessor: str
    conflict_of_interest: bool
    conflict_note: str
    comment: str
    submitted_at: datetime | None
    weighted_score: Decimal | None
    scores: list[ScoreOut]


class DecisionIn(Schema):
    granted: bool
    motivation: str
    decided_amounts: dict[int, int] = Field(
        default_factory=dict, description="Decided SEK per financing line id (when granting)."
    )


class FollowUpReportOut(Schema):
    id: int
    kind: str
    due_date: date
    submitted_at: datetime | None
    jobs_women: int
    jobs_men: int
    new_companies: int
    participants_women: int
    participants_men: int
    text: str


class FollowUpReportIn(Schema):
    jobs_women: int = Field(0, ge=0)
    jobs_men: int = Field(0, ge=0)
    new_companies: int = Field(0, ge=0)
    participants_women: int = Field(0, ge=0)
    participants_men: int = Field(0, ge=0)
    text: str = ""
