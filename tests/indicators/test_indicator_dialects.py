"""PC-Axis and JSON-stat as statistics offices really write them: two-part keys holding
parentheses, KEYS (sparse data), tables without a region or time dimension (--area, --period),
nil and missing values, and the derivation every import runs. Small files in the exact
published shapes, written here."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from indicator_values_builders import VASTERNORRLAND

from samverka.indicators.models import Indicator, Value
from samverka.indicators.services.clients import ScbClient
from samverka.indicators.services.formats import FormatError
from samverka.indicators.services.formats.px import header_value, parse_header, parse_px
from samverka.indicators.services.importers import fetch_scb, import_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


def px(*lines: str, data: str) -> bytes:
    """A PX file in UTF-8 from its header lines and the text after ``DATA=``."""
    return (
        "\n".join(['CHARSET="UTF-8";', 'AXIS-VERSION="2013";', *lines]) + f"\nDATA=\n{data};\n"
    ).encode()


def run(data: bytes, name: str = "table.px", **options: Any) -> Any:
    return import_indicators(io.BytesIO(data), filename=name, **options)


def got(code: str, **filters: Any) -> dict[tuple[str, str, str], Any]:
    return {
        (v.area.code, v.period, v.gender): v.value if not v.status else (v.value, v.status)
        for v in Value.objects.filter(indicator__code=code, **filters).select_related("area")
    }


# --- two-part keywords whose keys hold parentheses (UNECE and Statistics Norway) -------------

GENEVE_SHAPE = px(
    'MATRIX="GDP01";',
    'TITLE="GDP per capita";',
    'STUB="Indicator","region";',
    'HEADING="Year";',
    'VALUES("Indicator")="GDP at prices and PPPs(US) of 2000, per capita";',
    'VALUES("region")="Riket","Västernorrlands län";',
    'VALUES("Year")="2004","2005";',
    'CODES("region")="00","22";',
    'PRECISION("Indicator","GDP at prices and PPPs(US) of 2000, per capita")=1;',
    'META-ID("Indicator","GDP at prices and PPPs(US) of 2000, per capita")="urn:a;b(c)";',
    'VALUENOTE("region","Västernorrlands län")="Note; with a semicolon, a comma ("'
    '\n"and a parenthesis) over two lines";',
    'TIMEVAL("Year")=TLIST(A1, "2004"-"2005");',
    data="25.1 26.2\n24.0 25.3",
)


def test_px_two_part_keys_with_parentheses_are_read() -> None:
    header = parse_header(GENEVE_SHAPE.decode())
    key = "GDP at prices and PPPs(US) of 2000, per capita"
    assert header_value(header, "PRECISION", "Indicator", key) == ["1"]
    assert header_value(header, "META-ID", "Indicator", key) == ["urn:a;b(c)"]
    assert header_value(header, "VALUENOTE", "region", "Västernorrlands län") == [
        "Note; with a semicolon, a comma (and a parenthesis) over two lines"
    ]
    assert header_value(header, "TIMEVAL", "Year") == ['TLIST(A1, "2004"-"2005")']

    report = run(GENEVE_SHAPE, indicator="gdp-ppp")
    assert report.ok, report.file_error
    assert got("gdp-ppp", derived=False) == {
        ("00", "2004", "T"): Decimal("25.1"),
        ("00", "2005", "T"): Decimal("26.2"),
        ("22", "2004", "T"): Decimal("24.0"),
        ("22", "2005", "T"): Decimal("25.3"),
    }


def test_px_meta_id_with_parenthesis_in_the_content_key() -> None:
    data = px(
        'MATRIX="KOS01";',
        'STUB="region";',
        'HEADING="statistikkvariabel","år";',
        'CONTVARIABLE="statistikkvariabel";',
        'VALUES("region")="Sundsvall","Timrå";',
        'VALUES("statistikkvariabel")="Innbyggere (antall)";',
        'VALUES("år")="2021","2022";',
        'CODES("region")="2281","2262";',
        'CODES("statistikkvariabel")="KOS0000";',
        'UNITS("Innbyggere (antall)")="personer";',
        'META-ID("statistikkvariabel","Innbyggere (antall)")="urn:ssb:contextvariable:common:x";',
        data="99000 99500\n18000 18100",
    )
    report = run(data)
    assert report.ok, report.file_error
    assert Indicator.objects.get(code="KOS01").unit == "personer"
    assert got("KOS01", area__code="2281") == {
        ("2281", "2021", "T"): Decimal(99000),
        ("2281", "2022", "T"): Decimal(99500),
    }


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('VALUES("region"="00";', "cannot read the header line"),
        ('NOTE="never closed;', "unterminated string"),
        ('TIMEVAL("år")=TLIST(A1;', "unclosed parenthesis"),
    ],
)
def test_px_broken_header_is_a_clear_format_error(line: str, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        parse_px(px('STUB="region";', line, data="1"))


# --- KEYS: sparse data -----------------------------------------------------------------------


def test_px_keys_rows_start_with_codes_and_absent_rows_are_missing() -> None:
    data = px(
        'MATRIX="NYF";',
        'STUB="region","näringsgren";',
        'HEADING="år","kön";',
        'VALUES("region")="Västernorrlands län","Sundsvall","Timrå";',
        'VALUES("näringsgren")="Industri","Handel";',
        'VALUES("år")="2022","2023";',
        'VALUES("kön")="män","kvinnor";',
        'CODES("region")="22","2281","2262";',
        'CODES("näringsgren")="C","G";',
        'CODES("kön")="1","2";',
        'KEYS("region")=CODES;',
        'KEYS("näringsgren")=VALUES;',
        data='"22","Handel",10 11 12 13\n"2281","Handel",4 5 6 "-"\n"2262","Industri",1 2 3 4',
    )
    report = run(data, select=["näringsgren=G"], no_derive=True)
    assert report.ok, report.file_error
    values = got("NYF")
    assert values[("22", "2023", "K")] == Decimal(13)
    assert values[("2281", "2022", "M")] == Decimal(4)
    assert values[("2281", "2023", "K")] == (None, "-")
    # Timrå has no Handel row: missing, never guessed as zero.
    assert values[("2262", "2022", "M")] == (None, "..")


def test_px_keys_with_an_unknown_key_is_refused() -> None:
    data = px(
        'STUB="region";',
        'HEADING="år";',
        'VALUES("region")="Sundsvall";',
        'VALUES("år")="2022";',
        'CODES("region")="2281";',
        'KEYS("region")=CODES;',
        data='"9999",1',
    )
    report = run(data)
    assert "KEYS: '9999' is not a category of 'region'" in report.file_error


# --- tables without a region or time dimension --------------------------------------------

NATIONAL = px(
    'MATRIX="BE0101N9";',
    'TITLE="Population by marital status and sex";',
    'STUB="marital status","sex";',
    'HEADING="period";',
    'VALUES("marital status")="single","married","total";',
    'VALUES("sex")="men","women";',
    'VALUES("period")="2005","2006";',
    'CODES("marital status")="OG","G","total";',
    'CODES("sex")="1","2";',
    'ELIMINATION("marital status")="total";',
    data="10 11\n20 21\n5 6\n7 8\n15 17\n27 29",
)


def test_national_table_is_refused_with_the_option_to_place_it() -> None:
    report = run(NATIONAL, select=["marital status=total"])
    assert not report.ok
    assert "no region dimension" in report.file_error
    assert "--area CODE (e.g. --area 00 for Sweden)" in report.file_error
    assert not Value.objects.exists()


def test_national_table_with_area_places_every_value_there() -> None:
    report = run(NATIONAL, select=["marital status=total"], area="00")
    assert (report.ok, report.created) == (True, 4), report.file_error
    assert got("BE0101N9", derived=False) == {
        ("00", "2005", "M"): Decimal(15),
        ("00", "2006", "M"): Decimal(17),
        ("00", "2005", "K"): Decimal(27),
        ("00", "2006", "K"): Decimal(29),
    }
    # The total is derived from the nation's own K + M.
    assert got("BE0101N9", derived=True) == {
        ("00", "2005", "T"): Decimal(42),
        ("00", "2006", "T"): Decimal(46),
    }


def test_area_option_on_a_table_with_regions_or_an_unknown_area_is_refused() -> None:
    report = run(GENEVE_SHAPE, area="00")
    assert "--area 00: the table has a region dimension (region)" in report.file_error
    report = run(NATIONAL, select=["marital status=total"], area="9999")
    assert "--area 9999: no such area code" in report.file_error


def test_table_without_time_needs_period() -> None:
    data = px(
        'MATRIX="AREA01";',
        'STUB="region";',
        'HEADING="sex";',
        'VALUES("region")="Sundsvall","Timrå";',
        'VALUES("sex")="men","women";',
        'CODES("region")="2281","2262";',
        'CODES("sex")="1","2";',
        data="1 2\n3 4",
    )
    report = run(data)
    assert "--period P (e.g. --period 2024)" in report.file_error
    report = run(data, period="2024", no_derive=True)
    assert report.ok, report.file_error
    assert got("AREA01") == {
        ("2281", "2024", "M"): Decimal(1),
        ("2281", "2024", "K"): Decimal(2),
        ("2262", "2024", "M"): Decimal(3),
        ("2262", "2024", "K"): Decimal(4),
    }
    assert "not a period" in run(data, period="sometime").file_error


def test_command_line_takes_area_and_no_derive(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "national.px"
    path.write_bytes(NATIONAL)
    call_command(
        "import",
        "indicators",
        str(path),
        "--select",
        "marital status=total",
        "--area",
        "00",
        "--no-derive",
    )
    assert "4 created" in capsys.readouterr().out
    assert not Value.objects.filter(derived=True).exists()
    assert Value.objects.filter(area__code="00").count() == 4


def test_fetch_scb_of_a_national_table_with_area() -> None:
    document = {
        "class": "dataset",
        "version": "2.0",
        "label": "Median income",
        "id": ["Kon", "ContentsCode", "Tid"],
        "size": [3, 1, 2],
        "role": {"time": ["Tid"], "metric": ["ContentsCode"]},
        "dimension": {
            "Kon": {"label": "kön", "category": {"index": ["1", "2", "1+2"]}},
            "ContentsCode": {"label": "tabellinnehåll", "category": {"index": ["HE01"]}},
            "Tid": {"label": "år", "category": {"index": ["2021", "2022"]}},
        },
        "value": [300, 310, 250, 260, 280, 290],
        "extension": {"px": {"tableid": "TAB3554"}},
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=document)

    with ScbClient(transport=httpx.MockTransport(answer)) as client:
        refused = fetch_scb(table_id="TAB3554", client=client)
        report = fetch_scb(table_id="TAB3554", client=client, area="00")
    assert "--area CODE" in refused.file_error
    assert (report.ok, report.created) == (True, 6), report.file_error
    assert got("TAB3554", area__code="00", period="2022") == {
        ("00", "2022", "M"): Decimal(310),
        ("00", "2022", "K"): Decimal(260),
        ("00", "2022", "T"): Decimal(290),
    }


# --- nil and missing -------------------------------------------------------------------------


def municipalities_px(figures: list[str], *, symbols: str = "") -> bytes:
    """Västernorrland's seven municipalities, one year, two ages to add up."""
    names = ",".join(f'"{code}"' for code in VASTERNORRLAND)
    return px(
        'MATRIX="NIL01";',
        'STUB="region","ålder";',
        'HEADING="år";',
        f'VALUES("region")={names};',
        'VALUES("ålder")="0-19","20-";',
        'VALUES("år")="2022";',
        *([symbols] if symbols else []),
        data="\n".join(figures),
    )


