"""The programmes API, reading: programmes with their tree, calls, projects and the budget
report; who sees applications that are not granted; query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from imports_builders import (
    bearer,
    make_applicant,
    make_call,
    make_org,
    make_programme,
    make_project,
    make_tree_programme,
    make_user,
)

from samverka.programmes.models import Measure, StatusChange
from samverka.programmes.services.reports import budget_report

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


# Programmes --------------------------------------------------------------------------------


def test_programme_list_returns_programmes_with_owner(client: Any) -> None:
    programme = make_programme("rtp")
    programme.owner = make_org("Region Västernorrland", helix="public")
    programme.save()

    data = client.get("/api/v1/programmes").json()

    assert [(p["code"], p["start_year"], p["end_year"]) for p in data] == [("rtp", 2008, 2010)]
    assert data[0]["owner"]["name"] == "Region Västernorrland"


def test_programme_detail_is_the_tree_with_goals_criteria_and_figures(client: Any) -> None:
    programme = make_tree_programme()
    make_project(programme, "G-1", measures=("1.1",), financing=(("state", 2008, 1000, 800, 500),))
    make_project(programme, "D-1", status="draft", measures=("1.1",))

    response = client.get("/api/v1/programmes/rtp-vn")

    assert response.status_code == 200
    data = response.json()
    assert [(a["number"], a["name"], a["goal"]) for a in data["priority_areas"]] == [
        (1, "Företagande", "G1"),
        (3, "Kompetens", ""),
    ]
    m11 = data["priority_areas"][0]["measures"][0]
    assert (m11["code"], m11["goals"], m11["sub_measures"]) == (
        "1.1",
        [{"text": "Fler nya företag", "deadline_year": 2011}],
        [],
    )
    assert (m11["project_count"], m11["granted_sek"], m11["outcome_sek"]) == (1, 800, 500)
    m34 = data["priority_areas"][1]["measures"]
    assert [m["code"] for m in m34] == ["3.4"]
    assert [(s["code"], s["goals"][0]["text"]) for s in m34[0]["sub_measures"]] == [
        ("3.4a", "Mål a"),
        ("3.4b", "Mål b"),
    ]
    assert [(c["name"], c["weight"]) for c in data["criteria"]] == [
        ("Innovation", "2.00"),
        ("Hållbarhet", "1.00"),
    ]


def test_programme_detail_query_count_does_not_grow_with_measures(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    programme = make_tree_programme()
    with django_assert_max_num_queries(9) as few:
        client.get("/api/v1/programmes/rtp-vn")
    area = programme.priority_areas.first()
    for i in range(15):
        Measure.objects.create(programme=programme, priority_area=area, code=f"9.{i}", name="x")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/api/v1/programmes/rtp-vn")


def test_programme_detail_unknown_code_is_404_json(client: Any) -> None:
    response = client.get("/api/v1/programmes/nope")

    assert response.status_code == 404
    assert "nope" in response.json()["detail"]


def test_budget_report_endpoint_returns_the_report(client: Any) -> None:
    programme = make_programme("rtp", start_year=2008, end_year=2008)
    make_project(
        programme,
        "A",
        financing=(("state", 2008, 1000, 900, 700), ("private", 2008, 500, 500, 400)),
    )
    make_project(programme, "Draft", status="draft", financing=(("eu", 2008, 99, 0, 0),))

    response = client.get("/api/v1/programmes/rtp/reports/budget")

    assert response.status_code == 200
    data = response.json()
    assert data == budget_report(programme=programme)
    rows = {(r["category"], r["year"]): (r["budget_sek"], r["outcome_sek"]) for r in data["rows"]}
    assert rows[("state", 2008)] == (1000, 700)
    assert rows[("eu", 2008)] == (0, 0)
    assert rows[("total", 2008)] == (1500, 1100)
    assert (data["programme"], data["unit"]) == ("rtp", "SEK")


def test_budget_report_unknown_programme_is_404(client: Any) -> None:
    assert client.get("/api/v1/programmes/nope/reports/budget").status_code == 404


# Calls -------------------------------------------------------------------------------------


@pytest.fixture
def calls() -> Any:
    programme = make_tree_programme()
    make_call(programme, "open")
    make_call(programme, "closed", opens=TODAY - 30 * DAY, closes=TODAY - DAY)
    make_call(programme, "future", opens=TODAY + DAY, closes=TODAY + 30 * DAY)
    make_call(programme, "hidden", published=False)
    return programme


def test_calls_lists_open_calls_by_default(client: Any, calls: Any) -> None:
    data = client.get("/api/v1/calls").json()

    assert [c["slug"] for c in data] == ["open"]
    assert data[0]["is_open"] is True
    assert data[0]["programme"] == "rtp-vn"
    assert data[0]["measures"] == ["1.1", "3.4", "3.4a", "3.4b"]
    assert data[0]["max_support_share"] == "0.500"


def test_calls_all_lists_published_calls(client: Any, calls: Any) -> None:
    data = client.get("/api/v1/calls?all=true").json()

    assert sorted((c["slug"], c["is_open"]) for c in data) == [
        ("closed", False),
        ("future", False),
        ("open", True),
    ]


def test_calls_all_shows_unpublished_calls_to_officers(client: Any, calls: Any) -> None:
    officer = make_user(role="programme_officer")

    data = client.get("/api/v1/calls?all=true", headers=bearer(officer)).json()

    assert "hidden" in [c["slug"] for c in data]


def test_call_detail_lists_criteria_with_weights(client: Any, calls: Any) -> None:
    data = client.get("/api/v1/calls/open").json()

    assert [(c["name"], c["weight"]) for c in data["criteria"]] == [
        ("Innovation", "2.00"),
        ("Hållbarhet", "1.00"),
    ]
    assert data["documents"] == []


def test_call_detail_unpublished_is_404_for_the_public(client: Any, calls: Any) -> None:
    assert client.get("/api/v1/calls/hidden").status_code == 404


# Projects ----------------------------------------------------------------------------------


@pytest.fixture
def portfolio() -> dict[str, Any]:
    """Two programmes; granted, running and draft projects with financing and places."""
    rtp = make_programme("rtp", measures=("1.1", "1.2"))
    other = make_programme("other", measures=("1.1",))
    fiber = make_org("Norrlandsfiber AB", orgnr="556036-0793")
    make_project(
        rtp,
        "RTP-1",
        applicant=fiber,
        measures=("1.1", "1.2"),
        municipalities=("2281", "2262"),
        financing=(("state", 2008, 100, 90, 80), ("eu", 2009, 50, 40, 30)),
    )
    make_project(
        rtp, "RTP-2", status="running", measures=("1.2",), financing=(("eu", 2010, 7, 7, 0),)
    )
    make_project(rtp, "RTP-3", status="draft", measures=("1.1",))
    make_project(other, "OTH-1", measures=("1.1",), municipalities=("0114",))
    return {"rtp": rtp, "other": other, "fiber": fiber}


def refs(response: Any) -> list[str]:
    return [p["reference"] for p in response.json()["items"]]


def test_projects_list_is_paged_and_shows_only_granted_to_the_public(
    client: Any, portfolio: dict[str, Any]
) -> None:
    response = client.get("/api/v1/projects")

    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert refs(response) == ["OTH-1", "RTP-1", "RTP-2"]
    one = data["items"][1]
    assert one["applicant"] == {
        "id": portfolio["fiber"].pk,
        "name": "Norrlandsfiber AB",
        "orgnr": "556036-0793",
    }
    assert (one["programme"], one["call"], one["status"]) == ("rtp", None, "granted")
    assert one["measures"] == ["1.1", "1.2"]
    assert one["municipalities"] == [
        {"code": "2262", "name": "Timrå"},
        {"code": "2281", "name": "Sundsvall"},
    ]
    assert (one["budget_sek"], one["decided_sek"], one["outcome_sek"]) == (150, 130, 110)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("programme=rtp", ["RTP-1", "RTP-2"]),
        ("programme=rtp&measure=1.1", ["RTP-1"]),
        ("measure=1.1", ["OTH-1", "RTP-1"]),
        ("status=running", ["RTP-2"]),
        ("year=2009", ["RTP-1"]),
        ("year=2010", ["RTP-2"]),
        ("applicant=5560360793", ["RTP-1"]),
        ("municipality=0114", ["OTH-1"]),
        ("municipality=2262&year=2008", ["RTP-1"]),
    ],
)
def test_projects_list_filters(
    client: Any, portfolio: dict[str, Any], query: str, expected: list[str]
) -> None:
    assert refs(client.get(f"/api/v1/projects?{query}")) == expected


def test_projects_list_totals_are_not_multiplied_by_filters(
    client: Any, portfolio: dict[str, Any]
) -> None:
    data = client.get("/api/v1/projects?measure=1.1&municipality=2281&year=2008").json()

    assert [(p["budget_sek"], p["decided_sek"]) for p in data["items"]] == [(150, 130)]


def test_projects_list_bad_orgnr_is_422(client: Any, portfolio: dict[str, Any]) -> None:
    response = client.get("/api/v1/projects?applicant=123")

    assert response.status_code == 422
    assert "applicant" in response.json()["errors"]


def test_projects_list_bad_status_is_422(client: Any, portfolio: dict[str, Any]) -> None:
    assert client.get("/api/v1/projects?status=approved").status_code == 422


def test_projects_list_shows_applications_to_officers_and_their_applicant(
    client: Any, portfolio: dict[str, Any]
) -> None:
    officer = make_user(role="programme_officer")
    draft = make_project(portfolio["rtp"], "MINE", status="submitted")
    applicant = make_applicant(draft.applicant)
    stranger = make_applicant(make_org())

    assert "RTP-3" in refs(client.get("/api/v1/projects", headers=bearer(officer)))
    assert refs(client.get("/api/v1/projects?programme=rtp", headers=bearer(applicant))) == [
        "MINE",
        "RTP-1",
        "RTP-2",
    ]
    assert "MINE" not in refs(client.get("/api/v1/projects", headers=bearer(stranger)))


def test_projects_list_shows_call_applications_to_its_assessors(
    client: Any, portfolio: dict[str, Any]
) -> None:
    assessor = make_user(role="assessor")
    other_assessor = make_user(role="assessor")
    call = make_call(portfolio["rtp"], "c1", assessors=(assessor,))
    make_call(portfolio["rtp"], "c2", assessors=(other_assessor,))
    make_project(portfolio["rtp"], "IN-1", status="in_assessment", call=call)

    assert "IN-1" in refs(client.get("/api/v1/projects", headers=bearer(assessor)))
    assert "IN-1" not in refs(client.get("/api/v1/projects", headers=bearer(other_assessor)))


def test_projects_list_query_count_does_not_grow_with_projects(
    client: Any, portfolio: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(5) as few:
        client.get("/api/v1/projects")
    for i in range(12):
        make_project(
            portfolio["rtp"],
            f"MORE-{i}",
            measures=("1.1", "1.2"),
            municipalities=("2281",),
            financing=(("state", 2008, 1, 1, 1),),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/projects").json()["count"] == 15


def test_project_detail_has_financing_measures_places_and_history(
    client: Any, portfolio: dict[str, Any]
) -> None:
    officer = make_user("officer", role="programme_officer", first_name="Olle", last_name="O")
    project = portfolio["rtp"].projects.get(reference="RTP-1")
    StatusChange.objects.create(project=project, to_status="granted", actor=officer, note="Ja")

    response = client.get("/api/v1/projects/RTP-1")

    assert response.status_code == 200
    data = response.json()
    assert [
        (line["category"], line["year"], line["budget_sek"], line["decided_sek"])
        for line in data["financing_lines"]
    ] == [("state", 2008, 100, 90), ("eu", 2009, 50, 40)]
    assert data["measures"] == ["1.1", "1.2"]
    assert [m["code"] for m in data["municipalities"]] == ["2262", "2281"]
    assert [
        (h["from_status"], h["to_status"], h["by"], h["note"]) for h in data["status_history"]
    ] == [("", "granted", "Olle O", "Ja")]
    assert data["budget_sek"] == 150


def test_project_detail_of_an_application_is_404_to_the_public(
    client: Any, portfolio: dict[str, Any]
) -> None:
    stranger = make_applicant(make_org())

    assert client.get("/api/v1/projects/RTP-3").status_code == 404
    assert client.get("/api/v1/projects/RTP-3", headers=bearer(stranger)).status_code == 404
    assert client.get("/api/v1/projects/NOPE").status_code == 404


def test_project_detail_of_an_application_is_visible_to_its_applicant_by_session(
    client: Any, portfolio: dict[str, Any]
) -> None:
    draft = portfolio["rtp"].projects.get(reference="RTP-3")
    client.force_login(make_applicant(draft.applicant))

    response = client.get("/api/v1/projects/RTP-3")

    assert (response.status_code, response.json()["status"]) == (200, "draft")


def test_project_detail_with_a_bad_token_is_401(client: Any, portfolio: dict[str, Any]) -> None:
    response = client.get("/api/v1/projects/RTP-1", headers={"Authorization": "Bearer smv_nope"})

    assert response.status_code == 401


def test_project_detail_query_count_does_not_grow_with_lines(
    client: Any, portfolio: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/projects/RTP-1")
    project = portfolio["rtp"].projects.get(reference="RTP-1")
    for year in (2008, 2009, 2010):
        for category in ("municipal", "private"):
            project.financing_lines.create(
                financier=make_org(), category=category, year=year, budget_sek=1
            )
        StatusChange.objects.create(project=project, to_status="running")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/projects/RTP-1").json()["financing_lines"]) == 8
