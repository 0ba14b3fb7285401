"""Property tests of the programme importers (projects, financing, programme structure):
arbitrary bytes, tables and documents of nasty values and damaged valid files never crash them,
never write part of a file, and always report."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_support import (
    cell,
    check_import,
    csv_file,
    expanding_xlsx,
    fuzz_settings,
    mutated,
    mutated_document,
    orgnr,
    table,
    xlsx_file,
)
from hypothesis import example, given
from hypothesis import strategies as st

import samverka.programmes
from samverka.actors.models import Organisation
from samverka.programmes.models import FinancingLine, Measure, PriorityArea, Programme, Project
from samverka.programmes.services.imports import import_financing, import_projects
from samverka.programmes.services.structure import import_programme

TABLES = ["programmes", "actors"]
RTP = Path(samverka.programmes.__file__).parent / "data" / "rtp-vasternorrland-2008-2010.yaml"

PROJECT_VALUES = {
    "reference": cell("P-1", "P-2", "P-3", "P-4", "R" * 40),
    "title": cell("Projekt A", "Vall i norr", "T" * 300),
    "programme": cell("rtp"),
    "measure": cell("1.1", "1.1|1.2", "1.2|1.2", "1.2"),
    "applicant_name": cell("Acme AB", "Umeå universitet", "Östersunds kommun", "  Acme   AB "),
    "applicant_orgnr": cell(orgnr, "556036-0793", "202100-2932", orgnr),
    "status": cell("granted", "Beviljad", "under bedömning", "running", "in_assessment"),
    "start_date": cell("2008-01-01", "2009-05-05 00:00:00", "2008-1-1"),
    "end_date": cell("2010-12-31", "2009-05-04", "2010-12-31T00:00"),
    "municipalities": cell(
        "2380", "Östersund", "Upplands Väsby kommun|0180", "180,Arjeplogs kommun"
    ),
    "description": cell("Beskrivning", "<b>x</b>"),
}
FINANCING_VALUES = {
    "project_reference": cell("P-1"),
    "financier_name": cell("Tillväxtverket", "Region Jämtland", "Acme AB", " Acme  AB"),
    "financier_category": cell("eu", "Statlig", "Landsting/Region", "county council", "private"),
    "year": cell("2008", "2009", "2010", "2010"),
    "budget_sek": cell("1 000", "0", "1\u00a0234\u00a0500", "9223372036854775807"),
    "decided_sek": cell("500", "", "9223372036854775808"),
    "outcome_sek": cell("0", "+12", "10" * 12),
}


PROJECTS_VALID = (
    "reference,title,programme,measure,applicant_name,applicant_orgnr,status,start_date,"
    "end_date,municipalities,description\n"
    "P-1,Vall,rtp,1.1|1.2,Acme AB,556036-0793,granted,2008-01-01,2010-12-31,2380|Östersund,Text\n"
    "P-2,Skog,rtp,1.2,Umeå universitet,202100-2932,beviljad,2009-01-01,2009-12-31,,\n"
    "P-3,Bygd,rtp,1.1,Föreningen,,running,2008-03-01,2010-06-30,Upplands Väsby kommun,\n"
).encode()
FINANCING_VALID = (
    "project_reference;financier_name;financier_category;year;budget_sek;decided_sek;outcome_sek\n"
    "P-1;Tillväxtverket;Statlig;2008;1 000 000;900 000;850 000\n"
    "P-1;Region Jämtland;Landsting/Region;2009;200000;200000;\n"
    "P-1;EU;eu;2009;500 000;0;0\n"
).encode()


@pytest.fixture
def base(db: Any) -> None:
    programme = Programme.objects.create(code="rtp", name="RTP", start_year=2008, end_year=2010)
    area = PriorityArea.objects.create(programme=programme, number=1, name="Growth")
    for position, code in enumerate(("1.1", "1.2")):
        Measure.objects.create(
            programme=programme, priority_area=area, code=code, name=code, position=position
        )
    acme = Organisation.objects.create(name="Acme AB", orgnr="556036-0793", helix="company")
    project = Project.objects.create(
        reference="P-1",
        title="Vall",
        programme=programme,
        applicant=acme,
        status="granted",
        start_date=datetime.date(2008, 1, 1),
        end_date=datetime.date(2010, 12, 31),
    )
    FinancingLine.objects.create(
        project=project, financier=acme, category="private", year=2009, budget_sek=5
    )


@fuzz_settings(0.3)
@given(data=st.binary(max_size=300), kind=st.sampled_from(["projects", "financing", "programme"]))
@example(data=expanding_xlsx(), kind="projects")
@example(data=expanding_xlsx(), kind="financing")
def test_programme_importers_of_arbitrary_bytes_report(base, data, kind):
    importer = {"projects": import_projects, "financing": import_financing}.get(
        kind, import_programme
    )
    check_import(importer, data, filename="f.csv", tables=TABLES)


@fuzz_settings()
@given(rows=table(PROJECT_VALUES), data=st.data())
def test_projects_import_of_nasty_table_reports_or_imports_once(base, rows, data):
    xlsx = data.draw(st.integers(0, 4)) == 0
    file = xlsx_file(*rows) if xlsx else data.draw(csv_file(*rows))
    check_import(import_projects, file, filename="p.xlsx" if xlsx else "p.csv", tables=TABLES)


@fuzz_settings(0.5)
@given(data=mutated(PROJECTS_VALID))
@example(data=PROJECTS_VALID)
def test_projects_import_of_damaged_file_reports_or_imports_once(base, data):
    check_import(import_projects, data, filename="p.csv", tables=TABLES)


@fuzz_settings()
@given(rows=table(FINANCING_VALUES), data=st.data())
def test_financing_import_of_nasty_table_reports_or_imports_once(base, rows, data):
    xlsx = data.draw(st.integers(0, 4)) == 0
    file = xlsx_file(*rows) if xlsx else data.draw(csv_file(*rows))
    check_import(import_financing, file, filename="f.xlsx" if xlsx else "f.csv", tables=TABLES)


@fuzz_settings(0.5)
@given(data=mutated(FINANCING_VALID))
@example(data=FINANCING_VALID)
def test_financing_import_of_damaged_file_reports_or_imports_once(base, data):
    check_import(import_financing, data, filename="f.csv", tables=TABLES)


# --- programme documents --------------------------------------------------------------------

DOCUMENT: dict[str, Any] = {
    "code": "testprogram",
    "name": "Testprogrammet",
    "period": {"start": 2020, "end": 2022},
    "owner": "Region Test",
    "goal_deadline_year": 2023,
    "criteria": [
        {"name": "Innovativitet", "weight": 2, "guidance": "G"},
        {"name": "Jobb", "weight": 1},
    ],
    "priority_areas": [
        {
            "number": 1,
            "name": "Dynamik",
            "goal": "Fler företag",
            "measures": [
                {
                    "code": "1.1",
                    "name": "Kompetens",
                    "goals": ["Fler jobb", {"text": "T", "deadline_year": 2030}],
                },
                {"code": "1.2", "name": "Skog", "measures": [{"code": "1.2a", "name": "Biomassa"}]},
            ],
        }
    ],
    "stated_figures": [
        {
            "label": "Total",
            "metric": "budget",
            "year_from": 2020,
            "year_to": 2022,
            "amount_sek": 1000,
        }
    ],
}


@st.composite
def programme_document(draw: Any) -> bytes:
    document = draw(mutated_document(DOCUMENT))
    if draw(st.booleans()):
        return json.dumps(document, default=str).encode(), "p.json"
    return yaml.safe_dump(document, allow_unicode=True).encode(), "p.yaml"


@fuzz_settings()
@given(document=programme_document())
@example(document=(json.dumps(DOCUMENT).encode(), "p.json"))
def test_programme_import_of_nasty_document_reports_or_imports_once(base, document):
    data, filename = document
    check_import(import_programme, data, filename=filename, tables=TABLES)


@fuzz_settings(0.2)
@given(data=mutated(RTP.read_bytes()))
def test_programme_import_of_damaged_rtp_file_reports_or_imports_once(base, data):
    check_import(import_programme, data, filename="rtp.yaml", tables=TABLES)


# --- edge cases the properties aim at, kept as explicit cases ---------------------------------


@pytest.mark.parametrize("amount", ["9223372036854775808", "1" + "0" * 30])
def test_financing_amount_beyond_the_database_is_reported(base, amount):
    data = (
        "project_reference,financier_name,financier_category,year,budget_sek,decided_sek,"
        f"outcome_sek\nP-1,Tillväxtverket,state,2009,{amount},0,0\n"
    ).encode()
    report = check_import(import_financing, data, filename="f.csv", tables=TABLES)
    assert [(e.row, e.column) for e in report.errors] == [(2, "budget_sek")]


@pytest.mark.parametrize("value", ["²", "--5", 2**63])
def test_programme_stated_figure_of_odd_number_is_reported(base, value):
    document = {
        **DOCUMENT,
        "stated_figures": [{**DOCUMENT["stated_figures"][0], "amount_sek": value}],
    }
    data = json.dumps(document).encode()
    report = check_import(import_programme, data, filename="p.json", tables=TABLES)
    assert [e.column for e in report.errors] == ["stated_figures[0].amount_sek"]


def test_programme_document_with_nul_is_reported(base):
    data = json.dumps({**DOCUMENT, "name": "Test\x00programmet"}).encode()
    report = check_import(import_programme, data, filename="p.json", tables=TABLES)
    assert "NUL" in report.file_error
