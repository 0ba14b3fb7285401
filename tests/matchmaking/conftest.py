"""Fixtures for matchmaking tests: needs and offers built directly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from samverka.actors.models import FocusArea
from samverka.geo.models import Area
from samverka.matchmaking import lexical, semantic
from samverka.matchmaking.models import Listing, Need, Offer


@pytest.fixture(autouse=True)
def _fresh_statistics() -> Iterator[None]:
    """Document frequencies are cached per process; each test starts without them."""
    lexical.forget_statistics(Need, shared=True)
    lexical.forget_statistics(Offer, shared=True)
    yield
    semantic.use_embedder(None)


@pytest.fixture
def make_listing(db: Any, make_organisation: Callable[..., Any]) -> Callable[..., Listing]:
    def make(
        model: type[Listing] = Need,
        title: str = "Behov",
        *,
        focus: list[FocusArea] | None = None,
        county: str | None = "23",
        **fields: Any,
    ) -> Listing:
        fields.setdefault("kind", "testbed")
        if "owner" not in fields:
            fields["owner"] = make_organisation()
        listing = model.objects.create(
            title=title,
            county=Area.objects.get(code=county) if county else None,
            **fields,
        )
        if focus:
            listing.focus_areas.set(focus)
        return listing

    return make


@pytest.fixture
def forest(db: Any) -> FocusArea:
    return FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forestry")
