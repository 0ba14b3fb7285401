"""``samverka indicators series|derive`` and ``samverka goals status``: exact JSON on standard
output, and exit status 2 naming what is wrong."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from indicator_values_builders import (
    VASTERNORRLAND,
    make_goal,
    make_indicator,
    make_programme,
    put_values,
    value_of,
)

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def fails(*args: str) -> str:
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2
    return str(caught.value)


@pytest.fixture
def population() -> Any:
    indicator = make_indicator("folkmangd", aggregation="sum", gender_split=True)
    put_values(
        indicator,
        [
            ("00", "2006", "T", 9113257),
            ("00", "2005", "T", 9047752),
            ("00", "2005", "K", 4566000),
            ("00", "2007", "T", None),
        ],
    )
    put_values(indicator, [("00", "2008", "T", "9220000.5")], derived=True, revised=True)
    return indicator


def test_series_json_is_exact(population: Any) -> None:
    output = run("indicators", "series", "folkmangd", "--area", "00", "--format", "json")

    assert output == (
        '[{"period": "2005", "value": 9047752, "derived": false, "revised": false}, '
        '{"period": "2006", "value": 9113257, "derived": false, "revised": false}, '
        '{"period": "2007", "value": null, "derived": false, "revised": false}, '
        '{"period": "2008", "value": 9220000.5, "derived": true, "revised": true}]\n'
    )


def test_series_json_with_gender_and_periods(population: Any) -> None:
    women = run(
        "indicators", "series", "folkmangd", "--area", "00", "--gender", "k", "--format", "json"
    )
    window = run(
        "indicators",
        "series",
        "folkmangd",
        "--area",
        "00",
        "--from",
        "2006",
        "--to",
        "2007",
        "--format",
        "json",
    )

    assert json.loads(women) == [
        {"period": "2005", "value": 4566000, "derived": False, "revised": False}
    ]
    assert [p["period"] for p in json.loads(window)] == ["2006", "2007"]


def test_series_text_lists_periods(population: Any) -> None:
    output = run("indicators", "series", "folkmangd", "--area", "00")

    assert output.splitlines()[1:] == [
        "2005                  9047752",
        "2006                  9113257",
        "2007",
        "2008                9220000.5  derived revised",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "--area", "00"), "no indicator 'nope'"),
        (("folkmangd", "--area", "9999"), "no area or area group '9999'"),
        (("folkmangd",), "series needs --area AREA"),
        (("folkmangd", "--area", "00", "--gender", "X"), '"X" is not a gender'),
        (("folkmangd", "--area", "00", "--from", "2005Q9"), '"2005Q9" is not a period'),
        (("folkmangd", "--area", "00", "--format", "xml"), "unknown format 'xml'"),
    ],
)
def test_series_bad_input_exits_2(population: Any, args: tuple[str, ...], message: str) -> None:
    with translation.override("en"):
        assert message in fails("indicators", "series", *args)


def test_derive_command_reports_counts() -> None:
    indicator = make_indicator("nya-foretag", aggregation="sum")
    put_values(indicator, [(code, "2020", "T", 1) for code in VASTERNORRLAND])

    with translation.override("en"):
        output = run("indicators", "derive", "nya-foretag", "--format", "json")

    assert json.loads(output) == {
        "indicator": "nya-foretag",
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "removed": 0,
        # The nation needs all 21 counties; only Västernorrland has a value.
        "notes": ["00 2020 T not derived: no value for 01, 03, 04, 05, 06, 07, 08, 09 …"],
    }
    assert value_of(indicator, "22", "2020").derived is True


def test_derive_command_refuses_a_rate_without_components() -> None:
    make_indicator("sysselsattningsgrad", aggregation="ratio", unit="%")

    assert "sysselsattningsgrad" in fails("indicators", "derive", "sysselsattningsgrad")


def test_goals_status_json_has_one_object_per_goal() -> None:
    programme = make_programme("rtp-vn")
    measure = programme.measures.get()
    indicator = make_indicator("nya-foretag")
    put_values(indicator, [("22", "2005", "T", 100), ("22", "2008", "T", 130)])
    make_goal(
        measure,
        text="Fler nya företag",
        indicator=indicator,
        area="22",
        baseline_period="2005",
        target_kind="absolute",
        target_value=150,
        deadline_year=2010,
    )
    make_goal(measure, text="Bättre samverkan")

    data = json.loads(run("goals", "status", "--programme", "rtp-vn", "--format", "json"))

    assert [(g["measure"], g["text"], g["indicator"], g["area"], g["status"]) for g in data] == [
        ("1.1", "Fler nya företag", "nya-foretag", "22", "on_track"),
        ("1.1", "Bättre samverkan", None, None, "no_data"),
    ]
    first = data[0]
    assert (first["baseline"], first["target"], first["current"]) == (100, 150, 130)
    assert first["progress"] == pytest.approx(0.6)


def test_goals_status_unknown_programme_exits_2() -> None:
    assert "no programme 'nope'" in fails("goals", "status", "--programme", "nope")
    assert "needs --programme" in fails("goals", "status")
