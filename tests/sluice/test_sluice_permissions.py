"""Who sees and changes cases and routing rules: handlers, other clusters, anonymous visitors."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from samverka.actors.models import Person
from samverka.core.models import AuditEntry
from samverka.sluice.models import HelpCase, RoutingRule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english): ...


@pytest.fixture
def other_manager(make_user, make_cluster):
    user = make_user("other-manager")
    cluster = make_cluster("Other Cluster", slug="other")
    cluster.managers.add(user)
    return user, cluster


def test_handler_sees_list_and_detail(client, make_case, cluster_manager, other_manager):
    manager, cluster = cluster_manager
    mine = make_case(title="Mine", assigned_cluster=cluster)
    make_case(title="Theirs", assigned_cluster=other_manager[1])
    client.force_login(manager)

    listing = client.get(reverse("sluice:cases")).content.decode()
    detail = client.get(mine.get_absolute_url())

    assert "Mine" in listing
    assert "Theirs" not in listing
    assert detail.status_code == 200
    assert mine.email in detail.content.decode()


def test_other_clusters_manager_is_refused_reading_and_writing(
    client, make_case, cluster_manager, other_manager
):
    _manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)
    client.force_login(other_manager[0])

    assert client.get(case.get_absolute_url()).status_code == 403
    response = client.post(
        reverse("sluice:case-transition", args=[case.pk]), {"to_stage": "screened"}
    )
    assert response.status_code == 403
    assert (
        client.post(reverse("sluice:case-note", args=[case.pk]), {"text": "x"}).status_code == 403
    )
    assert HelpCase.objects.get(pk=case.pk).stage == "received"
    assert not case.notes.exists()


def test_anonymous_is_sent_to_login_and_nothing_changes(client, make_case, cluster_manager):
    _manager, cluster = cluster_manager
    case = make_case(assigned_cluster=cluster)

    for response in (
        client.get(reverse("sluice:cases")),
        client.get(case.get_absolute_url()),
        client.post(reverse("sluice:case-transition", args=[case.pk]), {"to_stage": "screened"}),
        client.get(reverse("sluice:rules")),
        client.get(reverse("sluice:report")),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert HelpCase.objects.get(pk=case.pk).stage == "received"


def test_people_of_the_handling_organisation_handle_it(client, make_case, member_user):
    user, organisation = member_user
    case = make_case(assigned_organisation=organisation)
    client.force_login(user)

    response = client.post(
        reverse("sluice:case-transition", args=[case.pk]),
        {"to_stage": "screened", "outcome": "", "note": "Looks promising"},
    )

    assert response.status_code == 302
    assert HelpCase.objects.get(pk=case.pk).stage == "screened"


def test_national_cases_only_for_platform_admins(client, make_case, cluster_manager, make_user):
    case = make_case()  # no handler: the national network
    client.force_login(cluster_manager[0])
    assert client.get(case.get_absolute_url()).status_code == 403
    client.force_login(make_user(role="platform_admin"))
    assert client.get(case.get_absolute_url()).status_code == 200


def test_missing_case_is_404(client, cluster_manager):
    client.force_login(cluster_manager[0])
    assert client.get(reverse("sluice:case", args=[99999])).status_code == 404


def test_note_and_reassign_notify_new_handler(
    client, make_case, cluster_manager, other_manager, django_capture_on_commit_callbacks
):
    manager, cluster = cluster_manager
    other_user, other_cluster = other_manager
    other_user.email = "other@cluster.example"
    other_user.save()
    case = make_case(assigned_cluster=cluster)
    client.force_login(manager)

    client.post(reverse("sluice:case-note", args=[case.pk]), {"text": "Called them."})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("sluice:case-reassign", args=[case.pk]),
            {"cluster": other_cluster.pk, "organisation": "", "note": "Their field"},
        )

    case.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("sluice:cases")  # no longer the manager's case
    assert case.assigned_cluster == other_cluster
    assert [n.text for n in case.notes.all()] == [
        "Called them.",
        "Reassigned to Other Cluster. Their field",
    ]
    assert [m.to for m in mail.outbox] == [["other@cluster.example"]]
    assert AuditEntry.objects.filter(action="help_case.reassigned").count() == 1
    assert client.get(case.get_absolute_url()).status_code == 403


def test_cluster_manager_edits_only_rules_for_own_cluster(
    client, cluster_manager, other_manager, make_rule, focus_area
):
    manager, cluster = cluster_manager
    theirs = make_rule(name="theirs", target_cluster=other_manager[1])
    client.force_login(manager)

    created = client.post(
        reverse("sluice:rule-new"),
        {
            "name": "Ley farming",
            "focus_area": focus_area.pk,
            "priority": 20,
            "target_cluster": cluster.pk,
            "active": "on",
        },
    )
    foreign = client.post(
        reverse("sluice:rule-new"),
        {"name": "Sneaky", "priority": 1, "target_cluster": other_manager[1].pk, "active": "on"},
    )

    assert created.status_code == 302
    rule = RoutingRule.objects.get(name="Ley farming")
    assert (rule.focus_area, rule.target_cluster, rule.priority) == (focus_area, cluster, 20)
    assert foreign.status_code == 400  # not a choice for this manager
    assert not RoutingRule.objects.filter(name="Sneaky").exists()
    assert client.get(reverse("sluice:rule-edit", args=[theirs.pk])).status_code == 403
    assert client.post(reverse("sluice:rule-delete", args=[theirs.pk])).status_code == 403
    assert RoutingRule.objects.filter(pk=theirs.pk).exists()
    listing = client.get(reverse("sluice:rules")).content.decode()
    assert "Ley farming" in listing
    assert "theirs" not in listing


def test_platform_admin_routes_to_an_organisation_and_deletes(client, make_user, make_organisation):
    admin = make_user(role="platform_admin")
    org = make_organisation("Lantbruksuniversitetet")
    client.force_login(admin)

    both = client.post(
        reverse("sluice:rule-new"),
        {"name": "none", "priority": 5, "active": "on"},
    )
    made = client.post(
        reverse("sluice:rule-new"),
        {
            "name": "Research",
            "kind": "research",
            "priority": 5,
            "target_organisation": org.pk,
            "active": "on",
        },
    )

    assert both.status_code == 400
    rule = RoutingRule.objects.get()
    assert made.status_code == 302
    assert rule.target_organisation == org
    assert client.post(reverse("sluice:rule-delete", args=[rule.pk])).status_code == 302
    assert not RoutingRule.objects.exists()
    assert AuditEntry.objects.filter(action="routing_rule.deleted").count() == 1


def test_member_without_cluster_cannot_manage_rules(client, member_user):
    client.force_login(member_user[0])
    assert client.get(reverse("sluice:rules")).status_code == 403
    assert client.get(reverse("sluice:rule-new")).status_code == 403
    assert Person.objects.filter(user=member_user[0]).exists()
