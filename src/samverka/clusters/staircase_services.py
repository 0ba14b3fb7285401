"""The cluster staircase: pre-filled measures, the step reached, the plan for the next step,
the history of assessments and the reassessment reminders.

Pages, the admin and the reminder task share these functions; none of them knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from samverka.actors.enums import Helix
from samverka.clusters.models import (
    AssessmentStatus,
    Cluster,
    CriterionAnswer,
    CriterionScore,
    MaturityCriterion,
    MaturityStep,
    MeasureKey,
    StaircaseAssessment,
)
from samverka.core import audit, charts
from samverka.core.links import validate_web_link

DEFAULT_INTERVAL_DAYS = 730
HISTORY_COLOUR = "#1f4e79"


# Pre-filled measures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A figure computed from the platform's data. ``value`` is empty when the platform cannot
    measure it yet; ``source`` then says why."""

    key: str
    value: str
    source: str
    figure: float | None = None

    @property
    def available(self) -> bool:
        return bool(self.value)


def _today() -> str:
    return timezone.localdate().isoformat()


def measure_helix_types(cluster: Cluster) -> Measure:
    """Members per helix type and the number of helix types present."""
    from samverka.clusters.services import members_by_helix

    rows = members_by_helix(cluster)
    present = sum(1 for row in rows if row["count"])
    counts = ", ".join(f"{row['label']} {row['count']}" for row in rows)
    return Measure(
        key=MeasureKey.HELIX_TYPES,
        value=_("%(present)d of %(total)d helix types present (%(counts)s)")
        % {"present": present, "total": len(rows), "counts": counts},
        source=_("Samverka: the cluster's member list and each organisation's helix type, %(day)s")
        % {"day": _today()},
        figure=float(present),
    )


def measure_outside_home_counties(cluster: Cluster) -> Measure:
    """The share of members (with a known municipality) located outside the cluster's regions."""
    home = set(cluster.regions.values_list("pk", flat=True))
    source = _("Samverka: the members' municipalities and the cluster's regions, %(day)s") % {
        "day": _today()
    }
    if not home:
        return Measure(
            key=MeasureKey.OUTSIDE_HOME_COUNTIES,
            value="",
            source=_("Not available: the cluster has no home county in its profile."),
        )
    counties = list(
        cluster.memberships.values_list("organisation__municipality__parent_id", flat=True)
    )
    known = [c for c in counties if c is not None]
    if not known:
        return Measure(
            key=MeasureKey.OUTSIDE_HOME_COUNTIES,
            value="",
            source=_("Not available: no member has a municipality registered."),
        )
    outside = sum(1 for c in known if c not in home)
    share = 100 * outside / len(known)
    value = _("%(outside)d of %(known)d members (%(share)s %%) are outside the home counties") % {
        "outside": outside,
        "known": len(known),
        "share": number_format(round(share)),
    }
    unknown = len(counties) - len(known)
    if unknown:
        value += " " + _("(%(n)d without a municipality)") % {"n": unknown}
    return Measure(
        key=MeasureKey.OUTSIDE_HOME_COUNTIES, value=value, source=source, figure=round(share, 1)
    )


CO_ORGANISED_YEARS = 2


def measure_co_organised_events(cluster: Cluster) -> Measure:
    """Published events of the last two years (up to today) that the cluster organises or
    hosts together with at least one other cluster."""
    from samverka.events.models import Event, EventStatus

    now = timezone.now()
    since = now - timedelta(days=365 * CO_ORGANISED_YEARS)
    ours = Event.objects.filter(
        Q(organisers=cluster) | Q(host=cluster),
        status=EventStatus.PUBLISHED,
        start__gte=since,
        start__lte=now,
    ).values("pk")
    with_others = Event.objects.filter(pk__in=ours).filter(
        Q(organisers__isnull=False, organisers__in=Cluster.objects.exclude(pk=cluster.pk))
        | Q(host__isnull=False, host__in=Cluster.objects.exclude(pk=cluster.pk))
    )
    n = with_others.values("pk").distinct().count()
    return Measure(
        key=MeasureKey.CO_ORGANISED_EVENTS,
        value=_(
            "%(n)d published events co-organised with other clusters in the last %(years)d years"
        )
        % {"n": n, "years": CO_ORGANISED_YEARS},
        source=_(
            "Samverka event calendar: organiser and host clusters of published events from "
            "%(since)s to %(day)s"
        )
        % {"since": timezone.localdate(since).isoformat(), "day": _today()},
        figure=float(n),
    )


