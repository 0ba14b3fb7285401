"""Text helpers of the search: words, Swedish stems, trigrams and highlighted snippets."""

from __future__ import annotations

import html
import re

from django.utils.html import escape, strip_tags

from samverka.core.text import swedish_stem

WORD = re.compile(r"[^\W_]+", re.UNICODE)  # letters and digits, not the underscore
#: Markers around highlighted words inside a snippet before it is HTML-escaped.
START, STOP = "\ue000", "\ue001"


def plain(markup: str) -> str:
    """Text of (sanitised) HTML, whitespace collapsed, without the snippet markers."""
    text = html.unescape(strip_tags(markup or "")).replace(START, "").replace(STOP, "")
    return " ".join(text.split())


def words(text: str) -> list[str]:
    """Lower-case words of a text (letters and digits)."""
    return [w for w in WORD.findall(text.lower()) if not w.isdigit() or len(w) > 1]


stem = swedish_stem  # the search's name for it


def stemmed(text: str) -> str:
    """A text as its stems, space separated (what the SQLite FTS5 table holds)."""
    return " ".join(stem(w) for w in words(text))


def trigrams(word: str) -> set[str]:
    """The trigrams of a word as pg_trgm makes them (two spaces before, one after)."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(a: str, b: str) -> float:
    """pg_trgm's similarity: shared trigrams over all trigrams of the two words."""
    ta, tb = trigrams(a), trigrams(b)
    return len(ta & tb) / len(ta | tb) if ta and tb else 0.0


def marked_html(text: str) -> str:
    """Escape a snippet and turn its markers into ``<mark>`` elements (safe HTML)."""
    return escape(text).replace(START, "<mark>").replace(STOP, "</mark>")


def highlight(text: str, stems: set[str], *, size: int = 30) -> str:
    """A window of about ``size`` words of ``text`` around the first word whose stem is in
    ``stems``, with the matching words between the markers (escape with :func:`marked_html`)."""
    long_stems = tuple(s for s in stems if len(s) >= 3)

    def hit(token: str) -> bool:
        token_stem = stem(token.lower())
        return token_stem in stems or token_stem.startswith(long_stems)

    tokens = re.split(r"(\w+)", text)
    # tokens alternate separator, word, separator, …; word i sits at index 2*i+1
    word_positions = list(range(1, len(tokens), 2))
    first = next((n for n, i in enumerate(word_positions) if hit(tokens[i])), None)
    start_word = 0 if first is None else max(0, first - size // 3)
    end_word = min(len(word_positions), start_word + size)
    if not word_positions:
        return text[:200]
    begin = word_positions[start_word]
    end = word_positions[end_word - 1] + 1
    parts = []
    for index in range(begin, end):
        token = tokens[index]
        if index % 2 == 1 and hit(token):
            token = f"{START}{token}{STOP}"
        parts.append(token)
    snippet = "".join(parts)
    if start_word > 0:
        snippet = "… " + snippet
    if end_word < len(word_positions):
        snippet += " …"
    return snippet
