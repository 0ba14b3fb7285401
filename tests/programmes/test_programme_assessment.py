"""Assessment: weighted scores, conflicts of interest, ranking, decisions and permissions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import test_programme_workflow_builders as b
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from samverka.core.models import AuditEntry
from samverka.programmes.enums import ProjectStatus as S
from samverka.programmes.models import Assessment, CallCriterion, Score
from samverka.programmes.services import assessment as svc

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup() -> dict[str, Any]:
    call = b.call(b.programme(weights=("1", "1", "1")), weights={0: "3", 1: "1", 2: "0"})
    assessor = b.user("assessor")
    call.assessors.add(assessor)
    org = b.organisation()
    return {
        "call": call,
        "assessor": assessor,
        "officer": b.user("programme_officer"),
        "org": org,
        "owner": b.user(org=org),
        "criteria": list(call.programme.criteria.all()),
        "project": b.application(call, applicant=org, status=S.IN_ASSESSMENT),
    }


def scored(assessment: Assessment, criteria: list, values: list[int | None]) -> Assessment:
    for criterion, value in zip(criteria, values, strict=True):
        Score.objects.create(assessment=assessment, criterion=criterion, score=value)
    return assessment


def test_weighted_score_uses_call_weights(setup: dict[str, Any]) -> None:
    a = Assessment.objects.create(project=setup["project"], assessor=setup["assessor"])
    scored(a, setup["criteria"], [4, 0, 5])
    # (3·4 + 1·0 + 0·5) / (3 + 1 + 0) = 3
    assert svc.weighted_score(a) == Decimal("3.00")


def test_weighted_score_excludes_na(setup: dict[str, Any]) -> None:
    a = Assessment.objects.create(project=setup["project"], assessor=setup["assessor"])
    scored(a, setup["criteria"], [None, 2, 5])
    assert svc.weighted_score(a) == Decimal("2.00")  # only criterion B (weight 1) counts


def test_weighted_score_rounds_fraction(setup: dict[str, Any]) -> None:
    CallCriterion.objects.filter(call=setup["call"]).update(weight=Decimal(1))
    a = Assessment.objects.create(project=setup["project"], assessor=setup["assessor"])
    scored(a, setup["criteria"], [5, 4, 4])
    assert svc.weighted_score(a) == Decimal("4.33")


def test_weighted_score_all_na_is_none(setup: dict[str, Any]) -> None:
    a = Assessment.objects.create(project=setup["project"], assessor=setup["assessor"])
    scored(a, setup["criteria"], [None, None, None])
    assert svc.weighted_score(a) is None


def test_weighted_score_defaults_to_programme_weights() -> None:
    prog = b.programme(weights=("2", "1"))
    call = b.call(prog)
    CallCriterion.objects.filter(call=call).delete()
    project = b.application(call, status=S.IN_ASSESSMENT)
    a = Assessment.objects.create(project=project, assessor=b.user("assessor"))
    scored(a, list(prog.criteria.all()), [5, 2])
    assert svc.weighted_score(a) == Decimal("4.00")  # (2·5 + 1·2) / 3


def test_start_assessment_refused_for_own_organisation(setup: dict[str, Any]) -> None:
    insider = b.user("assessor", org=setup["org"])
    setup["call"].assessors.add(insider)
    with pytest.raises(ValidationError) as caught:
        svc.start_assessment(project=setup["project"], assessor=insider)
    assert caught.value.code == "conflict_of_interest"
    assert not Assessment.objects.filter(assessor=insider).exists()


def test_start_assessment_refused_for_partner_organisation(setup: dict[str, Any]) -> None:
    partner = b.organisation("Partner AB")
    setup["project"].partners.add(partner)
    insider = b.user("assessor", org=partner)
    setup["call"].assessors.add(insider)
    with pytest.raises(ValidationError) as caught:
        svc.start_assessment(project=setup["project"], assessor=insider)
    assert caught.value.code == "conflict_of_interest"


def test_start_assessment_refused_after_declared_conflict(setup: dict[str, Any]) -> None:
    svc.declare_conflict(project=setup["project"], assessor=setup["assessor"], note="Min bror.")
    with pytest.raises(ValidationError) as caught:
        svc.start_assessment(project=setup["project"], assessor=setup["assessor"])
    assert caught.value.code == "conflict_of_interest"


def test_start_assessment_refused_when_not_assigned(setup: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        svc.start_assessment(project=setup["project"], assessor=b.user("assessor"))
    with pytest.raises(PermissionDenied):
        svc.start_assessment(project=setup["project"], assessor=setup["officer"])


def test_save_scores_validates_and_submits(setup: dict[str, Any], english: None) -> None:
    a_, b_, c_ = (c.pk for c in setup["criteria"])
    assessment = svc.start_assessment(project=setup["project"], assessor=setup["assessor"])
    with pytest.raises(ValidationError) as caught:
        svc.save_scores(assessment=assessment, scores={a_: (6, "")})
    assert caught.value.message_dict == {
        "scores": ["Kriterium A: give a score from 0 to 5, or n/a."]
    }
    svc.save_scores(assessment=assessment, scores={a_: (4, "Bra"), b_: (None, "")})
    with pytest.raises(ValidationError) as caught:
        svc.save_scores(assessment=assessment, scores={}, submit=True)
    assert caught.value.message_dict == {
        "scores": ["Score every criterion (or mark it n/a): Kriterium C."]
    }
    svc.save_scores(assessment=assessment, scores={c_: (1, "")}, comment="Ok", submit=True)
    assessment.refresh_from_db()
    assert assessment.submitted_at is not None
    assert svc.weighted_score(assessment) == Decimal("4.00")
    with pytest.raises(ValidationError):
        svc.save_scores(assessment=assessment, scores={a_: (1, "")})
    assert AuditEntry.objects.filter(action="assessment.scored").count() == 2


def test_save_scores_refused_for_other_user(setup: dict[str, Any]) -> None:
    assessment = svc.start_assessment(project=setup["project"], assessor=setup["assessor"])
    with pytest.raises(PermissionDenied):
        svc.save_scores(assessment=assessment, scores={}, actor=setup["officer"])


def test_ranking_sorted_with_each_assessor_and_mean(setup: dict[str, Any]) -> None:
    call, crit = setup["call"], setup["criteria"]
    second = b.user("assessor")
    call.assessors.add(second)
    low = b.application(call, status=S.IN_ASSESSMENT, title="Låg")
    b.application(call, status=S.DRAFT)  # drafts are not ranked
    high = setup["project"]
    for project, first_scores, second_scores in [
        (high, [5, 5, None], [4, 0, 0]),
        (low, [1, 1, 1], None),
    ]:
        a = Assessment.objects.create(project=project, assessor=setup["assessor"])
        scored(a, crit, first_scores)
        Assessment.objects.filter(pk=a.pk).update(submitted_at="2026-01-01T10:00Z")
        if second_scores:
            a2 = Assessment.objects.create(project=project, assessor=second)
            scored(a2, crit, second_scores)
            Assessment.objects.filter(pk=a2.pk).update(submitted_at="2026-01-01T10:00Z")
    with CaptureQueriesContext(connection) as queries:
        rows = svc.ranking(call=call)
    assert len(queries) <= 6
    assert [r.project for r in rows] == [high, low]
    assert [[s.score for s in r.scores] for r in rows] == [
        [Decimal("5.00"), Decimal("3.00")],
        [Decimal("1.00"), None],
    ]
    assert [r.mean for r in rows] == [Decimal("4.00"), Decimal("1.00")]
    assert [r.rank for r in rows] == [1, 2]


def test_decide_grant_sets_amounts_and_reports(setup: dict[str, Any]) -> None:
    project = setup["project"]
    lines = list(project.financing_lines.order_by("year", "category"))
    svc.decide(
        project=project,
        actor=setup["officer"],
        granted=True,
        decided_amounts={lines[0].pk: 80_000, lines[2].pk: 40_000},
        motivation="Hög rankning.",
    )
    project.refresh_from_db()
    assert project.status == S.GRANTED
    assert (project.decided_by, project.decision_motivation) == (setup["officer"], "Hög rankning.")
    assert [ln.decided_sek for ln in project.financing_lines.order_by("year", "category")] == [
        80_000,
        0,
        40_000,
        0,
    ]
    assert project.reports.count() == 2
    assert project.status_changes.last().to_status == S.GRANTED
    assert AuditEntry.objects.filter(action="project.decided").count() == 1


def test_decide_reject_and_refusals(setup: dict[str, Any], english: None) -> None:
    project = setup["project"]
    with pytest.raises(PermissionDenied):
        svc.decide(project=project, actor=setup["assessor"], granted=False, motivation="x")
    with pytest.raises(ValidationError) as caught:
        svc.decide(project=project, actor=setup["officer"], granted=False, motivation=" ")
    assert caught.value.message_dict == {"motivation": ["Motivate the decision."]}
    with pytest.raises(ValidationError) as caught:
        svc.decide(
            project=project,
            actor=setup["officer"],
            granted=True,
            decided_amounts={},
            motivation="x",
        )
    assert caught.value.message_dict == {
        "decided_amounts": ["A grant needs a decided amount above 0 SEK on at least one line."]
    }
    svc.decide(project=project, actor=setup["officer"], granted=False, motivation="Låg poäng.")
    project.refresh_from_db()
    assert project.status == S.REJECTED
    with pytest.raises(ValidationError) as caught:
        svc.decide(project=project, actor=setup["officer"], granted=True, motivation="Ändå")
    assert caught.value.code == "transition_not_allowed"


def test_assign_assessor_only_by_officer_and_only_assessors(setup: dict[str, Any]) -> None:
    new = b.user("assessor")
    with pytest.raises(PermissionDenied):
        svc.assign_assessor(call=setup["call"], user=new, actor=setup["assessor"])
    with pytest.raises(ValidationError):
        svc.assign_assessor(call=setup["call"], user=setup["owner"], actor=setup["officer"])
    svc.assign_assessor(call=setup["call"], user=new, actor=setup["officer"])
    assert setup["call"].assessors.filter(pk=new.pk).exists()


# Pages ------------------------------------------------------------------------------------------


def test_assessment_page_per_role(setup: dict[str, Any], client: Client) -> None:
    project = setup["project"]
    url = reverse("programmes:assessment", args=[project.reference])
    assert client.get(url).status_code == 302  # anonymous → login
    for user in [setup["owner"], b.user("assessor"), b.user(org=b.organisation())]:
        c = Client()
        c.force_login(user)
        assert c.get(url).status_code == 403
    c = Client()
    c.force_login(setup["assessor"])
    data = {f"score_{crit.pk}": "3" for crit in setup["criteria"]}
    data["score_" + str(setup["criteria"][2].pk)] = "na"
    response = c.post(url, {**data, "comment": "Fin", "submit": "1"})
    assert response.url == project.get_absolute_url()
    assessment = Assessment.objects.get(project=project, assessor=setup["assessor"])
    assert assessment.submitted_at is not None
    assert svc.weighted_score(assessment) == Decimal("3.00")


def test_opening_the_assessment_page_writes_nothing(setup: dict[str, Any]) -> None:
    """The GET shows an unsaved assessment; the first save creates it (once, audited)."""
    project, assessor = setup["project"], setup["assessor"]
    url = reverse("programmes:assessment", args=[project.reference])
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(assessor)

    response = c.get(url)

    assert response.status_code == 200
    assert "Save scores" in response.content.decode()
    assert not Assessment.objects.filter(project=project).exists()
    assert not AuditEntry.objects.filter(action="assessment.started").exists()
    a_ = setup["criteria"][0].pk
    assert c.post(url, {f"score_{a_}": "4", "comment": "Utkast", "save": "1"}).url == url
    assessment = Assessment.objects.get(project=project, assessor=assessor)
    assert (assessment.comment, assessment.submitted_at) == ("Utkast", None)
    assert list(assessment.scores.values_list("criterion_id", "score")) == [(a_, 4)]
    assert AuditEntry.objects.filter(action="assessment.started").count() == 1
    assert "Utkast" in c.get(url).content.decode()  # the saved comment is shown again


def test_refused_first_submit_leaves_no_empty_assessment(setup: dict[str, Any]) -> None:
    """A submit with criteria unanswered is refused as a whole: no assessment row is left."""
    project = setup["project"]
    url = reverse("programmes:assessment", args=[project.reference])
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(setup["assessor"])

    response = c.post(url, {f"score_{setup['criteria'][0].pk}": "4", "submit": "1"})

    assert response.status_code == 200
    assert "Score every criterion" in response.content.decode()
    assert not Assessment.objects.filter(project=project).exists()


def test_assessment_for_reads_without_writing(setup: dict[str, Any]) -> None:
    project, assessor = setup["project"], setup["assessor"]
    unsaved = svc.assessment_for(project=project, assessor=assessor)
    assert unsaved.pk is None
    assert svc.stored_scores(unsaved) == {}
    assert svc.weighted_score(unsaved) is None
    assert not Assessment.objects.exists()
    stored = svc.start_assessment(project=project, assessor=assessor)
    assert svc.assessment_for(project=project, assessor=assessor).pk == stored.pk
    with pytest.raises(PermissionDenied):
        svc.assessment_for(project=project, assessor=setup["officer"])


def test_ranking_and_decision_pages_only_for_officer(setup: dict[str, Any], client: Client) -> None:
    ranking = reverse("programmes:call-ranking", args=[setup["call"].slug])
    decision = reverse("programmes:decision", args=[setup["project"].reference])
    for user in [setup["owner"], setup["assessor"]]:
        c = Client()
        c.force_login(user)
        assert c.get(ranking).status_code == 403
        assert c.post(decision, {"decision": "reject", "motivation": "x"}).status_code == 403
    client.force_login(setup["officer"])
    assert setup["project"].reference in client.get(ranking).content.decode()
    export = client.get(ranking + "?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxml")
    line = setup["project"].financing_lines.first()
    response = client.post(
        decision, {"decision": "grant", "motivation": "Bra", f"amount_{line.pk}": 5000}
    )
    assert response.url == setup["project"].get_absolute_url()
    line.refresh_from_db()
    assert line.decided_sek == 5000
