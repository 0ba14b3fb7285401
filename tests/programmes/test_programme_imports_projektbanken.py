"""The project importers against real data: Tillväxtverket's Projektbanken, 374 ERUF projects
2014-2020 (see ../shared/data/SOURCES.md). Its municipality lists write names without spaces
("UpplandsVäsby", "LillaEdet", "ÖstraGöinge") and misspell Stenungsund as "Stenungssund"."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from imports_builders import FINANCING_HEADER, PROJECT_HEADER, csv_bytes, make_programme

from samverka.actors.models import Organisation
from samverka.programmes.models import FinancingLine, Project
from samverka.programmes.services.imports import import_financing, import_projects

pytestmark = pytest.mark.django_db

BANK = "tillvaxtverket/projektbanken_ERUF_2014-2020_scraped2016.json"


@pytest.fixture(scope="module")
def bank(shared_data: Path) -> list[dict[str, Any]]:
    return json.loads((shared_data / BANK).read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def english() -> Any:
    with translation.override("en"):
        yield


def goal_codes(bank: list[dict[str, Any]]) -> dict[str, str]:
    """One measure per thematic goal: "TM1", "TM2", … in alphabetical order of the goals."""
    goals = sorted({p["tematiskt_mål"] for p in bank})
    return {goal: f"TM{i}" for i, goal in enumerate(goals, start=1)}


def project_rows(bank: list[dict[str, Any]], *, fix: bool = False) -> list[list[str]]:
    codes = goal_codes(bank)
    rows = []
    for p in bank:
        municipalities = p["kommuner"]
        if fix:
            municipalities = municipalities.replace("Stenungssund", "Stenungsund")
        values = {
            "reference": f"ERUF-{p['ärende-id']}",
            "title": p["projektnamn"],
            "programme": "eruf",
            "measure": codes[p["tematiskt_mål"]],
            "applicant_name": p["stödmottagare"],
            "applicant_orgnr": "",
            "status": "beviljad",
            "start_date": p["projekt_starttid"],
            "end_date": p["projekt_sluttid"],
            "municipalities": municipalities,
            "description": p["projektbeskrivning"],
        }
        rows.append([values[column] for column in PROJECT_HEADER])
    return rows


@pytest.fixture
def programme(bank: list[dict[str, Any]]) -> Any:
    return make_programme(
        "eruf", measures=tuple(goal_codes(bank).values()), start_year=2014, end_year=2020
    )


def test_projektbanken_misspelt_municipality_is_the_only_bad_row_kind(
    bank: list[dict[str, Any]], programme: Any
) -> None:
    misspelt = [
        row_number
        for row_number, p in enumerate(bank, start=2)
        if "Stenungssund" in p["kommuner"].split(", ")
    ]

    report = import_projects(csv_bytes(PROJECT_HEADER, project_rows(bank)), filename="eruf.csv")

    assert report.rows == 374
    assert len(misspelt) == 39
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (row, "municipalities", "unknown municipality 'Stenungssund'") for row in misspelt
    ]
    assert (Project.objects.count(), Organisation.objects.count()) == (0, 0)


def test_projektbanken_corrected_file_imports_every_project_and_municipality(
    bank: list[dict[str, Any]], programme: Any
) -> None:
    data = csv_bytes(PROJECT_HEADER, project_rows(bank, fix=True))

    report = import_projects(data, filename="eruf.csv")

    assert report.ok, report.errors[:3]
    assert (report.rows, report.created) == (374, 374)
    names = Counter(
        name for p in bank for name in p["kommuner"].split(", ") if name
    )  # each project names a municipality once
    Link = Project.municipalities.through
    assert Link.objects.count() == sum(names.values())
    assert Link.objects.values("area").distinct().count() == len(names) == 290
    per_code = Counter(Link.objects.values_list("area__code", flat=True))
    assert per_code["0114"] == names["UpplandsVäsby"]
    assert per_code["1462"] == names["LillaEdet"]
    assert per_code["1256"] == names["ÖstraGöinge"]
    assert per_code["1415"] == names["Stenungssund"]
    arjeplog = Project.objects.get(reference="ERUF-20200940")
    assert (arjeplog.applicant.name, arjeplog.applicant.helix) == ("Arjeplogs kommun", "public")
    assert [a.name for a in arjeplog.municipalities.all()] == ["Arjeplog"]
    assert Organisation.objects.count() == len({p["stödmottagare"] for p in bank})
    assert Project.objects.filter(status="granted").count() == 374

    again = import_projects(csv_bytes(PROJECT_HEADER, project_rows(bank, fix=True)), filename="x")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 374)


def test_projektbanken_granted_amounts_import_as_eu_financing(
    bank: list[dict[str, Any]], programme: Any
) -> None:
    import_projects(csv_bytes(PROJECT_HEADER, project_rows(bank, fix=True)), filename="p.csv")
    rows = [
        [
            f"ERUF-{p['ärende-id']}",
            "Europeiska regionala utvecklingsfonden",
            "EU",
            p["projekt_starttid"][:4],
            "",
            f"{p['beviljat_belopp_sek']:,}".replace(",", " "),
            "",
        ]
        for p in bank
    ]

    report = import_financing(csv_bytes(FINANCING_HEADER, rows), filename="f.csv")

    assert report.ok, report.errors[:3]
    assert report.created == 374
    total = sum(FinancingLine.objects.values_list("decided_sek", flat=True))
    assert total == sum(p["beviljat_belopp_sek"] for p in bank)
    assert FinancingLine.objects.values("financier").distinct().count() == 1
