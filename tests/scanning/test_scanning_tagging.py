"""Tagging items with focus areas by Swedish-stemmed keyword rules."""

from __future__ import annotations

from samverka.actors.models import FocusArea
from samverka.scanning import services, tagging
from samverka.scanning.models import TagRule


def test_stems_fold_inflections() -> None:
    assert tagging.stems("skogen skogar skog") == ["skog", "skog", "skog"]


def test_match_inflected_words() -> None:
    rules = tagging.compile_rules([(1, ["skog"]), (2, ["vallodling", "vall"])])
    assert tagging.match("Åtgärder i skogarna", rules) == {1}
    assert tagging.match("Nu växer vallen", rules) == {2}
    assert tagging.match("Skogen och vallodlingen", rules) == {1, 2}
    assert tagging.match("Inget om det här", rules) == set()


def test_match_phrases_in_order() -> None:
    rules = tagging.compile_rules([(3, ["ekologisk odling"])])
    assert tagging.match("Satsning på ekologiska odlingar i länet", rules) == {3}
    assert tagging.match("Odling som är ekologisk", rules) == set()


def test_html_is_ignored() -> None:
    rules = tagging.compile_rules([(1, ["skog"])])
    assert tagging.match('<a href="https://skog.example">länk</a>', rules) == set()


def test_rules_from_database_tag_classified_items(db: object) -> None:
    forest = FocusArea.objects.create(slug="skog", name_sv="Skog", name_en="Forest")
    TagRule.objects.create(focus_area=forest, keywords="skog,\nvirke")
    tags, funding, deadline = services.classify(
        "Utlysning för skogarna", "Sista ansökningsdag 15 mars 2027", services.compiled_rules()
    )
    assert tags == {forest.pk}
    assert funding is True
    assert str(deadline) == "2027-03-15"
    tags, funding, deadline = services.classify(
        "Virken säljs", "deadline 2027-01-01", services.compiled_rules()
    )
    assert tags == {forest.pk}
    assert (funding, deadline) == (False, None)  # a deadline counts only for funding calls
