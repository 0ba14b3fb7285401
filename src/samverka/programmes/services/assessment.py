"""Assessment of applications: assessors per call, conflicts of interest, scores, the weighted
score, the ranking per call, and the decision.

The weighted score of one assessment is Σ wᵢsᵢ / Σ wᵢ over the criteria not marked n/a, with the
call's weights (``CallCriterion``); a call without its own criteria uses every criterion of the
programme with the programme's weights. All n/a (or all weights 0) gives no score (None).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from samverka.core import audit, roles
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.models import (
    Assessment,
    Call,
    FinancingLine,
    Project,
    Score,
    SelectionCriterion,
)
from samverka.programmes.services import workflow

TWO_PLACES = Decimal("0.01")
MAX_SCORE = 5


# Criteria and weights ---------------------------------------------------------------------------


def call_weights(call: Call) -> dict[int, tuple[SelectionCriterion, Decimal]]:
    """``{criterion_id: (criterion, weight)}`` of a call, in display order (two queries)."""
    own = list(call.call_criteria.select_related("criterion"))
    if own:
        return {cc.criterion_id: (cc.criterion, cc.weight) for cc in own}
    return {
        c.pk: (c, c.weight) for c in SelectionCriterion.objects.filter(programme=call.programme_id)
    }


def weighted_score(
    assessment: Assessment, *, weights: Mapping[int, tuple[Any, Decimal]] | None = None
) -> Decimal | None:
    """Σ wᵢsᵢ / Σ wᵢ over the scored (not n/a) criteria of the call, rounded to two decimals;
    None when nothing is scored or the weights of the scored criteria sum to 0.

    Pass ``weights`` (from ``call_weights``) when scoring many assessments, and prefetch
    ``scores``, to avoid queries per assessment.
    """
    if assessment.pk is None:  # not saved yet: nothing scored
        return None
    if weights is None:
        weights = call_weights(assessment.project.call)
    total = weight_sum = Decimal(0)
    for score in assessment.scores.all():
        if score.score is None or score.criterion_id not in weights:
            continue
        weight = Decimal(weights[score.criterion_id][1])
        total += weight * score.score
        weight_sum += weight
    if weight_sum == 0:
        return None
    return (total / weight_sum).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


# Assessors and conflicts ------------------------------------------------------------------------


def _require_officer(actor: Any) -> None:
    if not roles.is_programme_officer(actor):
        raise PermissionDenied


@transaction.atomic
def assign_assessor(*, call: Call, user: Any, actor: Any) -> None:
    """Assign ``user`` (who must hold the assessor role) to ``call``; officers only; audited."""
    _require_officer(actor)
    if not roles.is_assessor(user):
        raise ValidationError({"user": _("%(user)s is not an assessor.") % {"user": user}})
    if not call.assessors.filter(pk=user.pk).exists():
        call.assessors.add(user)
        audit.record(
            actor=actor,
            action="call.assessor_assigned",
            obj=call,
            changes={"assessor": [None, str(user)]},
        )


@transaction.atomic
def unassign_assessor(*, call: Call, user: Any, actor: Any) -> None:
    """Remove ``user`` from the call's assessors (their assessments stay); officers only."""
    _require_officer(actor)
    if call.assessors.filter(pk=user.pk).exists():
        call.assessors.remove(user)
        audit.record(
            actor=actor,
            action="call.assessor_removed",
            obj=call,
            changes={"assessor": [str(user), None]},
        )


def is_assigned(user: Any, project: Project) -> bool:
    return bool(
        roles.is_assessor(user)
        and project.call_id
        and project.call.assessors.filter(pk=user.pk).exists()
    )


def organisation_conflict(user: Any, project: Project) -> bool:
    """True when the user belongs to the applicant or a partner organisation."""
    own = roles.applicant_organisation_ids(user)
    if not own:
        return False
    return project.applicant_id in own or project.partners.filter(pk__in=own).exists()


def _check_may_assess(project: Project, assessor: Any) -> None:
    if not is_assigned(assessor, project):
        raise PermissionDenied
    if project.status != ProjectStatus.IN_ASSESSMENT:
        raise ValidationError(_("The application is not in assessment."), code="not_in_assessment")
    if organisation_conflict(assessor, project):
        raise ValidationError(
            _(
                "You cannot assess an application from your own organisation or one of its "
                "partners."
            ),
            code="conflict_of_interest",
        )
    if Assessment.objects.filter(
        project=project, assessor=assessor, conflict_of_interest=True
    ).exists():
        raise ValidationError(
            _("You have declared a conflict of interest for this application."),
            code="conflict_of_interest",
        )


def assessment_for(*, project: Project, assessor: Any) -> Assessment:
    """The assessor's assessment of ``project`` for reading: the stored one, or an unsaved one
    when they have not saved anything yet. Never writes (the assessment page's GET uses it; the
    first save creates the row through ``start_assessment``).

    Raises like ``start_assessment``.
    """
    _check_may_assess(project, assessor)
    stored = Assessment.objects.filter(project=project, assessor=assessor).first()
    return stored if stored is not None else Assessment(project=project, assessor=assessor)


