"""The indicators API: the method book with search and filters, values by area, gender and
period, a programme's goal status with bounded queries, and who may change an indicator."""

from __future__ import annotations

from typing import Any

import pytest
from indicator_values_builders import (
    bearer,
    make_goal,
    make_indicator,
    make_programme,
    make_user,
    put_values,
)

from samverka.core.models import AuditEntry
from samverka.geo.models import Area
from samverka.indicators.models import AreaGroup, Indicator

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue() -> dict[str, Indicator]:
    population = make_indicator(
        "folkmangd",
        name_sv="Folkmängd",
        name_en="Population",
        source="scb",
        aggregation="sum",
        gender_split=True,
        definition="Folkbokförda personer den 31 december.",
    )
    rate = make_indicator(
        "sysselsattningsgrad",
        name_sv="Sysselsättningsgrad 20–64 år",
        unit="%",
        source="kolada",
        aggregation="ratio",
        gender_split=True,
    )
    companies = make_indicator("nya-foretag", name_sv="Nystartade företag", source="own")
    put_values(
        population,
        [
            ("22", "2006", "T", 243978),
            ("22", "2005", "T", 244543),
            ("22", "2005", "K", 122000),
            ("00", "2005", "T", 9047752),
            ("2281", "2005", "T", 94000),
            ("2280", "2005", "T", 25000),
        ],
    )
    put_values(rate, [("22", "2005", "K", "76.25")])
    return {"population": population, "rate": rate, "companies": companies}


def test_indicator_list_is_sorted_by_code(client: Any, catalogue: Any) -> None:
    data = client.get("/api/v1/indicators").json()

    assert [i["code"] for i in data] == ["folkmangd", "nya-foretag", "sysselsattningsgrad"]
    assert data[0] == {
        "code": "folkmangd",
        "name": "Folkmängd",
        "name_sv": "Folkmängd",
        "name_en": "Population",
        "unit": "",
        "source": "scb",
        "aggregation": "sum",
        "gender_split": True,
        "decimals": 0,
        "url": data[0]["url"],
    }


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("q=31+december", ["folkmangd"]),
        ("q=syssels", ["sysselsattningsgrad"]),
        ("source=own", ["nya-foretag"]),
        ("gender_split=true", ["folkmangd", "sysselsattningsgrad"]),
        ("gender_split=false&source=own", ["nya-foretag"]),
    ],
)
def test_indicator_list_filters(client: Any, catalogue: Any, query: str, codes: list[str]) -> None:
    assert [i["code"] for i in client.get(f"/api/v1/indicators?{query}").json()] == codes


def test_indicator_list_bad_source_is_422(client: Any) -> None:
    response = client.get("/api/v1/indicators?source=nope")

    assert response.status_code == 422
    assert "source" in response.json()["errors"]


def test_indicator_detail_names_components(client: Any, catalogue: Any) -> None:
    rate = catalogue["rate"]
    rate.numerator = make_indicator("sysselsatta")
    rate.denominator = catalogue["population"]
    rate.save()

    data = client.get("/api/v1/indicators/sysselsattningsgrad").json()

    assert (data["numerator"], data["denominator"], data["unit"]) == (
        "sysselsatta",
        "folkmangd",
        "%",
    )