def measure_academic_projects(cluster: Cluster) -> Measure:
    """Granted projects in which a member takes part (as applicant or partner) together with an
    academic organisation (as applicant or partner)."""
    from samverka.programmes.models import Project

    with_member = Project.objects.granted().filter(
        Q(applicant__memberships__cluster=cluster) | Q(partners__memberships__cluster=cluster)
    )
    with_academia = Project.objects.filter(
        Q(applicant__helix=Helix.ACADEMIA) | Q(partners__helix=Helix.ACADEMIA)
    )
    n = (
        Project.objects.filter(pk__in=with_member.values("pk"))
        .filter(pk__in=with_academia.values("pk"))
        .count()
    )
    return Measure(
        key=MeasureKey.ACADEMIC_PROJECTS,
        value=_("%(n)d granted projects with a member and an academic partner") % {"n": n},
        source=_(
            "Samverka programme database: applicants and partners of granted projects, %(day)s"
        )
        % {"day": _today()},
        figure=float(n),
    )


def measure_international_members(cluster: Cluster) -> Measure:
    """Members whose organisation is registered in another country than Sweden (SE); members
    without a country are reported as unknown, not as international."""
    countries = list(cluster.memberships.values_list("organisation__country", flat=True))
    known = [c for c in countries if c]
    abroad = sorted({c for c in known if c != "SE"})
    n = sum(1 for c in known if c != "SE")
    value = _("%(n)d of %(total)d members are based outside Sweden") % {
        "n": n,
        "total": len(countries),
    }
    if abroad:
        value += f" ({', '.join(abroad)})"
    unknown = len(countries) - len(known)
    if unknown:
        value += " " + _("(%(n)d without a country)") % {"n": unknown}
    return Measure(
        key=MeasureKey.INTERNATIONAL_MEMBERS,
        value=value,
        source=_("Samverka: the cluster's member list and each organisation's country, %(day)s")
        % {"day": _today()},
        figure=float(n),
    )


MEASURES = {
    MeasureKey.HELIX_TYPES: measure_helix_types,
    MeasureKey.OUTSIDE_HOME_COUNTIES: measure_outside_home_counties,
    MeasureKey.CO_ORGANISED_EVENTS: measure_co_organised_events,
    MeasureKey.ACADEMIC_PROJECTS: measure_academic_projects,
    MeasureKey.INTERNATIONAL_MEMBERS: measure_international_members,
}


def compute_measures(*, cluster: Cluster, keys: Sequence[str] | None = None) -> dict[str, Measure]:
    """The named measures (all of them by default) for ``cluster``, each computed once."""
    wanted = list(dict.fromkeys(keys if keys is not None else MEASURES))
    return {key: MEASURES[MeasureKey(key)](cluster) for key in wanted if key in MEASURES}


# Step logic ---------------------------------------------------------------------------------------


def load_steps() -> list[MaturityStep]:
    """The staircase, steps in order, each with its criteria prefetched in order."""
    return list(MaturityStep.objects.prefetch_related("criteria").order_by("number"))


def compute_step_reached(*, steps: Sequence[MaturityStep], scores: Mapping[int, str]) -> int:
    """The highest step whose criteria are all met, every lower step being met as well; 0 when
    step 1 is not met. ``scores`` maps criterion pk to a ``CriterionScore``. A step without
    criteria cannot be reached (nothing shows that the cluster is there)."""
    reached = 0
    for step in sorted(steps, key=lambda s: s.number):
        criteria = list(step.criteria.all())
        if not criteria or any(scores.get(c.pk) != CriterionScore.MET for c in criteria):
            break
        reached = step.number
    return reached


@dataclass(frozen=True)
class PlanItem:
    criterion: MaturityCriterion
    score: str

    @property
    def score_label(self) -> str:
        return CriterionScore(self.score).label


