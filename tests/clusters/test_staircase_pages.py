"""Cluster staircase pages: who may assess, submitting, and what the public sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from samverka.actors.models import Organisation
from samverka.clusters.models import AssessmentStatus, Cluster, StaircaseAssessment
from samverka.clusters.staircase_services import load_steps
from samverka.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def post_data(*, met_steps: set[int], confirm: bool = True, action: str = "submit") -> dict:
    data: dict[str, str] = {"action": action, "plan": "Vi tar fram en strategi."}
    for step in load_steps():
        for c in step.criteria.all():
            data[f"score_{c.code}"] = "met" if step.number in met_steps else "not_met"
            data[f"evidence_{c.code}"] = f"Belägg {c.code}" if step.number == 1 else ""
            data[f"links_{c.code}"] = "https://example.se/protokoll" if c.code == "trust" else ""
            if c.measure and confirm:
                data[f"confirmed_{c.code}"] = "on"
    return data


def assess_url(cluster: Cluster) -> str:
    return reverse("clusters:staircase-assess", args=[cluster.slug])


def overview_url(cluster: Cluster) -> str:
    return reverse("clusters:staircase", args=[cluster.slug])


def test_assess_anonymous_redirected_to_login(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    _user, cluster = cluster_manager

    for response in (client.get(assess_url(cluster)), client.post(assess_url(cluster), {})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not StaircaseAssessment.objects.exists()


def test_assess_other_clusters_manager_forbidden(
    client: Client,
    cluster_manager: tuple[User, Cluster],
    make_user: Callable[..., User],
    make_cluster: Callable[..., Cluster],
) -> None:
    _user, cluster = cluster_manager
    other = make_user()
    make_cluster().managers.add(other)
    client.force_login(other)

    assert client.get(assess_url(cluster)).status_code == 403
    assert client.post(assess_url(cluster), post_data(met_steps={1})).status_code == 403
    assert not StaircaseAssessment.objects.exists()


def test_assess_member_forbidden(
    client: Client, member_user: tuple[User, Organisation], cluster_manager: tuple[User, Cluster]
) -> None:
    user, organisation = member_user
    cluster = organisation.member_of.get()
    client.force_login(user)

    assert client.get(assess_url(cluster)).status_code == 403


def test_assess_manager_submits_step_one(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    page = client.get(assess_url(cluster))
    assert page.status_code == 200
    assert "helix" in page.content.decode()

    response = client.post(assess_url(cluster), post_data(met_steps={1}))

    assert response.status_code == 302
    assert response["Location"] == overview_url(cluster)
    assessment = StaircaseAssessment.objects.get(cluster=cluster)
    assert (assessment.status, assessment.step_reached, assessment.assessor) == (
        AssessmentStatus.SUBMITTED,
        1,
        user,
    )
    assert assessment.plan == "Vi tar fram en strategi."
    trust = assessment.answers.get(criterion__code="trust")
    assert trust.link_list == ["https://example.se/protokoll"]
    assert cluster.current_step == 1
    entry = AuditEntry.objects.get(action="staircase.assessment.submitted")
    assert (entry.actor, entry.object_id, entry.changes["step_reached"]) == (
        user,
        str(assessment.pk),
        [None, 1],
    )


def test_assess_save_draft_then_submit_keeps_one_assessment(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)

    draft = client.post(assess_url(cluster), post_data(met_steps={1, 2}, action="save"))
    assert draft["Location"] == assess_url(cluster)
    assert StaircaseAssessment.objects.get().status == AssessmentStatus.DRAFT
    client.post(assess_url(cluster), post_data(met_steps={1, 2}))

    assessment = StaircaseAssessment.objects.get()
    assert (assessment.status, assessment.step_reached) == (AssessmentStatus.SUBMITTED, 2)


def test_assess_unconfirmed_figure_blocks_submit(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)

    response = client.post(assess_url(cluster), post_data(met_steps={1}, confirm=False))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["confirmed_cross-regional"] == [
        "Confirm the figure, or correct it in the evidence."
    ]
    assert "confirmed_mapping" not in errors  # corrected in the evidence instead
    assert not StaircaseAssessment.objects.submitted().exists()


def test_assess_bad_link_rejected(client: Client, cluster_manager: tuple[User, Cluster]) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    data = post_data(met_steps={1})
    data["links_trust"] = "javascript:alert(1)"

    response = client.post(assess_url(cluster), data)

    assert response.status_code == 200
    assert "links_trust" in response.context["form"].errors
    assert not StaircaseAssessment.objects.exists()


def test_assess_platform_admin_allowed(
    client: Client, cluster_manager: tuple[User, Cluster], make_user: Callable[..., User]
) -> None:
    _user, cluster = cluster_manager
    client.force_login(make_user(role="platform_admin"))

    assert client.post(assess_url(cluster), post_data(met_steps=set())).status_code == 302
    assert StaircaseAssessment.objects.get().step_reached == 0


def test_overview_public_shows_step_but_not_answers(
    client: Client, cluster_manager: tuple[User, Cluster]
) -> None:
    user, cluster = cluster_manager
    client.force_login(user)
    client.post(assess_url(cluster), post_data(met_steps={1}))
    manager_html = client.get(overview_url(cluster)).content.decode()
    client.logout()

    response = client.get(overview_url(cluster))

    html = response.content.decode()
    assert response.status_code == 200
    step_one = load_steps()[0]
    assert step_one.name in html
    assert "<svg" in html
    assert "Belägg trust" not in html
    assert "Vi tar fram en strategi." not in html
    assert "Belägg trust" in manager_html
    step_two_action = load_steps()[1].criteria.all()[0].action
    assert step_two_action in manager_html
    assert step_two_action not in html


def test_summary_snippet_renders_current_step(cluster_manager: tuple[User, Cluster]) -> None:
    from django.template.loader import render_to_string

    from samverka.clusters.staircase_services import staircase_summary

    _user, cluster = cluster_manager
    before = render_to_string(
        "clusters/_staircase_summary.html",
        {"cluster": cluster, "staircase": staircase_summary(cluster=cluster)},
    )
    StaircaseAssessment.objects.create(
        cluster=cluster,
        status=AssessmentStatus.SUBMITTED,
        submitted_at="2026-01-01T12:00Z",
        step_reached=2,
    )
    summary: dict[str, Any] = staircase_summary(cluster=cluster)
    after = render_to_string(
        "clusters/_staircase_summary.html", {"cluster": cluster, "staircase": summary}
    )

    assert summary["step"].number == 2
    assert summary["top"] == 3
    assert summary["step"].name in after
    assert summary["step"].name not in before
    assert overview_url(cluster) in after


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""
