"""Swedish stemming, TF-IDF cosine and the county neighbour table."""

from __future__ import annotations

import pytest

from samverka.matchmaking import geography, lexical


def test_stems_inflections_reduce_to_one_stem() -> None:
    assert lexical.stems("Skogen och skogar") == ["skog", "skog"]
    assert lexical.stems("skog") == ["skog"]


def test_stems_drop_stop_words_and_single_letters() -> None:
    assert lexical.stems("Vi söker en testbädd i Jämtland") == ["sök", "testbäd", "jämtland"]


def test_cosine_inflected_text_is_similar() -> None:
    docs, df = 3, {"skog": 1, "maskin": 1, "ost": 1}
    a = lexical.vector(lexical.stems("skogen"), docs, df)
    b = lexical.vector(lexical.stems("skog maskin"), docs, df)
    c = lexical.vector(lexical.stems("ost"), docs, df)
    assert lexical.cosine(a, b) > 0.5
    assert lexical.cosine(a, c) == 0
    assert lexical.cosine(a, a) == pytest.approx(1.0)


def test_vector_rare_terms_weigh_more() -> None:
    vector = lexical.vector(["vanlig", "sällsynt"], 100, {"vanlig": 90, "sällsynt": 1})
    assert vector["sällsynt"] > vector["vanlig"]


def test_adjacency_known_pairs() -> None:
    near = geography.neighbours()
    assert "03" in near["01"]
    assert "01" in near["03"]
    assert "25" not in near["12"]  # Skåne – Norrbotten
    assert near["09"] == frozenset()  # Gotland: no land border
    assert "24" in near["23"]  # Jämtland – Västerbotten


def test_adjacency_file_matches_the_boundaries() -> None:
    stored = {code: sorted(codes) for code, codes in geography.neighbours().items()}
    assert stored == geography.compute_adjacency()
    assert len(stored) == 21