def plan_for_next_step(
    *, steps: Sequence[MaturityStep], step_reached: int, scores: Mapping[int, str]
) -> tuple[MaturityStep | None, list[PlanItem]]:
    """The step after ``step_reached`` and its criteria that are not yet met, each carrying the
    criterion's suggested action; ``(None, [])`` at the top of the staircase."""
    following = next((s for s in steps if s.number > step_reached), None)
    if following is None:
        return None, []
    items = [
        PlanItem(criterion=c, score=scores.get(c.pk, CriterionScore.NOT_MET))
        for c in following.criteria.all()
        if scores.get(c.pk) != CriterionScore.MET
    ]
    return following, items


def scores_of(assessment: StaircaseAssessment) -> dict[int, str]:
    return dict(assessment.answers.values_list("criterion_id", "score"))


# Assessments --------------------------------------------------------------------------------------


def open_draft(*, cluster: Cluster) -> StaircaseAssessment | None:
    return cluster.staircase_assessments.drafts().first()


def latest_submitted(*, cluster: Cluster) -> StaircaseAssessment | None:
    return cluster.staircase_assessments.submitted().latest_first().first()


def prefill(*, cluster: Cluster, criteria: Sequence[MaturityCriterion]) -> dict[int, Measure]:
    """The measure to show beside each criterion that has one, by criterion pk."""
    measures = compute_measures(cluster=cluster, keys=[c.measure for c in criteria if c.measure])
    return {c.pk: measures[c.measure] for c in criteria if c.measure in measures}