def stored_scores(assessment: Assessment) -> dict[int, Score]:
    """``{criterion_id: score}`` of an assessment; empty for one not saved yet."""
    if assessment.pk is None:
        return {}
    return {s.criterion_id: s for s in assessment.scores.all()}


@transaction.atomic
def start_assessment(*, project: Project, assessor: Any) -> Assessment:
    """The assessor's assessment of ``project`` (created when missing).

    Raises PermissionDenied when the user is not an assessor assigned to the project's call, and
    ValidationError (code ``conflict_of_interest``) when they belong to the applicant or a partner
    organisation or have declared a conflict, or (``not_in_assessment``) outside the assessment.
    """
    _check_may_assess(project, assessor)
    assessment, created = Assessment.objects.get_or_create(project=project, assessor=assessor)
    if created:
        audit.record(actor=assessor, action="assessment.started", obj=assessment)
    return assessment


@transaction.atomic
def declare_conflict(*, project: Project, assessor: Any, note: str) -> Assessment:
    """Record that ``assessor`` has a conflict of interest with ``project``: their assessment
    (created when missing) is excluded from the ranking and can no longer be scored.

    Raises PermissionDenied when not assigned, ValidationError (``note``) without an explanation.
    """
    if not is_assigned(assessor, project):
        raise PermissionDenied
    if not note.strip():
        raise ValidationError({"note": _("Describe the conflict of interest.")})
    assessment, _created = Assessment.objects.get_or_create(project=project, assessor=assessor)
    assessment.conflict_of_interest = True
    assessment.conflict_note = note.strip()
    assessment.save(update_fields=["conflict_of_interest", "conflict_note", "updated"])
    audit.record(
        actor=assessor,
        action="assessment.conflict_declared",
        obj=assessment,
        changes={"conflict_note": [None, assessment.conflict_note]},
    )
    return assessment


def can_score(user: Any, assessment: Assessment) -> bool:
    return assessment.assessor_id == getattr(user, "pk", None) and is_assigned(
        user, assessment.project
    )


@transaction.atomic
def save_scores(
    *,
    assessment: Assessment,
    scores: Mapping[int, tuple[int | None, str]],
    comment: str = "",
    submit: bool = False,
    actor: Any = None,
) -> Assessment:
    """Save the assessor's scores: ``{criterion_id: (score 0 to 5 or None for n/a, comment)}``.

    Criteria not in ``scores`` are left as they are. With ``submit=True`` every criterion of the
    call must have an answer (a score or n/a) and the assessment is locked (``submitted_at``).
    ``actor`` defaults to the assessor; anyone else is refused.

    Raises PermissionDenied (not the assessor, or no longer assigned), ValidationError
    (``scores`` for out-of-range values or unknown criteria, code ``submitted`` for a submitted
    assessment, ``conflict_of_interest``).
    """
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("project__call")
        .get(pk=assessment.pk)
    )
    actor = actor if actor is not None else assessment.assessor
    if not can_score(actor, assessment):
        raise PermissionDenied
    if assessment.submitted_at is not None:
        raise ValidationError(_("This assessment has already been submitted."), code="submitted")
    _check_may_assess(assessment.project, assessment.assessor)
    weights = call_weights(assessment.project.call)
    errors = []
    for criterion_id, (value, _comment) in scores.items():
        if int(criterion_id) not in weights:
            errors.append(_("Unknown criterion %(id)s.") % {"id": criterion_id})
        elif value is not None and not (isinstance(value, int) and 0 <= value <= MAX_SCORE):
            errors.append(
                _("%(criterion)s: give a score from 0 to 5, or n/a.")
                % {"criterion": weights[int(criterion_id)][0].name}
            )
    if errors:
        raise ValidationError({"scores": errors})
    stored = {s.criterion_id: s for s in assessment.scores.all()}
    before = {str(k): [s.score, s.comment] for k, s in stored.items()}
    for criterion_id, (value, text) in scores.items():
        Score.objects.update_or_create(
            assessment=assessment,
            criterion_id=int(criterion_id),
            defaults={"score": value, "comment": (text or "").strip()},
        )
    answered = set(assessment.scores.values_list("criterion_id", flat=True))
    if submit:
        missing = [c.name for cid, (c, _w) in weights.items() if cid not in answered]
        if missing:
            raise ValidationError(
                {
                    "scores": _("Score every criterion (or mark it n/a): %(names)s.")
                    % {"names": ", ".join(missing)}
                }
            )
        assessment.submitted_at = timezone.now()
    assessment.comment = comment.strip()
    assessment.save(update_fields=["comment", "submitted_at", "updated"])
    after = {str(s.criterion_id): [s.score, s.comment] for s in assessment.scores.all()}
    changes = audit.diff(before, after)
    if submit:
        changes["submitted"] = [None, True]
    audit.record(actor=actor, action="assessment.scored", obj=assessment, changes=changes)
    return assessment


