"""Importing organisations from CSV and XLSX: the importer function and the command."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import Workbook

from command_support import run_command
from samverka.actors.enums import Helix
from samverka.actors.importers import import_organisations
from samverka.actors.models import FocusArea, Organisation
from samverka.core.importing import ImportFileError, read_table

pytestmark = pytest.mark.django_db

HEADER = "name,orgnr,helix,municipality_code,focus_areas,website,description"
GOOD_ROWS = [
    "Jämtkraft Test AB,556016-0680,company,2380,vallodling|skog,example.se,Energi",
    "Mittuniversitetet Test,202100-5489,academia,0180,,,",
]


@pytest.fixture(autouse=True)
def english() -> Any:
    """Messages are English source strings; the Swedish catalogue is tested elsewhere."""
    with translation.override("en"):
        yield


@pytest.fixture
def focus_areas(db: Any) -> dict[str, FocusArea]:
    return {
        "vallodling": FocusArea.objects.create(
            slug="vallodling", name_sv="Vallodling", name_en="Ley farming"
        ),
        "skog": FocusArea.objects.create(
            slug="skog", name_sv="Variationsrikt skogsbruk", name_en="Diverse forestry"
        ),
    }


def csv_bytes(*lines: str, delimiter: str = ",", bom: bool = False) -> bytes:
    text = "\r\n".join(line.replace(",", delimiter) for line in lines) + "\r\n"
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def run(data: bytes, filename: str = "orgs.csv", **kwargs: Any) -> Any:
    return import_organisations(io.BytesIO(data), filename=filename, **kwargs)


def snapshot() -> list[tuple[Any, ...]]:
    return [
        (o.name, o.orgnr, o.helix, o.municipality.code if o.municipality else None, o.website)
        for o in Organisation.objects.select_related("municipality").order_by("name")
    ]


def errors(report: Any) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in report.errors]


@pytest.mark.parametrize(
    ("delimiter", "bom"), [(",", False), (",", True), (";", False), (";", True)]
)
def test_import_good_csv_creates_organisations(
    focus_areas: dict[str, FocusArea], delimiter: str, bom: bool
) -> None:
    report = run(csv_bytes(HEADER, *GOOD_ROWS, delimiter=delimiter, bom=bom))

    assert (report.ok, report.rows, report.created, report.updated) == (True, 2, 2, 0)
    org = Organisation.objects.get(orgnr="556016-0680")
    assert org.name == "Jämtkraft Test AB"
    assert org.helix == Helix.COMPANY
    assert org.municipality.name == "Östersund"
    assert org.website == "https://example.se"
    assert org.description == "Energi"
    assert sorted(fa.slug for fa in org.focus_areas.all()) == ["skog", "vallodling"]
    other = Organisation.objects.get(orgnr="202100-5489")
    assert (other.helix, other.municipality.name, other.focus_areas.count()) == (
        Helix.ACADEMIA,
        "Stockholm",
        0,
    )


def test_import_xlsx_creates_organisations(focus_areas: dict[str, FocusArea]) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.split(","))
    sheet.append(["Skogsbolaget Test", "5560160680", "företag", 2380, "Vallodling", None, None])
    sheet.append(["Kommunen Test", None, "offentlig sektor", "0180", None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = run(buffer.getvalue(), filename="orgs.xlsx")

    assert (report.ok, report.created) == (True, 2)
    assert snapshot() == [
        ("Kommunen Test", None, Helix.PUBLIC, "0180", ""),
        ("Skogsbolaget Test", "556016-0680", Helix.COMPANY, "2380", ""),
    ]
    org = Organisation.objects.get(name="Skogsbolaget Test")
    assert [fa.slug for fa in org.focus_areas.all()] == ["vallodling"]


def test_import_swedish_headers_are_accepted(focus_areas: dict[str, FocusArea]) -> None:
    data = csv_bytes(
        "namn;organisationsnummer;helix;kommunkod;fokusområden;webbplats;beskrivning",
        "Föreningen Test;802002-4280;civilsamhälle;2380;Ley farming;https://forening.se;Ideell",
    )

    report = run(data)

    assert (report.ok, report.created) == (True, 1)
    assert snapshot() == [
        ("Föreningen Test", "802002-4280", Helix.CIVIL_SOCIETY, "2380", "https://forening.se")
    ]
    org = Organisation.objects.get()
    assert [fa.slug for fa in org.focus_areas.all()] == ["vallodling"]


def test_import_same_file_twice_changes_nothing(focus_areas: dict[str, FocusArea]) -> None:
    data = csv_bytes(HEADER, *GOOD_ROWS, "Utan Nummer Förening,,civil_society,2380,,,")
    first = run(data)
    after_first = snapshot()

    second = run(data)

    assert (first.created, first.updated, first.unchanged) == (3, 0, 0)
    assert (second.ok, second.created, second.updated, second.unchanged) == (True, 0, 0, 3)
    assert snapshot() == after_first
    assert Organisation.objects.count() == 3


def test_import_existing_orgnr_updates_organisation(
    make_organisation: Any, focus_areas: dict[str, FocusArea]
) -> None:
    existing = make_organisation("Gammalt Namn AB", orgnr="556016-0680", helix=Helix.OTHER)

    report = run(csv_bytes(HEADER, GOOD_ROWS[0]))

    assert (report.ok, report.created, report.updated) == (True, 0, 1)
    existing.refresh_from_db()
    assert (existing.name, existing.helix, existing.website) == (
        "Jämtkraft Test AB",
        Helix.COMPANY,
        "https://example.se",
    )
    assert Organisation.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (",202100-5489,company,2380,,,", "name"),
        ("Fel Nummer AB,556000-0000,company,2380,,,", "orgnr"),
        ("Okänd Kommun AB,,company,9999,,,", "municipality_code"),
        ("Rymdbolaget AB,,spaceship,2380,,,", "helix"),
        ("Saknad Helix AB,,,2380,,,", "helix"),
        ("Okänt Fokus AB,,company,2380,vallodling|rymdfart,,", "focus_areas"),
        ("Dålig Webb AB,,company,2380,,not a url,", "website"),
    ],
)
def test_import_bad_row_is_reported_and_nothing_written(
    focus_areas: dict[str, FocusArea], row: str, column: str
) -> None:
    report = run(csv_bytes(HEADER, GOOD_ROWS[0], row))

    assert report.ok is False
    assert errors(report) == [(3, column)]
    assert report.created == 0
    assert Organisation.objects.count() == 0


def test_import_duplicate_orgnr_in_file_names_both_rows(focus_areas: dict[str, FocusArea]) -> None:
    report = run(csv_bytes(HEADER, GOOD_ROWS[0], GOOD_ROWS[1], "Kopia AB,5560160680,company,,,,"))

    assert errors(report) == [(4, "orgnr")]
    assert "row 2" in report.errors[0].message
    assert Organisation.objects.count() == 0


def test_import_bad_row_leaves_existing_data_untouched(
    make_organisation: Any, focus_areas: dict[str, FocusArea]
) -> None:
    make_organisation("Gammalt Namn AB", orgnr="556016-0680", helix=Helix.OTHER)
    before = snapshot()

    report = run(csv_bytes(HEADER, GOOD_ROWS[0], "Ny AB,,spaceship,2380,,,"))

    assert report.ok is False
    assert snapshot() == before


def test_import_reports_every_bad_row(focus_areas: dict[str, FocusArea]) -> None:
    report = run(
        csv_bytes(HEADER, ",,company,,,,", GOOD_ROWS[0], "X AB,556000-0000,spaceship,9999,,,")
    )

    assert errors(report) == [(2, "name"), (4, "orgnr"), (4, "helix"), (4, "municipality_code")]
    assert report.summary() == "Nothing imported: 2 of 3 rows have errors."


def test_import_dry_run_writes_nothing(focus_areas: dict[str, FocusArea]) -> None:
    report = run(csv_bytes(HEADER, *GOOD_ROWS), dry_run=True)

    assert (report.ok, report.written, report.created) == (True, False, 2)
    assert Organisation.objects.count() == 0


def test_import_three_digit_municipality_code_gets_leading_zero() -> None:
    report = run(csv_bytes(HEADER, "Stockholmsbolaget AB,,company,180,,,"))

    assert report.ok is True
    assert Organisation.objects.get().municipality.code == "0180"


def test_import_latin1_file_is_a_file_error() -> None:
    data = (HEADER + "\r\nÖstersunds Bolag AB,,company,2380,,,\r\n").encode("latin-1")

    report = run(data)

    assert report.ok is False
    assert report.errors == []
    assert "UTF-8" in report.file_error
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize("data", [b"", b"   \r\n"])
def test_import_empty_file_is_a_file_error(data: bytes) -> None:
    report = run(data)

    assert (report.ok, report.file_error) == (False, "the file is empty")


def test_import_header_only_is_a_file_error() -> None:
    report = run(csv_bytes(HEADER))

    assert (report.ok, report.file_error) == (False, "the file has a header but no data rows")


def test_import_missing_required_column_is_a_file_error() -> None:
    report = run(csv_bytes("name,orgnr", "Bolaget AB,556016-0680"))

    assert report.ok is False
    assert report.file_error.startswith("missing column(s): helix")
    assert Organisation.objects.count() == 0


def test_read_table_strips_bom_and_detects_semicolon() -> None:
    table = read_table(io.BytesIO(csv_bytes("namn;helix", "A; company", delimiter=";", bom=True)))

    assert (table.headers, table.rows, table.first_row) == (
        ["namn", "helix"],
        [["A", "company"]],
        2,
    )


def test_read_table_rejects_binary_garbage() -> None:
    with pytest.raises(ImportFileError):
        read_table(io.BytesIO(b"PK\x03\x04not really a zip"), filename="x.xlsx")


# The command -------------------------------------------------------------------------------


def command(*args: str) -> tuple[int, str, str]:
    """Run ``samverka import``; return (exit status, stdout, stderr)."""
    return run_command("import", *args)


def write(tmp_path: Path, data: bytes, name: str = "orgs.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_command_good_file_prints_counts(tmp_path: Path, focus_areas: dict[str, FocusArea]) -> None:
    path = write(tmp_path, csv_bytes(HEADER, *GOOD_ROWS))

    status, out, err = command("organisations", path)

    assert (status, err) == (0, "")
    assert out == "Imported 2 rows: 2 created, 0 updated, 0 unchanged.\n"
    assert Organisation.objects.count() == 2


def test_command_bad_row_exits_2_naming_row_and_column(
    tmp_path: Path, focus_areas: dict[str, FocusArea]
) -> None:
    path = write(tmp_path, csv_bytes(HEADER, GOOD_ROWS[0], "Rymdbolaget AB,,spaceship,2380,,,"))

    status, out, err = command("organisations", path)

    assert status == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0].startswith(f"{path}: row 3, column helix: unknown helix type 'spaceship'")
    assert lines[1] == "Nothing imported: 1 of 2 rows have errors."
    assert Organisation.objects.count() == 0


def test_command_prints_one_line_per_bad_row(tmp_path: Path) -> None:
    path = write(
        tmp_path, csv_bytes(HEADER, ",,company,2380,,,", "Okänd AB,,company,9999,,,", delimiter=";")
    )

    status, _out, err = command("organisations", path)

    assert status == 2
    assert err.splitlines()[:2] == [
        f"{path}: row 2, column name: missing name",
        f"{path}: row 3, column municipality_code: unknown municipality code '9999'",
    ]


def test_command_json_format_prints_only_json(
    tmp_path: Path, focus_areas: dict[str, FocusArea]
) -> None:
    path = write(tmp_path, csv_bytes(HEADER, GOOD_ROWS[0], "X AB,,spaceship,,,,"))

    status, out, err = command("organisations", path, "--format", "json")

    assert (status, err) == (2, "")
    data = json.loads(out)
    assert (data["ok"], data["written"], data["rows"], data["created"]) == (False, False, 2, 0)
    assert data["errors"] == [
        {"row": 3, "column": "helix", "message": data["errors"][0]["message"]}
    ]


def test_command_json_format_good_file(tmp_path: Path, focus_areas: dict[str, FocusArea]) -> None:
    path = write(tmp_path, csv_bytes(HEADER, *GOOD_ROWS))

    status, out, _err = command("organisations", path, "--format", "json")

    assert status == 0
    data = json.loads(out)
    assert (data["ok"], data["written"], data["created"], data["errors"]) == (True, True, 2, [])


def test_command_dry_run_writes_nothing(tmp_path: Path, focus_areas: dict[str, FocusArea]) -> None:
    path = write(tmp_path, csv_bytes(HEADER, *GOOD_ROWS))

    status, out, _err = command("organisations", path, "--dry-run")

    assert status == 0
    assert out.startswith("Checked 2 rows: would create 2")
    assert Organisation.objects.count() == 0


def test_command_latin1_file_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, (HEADER + "\nÅre AB,,company,2321,,,\n").encode("latin-1"))

    status, _out, err = command("organisations", path)

    assert status == 2
    assert "UTF-8" in err.splitlines()[0]


def test_command_default_language_still_names_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, csv_bytes(HEADER, "Rymdbolaget AB,,spaceship,2380,,,"))

    with translation.override("sv"):
        status, _out, err = command("organisations", path)

    assert status == 2
    first = err.splitlines()[0]
    assert first.startswith(f"{path}: ")
    assert " 2, " in first
    assert "helix" in first
    assert "spaceship" in first


def test_command_missing_file_exits_2(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("import", "organisations", str(tmp_path / "missing.csv"))

    assert excinfo.value.returncode == 2
    assert str(excinfo.value) == f"{tmp_path / 'missing.csv'}: no such file"
