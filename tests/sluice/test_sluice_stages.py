"""Stage changes (allowed, forbidden, reopening) and the report: time in stage and conversion."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from samverka.sluice import services
from samverka.sluice.models import CaseTransition, HelpCase

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english): ...


def test_forward_skip_and_close_are_recorded(make_case, cluster_manager):
    manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)

    services.transition(case=case, to_stage="mentoring", actor=manager, note="Skip screening")
    services.transition(case=case, to_stage="closed", outcome="advice_given", actor=manager)

    case.refresh_from_db()
    assert case.stage == "closed"
    assert case.outcome == "advice_given"
    steps = list(case.transitions.values_list("from_stage", "to_stage", "outcome", "actor"))
    assert steps == [
        ("", "received", "", None),
        ("received", "mentoring", "", manager.pk),
        ("mentoring", "closed", "advice_given", manager.pk),
    ]


def test_backward_step_is_refused(make_case, cluster_manager):
    manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)
    services.transition(case=case, to_stage="testbed", actor=manager)

    with pytest.raises(ValidationError) as exc:
        services.transition(case=case, to_stage="screened", actor=manager)

    assert exc.value.code == "transition_not_allowed"
    assert HelpCase.objects.get(pk=case.pk).stage == "testbed"
    assert case.transitions.count() == 2


def test_closing_needs_an_outcome_and_only_closing_takes_one(make_case, cluster_manager):
    manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)

    with pytest.raises(ValidationError) as closing:
        services.transition(case=case, to_stage="closed", actor=manager)
    with pytest.raises(ValidationError) as moving:
        services.transition(case=case, to_stage="screened", outcome="referred", actor=manager)

    assert "outcome" in closing.value.message_dict
    assert "outcome" in moving.value.message_dict
    assert case.transitions.count() == 1


def test_reopen_only_by_platform_admin(make_case, cluster_manager, make_user):
    manager, cluster = cluster_manager
    admin = make_user(role="platform_admin")
    case = make_case(assigned_cluster=cluster)
    services.transition(case=case, to_stage="closed", outcome="not_pursued", actor=manager)

    with pytest.raises(PermissionDenied):
        services.transition(case=case, to_stage="mentoring", actor=manager)
    services.transition(case=case, to_stage="mentoring", actor=admin)

    case.refresh_from_db()
    assert (case.stage, case.outcome) == ("mentoring", "")


def test_transition_page_refuses_backward_step_with_form_error(client, make_case, cluster_manager):
    manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)
    client.force_login(manager)
    url = reverse("sluice:case-transition", args=[case.pk])

    ok = client.post(url, {"to_stage": "application", "outcome": "", "note": ""})
    back = client.post(url, {"to_stage": "screened", "outcome": "", "note": ""})

    assert ok.status_code == 302
    assert back.status_code == 400
    assert HelpCase.objects.get(pk=case.pk).stage == "application"


def _history(case: HelpCase, steps: list[tuple[str, float]], start: datetime) -> None:
    """Replace the case's history: (stage, days after start) with fixed timestamps."""
    CaseTransition.objects.filter(case=case).delete()
    previous = ""
    for stage, days in steps:
        CaseTransition.objects.create(
            case=case, from_stage=previous, to_stage=stage, at=start + timedelta(days=days)
        )
        previous = stage
    HelpCase.objects.filter(pk=case.pk).update(stage=previous)


@pytest.fixture
def timed_cases(make_case, cluster_manager, make_cluster):
    """Four cases of the managed cluster with fixed stage times, one of another cluster."""
    _manager, cluster = cluster_manager
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.get_current_timezone())
    a, b, c, d = (make_case(assigned_cluster=cluster) for _ in range(4))
    # received 2 d, screened 4 d, mentoring 10 d, application (open)
    _history(a, [("received", 0), ("screened", 2), ("mentoring", 6), ("application", 16)], start)
    # received 4 d, screened 8 d, closed (advice given)
    _history(b, [("received", 0), ("screened", 4), ("closed", 12)], start)
    HelpCase.objects.filter(pk=b.pk).update(outcome="advice_given")
    # received 9 d, skips to testbed (open)
    _history(c, [("received", 0), ("testbed", 9)], start)
    # still received (open: its stay is not counted)
    _history(d, [("received", 0)], start)
    other = make_cluster("Other")
    _history(make_case(assigned_cluster=other), [("received", 0), ("screened", 100)], start)
    return cluster


