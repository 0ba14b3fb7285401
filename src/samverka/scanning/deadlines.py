"""Recognising funding calls and reading their deadline from Swedish or English text.

:func:`parse_deadline` looks for a deadline phrase ("sista ansökningsdag", "deadline",
"apply by", "senast" …) and reads the first valid date after it, written as ISO
(``2027-03-15``), day month year (``15 mars 2027``, ``3rd April 2027``), month day year
(``March 15, 2027``) or Swedish day/month year (``15/3 2027``). Impossible dates
(``31 februari 2027``) are skipped.
"""

from __future__ import annotations

import re
from datetime import date

MONTHS: dict[str, int] = {
    "januari": 1,
    "january": 1,
    "jan": 1,
    "februari": 2,
    "february": 2,
    "feb": 2,
    "mars": 3,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "maj": 5,
    "may": 5,
    "juni": 6,
    "june": 6,
    "jun": 6,
    "juli": 7,
    "july": 7,
    "jul": 7,
    "augusti": 8,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "oktober": 10,
    "october": 10,
    "okt": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_ORDINAL = r"(?:st|nd|rd|th|:e|:a|e|a)?"

# Each pattern names its groups day, month (name or number) and year.
_DATE_PATTERNS = [
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})\b"),
    re.compile(
        rf"\b(?P<day>\d{{1,2}}){_ORDINAL}\.?\s+(?:of\s+)?(?P<month>{_MONTH})\.?,?\s+(?P<year>\d{{4}})\b",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?P<month>{_MONTH})\.?\s+(?P<day>\d{{1,2}}){_ORDINAL},?\s+(?P<year>\d{{4}})\b",
        re.IGNORECASE,
    ),
    re.compile(r"\b(?P<day>\d{1,2})/(?P<month>\d{1,2})[\s,]+(?P<year>\d{4})\b"),
    re.compile(r"\b(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4})\b"),
]

_TRIGGERS = re.compile(
    r"sista\s+ansökningsdag(?:en)?|sista\s+dag(?:en)?\s+(?:för|att)\s+(?:ansökan|ansöka|söka)"
    r"|ansökningstiden\s+(?:går\s+ut|stänger|löper\s+ut)|ansök\s+senast|senast"
    r"|stänger|sista\s+dag(?:en)?|deadline|apply\s+by|closing\s+date|closes(?:\s+on)?"
    r"|submission\s+date|due\s+date|due\s+by|applications?\s+(?:close|due)",
    re.IGNORECASE,
)
#: How far after a deadline phrase the date may come (characters).
WINDOW = 80

_FUNDING = re.compile(
    r"utlys|ansök|call\s+for\s+proposals|funding|grant|finansiering|projektmedel|"
    r"stöd\s+till|bidrag|sök\s+medel",
    re.IGNORECASE,
)


def is_funding_call(text: str) -> bool:
    """Whether a text looks like a funding call (utlysning, ansökan, call for proposals …)."""
    return bool(_FUNDING.search(text or ""))


def _month_number(value: str) -> int | None:
    if value.isdigit():
        return int(value)
    return MONTHS.get(value.lower().rstrip("."))


def find_dates(text: str) -> list[tuple[int, date]]:
    """Every valid date in ``text`` with its position, in order of position."""
    found: dict[int, date] = {}
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            month = _month_number(match.group("month"))
            if month is None:
                continue
            try:
                value = date(int(match.group("year")), month, int(match.group("day")))
            except ValueError:
                continue
            found.setdefault(match.start(), value)
    return sorted(found.items())


def parse_deadline(text: str) -> date | None:
    """The deadline a text states, or ``None``: the first valid date within a short window after
    a deadline phrase."""
    if not text:
        return None
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\s+", " ", text)
    dates = find_dates(text)
    if not dates:
        return None
    for trigger in _TRIGGERS.finditer(text):
        start, end = trigger.end(), trigger.end() + WINDOW
        for position, value in dates:
            if start <= position <= end:
                return value
    return None
