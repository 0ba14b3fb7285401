"""The sluice demo data: routed cases with stage histories; a second load writes nothing."""

from __future__ import annotations

import pytest

from samverka.core.demo import load_demo
from samverka.sluice.demo import load_sluice_demo
from samverka.sluice.models import CaseTransition, HelpCase, RoutingRule
from samverka.sluice.services import report

pytestmark = pytest.mark.django_db


def test_sluice_demo_is_idempotent_and_routed():
    load_demo()

    first = load_sluice_demo()
    second = load_sluice_demo()

    assert first == {"routing_rules": 5, "help_cases": 10}
    assert second == {"routing_rules": 0, "help_cases": 0}
    assert HelpCase.objects.filter(is_demo=True).count() == 10
    assert RoutingRule.objects.filter(is_demo=True).count() == 5
    ley = HelpCase.objects.get(token="demo-case-01")  # ley testbed in Piteå
    assert ley.assigned_cluster.slug == "ojebyn-agro-park"
    assert ley.stage == "application"
    assert HelpCase.objects.get(token="demo-case-06").assigned_cluster.slug == (
        "green-innovation-park-ultuna"
    )
    assert CaseTransition.objects.filter(case__is_demo=True).count() > 20
    total = report()[-1]
    assert total["cases"] == 10
    assert total["stages"][0]["median_days"] is not None


def test_demo_pages_for_a_platform_admin(client, make_user, english, django_assert_max_num_queries):
    load_demo()
    load_sluice_demo()
    client.force_login(make_user(role="platform_admin"))

    with django_assert_max_num_queries(12):
        cases = client.get("/help/cases/")
    report_page = client.get("/help/report/")
    case = HelpCase.objects.get(token="demo-case-03")
    detail = client.get(case.get_absolute_url())

    assert cases.status_code == 200
    assert cases.content.decode().count('href="/help/cases/') == 10
    assert report_page.status_code == 200
    assert "Öjebyn Agro Park" in report_page.content.decode()
    assert "All cases" in report_page.content.decode()
    assert detail.status_code == 200
    assert "Krokoms Biokol" in detail.content.decode()
