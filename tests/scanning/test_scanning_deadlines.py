"""Reading funding-call deadlines from Swedish and English text."""

from __future__ import annotations

from datetime import date

import pytest

from samverka.scanning.deadlines import find_dates, is_funding_call, parse_deadline


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sista ansökningsdag 15 mars 2027", date(2027, 3, 15)),
        ("Sista ansökningsdag är 1 februari 2027.", date(2027, 2, 1)),
        ("sista dag för ansökan är den 3 april 2027", date(2027, 4, 3)),
        ("Sista dagen att ansöka: 30 juni 2027", date(2027, 6, 30)),
        ("deadline: 2027-03-15", date(2027, 3, 15)),
        ("Deadline 15 March 2027", date(2027, 3, 15)),
        ("DEADLINE: 1st October 2027", date(2027, 10, 1)),
        ("apply by March 15, 2027", date(2027, 3, 15)),
        ("Apply by Sept. 9, 2027 at noon", date(2027, 9, 9)),
        ("senast 2027-03-15", date(2027, 3, 15)),
        ("Ansök senast den 1:a juni 2027", date(2027, 6, 1)),
        ("Ansökan ska vara inne senast 12 maj 2027 kl 23.59", date(2027, 5, 12)),
        ("Utlysningen stänger 20 augusti 2027", date(2027, 8, 20)),
        ("Ansökningstiden går ut den 5 okt. 2027", date(2027, 10, 5)),
        ("sista ansökningsdag 15/3 2027", date(2027, 3, 15)),
        ("The call closes on 2 December 2027.", date(2027, 12, 2)),
        ("Closing date: 31.01.2028", date(2028, 1, 31)),
        ("Sista ansökningsdag: <strong>14 januari 2028</strong>", date(2028, 1, 14)),
        ("Utlysningen öppnar 1 mars 2027, sista ansökningsdag 10 april 2027", date(2027, 4, 10)),
        ("sista ansökningsdag 14 juli 2027 och deadline 2027-09-01", date(2027, 7, 14)),
    ],
)
def test_parse_deadline_phrases(text: str, expected: date) -> None:
    assert parse_deadline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Publicerad 2027-03-15 om vallodling",  # a date, but no deadline phrase
        "sista ansökningsdag 31 februari 2027",  # no such day
        "deadline: 2027-13-01",  # no such month
        "deadline: 2027-02-29",  # not a leap year
        "sista ansökningsdag 15 mursk 2027",  # not a month
        "deadline snart, håll utkik",  # phrase without a date
        "deadline" + " x" * 60 + " 2027-03-15",  # date too far from the phrase
    ],
)
def test_parse_deadline_gives_none(text: str) -> None:
    assert parse_deadline(text) is None


def test_invalid_date_is_skipped_for_the_next_valid_one() -> None:
    assert parse_deadline("deadline 30 februari 2027, förlängd till 3 mars 2027") == date(
        2027, 3, 3
    )


def test_leap_day_is_valid() -> None:
    assert parse_deadline("sista ansökningsdag 29 februari 2028") == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("month", "number"),
    [
        ("januari", 1),
        ("februari", 2),
        ("mars", 3),
        ("april", 4),
        ("maj", 5),
        ("juni", 6),
        ("juli", 7),
        ("augusti", 8),
        ("september", 9),
        ("oktober", 10),
        ("november", 11),
        ("december", 12),
        ("MAJ", 5),
        ("Okt", 10),
    ],
)
def test_swedish_month_names(month: str, number: int) -> None:
    assert parse_deadline(f"sista ansökningsdag 7 {month} 2027") == date(2027, number, 7)


def test_find_dates_positions() -> None:
    found = find_dates("Från 1 mars 2027 till 2027-04-02")
    assert [value for _position, value in found] == [date(2027, 3, 1), date(2027, 4, 2)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ny utlysning inom bioekonomi", True),
        ("Öppen ansökan för småföretag", True),
        ("Call for proposals: forests", True),
        ("New funding for farmers", True),
        ("Möte om vallodling", False),
    ],
)
def test_is_funding_call(text: str, expected: bool) -> None:
    assert is_funding_call(text) is expected
