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
