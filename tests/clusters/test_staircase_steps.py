"""Cluster staircase: the step reached, the plan for the next step, the current step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from samverka.clusters.models import (
    AssessmentStatus,
    Cluster,
    CriterionScore,
    MaturityStep,
    StaircaseAssessment,
)
from samverka.clusters.staircase_services import (
    compute_step_reached,
    load_steps,
    plan_for_next_step,
)

pytestmark = pytest.mark.django_db

MET, PARTLY, NOT_MET = CriterionScore.MET, CriterionScore.PARTLY, CriterionScore.NOT_MET


def scores_for(steps: list[MaturityStep], by_step: dict[int, str]) -> dict[int, str]:
    """Every criterion of step n scored ``by_step[n]`` (not met when absent)."""
    return {c.pk: by_step.get(s.number, NOT_MET) for s in steps for c in s.criteria.all()}


def test_default_staircase_loaded_with_three_steps_in_both_languages() -> None:
    steps = load_steps()

    assert [s.number for s in steps] == [1, 2, 3]
    for step in steps:
        criteria = list(step.criteria.all())
        assert len(criteria) >= 4
        assert all(c.text_sv and c.text_en and c.action_sv and c.action_en for c in criteria)


def test_step_reached_all_step_one_met_gives_one() -> None:
    steps = load_steps()

    assert compute_step_reached(steps=steps, scores=scores_for(steps, {1: MET})) == 1


def test_step_reached_one_unmet_criterion_gives_zero() -> None:
    steps = load_steps()
    scores = scores_for(steps, {1: MET})
    scores[steps[0].criteria.all()[0].pk] = PARTLY

    assert compute_step_reached(steps=steps, scores=scores) == 0


def test_step_reached_step_two_needs_step_one() -> None:
    steps = load_steps()
    scores = scores_for(steps, {1: MET, 2: MET})
    scores[steps[0].criteria.all()[1].pk] = NOT_MET

    assert compute_step_reached(steps=steps, scores=scores) == 0
    assert compute_step_reached(steps=steps, scores=scores_for(steps, {1: MET, 2: MET})) == 2


def test_step_reached_all_met_gives_top_step() -> None:
    steps = load_steps()

    assert (
        compute_step_reached(steps=steps, scores=scores_for(steps, {1: MET, 2: MET, 3: MET})) == 3
    )


def test_step_reached_step_three_without_step_two_stops_at_one() -> None:
    steps = load_steps()

    assert compute_step_reached(steps=steps, scores=scores_for(steps, {1: MET, 3: MET})) == 1


def test_plan_lists_unmet_criteria_of_next_step_with_actions() -> None:
    steps = load_steps()
    scores = scores_for(steps, {1: MET})
    step_two = list(steps[1].criteria.all())
    scores[step_two[0].pk] = MET
    scores[step_two[1].pk] = PARTLY

    next_step, plan = plan_for_next_step(steps=steps, step_reached=1, scores=scores)

    assert next_step == steps[1]
    assert [item.criterion for item in plan] == step_two[1:]
    assert [item.score for item in plan] == [PARTLY] + [NOT_MET] * (len(step_two) - 2)
    assert all(item.criterion.action for item in plan)


def test_plan_at_top_of_staircase_is_empty() -> None:
    steps = load_steps()

    assert plan_for_next_step(steps=steps, step_reached=3, scores={}) == (None, [])


def test_current_step_follows_latest_submitted_assessment(
    make_cluster: Callable[..., Cluster],
) -> None:
    cluster = make_cluster()
    assert cluster.current_step is None
    now = timezone.now()
    StaircaseAssessment.objects.create(
        cluster=cluster,
        status=AssessmentStatus.SUBMITTED,
        submitted_at=now - timedelta(days=400),
        step_reached=2,
    )
    StaircaseAssessment.objects.create(
        cluster=cluster, status=AssessmentStatus.SUBMITTED, submitted_at=now, step_reached=1
    )
    StaircaseAssessment.objects.create(cluster=cluster)  # a draft does not count

    assert cluster.current_step == 1


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""
