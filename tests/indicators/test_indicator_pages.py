"""Pages of the indicator database: catalogue (search, htmx filters, exports), indicator page
(method book, charts, values table with markers, exports), baseline-value list and goal
dashboard (status badges, the numbers behind them, exports, query counts)."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from samverka.geo.models import Area
from samverka.indicators.enums import Aggregation, Source
from samverka.indicators.models import Indicator, Value, ValueRevision
from samverka.programmes.models import Measure, MeasureGoal, PriorityArea, Programme

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("indicators:catalogue")
_seq = itertools.count(1)


def make_indicator(code: str | None = None, **fields: Any) -> Indicator:
    code = code or f"ind-{next(_seq)}"
    fields.setdefault("name_sv", f"Indikator {code}")
    return Indicator.objects.create(code=code, **fields)


def put(indicator: Indicator, rows: list[tuple[str, str, str, Any]], **flags: Any) -> None:
    areas = dict(Area.objects.values_list("code", "pk"))
    Value.objects.bulk_create(
        Value(
            indicator=indicator,
            area_id=areas[a],
            period=p,
            gender=g,
            value=None if v is None else Decimal(str(v)),
            status="" if v is not None else "..",
            source="test",
            imported_at=timezone.now(),
            **flags,
        )
        for a, p, g, v in rows
    )


def csv_rows(response: Any) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def xlsx_rows(response: Any) -> list[tuple[Any, ...]]:
    sheet = load_workbook(io.BytesIO(response.content)).active
    return list(sheet.iter_rows(values_only=True))


@pytest.fixture
def client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def catalogue_data() -> dict[str, Indicator]:
    return {
        "employment": make_indicator(
            "sysselsattning",
            name_sv="Sysselsättningsgrad",
            name_en="Employment rate",
            unit="procent",
            source=Source.SCB,
            aggregation=Aggregation.MEAN,
            gender_split=True,
        ),
        "firms": make_indicator(
            "nya-foretag", name_sv="Nya företag", unit="antal", source=Source.KOLADA
        ),
        "own": make_indicator("eget-matt", name_sv="Eget mått", unit="antal", source=Source.OWN),
    }


# Catalogue --------------------------------------------------------------------------------------


def test_catalogue_lists_indicators_with_links(client: Client, catalogue_data: Any) -> None:
    html = client.get(CATALOGUE).content.decode()

    assert "3 indicators" in html
    assert f'href="{reverse("indicators:indicator", args=["nya-foretag"])}"' in html
    assert "Employment rate" in html  # the English name when English is active
    assert 'hx-get="/indicators/"' in html


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ({"q": "företag"}, ["nya-foretag"]),
        ({"q": "SYSSEL"}, ["sysselsattning"]),
        ({"source": "kolada"}, ["nya-foretag"]),
        ({"unit": "antal"}, ["eget-matt", "nya-foretag"]),
        ({"gender_split": "yes"}, ["sysselsattning"]),
        ({"gender_split": "no", "unit": "antal", "source": "own"}, ["eget-matt"]),
    ],
)
def test_catalogue_filters_return_htmx_partial(
    client: Client, catalogue_data: Any, query: dict[str, str], codes: list[str]
) -> None:
    response = client.get(CATALOGUE, query, HTTP_HX_REQUEST="true")
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html
    shown = [
        code
        for code in ("eget-matt", "nya-foretag", "sysselsattning")
        if f"<code>{code}</code>" in html
    ]
    assert shown == codes


def test_catalogue_exports_csv_and_xlsx_with_filters(client: Client, catalogue_data: Any) -> None:
    rows = csv_rows(client.get(CATALOGUE, {"unit": "antal", "export": "csv"}))
    sheet = xlsx_rows(client.get(CATALOGUE, {"export": "xlsx"}))

    assert rows[0][:4] == ["Code", "Name", "Unit", "Source"]
    assert [r[0] for r in rows[1:]] == ["eget-matt", "nya-foretag"]
    assert [r[0] for r in sheet[1:]] == ["eget-matt", "nya-foretag", "sysselsattning"]
    assert sheet[3][6] == "yes"


def test_catalogue_query_count_does_not_grow_with_indicators(client: Client) -> None:
    for _ in range(3):
        make_indicator(unit="antal")
    with CaptureQueriesContext(connection) as few:
        client.get(CATALOGUE)
    for _ in range(20):
        make_indicator(unit="procent")
    with CaptureQueriesContext(connection) as many:
        response = client.get(CATALOGUE)

    assert "23 indicators" in response.content.decode()
    assert len(many) == len(few)


# Indicator page ---------------------------------------------------------------------------------


@pytest.fixture
def rate() -> Indicator:
    indicator = make_indicator(
        "rate",
        name_sv="Sysselsättningsgrad",
        name_en="Employment rate",
        unit="procent",
        definition="Share of people 20–64 in work.",
        method="Employed ÷ population, RAMS.",
        aggregation=Aggregation.MEAN,
        gender_split=True,
        decimals=1,
    )
    rows = []
    for year, nation, county in [("2005", 77.6, 75.1), ("2006", 78.5, 76.1), ("2007", 79.6, 77.3)]:
        rows += [("00", year, "T", nation), ("22", year, "T", county)]
        rows += [("22", year, "K", county - 2), ("22", year, "M", county + 2)]
        rows += [("23", year, "T", county + 1)]
    put(indicator, rows)
    return indicator


def test_indicator_page_shows_method_book_charts_and_table(client: Client, rate: Indicator) -> None:
    html = client.get(reverse("indicators:indicator", args=["rate"])).content.decode()

    assert "<h1>Employment rate</h1>" in html
    assert "Share of people 20–64 in work." in html
    assert "Employed ÷ population, RAMS." in html
    # Default area: the first county with data (22 before 23).
    assert '<option value="22" selected>' in html
    assert html.count('role="img" class="chart"') == 3  # area vs nation, women and men, map
    assert "Västernorrlands län against Riket</title>" in html
    assert "Women and men in" in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "style=" not in svg
    assert "<script" not in svg
    # Table: one row per period, the area's T, K, M and the nation's T.
    table = html[html.index('class="values-table"') :]
    assert table.count('<th scope="row">') == 3
    assert "77.3" in table
    assert "79.6" in table
    assert "75.3" in table


def test_indicator_page_area_parameter_and_sum_index(client: Client) -> None:
    firms = make_indicator("firms", name_sv="Nya företag", unit="antal")
    put(firms, [("00", "2005", "T", 60000), ("00", "2006", "T", 63000)])
    put(firms, [("2281", "2005", "T", 400), ("2281", "2006", "T", 440)])

    html = client.get(
        reverse("indicators:indicator", args=["firms"]), {"area": "2281"}
    ).content.decode()

    assert '<option value="2281" selected>' in html
    assert "index, 2005 = 100" in html  # counts are compared as an index
    assert "110" in html  # 440 / 400 × 100


def test_indicator_page_unknown_area_or_indicator_is_404(client: Client, rate: Indicator) -> None:
    assert client.get(reverse("indicators:indicator", args=["nope"])).status_code == 404
    url = reverse("indicators:indicator", args=["rate"])
    assert client.get(url, {"area": "9999"}).status_code == 404


def test_indicator_page_explains_derived_and_revised_markers(client: Client) -> None:
    firms = make_indicator("firms", name_sv="Nya företag", unit="antal")
    put(firms, [("22", "2005", "T", 900)], derived=True)
    put(firms, [("22", "2006", "T", 950)], revised=True)
    revised = Value.objects.get(indicator=firms, period="2006")
    ValueRevision.objects.create(value=revised, old_value=Decimal(930), new_value=Decimal(950))

    html = client.get(reverse("indicators:indicator", args=["firms"])).content.decode()

    assert '<sup class="marker" title="derived">d</sup>' in html
    assert 'title="revised; before: 930"' in html
    assert "Computed by the platform where the source gives no figure" in html
    assert "the earlier figures are kept in the revision history" in html


def test_indicator_page_exports_values_of_area_and_nation(client: Client, rate: Indicator) -> None:
    url = reverse("indicators:indicator", args=["rate"])
    rows = csv_rows(client.get(url, {"area": "22", "export": "csv"}))
    sheet = xlsx_rows(client.get(url, {"area": "22", "export": "xlsx"}))

    assert rows[0][:5] == ["Area code", "Area", "Period", "Gender", "Value"]
    assert [(r[0], r[2], r[3]) for r in rows[1:4]] == [
        ("22", "2005", "K"),
        ("22", "2005", "M"),
        ("22", "2005", "T"),
    ]
    assert len(rows) == 1 + 9 + 3  # the area's K, M, T and the nation's T for three years
    assert {r[0] for r in rows[1:]} == {"22", "00"}
    assert sheet[3][4] == pytest.approx(75.1)  # a number, not text


def test_indicator_page_without_values_says_so(client: Client) -> None:
    make_indicator("empty", name_sv="Tom")

    html = client.get(reverse("indicators:indicator", args=["empty"])).content.decode()

    assert "No values yet." in html
    assert "<svg" not in html.split("<main", 1)[1]


# Baselines and goal dashboard --------------------------------------------------------------------


@pytest.fixture
def programme() -> Programme:
    programme = Programme.objects.create(
        code="rtp", name="RTP Test", start_year=2008, end_year=2010
    )
    first = PriorityArea.objects.create(programme=programme, number=1, name="Företagande")
    second = PriorityArea.objects.create(programme=programme, number=2, name="Attraktivitet")
    Measure.objects.create(programme=programme, priority_area=first, code="1.1", name="Kompetens")
    Measure.objects.create(
        programme=programme, priority_area=second, code="2.1", name="Livsmiljö", position=1
    )
    return programme


def goal(programme: Programme, measure: str, text: str, **fields: Any) -> MeasureGoal:
    if "area" in fields:
        fields["area"] = Area.objects.get(code=fields["area"])
    return MeasureGoal.objects.create(
        measure=programme.measures.get(code=measure), text=text, **fields
    )


@pytest.fixture
def goals(programme: Programme) -> dict[str, MeasureGoal]:
    firms = make_indicator("firms", name_sv="Nya företag", unit="antal", gender_split=True)
    put(
        firms,
        [
            ("22", "2007", "T", 1000),
            ("22", "2010", "T", 1200),
            ("22", "2007", "K", 300),
            ("22", "2007", "M", 700),
            ("22", "2010", "K", 390),
            ("22", "2010", "M", 810),
        ],
    )
    population = make_indicator("pop", name_sv="Folkmängd", unit="personer")
    put(population, [("22", "2007", "T", 243000), ("22", "2010", "T", 242000)])
    empty = make_indicator("empty", name_sv="Utan värden", unit="procent")
    common = {"area": "22", "baseline_period": "2007", "deadline_year": 2010}
    return {
        "change": goal(
            programme,
            "1.1",
            "Fler nya företag",
            indicator=firms,
            target_kind="change",
            target_value=15,
            baseline_value=1000,
            **common,
        ),
        "share": goal(
            programme,
            "1.1",
            "Fler kvinnor startar företag",
            indicator=firms,
            target_kind="gender_share",
            target_value=40,
            **common,
        ),
        "absolute": goal(
            programme,
            "2.1",
            "Fler invånare",
            indicator=population,
            target_kind="absolute",
            target_value=245000,
            baseline_value=243000,
            **common,
        ),
        "empty": goal(
            programme,
            "2.1",
            "Utan data",
            indicator=empty,
            target_kind="absolute",
            target_value=50,
            **common,
        ),
        "unfollowed": goal(programme, "2.1", "Inget mått"),
    }


def test_baselines_lists_goals_with_baseline_and_target(
    client: Client, programme: Programme, goals: Any
) -> None:
    html = client.get(reverse("indicators:baselines", args=["rtp"])).content.decode()

    table = html[html.index('class="baseline-table"') :]
    assert table.count("<tr>") == 1 + 4  # header + the goals that follow an indicator
    assert "Fler nya företag" in table
    assert "Inget mått" not in table
    assert "+15 % from the baseline by 2010" in table
    assert "at least 40 % of each gender by 2010" in table
    assert "reach 245,000 personer by 2010" in table
    assert "243,000" in table
    assert "1 further goal does not follow an indicator." in html


def test_baselines_export_csv(client: Client, programme: Programme, goals: Any) -> None:
    rows = csv_rows(client.get(reverse("indicators:baselines", args=["rtp"]), {"export": "csv"}))

    assert rows[0][:9] == [
        "Measure",
        "Goal",
        "Indicator",
        "Indicator name",
        "Area code",
        "Area",
        "Gender",
        "Baseline period",
        "Baseline value",
    ]
    by_goal = {r[1]: r for r in rows[1:]}
    assert by_goal["Fler nya företag"][4:9] == ["22", "Västernorrlands län", "T", "2007", "1000"]
    assert by_goal["Fler kvinnor startar företag"][10] == "30"  # the share at the baseline
    assert len(rows) == 5


def test_dashboard_groups_goals_with_status_badges_and_numbers(
    client: Client, programme: Programme, goals: Any
) -> None:
    html = client.get(reverse("indicators:goals", args=["rtp"])).content.decode()

    assert (
        html.index("1. Företagande") < html.index("1.1 Kompetens") < html.index("2. Attraktivitet")
    )
    assert '<span class="status status-on_track">On track</span>' in html
    statuses = {
        text: html[html.index(text) :].split('class="status status-', 1)[1].split('"', 1)[0]
        for text in ("Fler nya företag", "Fler kvinnor startar", "Fler invånare", "Utan data")
    }
    assert statuses == {
        "Fler nya företag": "on_track",  # 1200 ≥ 1000 × 1.15
        "Fler kvinnor startar": "off_track",  # (32.5 − 30) ÷ (40 − 30) = 0.25, expected 1
        "Fler invånare": "off_track",  # the population fell
        "Utan data": "no_data",
    }
    row = html[html.index("Fler nya företag") :].split("</tr>", 1)[0]
    assert "1,150" in row or "1150" in row  # target: 1000 × 1.15
    assert "133 %" in row  # progress (1200 − 1000) ÷ (1150 − 1000)
    assert "Inget mått" not in html


def test_dashboard_export_xlsx(client: Client, programme: Programme, goals: Any) -> None:
    sheet = xlsx_rows(client.get(reverse("indicators:goals", args=["rtp"]), {"export": "xlsx"}))

    assert sheet[0][:7] == (
        "Priority area",
        "Measure",
        "Goal",
        "Indicator",
        "Area",
        "Gender",
        "Status",
    )
    by_goal = {r[2]: r for r in sheet[1:]}
    change = by_goal["Fler nya företag"]
    assert (change[6], change[9], change[10], change[12], change[13]) == (
        "On track",
        1000,
        1150,
        1200,
        133,
    )
    assert by_goal["Utan data"][6] == "No data"


def test_dashboard_query_count_does_not_grow_with_goals(
    client: Client, programme: Programme, goals: Any
) -> None:
    url = reverse("indicators:goals", args=["rtp"])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    firms = Indicator.objects.get(code="firms")
    for i in range(15):
        goal(
            programme,
            "1.1" if i % 2 else "2.1",
            f"Mål {i}",
            indicator=firms,
            area="22",
            baseline_period="2007",
            target_kind="change",
            target_value=i,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.content.decode().count('class="goal-row"') == 19
    assert len(many) == len(few)


def test_goal_pages_unknown_programme_is_404(client: Client) -> None:
    assert client.get(reverse("indicators:goals", args=["nope"])).status_code == 404
    assert client.get(reverse("indicators:baselines", args=["nope"])).status_code == 404