def _clean_links(text: str, code: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for line in lines:
        try:
            validate_web_link(line)
        except ValidationError as exc:
            raise ValidationError(
                {f"links_{code}": _("Not a web address: %(line)s") % {"line": line}}
            ) from exc
    return "\n".join(lines)


@transaction.atomic
def save_assessment(
    *,
    actor: Any,
    cluster: Cluster,
    answers: Mapping[int, Mapping[str, Any]],
    plan: str = "",
    submit: bool = False,
) -> StaircaseAssessment:
    """Save the cluster's open draft (creating it, with the pre-filled figures, when there is
    none) and, with ``submit``, submit it: the step reached is computed and stored then.

    ``answers`` maps criterion pk to ``{"score", "evidence", "links", "confirmed"}``. Raises
    ``ValidationError`` for an unknown score, a link that is not a web address, or — on submit —
    a missing answer or a pre-filled figure neither confirmed nor corrected in the evidence.
    """
    steps = load_steps()
    criteria = [c for s in steps for c in s.criteria.all()]
    # Lock the cluster row so that two managers saving at once share one draft.
    Cluster.objects.select_for_update().filter(pk=cluster.pk).first()
    assessment = open_draft(cluster=cluster)
    creating = assessment is None
    if assessment is None:
        assessment = StaircaseAssessment.objects.create(
            cluster=cluster, assessor=actor if getattr(actor, "pk", None) else None
        )
        figures = prefill(cluster=cluster, criteria=criteria)
        CriterionAnswer.objects.bulk_create(
            CriterionAnswer(
                assessment=assessment,
                criterion=c,
                prefilled_value=figures[c.pk].value if c.pk in figures else "",
                prefilled_source=figures[c.pk].source[:300] if c.pk in figures else "",
            )
            for c in criteria
        )
    existing = {a.criterion_id: a for a in assessment.answers.all()}
    changes: dict[str, list[Any]] = {}
    errors: dict[str, list[str]] = {}
    for criterion in criteria:
        answer = existing.get(criterion.pk) or CriterionAnswer(
            assessment=assessment, criterion=criterion
        )
        given = answers.get(criterion.pk)
        if given is None:
            if submit:
                errors.setdefault(f"score_{criterion.code}", []).append(_("Answer this criterion."))
            continue
        score = given.get("score", CriterionScore.NOT_MET)
        if score not in CriterionScore.values:
            errors.setdefault(f"score_{criterion.code}", []).append(_("Unknown score."))
            continue
        try:
            links = _clean_links(given.get("links", "") or "", criterion.code)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            continue
        before = (answer.score, answer.evidence, answer.links, answer.confirmed)
        answer.score = score
        answer.evidence = (given.get("evidence", "") or "").strip()
        answer.links = links
        answer.confirmed = bool(given.get("confirmed"))
        if submit and answer.prefilled_value and not (answer.confirmed or answer.evidence):
            errors.setdefault(f"confirmed_{criterion.code}", []).append(
                _("Confirm the figure, or correct it in the evidence.")
            )
        after = (answer.score, answer.evidence, answer.links, answer.confirmed)
        if before != after or answer.pk is None:
            answer.save()
            if before[0] != after[0]:
                changes[criterion.code] = [before[0], after[0]]
    if errors:
        raise ValidationError(errors)
    plan = plan.strip()
    if plan != assessment.plan:
        changes["plan"] = [assessment.plan, plan]
        assessment.plan = plan
    if actor is not None and getattr(actor, "pk", None):
        assessment.assessor = actor
    if submit:
        assessment.step_reached = compute_step_reached(steps=steps, scores=scores_of(assessment))
        assessment.status = AssessmentStatus.SUBMITTED
        assessment.submitted_at = timezone.now()
        changes["step_reached"] = [None, assessment.step_reached]
    assessment.save()
    if submit:
        action = "staircase.assessment.submitted"
    else:
        action = "staircase.assessment.created" if creating else "staircase.assessment.changed"
    audit.record(actor=actor, action=action, obj=assessment, changes=changes)
    return assessment


# History and summaries ----------------------------------------------------------------------------


def history(*, cluster: Cluster) -> list[StaircaseAssessment]:
    """Submitted assessments, oldest first."""
    return list(
        cluster.staircase_assessments.submitted()
        .select_related("assessor")
        .order_by("submitted_at", "pk")
    )


def history_chart(*, cluster: Cluster, assessments: Sequence[StaircaseAssessment]) -> SafeString:
    """An SVG line of the step reached at each submitted assessment ("" with none)."""
    if not assessments:
        return SafeString("")
    periods = [timezone.localtime(a.submitted_at).date().isoformat() for a in assessments]
    values = [float(a.step_reached or 0) for a in assessments]
    return charts.line_chart(
        periods=periods,
        series=[(_("Step reached"), HISTORY_COLOUR, values, "")],
        title=_("Staircase step of %(cluster)s over time") % {"cluster": cluster.name},
        desc=_("The step reached in each submitted self-assessment; the table below lists them."),
        unit=_("step"),
        decimals=0,
        height=220,
    )


def staircase_summary(*, cluster: Cluster) -> dict[str, Any]:
    """What the cluster profile shows: the current step (public) and when it was assessed."""
    latest = latest_submitted(cluster=cluster)
    step = None
    if latest is not None and latest.step_reached:
        step = MaturityStep.objects.filter(number=latest.step_reached).first()
    return {
        "assessed": latest is not None,
        "step_reached": latest.step_reached if latest else None,
        "step": step,
        "top": MaturityStep.objects.order_by("-number").values_list("number", flat=True).first(),
        "assessed_on": timezone.localtime(latest.submitted_at).date() if latest else None,
    }


# Reassessment reminders ---------------------------------------------------------------------------


def reminder_interval() -> timedelta:
    return timedelta(
        days=int(getattr(settings, "SAMVERKA_STAIRCASE_INTERVAL_DAYS", DEFAULT_INTERVAL_DAYS))
    )


def due_for_reminder(now: datetime | None = None) -> Any:
    """Each cluster's latest submitted assessment when it is older than the interval and its
    managers have not been reminded within the interval."""
    cutoff = (now or timezone.now()) - reminder_interval()
    return (
        StaircaseAssessment.objects.latest_per_cluster()
        .filter(submitted_at__lte=cutoff)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
    )


def claim_reminder(assessment_id: int, now: datetime | None = None) -> bool:
    """Mark the reminder as sent with one conditional UPDATE; False when someone else did."""
    now = now or timezone.now()
    cutoff = now - reminder_interval()
    return bool(
        StaircaseAssessment.objects.filter(pk=assessment_id)
        .filter(Q(reminded_at__isnull=True) | Q(reminded_at__lte=cutoff))
        .update(reminded_at=now)
    )
