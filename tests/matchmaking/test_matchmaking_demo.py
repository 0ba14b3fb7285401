"""The matchmaking demo data: loaded from demo organisations, idempotent."""

from __future__ import annotations

from typing import Any

from samverka.actors.models import FocusArea, Organisation
from samverka.geo.models import Area
from samverka.matchmaking.demo import load_matchmaking_demo
from samverka.matchmaking.models import Interest, Need, Offer


def test_demo_loads_once(db: Any) -> None:
    place = Area.objects.get(code="2380")
    for n, helix in enumerate(["company", "company", "academia", "public", "civil_society"]):
        organisation = Organisation.objects.create(
            name=f"Demo {n}", helix=helix, municipality=place
        )
        Organisation.objects.filter(pk=organisation.pk).update(is_demo=True)
    FocusArea.objects.create(slug="vallodling", name_sv="Vallodling", name_en="Ley farming")
    first = load_matchmaking_demo()
    assert first["needs"] == 10
    assert first["offers"] == 12
    assert first["interests"] == 4
    assert Need.objects.get(title="Expertis om vallens kolinlagring").focus_areas.count() == 1
    assert set(Interest.objects.values_list("outcome", flat=True)) == {
        "meeting",
        "agreement",
        "pending",
        "nothing",
    }
    second = load_matchmaking_demo()
    assert second["created"] == 0
    assert Offer.objects.count() == 12


def test_demo_without_demo_organisations_loads_nothing(db: Any) -> None:
    assert load_matchmaking_demo()["created"] == 0
    assert Need.objects.count() == 0