def test_nil_counts_as_zero_in_sum_and_derivation_missing_stays_missing() -> None:
    # Every municipality: two ages. Timrå's young are nil ("-"); Härnösand's old are "..".
    figures = ["1", "2", '"-"', "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"]
    report = run(municipalities_px(figures), sum=["ålder"])
    assert report.ok, report.file_error
    values = got("NIL01", derived=False)
    assert values[("2262", "2022", "T")] == Decimal(4)  # nil + 4
    assert values[("2260", "2022", "T")] == Decimal(3)
    county = Value.objects.get(indicator__code="NIL01", area__code="22")
    assert (county.value, county.derived) == (Decimal(sum(range(1, 15)) - 3), True)

    figures[5] = '".."'  # Härnösand (2280), 20-: missing
    report = run(municipalities_px(figures), sum=["ålder"], indicator="nil02")
    assert report.ok
    assert got("nil02", area__code="2280") == {("2280", "2022", "T"): (None, "..")}
    assert not Value.objects.filter(indicator__code="nil02", area__code="22").exists()
    assert "22 2022 T not derived: no value for 2280" in report.warnings


def test_nil_values_of_children_derive_a_parent_of_zero_and_say_nil_in_the_api(
    client: Any,
) -> None:
    figures = ['"-"'] * 14
    figures[0] = '".."'  # Ånge (2260), 0-19: not available
    run(municipalities_px(figures), select=["ålder=20-"])
    assert Value.objects.get(indicator__code="NIL01", area__code="22").value == Decimal(0)
    run(municipalities_px(figures), select=["ålder=0-19"], indicator="nil03")
    data = client.get("/api/v1/indicators/nil03/values?area=2260").json()
    assert [(p["value"], p["status"]) for p in data] == [(None, "missing")]
    data = client.get("/api/v1/indicators/nil03/values?area=2262").json()
    assert [(p["value"], p["status"]) for p in data] == [(None, "nil")]


