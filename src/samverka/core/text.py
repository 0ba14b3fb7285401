"""Swedish word stems, shared by search, tagging and matching."""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

_stemmer = snowballstemmer.stemmer("swedish")


@lru_cache(maxsize=65536)
def swedish_stem(word: str) -> str:
    """The Snowball Swedish stem of a lower-case word ("skogen" → "skog")."""
    return _stemmer.stemWord(word)