def _by_stage(group: dict) -> dict[str, dict]:
    return {s["stage"]: s for s in group["stages"]}


def test_report_time_in_stage_and_conversion_by_hand(timed_cases):
    [group] = services.report(cluster=timed_cases)
    stages = _by_stage(group)

    assert group["cases"] == 4
    # received: completed stays 2, 4, 9 days (d is still there)
    assert stages["received"]["stays"] == 3
    assert stages["received"]["median_days"] == 4.0
    assert stages["received"]["mean_days"] == 5.0
    # screened: 4 (a) and 8 (b)
    assert stages["screened"]["median_days"] == 6.0
    assert stages["screened"]["mean_days"] == 6.0
    assert stages["mentoring"]["median_days"] == 10.0
    assert stages["testbed"]["median_days"] is None
    # conversion: reached at least this far (a skipped stage counts as passed)
    assert [stages[s]["reached"] for s in ("received", "screened", "mentoring", "testbed")] == [
        4,
        3,
        2,
        2,
    ]
    assert stages["application"]["reached"] == 1
    assert stages["project"]["reached"] == 0
    assert stages["screened"]["share"] == 0.75
    assert stages["mentoring"]["share_of_previous"] == 0.67
    assert stages["closed"]["reached"] == 1
    assert group["outcomes"] == {"advice_given": 1}


def test_report_page_shows_table_chart_and_exports(client, timed_cases, cluster_manager):
    manager, _cluster = cluster_manager
    client.force_login(manager)

    page = client.get(reverse("sluice:report"))
    csv = client.get(reverse("sluice:report") + "?export=csv")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Managed Cluster" in html
    assert "Other" not in html  # a manager sees only their clusters
    assert "<svg" in html
    assert "<title" in html
    assert "75 %" in html
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    assert "Managed Cluster;screened;3;0.75" in text.replace('"', "")
    xlsx = client.get(reverse("sluice:report") + "?export=xlsx")
    assert xlsx.content[:2] == b"PK"


def test_report_page_refused_to_members_and_other_clusters(
    client, member_user, make_cluster, cluster_manager
):
    user, _org = member_user
    client.force_login(user)
    assert client.get(reverse("sluice:report")).status_code == 403
    manager, _ = cluster_manager
    client.force_login(manager)
    other = make_cluster("Not mine", slug="not-mine")
    assert client.get(reverse("sluice:report") + f"?cluster={other.slug}").status_code == 403


def test_cli_report_json(timed_cases):
    out = StringIO()

    call_command("sluice", "report", "--cluster", timed_cases.slug, "--format", "json", stdout=out)

    data = json.loads(out.getvalue())
    [group] = data["clusters"]
    assert group["cluster"] == "managed"
    assert _by_stage(group)["received"]["mean_days"] == 5.0
    assert _by_stage(group)["screened"]["reached"] == 3


def test_cli_report_all_clusters_includes_total(timed_cases):
    out = StringIO()
    call_command("sluice", "report", "--format", "json", stdout=out)

    groups = json.loads(out.getvalue())["clusters"]
    assert [g["cluster"] for g in groups] == ["managed", groups[1]["cluster"], None]
    assert groups[-1]["cases"] == 5


def test_cli_unknown_cluster_exits_2(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as exc:
        call_command("sluice", "report", "--cluster", "nope", "--format", "json")
    assert exc.value.returncode == 2
    assert "nope" in str(exc.value)