def test_declared_data_symbols_stay_missing() -> None:
    figures = ["1", "2", '"n/a"', "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", '"nil"']
    data = municipalities_px(figures, symbols='DATASYMBOL2="n/a";\nDATASYMBOLNIL="nil";')
    report = run(data, select=["ålder=0-19"], no_derive=True)
    assert report.ok, report.file_error
    values = got("NIL01")
    assert values[("2262", "2022", "T")] == (None, "..")
    report = run(data, select=["ålder=20-"], indicator="nil04", no_derive=True)
    assert got("nil04")[("2284", "2022", "T")] == (None, "-")


# --- derivation after every import -----------------------------------------------------------


def test_own_women_and_men_give_the_total_before_any_sum_over_children() -> None:
    # The county's own K and M, and only six of its seven municipalities (one had another
    # code that year): the county's total is its K + M, not a partial sum.
    rows = ["indicator;area;period;gender;value", "f;22;2002;K;100", "f;22;2002;M;110"]
    rows += [f"f;{code};2002;T;10" for code in VASTERNORRLAND[:-1]]
    report = run("\n".join(rows).encode(), name="values.csv")
    assert report.ok
    county = Value.objects.get(indicator__code="f", area__code="22", gender="T")
    assert (county.value, county.derived) == (Decimal(210), True)
    assert report.derived == 1
    assert "1 derived values computed." in report.summary()


