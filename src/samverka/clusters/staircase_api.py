"""API router of the cluster staircase (mounted under /api/v1/), read-only.

As on the pages, the step reached and the history of steps are public; the answers (scores,
evidence, links, pre-filled figures) and the plan for the next step are given only to the
cluster's managers and platform admins (a bearer token or the browser session).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthenticationError

from samverka.api.auth import TokenAuth
from samverka.clusters import staircase_services as staircase
from samverka.clusters.models import Cluster, CriterionScore, MaturityStep
from samverka.core import roles

router = Router(tags=["staircase"])
_token_auth = TokenAuth()


class CriterionModelOut(Schema):
    code: str
    text_sv: str
    text_en: str
    action_sv: str
    action_en: str
    measure: str


class StepModelOut(Schema):
    number: int
    name_sv: str
    name_en: str
    description_sv: str
    description_en: str
    criteria: list[CriterionModelOut]


class AnswerOut(Schema):
    criterion: str
    step: int
    text: str
    score: str
    score_label: str
    evidence: str
    links: list[str]
    prefilled_value: str
    prefilled_source: str
    confirmed: bool


class StaircaseAssessmentOut(Schema):
    submitted_at: datetime
    step_reached: int
    answers: list[AnswerOut] | None
    plan: str | None


class HistoryOut(Schema):
    submitted_at: datetime
    step_reached: int


class StepRef(Schema):
    number: int
    name: str


class NextStepOut(Schema):
    step: StepRef
    missing: list[str]


class StaircaseOut(Schema):
    cluster: str
    step_reached: int | None
    step: StepRef | None
    top_step: int | None
    details: bool
    latest: StaircaseAssessmentOut | None
    next_step: NextStepOut | None
    history: list[HistoryOut]


def _viewer(request: HttpRequest) -> Any:
    """The reader: a bearer token when one is sent (a bad one is a 401), else the session."""
    if request.headers.get("Authorization"):
        user = _token_auth(request)
        if user is None:
            raise AuthenticationError
        return user
    return getattr(request, "user", None) or AnonymousUser()


@router.get("/staircase/model", response=list[StepModelOut], summary="The staircase model")
def staircase_model(request: HttpRequest) -> list[dict[str, Any]]:
    """The steps in order, each with its criteria in Swedish and English, the suggested action
    and the measure the platform pre-fills (empty when none)."""
    return [
        {
            "number": step.number,
            "name_sv": step.name_sv,
            "name_en": step.name_en,
            "description_sv": step.description_sv,
            "description_en": step.description_en,
            "criteria": list(step.criteria.all()),
        }
        for step in staircase.load_steps()
    ]


def _step_ref(step: MaturityStep | None) -> dict[str, Any] | None:
    return {"number": step.number, "name": step.name} if step is not None else None


@router.get(
    "/clusters/{slug}/staircase", response=StaircaseOut, summary="A cluster's staircase step"
)
def cluster_staircase(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The current step (of the latest submitted self-assessment), the history of steps and,
    for the cluster's managers (``details: true``), the latest assessment's answers, its plan
    and the criteria still missing for the next step."""
    cluster = Cluster.objects.filter(slug=slug).first()
    if cluster is None:
        raise Http404(_("No cluster with the slug %(slug)s.") % {"slug": slug})
    details = roles.can_manage_cluster(_viewer(request), cluster)
    steps = staircase.load_steps()
    by_number = {s.number: s for s in steps}
    assessments = staircase.history(cluster=cluster)
    latest = assessments[-1] if assessments else None
    reached = latest.step_reached if latest else None
    result: dict[str, Any] = {
        "cluster": cluster.slug,
        "step_reached": reached,
        "step": _step_ref(by_number.get(reached or 0)),
        "top_step": steps[-1].number if steps else None,
        "details": details,
        "latest": None,
        "next_step": None,
        "history": [
            {"submitted_at": a.submitted_at, "step_reached": a.step_reached or 0}
            for a in assessments
        ],
    }
    if latest is None:
        return result
    answers = None
    plan = None
    if details:
        answers = [
            {
                "criterion": a.criterion.code,
                "step": a.criterion.step.number,
                "text": a.criterion.text,
                "score": a.score,
                "score_label": str(CriterionScore(a.score).label),
                "evidence": a.evidence,
                "links": [line for line in a.links.splitlines() if line],
                "prefilled_value": a.prefilled_value,
                "prefilled_source": a.prefilled_source,
                "confirmed": a.confirmed,
            }
            for a in latest.answers.select_related("criterion__step").order_by(
                "criterion__step__number", "criterion__position", "criterion__pk"
            )
        ]
        plan = latest.plan
        following, missing = staircase.plan_for_next_step(
            steps=steps, step_reached=reached or 0, scores=staircase.scores_of(latest)
        )
        if following is not None:
            result["next_step"] = {
                "step": _step_ref(following),
                "missing": [item.criterion.code for item in missing],
            }
    result["latest"] = {
        "submitted_at": latest.submitted_at,
        "step_reached": reached or 0,
        "answers": answers,
        "plan": plan,
    }
    return result
