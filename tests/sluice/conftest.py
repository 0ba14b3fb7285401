"""Fixtures of the sluice tests: routing rules, a submitted case, valid form data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache

from samverka.geo.models import Area
from samverka.sluice.models import HelpCase, RoutingRule


@pytest.fixture(autouse=True)
def _fresh_rate_limit() -> Iterator[None]:
    """The rate limit counts in the shared cache; start every test with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def form_data(focus_area: Any) -> dict[str, Any]:
    return {
        "title": "Testing a new ley seed mix",
        "description": "We want trial plots for a seed mix that survives a late spring.",
        "kind": "testbed",
        "focus_area": str(focus_area.pk),
        "municipality": str(Area.objects.get(code="2380").pk),  # Östersund, county 23
        "name": "Lina Berg",
        "email": "lina@norrvall.example",
        "organisation_name": "Norrvall AB",
        "phone": "",
        "consent": "on",
        "website": "",
    }


@pytest.fixture
def make_rule(db: Any) -> Callable[..., RoutingRule]:
    def make(**fields: Any) -> RoutingRule:
        if isinstance(fields.get("county"), str):
            fields["county"] = Area.objects.get(code=fields["county"])
        return RoutingRule.objects.create(**fields)

    return make


@pytest.fixture
def make_case(db: Any) -> Callable[..., HelpCase]:
    """A case written directly (routing as given), with its first stage recorded."""
    from django.utils import timezone

    from samverka.sluice.models import CaseTransition

    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> HelpCase:
        n = next(counter)
        now = timezone.now()
        fields.setdefault("title", f"Case {n}")
        fields.setdefault("description", "Need help.")
        fields.setdefault("kind", "advice")
        fields.setdefault("name", "Applicant")
        fields.setdefault("email", f"applicant{n}@example.se")
        fields.setdefault("organisation_name", "Gården AB")
        fields.setdefault("consent_text", "I agree.")
        fields.setdefault("consent_version", "test")
        fields.setdefault("consent_at", now)
        case = HelpCase.objects.create(token=f"token-{n}-secret", **fields)
        CaseTransition.objects.create(case=case, from_stage="", to_stage="received", at=now)
        return case

    return make
