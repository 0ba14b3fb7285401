"""Routing rules: matching criteria, priority, specificity, inactive rules and the fallback."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core import mail

from samverka.actors.models import FocusArea, Person
from samverka.geo.models import Area
from samverka.sluice.models import HelpCase
from samverka.sluice.services import handler_emails, matching_rule, route

pytestmark = pytest.mark.django_db


def _case(focus_area=None, municipality="2380", kind="advice") -> HelpCase:
    return HelpCase(
        focus_area=focus_area,
        municipality=Area.objects.get(code=municipality) if municipality else None,
        kind=kind,
    )


def test_lowest_priority_number_wins(make_rule, make_cluster):
    a, b = make_cluster("A"), make_cluster("B")
    make_rule(name="late", county="23", priority=100, target_cluster=a)
    early = make_rule(name="early", priority=5, target_cluster=b)

    assert route(_case()) == early


def test_most_specific_wins_among_equal_priority(make_rule, make_cluster, focus_area):
    a, b, c = make_cluster("A"), make_cluster("B"), make_cluster("C")
    make_rule(name="any", priority=50, target_cluster=a)
    make_rule(name="county", county="23", priority=50, target_cluster=b)
    specific = make_rule(
        name="county+focus+kind",
        county="23",
        focus_area=focus_area,
        kind="testbed",
        priority=50,
        target_cluster=c,
    )

    case = _case(focus_area=focus_area, kind="testbed")
    assert route(case) == specific
    assert case.assigned_cluster == c
    # Another kind of help: the specific rule no longer matches, the county rule does.
    assert route(_case(focus_area=focus_area, kind="market")).name == "county"


def test_criteria_must_all_match(make_rule, make_cluster, focus_area):
    other_focus = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    make_rule(
        name="forest in 05", county="05", focus_area=other_focus, target_cluster=make_cluster()
    )

    assert route(_case(focus_area=focus_area, municipality="0580")) is None  # wrong focus
    assert route(_case(focus_area=other_focus, municipality="2380")) is None  # wrong county
    assert route(_case(focus_area=other_focus, municipality="0580")).name == "forest in 05"


def test_inactive_rules_are_skipped_and_fallback_is_the_national_network(make_rule, make_cluster):
    make_rule(name="off", priority=1, active=False, target_cluster=make_cluster())

    case = _case()
    assert route(case) is None
    assert case.assigned_cluster is None
    assert case.assigned_organisation is None


def test_rule_to_organisation_and_county_from_municipality(make_rule, make_organisation):
    org = make_organisation("Forskningsinstitutet")
    rule = make_rule(county="23", target_organisation=org)

    assert (
        matching_rule(focus_area_id=None, county_id=Area.objects.get(code="23").pk, kind="x")
        == rule
    )
    case = _case(municipality="2309")  # Krokom, also county 23
    route(case)
    assert case.assigned_organisation == org
    assert route(_case(municipality=None)) is None  # no municipality: county rules cannot match


def test_handler_emails_by_handler_kind(make_rule, make_organisation, make_user, cluster_manager):
    manager, cluster = cluster_manager
    manager.email = "m@c.example"
    manager.save()
    org = make_organisation()
    with_account = make_user()
    with_account.email = "person@org.example"
    with_account.save()
    Person.objects.create(name="With account", organisation=org, user=with_account)
    Person.objects.create(name="No account", organisation=org, email="noaccount@org.example")
    admin = make_user(role="platform_admin")
    make_user()  # no role: not told

    assert handler_emails(HelpCase(assigned_cluster=cluster)) == ["m@c.example"]
    assert handler_emails(HelpCase(assigned_organisation=org)) == ["person@org.example"]
    assert handler_emails(HelpCase()) == [admin.email]
    assert Group.objects.get(name="platform_admin").user_set.count() == 1
    assert mail.outbox == []