def test_import_without_derive_and_derive_command_recomputes(capsys: Any) -> None:
    rows = ["indicator;area;period;gender;value"]
    rows += [f"g;{code};2002;T;10" for code in VASTERNORRLAND]
    report = run("\n".join(rows).encode(), name="values.csv", no_derive=True)
    assert (report.ok, report.derived) == (True, 0)
    assert not Value.objects.filter(derived=True).exists()

    call_command("indicators", "derive", "g", "--format", "json")
    assert json.loads(capsys.readouterr().out)["created"] == 1
    assert Value.objects.get(area__code="22").value == Decimal(70)


def test_dry_run_derives_nothing() -> None:
    rows = ["indicator;area;period;gender;value"]
    rows += [f"h;{code};2002;T;10" for code in VASTERNORRLAND]
    report = run("\n".join(rows).encode(), name="values.csv", dry_run=True)
    assert (report.ok, report.derived) == (True, 1)
    assert not Value.objects.exists()


def test_a_percentage_is_not_added_up() -> None:
    data = px(
        'MATRIX="PCT01";',
        'UNITS="procent";',
        'STUB="region";',
        'HEADING="år";',
        f'VALUES("region")={",".join(chr(34) + c + chr(34) for c in VASTERNORRLAND)};',
        'VALUES("år")="2022";',
        data=" ".join(["50.0"] * 7),
    )
    report = run(data)
    assert (report.ok, report.derived) == (True, 0)
    assert not Value.objects.filter(area__code="22").exists()