@transaction.atomic
def score_assessment(
    *,
    project: Project,
    assessor: Any,
    scores: Mapping[int, tuple[int | None, str]],
    comment: str = "",
    submit: bool = False,
) -> Assessment:
    """Save ``assessor``'s scores of ``project``, creating their assessment on the first save;
    one transaction, so a refused save (say, a submit with criteria unanswered) leaves no empty
    assessment behind. Raises like ``start_assessment`` and ``save_scores``."""
    assessment = start_assessment(project=project, assessor=assessor)
    return save_scores(
        assessment=assessment, scores=scores, comment=comment, submit=submit, actor=assessor
    )


# Ranking ---------------------------------------------------------------------------------------


@dataclass
class AssessorScore:
    assessor: Any
    assessment: Assessment | None
    score: Decimal | None
    submitted: bool
    conflict: bool


@dataclass
class RankingRow:
    project: Project
    scores: list[AssessorScore] = field(default_factory=list)
    mean: Decimal | None = None
    rank: int | None = None


def ranking(*, call: Call) -> list[RankingRow]:
    """The applications of ``call`` past the draft stage, each with every assigned assessor's
    weighted score (submitted assessments only) and their mean, best first (unscored last).

    Runs a fixed number of queries whatever the number of applications and assessors.
    """
    weights = call_weights(call)
    assessors = list(call.assessors.order_by("username"))
    projects = (
        call.applications.exclude(status=ProjectStatus.DRAFT)
        .select_related("applicant")
        .prefetch_related(
            Prefetch(
                "assessments",
                queryset=Assessment.objects.select_related("assessor").prefetch_related("scores"),
            )
        )
        .order_by("reference")
    )
    rows = []
    for project in projects:
        by_assessor = {a.assessor_id: a for a in project.assessments.all()}
        row = RankingRow(project=project)
        people = assessors + [
            a.assessor
            for a in by_assessor.values()
            if a.assessor_id not in {u.pk for u in assessors}
        ]
        for user in people:
            a = by_assessor.get(user.pk)
            submitted = bool(a and a.submitted_at and not a.conflict_of_interest)
            row.scores.append(
                AssessorScore(
                    assessor=user,
                    assessment=a,
                    score=weighted_score(a, weights=weights) if submitted else None,
                    submitted=submitted,
                    conflict=bool(a and a.conflict_of_interest),
                )
            )
        counted = [s.score for s in row.scores if s.score is not None]
        if counted:
            row.mean = (sum(counted) / len(counted)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
        rows.append(row)
    rows.sort(key=lambda r: (r.mean is None, -(r.mean or 0), r.project.reference))
    for position, row in enumerate(rows, start=1):
        row.rank = position if row.mean is not None else None
    return rows


# Decision --------------------------------------------------------------------------------------


@transaction.atomic
def decide(
    *,
    project: Project,
    actor: Any,
    granted: bool,
    decided_amounts: Mapping[int, int] | None = None,
    motivation: str,
) -> Project:
    """Record the decision on an application in assessment (programme officers only).

    Granting sets ``decided_sek`` per financing line from ``{line_id: SEK}`` (lines left out get
    0; at least one amount must be above 0) and creates the follow-up reports; rejecting sets
    every decided amount to 0. Both need a motivation, record ``decided_at``/``decided_by``, a
    StatusChange and an audit entry with the amounts.

    Raises PermissionDenied for non-officers, ValidationError (``motivation``,
    ``decided_amounts``, or code ``transition_not_allowed``).
    """
    _require_officer(actor)
    workflow._lock(project)
    to_status = ProjectStatus.GRANTED if granted else ProjectStatus.REJECTED
    workflow._check_step(project, to_status)
    if not motivation.strip():
        raise ValidationError({"motivation": _("Motivate the decision.")})
    lines = {ln.pk: ln for ln in project.financing_lines.select_for_update()}
    amounts = {int(k): v for k, v in (decided_amounts or {}).items()} if granted else {}
    errors = []
    if unknown := set(amounts) - set(lines):
        errors.append(
            _("Financing lines %(ids)s do not belong to this application.")
            % {"ids": ", ".join(str(i) for i in sorted(unknown))}
        )
    for value in amounts.values():
        if not isinstance(value, int) or value < 0:
            errors.append(_("Decided amounts must be whole, non-negative SEK."))
            break
    if granted and not errors and sum(amounts.values()) <= 0:
        errors.append(_("A grant needs a decided amount above 0 SEK on at least one line."))
    if errors:
        raise ValidationError({"decided_amounts": errors})
    changes = {}
    for line in lines.values():
        new = amounts.get(line.pk, 0)
        if new != line.decided_sek:
            changes[f"line {line.pk} ({line.financier_id}, {line.category}, {line.year})"] = [
                line.decided_sek,
                new,
            ]
            line.decided_sek = new
    FinancingLine.objects.bulk_update(lines.values(), ["decided_sek"])
    workflow._move(
        project,
        to_status=to_status,
        actor=actor,
        note=motivation.strip(),
        decided_at=timezone.now(),
        decided_by=actor,
        decision_motivation=motivation.strip(),
    )
    audit.record(
        actor=actor,
        action="project.decided",
        obj=project,
        changes={"decision": [None, to_status.value], "decided_sek": changes},
    )
    if granted:
        workflow.create_followup_reports(project=project)
    return project
