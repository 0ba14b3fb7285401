"""Tagging items with focus areas by keyword rules compared on Swedish word stems."""

from __future__ import annotations

import re
from dataclasses import dataclass

from samverka.core.text import swedish_stem

_WORD = re.compile(r"\w+", re.UNICODE)


def stem(word: str) -> str:
    return swedish_stem(word.lower())


def stems(text: str) -> list[str]:
    """The Swedish stems of the words of ``text`` (HTML tags dropped), in order."""
    text = re.sub(r"<[^>]+>", " ", text or "")
    return [stem(w) for w in _WORD.findall(text.lower())]


@dataclass(frozen=True)
class CompiledRule:
    focus_area_id: int
    phrases: tuple[tuple[str, ...], ...]


def compile_rules(rules: list[tuple[int, list[str]]]) -> list[CompiledRule]:
    """Rules as ``(focus_area_id, keywords)`` with every keyword (or phrase) stemmed."""
    compiled = []
    for focus_area_id, keywords in rules:
        phrases = tuple(tuple(stems(k)) for k in keywords if stems(k))
        if phrases:
            compiled.append(CompiledRule(focus_area_id, phrases))
    return compiled


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    if len(phrase) == 1:
        return phrase[0] in words
    n = len(phrase)
    return any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1))


def match(text: str, rules: list[CompiledRule]) -> set[int]:
    """The focus areas whose rules match ``text``."""
    words = stems(text)
    if not words:
        return set()
    word_set = set(words)
    matched = set()
    for rule in rules:
        for phrase in rule.phrases:
            if (len(phrase) == 1 and phrase[0] in word_set) or (
                len(phrase) > 1 and _contains(words, phrase)
            ):
                matched.add(rule.focus_area_id)
                break
    return matched