# --- historical area codes -------------------------------------------------------------------


def test_historical_codes_are_mapped_or_refused_with_the_reason() -> None:
    data = px(
        'MATRIX="HIST01";',
        'STUB="region";',
        'HEADING="år";',
        'VALUES("region")="Heby","Kristianstad","Kristianstads län","Malmöhus län","Uppsala";',
        'VALUES("år")="1996","2002";',
        'CODES("region")="1917","1190","11","12","0380";',
        data="10 11\n20 21\n30 31\n40 41\n50 51",
    )
    report = run(data, no_derive=True)
    assert report.ok, report.file_error
    assert got("HIST01") == {
        ("0331", "1996", "T"): Decimal(10),
        ("0331", "2002", "T"): Decimal(11),
        ("1290", "1996", "T"): Decimal(20),
        ("1290", "2002", "T"): Decimal(21),
        # 12 meant Malmöhus län before 1997: only 2002 is Skåne län.
        ("12", "2002", "T"): Decimal(41),
        ("0380", "1996", "T"): Decimal(50),
        ("0380", "2002", "T"): Decimal(51),
    }
    notes = "\n".join(report.warnings)
    assert "1917 placed on 0331, its code since 2007 (Heby moved" in notes
    assert "1190 placed on 1290, its code since 1997" in notes
    assert "11 is not placed (1997): Kristianstads län merged" in notes
    assert "12 before 1997 is not placed: Malmöhus län (12) before 1997" in notes
    assert "0380 before 2003 includes today's 0330 (Knivsta split from Uppsala)" in notes


def test_a_dimension_of_codes_that_are_not_areas_is_not_taken_for_the_region() -> None:
    # CSO's sectors are coded 0, 01, 02 … like Swedish counties, but their labels say otherwise.
    data = json.dumps(
        {
            "class": "dataset",
            "id": ["Sector", "Quarter"],
            "size": [3, 1],
            "role": {"time": ["Quarter"]},
            "dimension": {
                "Sector": {
                    "label": "Sector",
                    "category": {
                        "index": {"0": 0, "01": 1, "02": 2},
                        "label": {"0": "All Sectors", "01": "Agriculture", "02": "Industry"},
                    },
                },
                "Quarter": {"category": {"index": ["1997Q1"]}},
            },
            "value": [1, 2, 3],
        }
    ).encode()
    report = run(data, name="cso.json")
    assert "no region dimension" in report.file_error
    assert "Sector" in report.file_error


def test_long_csv_with_a_retired_code_is_placed_on_todays_with_a_note() -> None:
    data = "indicator;area;period;gender;value\nheby;1917;2002;T;107\nheby;0380;2002;T;1900\n"
    report = run(data.encode(), name="values.csv", no_derive=True)
    assert report.ok, report.errors
    assert got("heby") == {
        ("0331", "2002", "T"): Decimal(107),
        ("0380", "2002", "T"): Decimal(1900),
    }
    assert "1917 placed on 0331, its code since 2007 (Heby moved" in " ".join(report.warnings)