def test_indicator_detail_unknown_is_404_json(client: Any) -> None:
    response = client.get("/api/v1/indicators/nope")

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_values_of_an_area_sorted_by_gender_and_period(
    client: Any, catalogue: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(3):
        data = client.get("/api/v1/indicators/folkmangd/values?area=22").json()

    assert data == [
        {
            "area": "22",
            "period": "2005",
            "gender": "K",
            "value": 122000,
            "derived": False,
            "revised": False,
            "status": None,
        },
        {
            "area": "22",
            "period": "2005",
            "gender": "T",
            "value": 244543,
            "derived": False,
            "revised": False,
            "status": None,
        },
        {
            "area": "22",
            "period": "2006",
            "gender": "T",
            "value": 243978,
            "derived": False,
            "revised": False,
            "status": None,
        },
    ]


def test_values_filters_gender_and_periods(client: Any, catalogue: Any) -> None:
    response = client.get("/api/v1/indicators/folkmangd/values?area=22&gender=T&from=2006&to=2006")
    rates = client.get("/api/v1/indicators/sysselsattningsgrad/values?gender=K").json()

    assert [(v["period"], v["value"]) for v in response.json()] == [("2006", 243978)]
    assert [(v["area"], v["value"]) for v in rates] == [("22", 76.25)]


def test_values_of_all_areas(client: Any, catalogue: Any) -> None:
    data = client.get("/api/v1/indicators/folkmangd/values?gender=T&from=2005&to=2005").json()

    assert [(v["area"], v["value"]) for v in data] == [
        ("00", 9047752),
        ("22", 244543),
        ("2280", 25000),
        ("2281", 94000),
    ]


def test_values_of_an_area_group_are_computed(client: Any, catalogue: Any) -> None:
    group = AreaGroup.objects.create(slug="kusten", name="Kusten")
    group.areas.set(Area.objects.filter(code__in=["2280", "2281"]))

    data = client.get("/api/v1/indicators/folkmangd/values?area=kusten&gender=T").json()

    assert data == [
        {
            "area": "kusten",
            "period": "2005",
            "gender": "T",
            "value": 119000,
            "derived": True,
            "revised": False,
            "status": None,
        }
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [("area=9999", "area"), ("gender=X", "gender"), ("from=2005Q9", "from"), ("to=20", "to")],
)
def test_values_bad_filters_are_422(client: Any, catalogue: Any, query: str, field: str) -> None:
    response = client.get(f"/api/v1/indicators/folkmangd/values?{query}")

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_values_unknown_indicator_is_404(client: Any) -> None:
    assert client.get("/api/v1/indicators/nope/values").status_code == 404


def test_programme_goals_status(client: Any, catalogue: Any) -> None:
    programme = make_programme("rtp-vn")
    measure = programme.measures.get()
    put_values(catalogue["companies"], [("22", "2005", "T", 100), ("22", "2008", "T", 130)])
    make_goal(
        measure,
        text="Fler nya företag",
        indicator=catalogue["companies"],
        area="22",
        baseline_period="2005",
        target_kind="absolute",
        target_value=150,
        deadline_year=2010,
    )

    data = client.get("/api/v1/programmes/rtp-vn/goals").json()

    assert len(data) == 1
    goal = data[0]
    assert (goal["measure"], goal["indicator"], goal["status"]) == (
        "1.1",
        "nya-foretag",
        "on_track",
    )
    assert (goal["baseline"], goal["target"], goal["current"], goal["current_period"]) == (
        100,
        150,
        130,
        "2008",
    )
    assert goal["progress"] == pytest.approx(0.6)
    assert goal["values_used"] == [
        {"role": "baseline", "area": "22", "gender": "T", "period": "2005", "value": 100},
        {"role": "current", "area": "22", "gender": "T", "period": "2008", "value": 130},
    ]


def test_programme_goals_query_count_does_not_grow(
    client: Any, catalogue: Any, django_assert_max_num_queries: Any
) -> None:
    programme = make_programme("rtp-vn", measures=3)
    for n, measure in enumerate(programme.measures.all()):
        for kind in ("absolute", "change", "relative_to_nation", "gender_share"):
            make_goal(
                measure,
                indicator=catalogue["population"],
                area=["22", "2281", "00"][n],
                baseline_period="2005",
                target_kind=kind,
                target_value=10,
            )

    with django_assert_max_num_queries(4):
        data = client.get("/api/v1/programmes/rtp-vn/goals").json()

    assert len(data) == 12


def test_programme_goals_unknown_programme_is_404(client: Any) -> None:
    response = client.get("/api/v1/programmes/nope/goals")

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_programme_detail_route_still_answers(client: Any) -> None:
    make_programme("rtp-vn")

    assert client.get("/api/v1/programmes/rtp-vn").json()["code"] == "rtp-vn"


# Writes ------------------------------------------------------------------------------------


def put(client: Any, code: str, payload: dict[str, Any], headers: dict[str, str]) -> Any:
    return client.put(
        f"/api/v1/indicators/{code}",
        data=payload,
        content_type="application/json",
        headers=headers,
    )


def test_put_indicator_by_programme_officer_changes_it(client: Any, catalogue: Any) -> None:
    officer = make_user(role="programme_officer")

    response = put(
        client,
        "sysselsattningsgrad",
        {"method": "Sysselsatta / befolkning 20–64 år.", "numerator": "nya-foretag"},
        bearer(officer),
    )

    assert response.status_code == 200
    assert (response.json()["method"], response.json()["numerator"]) == (
        "Sysselsatta / befolkning 20–64 år.",
        "nya-foretag",
    )
    rate = Indicator.objects.get(code="sysselsattningsgrad")
    assert rate.name_sv == "Sysselsättningsgrad 20–64 år"  # not sent, not changed
    entry = AuditEntry.objects.get(action="indicator.changed")
    assert entry.actor == officer
    assert entry.changes["method"] == ["", "Sysselsatta / befolkning 20–64 år."]


def test_put_new_indicator_by_platform_admin_is_201(client: Any) -> None:
    admin = make_user(superuser=True)

    response = put(
        client,
        "arbetsloshet",
        {"name_sv": "Arbetslöshet", "unit": "%", "aggregation": "mean"},
        bearer(admin),
    )

    assert response.status_code == 201
    assert Indicator.objects.get(code="arbetsloshet").aggregation == "mean"


def test_put_indicator_anonymous_is_401(client: Any, catalogue: Any) -> None:
    assert put(client, "folkmangd", {"unit": "personer"}, {}).status_code == 401


@pytest.mark.parametrize("role", [None, "assessor"])
def test_put_indicator_without_the_role_is_403(
    client: Any, catalogue: Any, role: str | None
) -> None:
    response = put(client, "folkmangd", {"unit": "personer"}, bearer(make_user(role=role)))

    assert response.status_code == 403
    assert Indicator.objects.get(code="folkmangd").unit == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"denominator": "nope"}, "denominator"),
        ({"numerator": "folkmangd"}, "numerator"),
        ({"aggregation": "median"}, "aggregation"),
        ({"decimals": 9}, "decimals"),
    ],
)
def test_put_indicator_invalid_is_422(
    client: Any, catalogue: Any, payload: dict[str, Any], field: str
) -> None:
    officer = make_user(role="programme_officer")

    response = put(client, "folkmangd", payload, bearer(officer))

    assert response.status_code == 422
    assert field in response.json()["errors"]


def test_put_new_indicator_without_a_name_is_422(client: Any) -> None:
    response = put(client, "ny", {"unit": "st"}, bearer(make_user(superuser=True)))

    assert response.status_code == 422
    assert "name_sv" in response.json()["errors"]
    assert not Indicator.objects.filter(code="ny").exists()
