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
from functools import lru_cache
from typing import Any

import snowballstemmer
from django.db import connection

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
_stats: dict[str, tuple[float, int, dict[str, int]]] = {}


@lru_cache(maxsize=50_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    return snowballstemmer.stemmer("swedish")


def stems(text: str) -> list[str]:
    """The Swedish stems of the words of ``text`` in order, stop words and one-letter words
    left out ("Skogen" → "skog")."""
    words = _WORD.findall(text.lower())
    return [_stem(w) for w in words if len(w) > 1 and w not in STOP_WORDS]


def forget_statistics(model: type) -> None:
    _stats.pop(model._meta.label_lower, None)


def statistics(model: Any) -> tuple[int, dict[str, int]]:
    """``(documents, {stem: document frequency})`` over the active listings of ``model``."""
    key = model._meta.label_lower
    cached = _stats.get(key)
    if cached and time.monotonic() - cached[0] < _STATS_TTL:
        return cached[1], cached[2]
    active = model.objects.active()
    count = active.count()
    if connection.vendor == "postgresql":
        sql, params = active.values("stems").query.sql_with_params()
        inner = sql.replace('"stems"', "to_tsvector('simple', \"stems\")", 1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT word, ndoc FROM ts_stat(%s)", [_inline(inner, params)])
            frequencies = dict(cursor.fetchall())
    else:
        counter: Counter[str] = Counter()
        for text in active.values_list("stems", flat=True).iterator(chunk_size=5000):
            counter.update(set(text.split()))
        frequencies = dict(counter)
    _stats[key] = (time.monotonic(), count, frequencies)
    return count, frequencies


def _inline(sql: str, params: Iterable[Any]) -> str:
    """The query with its parameters inlined as literals (``ts_stat`` takes query text); the
    parameters here are dates and kinds we produce ourselves, quoted all the same."""
    values = []
    for value in params:
        if isinstance(value, (int, float)):
            values.append(str(value))
        else:
            text = value.isoformat() if hasattr(value, "isoformat") else str(value)
            values.append("'" + text.replace("'", "''") + "'")
    return sql % tuple(values)


def vector(tokens: Iterable[str], documents: int, frequencies: dict[str, int]) -> dict[str, float]:
    """Unit-length TF-IDF weights (sublinear term frequency, smoothed inverse document
    frequency)."""
    counts = Counter(tokens)
    weights = {
        term: (1 + math.log(n)) * (math.log((1 + documents) / (1 + frequencies.get(term, 0))) + 1)
        for term, n in counts.items()
    }
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {term: w / norm for term, w in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine of two unit vectors (the dot product over the shorter one)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(term, 0.0) for term, w in a.items())


def shared_terms(a: dict[str, float], b: dict[str, float], limit: int = 3) -> list[str]:
    """The terms that add most to the similarity of ``a`` and ``b``."""
    common = sorted(set(a) & set(b), key=lambda t: (-(a[t] * b[t]), t))
    return common[:limit]
