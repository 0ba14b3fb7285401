"""Property tests of the organisation importer: arbitrary bytes, CSV/XLSX tables of nasty cells
and damaged valid files never crash it, never write part of a file, and always report."""

from __future__ import annotations

from typing import Any

import pytest
from fuzz_support import (
    cell,
    check_import,
    csv_file,
    expanding_xlsx,
    fuzz_settings,
    mutated,
    orgnr,
    sparse_xlsx,
    table,
    xlsx_file,
)
from hypothesis import example, given
from hypothesis import strategies as st

from samverka.actors.importers import import_organisations
from samverka.actors.models import FocusArea, Organisation

HEADERS = {
    "name": ["name", "namn", "Name"],
    "orgnr": ["orgnr", "organisationsnummer"],
    "helix": ["helix", "helix-type"],
    "municipality_code": ["municipality_code", "kommunkod"],
    "focus_areas": ["focus_areas", "fokusområden"],
    "website": ["website", "webbplats"],
    "description": ["description", "beskrivning"],
    "country": ["country", "land"],
}
VALUES = {
    "name": cell(st.sampled_from(["Acme AB", "Mittuniversitetet", "acme ab", "Östersunds kommun"])),
    "orgnr": cell(orgnr, "556036-0793", "5560360793", "16556036-0793", "556036-0794"),
    "helix": cell(st.sampled_from(["company", "Företag", "academia", "public sector", "other"])),
    "municipality_code": cell("2380", "180", "0180", "9999", "23"),
    "focus_areas": cell("vallodling", "Vallodling|vallodling", "ley farming|okänd"),
    "website": cell("example.se", "https://example.se/a?b=c", "https://example.se/" + "a" * 300),
    "description": cell("<p>Hej</p>", "<script>x</script><b>fet</b>", "", "a" * 3000),
    "country": cell("SE", "no", "XX", "SWE", "Å1"),
}


TABLES = ["actors"]

VALID = (
    "name;orgnr;helix;municipality_code;focus_areas;website;description;country\n"
    "Acme AB;556036-0793;company;2380;vallodling;acme.se;<p>Maskiner</p>;SE\n"
    "Mittuniversitetet;202100-2932;academia;2281;;https://miun.se;;\n"
    "Föreningen Vall;;civil society;0180;Vallodling;;;no\n"
).encode()


@pytest.fixture
def base(db: Any) -> None:
    FocusArea.objects.create(slug="vallodling", name_sv="Vallodling", name_en="Ley farming")
    Organisation.objects.create(name="Acme AB", orgnr="556036-0793", helix="company")
    Organisation.objects.create(name="acme ab", helix="company")


@fuzz_settings(0.5)
@given(data=st.binary(max_size=400), filename=st.sampled_from(["o.csv", "o.xlsx", ""]))
@example(data=b"\xef\xbb\xbf", filename="o.csv")
@example(data=b"PK\x03\x04garbage", filename="o.csv")
@example(data=expanding_xlsx(), filename="o.xlsx")
@example(data=sparse_xlsx(), filename="o.xlsx")
def test_organisations_import_of_arbitrary_bytes_reports(base, data, filename):
    check_import(import_organisations, data, filename=filename, tables=TABLES)


@fuzz_settings()
@given(table=table(VALUES, HEADERS), data=st.data())
def test_organisations_import_of_nasty_csv_reports_or_imports_once(base, table, data):
    check_import(import_organisations, data.draw(csv_file(*table)), filename="o.csv", tables=TABLES)


@fuzz_settings(0.5)
@given(table=table(VALUES, HEADERS))
def test_organisations_import_of_nasty_xlsx_reports_or_imports_once(base, table):
    check_import(import_organisations, xlsx_file(*table), filename="o.xlsx", tables=TABLES)


@fuzz_settings(0.5)
@given(data=mutated(VALID))
@example(data=VALID)
def test_organisations_import_of_damaged_file_reports_or_imports_once(base, data):
    check_import(import_organisations, data, filename="o.csv", tables=TABLES)


# --- edge cases the properties aim at, kept as explicit cases ---------------------------------


def test_organisations_website_longer_than_the_field_is_reported(base):
    data = f"name,helix,website\nLång AB,company,https://example.se/{'a' * 300}\n".encode()
    report = check_import(import_organisations, data, filename="o.csv", tables=TABLES)
    assert [(e.row, e.column) for e in report.errors] == [(2, "website")]
