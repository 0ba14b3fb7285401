"""Lexical similarity: Swedish-stemmed tokens weighted by TF-IDF and compared by cosine.

Document frequencies come from the stored ``stems`` of the active listings of one model and are
kept in this process for a few minutes (``forget_statistics`` drops them after a write here).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from samverka.core.text import swedish_stem

_WORD = re.compile(r"[0-9a-zåäöéüæø]+")
STOP_WORDS = frozenset(
    [
        "och",
        "att",
        "det",
        "som",
        "en",
        "ett",
        "är",
        "av",
        "för",
        "på",
        "med",
        "till",
        "den",
        "de",
        "om",
        "har",
        "inte",
        "vi",
        "kan",
        "ska",
        "vill",
        "eller",
        "från",
        "men",
        "så",
        "vid",
        "hos",
        "oss",
        "våra",
        "vår",
        "vårt",
        "sig",
        "sin",
        "sina",
        "nya",
        "ny",
        "nytt",
        "mer",
        "the",
        "and",
        "for",
        "with",
        "of",
        "to",
        "in",
        "on",
        "a",
        "an",
        "we",
        "our",
        "is",
        "are",
    ]
)
_STATS_TTL = 600.0
SHARED_TTL = 3600
_stats: dict[str, tuple[float, Corpus]] = {}


def stems(text: str) -> list[str]:
    """The Swedish stems of the words of ``text`` in order, stop words and one-letter words
    left out ("Skogen" → "skog")."""
    words = _WORD.findall(text.lower())
    return [swedish_stem(w) for w in words if len(w) > 1 and w not in STOP_WORDS]


def _cache_key(model: Any) -> str:
    return f"samverka:matchmaking:df:{model._meta.label_lower}"


def forget_statistics(model: type, *, shared: bool = False) -> None:
    """Drop this process's copy (and with ``shared`` the one in the cache as well)."""
    _stats.pop(model._meta.label_lower, None)
    if shared:
        cache.delete(_cache_key(model))


class Corpus:
    """Document frequencies of one kind of listing, with the inverse document frequencies."""

    def __init__(self, documents: int, frequencies: dict[str, int]) -> None:
        self.documents = documents
        self.frequencies = frequencies
        self.idf = {t: math.log((1 + documents) / (1 + n)) + 1 for t, n in frequencies.items()}
        self.unseen = math.log(1 + documents) + 1

    def vector(self, tokens: Iterable[str]) -> dict[str, float]:
        """Unit-length TF-IDF weights (sublinear term frequency, smoothed IDF)."""
        counts = Counter(tokens)
        idf, unseen = self.idf, self.unseen
        weights = {
            term: (1 + math.log(n) if n > 1 else 1.0) * idf.get(term, unseen)
            for term, n in counts.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {term: w / norm for term, w in weights.items()}

    def similarity(self, source: dict[str, float], tokens: list[str]) -> float:
        """Cosine of the unit vector ``source`` and the TF-IDF vector of ``tokens`` (the same
        as ``cosine(source, self.vector(tokens))``, without building the second vector)."""
        idf, unseen = self.idf, self.unseen
        norm = dot = 0.0
        for term, n in Counter(tokens).items():
            weight = (1 + math.log(n) if n > 1 else 1.0) * idf.get(term, unseen)
            norm += weight * weight
            if term in source:
                dot += weight * source[term]
        return dot / math.sqrt(norm) if norm else 0.0


def statistics(model: Any) -> Corpus:
    """The document frequencies over the active listings of ``model`` (cached a while)."""
    key = model._meta.label_lower
    cached = _stats.get(key)
    if cached and time.monotonic() - cached[0] < _STATS_TTL:
        return cached[1]
    shared = cache.get(_cache_key(model))
    if shared is not None:
        corpus = Corpus(*shared)
        _stats[key] = (time.monotonic(), corpus)
        return corpus
    return refresh_statistics(model)


def refresh_statistics(model: Any) -> Corpus:
    """Count the document frequencies afresh (one pass over the stems; seconds at 100k
    listings) and share them through the cache for an hour (the worker refreshes them)."""
    key = model._meta.label_lower
    active = model.objects.active()
    count = active.count()
    if connection.vendor == "postgresql":
        # ts_stat takes the text of a query; the only value in it is a date we produce.
        inner = (
            f"SELECT to_tsvector('simple', stems) FROM {model._meta.db_table} "  # noqa: S608
            f"WHERE expires_on >= '{timezone.localdate().isoformat()}'"
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [inner])
            frequencies = dict(cursor.fetchall())
    else:
        counter: Counter[str] = Counter()
        for text in active.values_list("stems", flat=True).iterator(chunk_size=5000):
            counter.update(set(text.split()))
        frequencies = dict(counter)
    corpus = Corpus(count, frequencies)
    _stats[key] = (time.monotonic(), corpus)
    cache.set(_cache_key(model), (count, frequencies), SHARED_TTL)
    return corpus


def vector(tokens: Iterable[str], documents: int, frequencies: dict[str, int]) -> dict[str, float]:
    """Unit-length TF-IDF weights of ``tokens`` against the given document frequencies."""
    return Corpus(documents, frequencies).vector(tokens)


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two unit vectors (the dot product over the shorter one)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(term, 0.0) for term, w in a.items())


def shared_terms(a: dict[str, float], b: dict[str, float], limit: int = 3) -> list[str]:
    """The terms that add most to the similarity of ``a`` and ``b``."""
    common = sorted(set(a) & set(b), key=lambda t: (-(a[t] * b[t]), t))
    return common[:limit]
