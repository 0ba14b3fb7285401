"""Ranking and reasons on a small hand-built set."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from samverka.actors.enums import Helix
from samverka.actors.models import FocusArea
from samverka.matchmaking import semantic
from samverka.matchmaking.matching import find_matches
from samverka.matchmaking.models import Need, Offer


@pytest.fixture(autouse=True)
def _english(english: Any) -> None: ...


@pytest.fixture
def need(make_listing: Any, make_organisation: Any, forest: FocusArea) -> Need:
    return make_listing(
        Need,
        "Testbädd för skogsmaskiner",
        description="Vi behöver prova en eldriven skotare i skogen.",
        focus=[forest],
        county="23",
        owner=make_organisation("Skogsbolaget", helix=Helix.COMPANY),
    )


def test_matches_shared_focus_and_neighbour_rank_above_unrelated(
    need: Need, make_listing: Any, make_organisation: Any, forest: FocusArea
) -> None:
    other = FocusArea.objects.create(slug="mat", name_sv="Mat", name_en="Food")
    near = make_listing(
        Offer,
        "Provbana i skog",
        description="Testbädd där skotare och skogsmaskiner kan provas.",
        focus=[forest],
        county="24",  # Västerbotten borders Jämtland
        owner=make_organisation(helix=Helix.COMPANY),
    )
    unrelated = make_listing(
        Offer,
        "Provkök för livsmedel",
        description="Testbädd för ost och bröd.",
        focus=[other],
        county="12",
        owner=make_organisation(helix=Helix.COMPANY),
    )
    result = find_matches(need)
    titles = [m.listing.title for m in result.matches]
    assert titles[0] == near.title
    assert result.method == "lexical"
    reasons = {r.code: r.text for r in result.matches[0].reasons}
    assert reasons["focus_areas"] == "Shared focus areas: Forestry."
    assert reasons["neighbouring_county"] == (
        "Neighbouring counties: Jämtlands län and Västerbottens län."
    )
    assert reasons["text"] == "Similar wording (prov, skog, skogsmaskin)."
    if unrelated.title in titles:
        assert titles.index(unrelated.title) > 0
        assert result.matches[titles.index(unrelated.title)].score < result.matches[0].score


def test_matches_complementary_helix_scores_a_bonus(
    need: Need, make_listing: Any, make_organisation: Any, forest: FocusArea
) -> None:
    text = {"description": "Skotare i skogen.", "focus": [forest], "county": "23"}
    company = make_listing(
        Offer, "Skogsfält A", owner=make_organisation(helix=Helix.COMPANY), **text
    )
    university = make_listing(
        Offer, "Skogsfält B", owner=make_organisation(helix=Helix.ACADEMIA), **text
    )
    result = find_matches(need)
    scores = {m.listing.pk: m for m in result.matches}
    assert scores[university.pk].score == pytest.approx(scores[company.pk].score + 12, abs=0.2)
    assert "complementary_helix" in {r.code for r in scores[university.pk].reasons}
    assert "complementary_helix" not in {r.code for r in scores[company.pk].reasons}
    texts = [r.text for r in scores[university.pk].reasons]
    assert "Complementary actors: company and academia." in texts
    assert "Same county: Jämtlands län." in texts


def test_matches_exclude_expired_other_kinds_and_own_organisation(
    need: Need, make_listing: Any, make_organisation: Any, forest: FocusArea
) -> None:
    fields = {"description": "Skotare i skogen.", "focus": [forest]}
    good = make_listing(Offer, "Aktiv", **fields)
    make_listing(Offer, "Utgången", expires_on=timezone.localdate() - timedelta(days=1), **fields)
    make_listing(Offer, "Kapital", kind="capital", **fields)
    make_listing(Offer, "Egen", owner=need.owner, **fields)
    assert [m.listing.pk for m in find_matches(need).matches] == [good.pk]


def test_matches_members_only_hidden_from_the_public_view(
    need: Need, make_listing: Any, forest: FocusArea
) -> None:
    hidden = make_listing(Offer, "Intern", description="skogen", visibility="members")
    assert [m.listing.pk for m in find_matches(need).matches] == [hidden.pk]
    assert find_matches(need, members_only=False).matches == []


def test_matches_stemming_finds_inflected_words(make_listing: Any) -> None:
    need = make_listing(Need, "Skogen", focus=None)
    offer = make_listing(Offer, "Skog", focus=None)
    make_listing(Offer, "Ost", focus=None)
    result = find_matches(need)
    assert [m.listing.pk for m in result.matches] == [offer.pk]
    assert result.matches[0].reasons[0].code == "text"


def test_matches_reverse_direction_ranks_needs(need: Need, make_listing: Any) -> None:
    offer = make_listing(Offer, "Skotare", description="i skogen")
    result = find_matches(offer)
    assert [m.listing.pk for m in result.matches] == [need.pk]


def test_semantic_blend_with_a_fake_embedder(make_listing: Any) -> None:
    need = make_listing(Need, "Skog och virke", focus=None)
    first = make_listing(Offer, "Virke från skog", focus=None)
    second = make_listing(Offer, "Skog och virke", focus=None)
    lexical_only = find_matches(need)
    assert lexical_only.matches[0].listing.pk == second.pk

    def meaning(query: str, passages: list[str]) -> list[float]:
        return [1.0 if p.startswith("Virke") else -0.5 for p in passages]

    semantic.use_embedder(meaning)
    blended = find_matches(need)
    assert blended.method == "lexical+semantic"
    assert blended.matches[0].listing.pk == first.pk
    assert "meaning" in {r.code for r in blended.matches[0].reasons}


def test_retrieval_keys_follow_focus_areas(make_listing: Any, forest: FocusArea) -> None:
    offer = make_listing(Offer, "Nyckel", county="23")
    county_id = offer.county_id
    assert Offer.objects.get().keys == f"zzktestbed zzktestbedc{county_id}"
    offer.focus_areas.add(forest)
    assert Offer.objects.get().keys.endswith(f"zzktestbedf{forest.pk}")
    forest.delete()
    offer.kind = "capital"
    offer.save()
    assert Offer.objects.get().keys == f"zzkcapital zzkcapitalc{county_id}"


def test_matches_found_by_focus_area_alone(
    need: Need, make_listing: Any, forest: FocusArea
) -> None:
    far = make_listing(Offer, "Helt annan text", focus=[forest], county="12")
    result = find_matches(need)
    assert [m.listing.pk for m in result.matches] == [far.pk]
    assert [r.code for r in result.matches[0].reasons] == ["focus_areas", "kind"]


def test_statistics_task_shares_frequencies_of_active_listings(make_listing: Any) -> None:
    from samverka.matchmaking import lexical
    from samverka.matchmaking.tasks import refresh_match_statistics

    make_listing(Offer, "Skog")
    make_listing(Offer, "Skog gammal", expires_on=timezone.localdate() - timedelta(days=1))
    assert refresh_match_statistics.call() == {"need": 0, "offer": 1}
    lexical.forget_statistics(Offer)  # this process forgets; the shared copy remains
    corpus = lexical.statistics(Offer)
    assert corpus.documents == 1
    assert corpus.frequencies == {"skog": 1}
