"""Bounded work for every table import: an XLSX that unpacks without limit, a sheet declared
17 billion cells large, a file over the row cap and a file of many bad rows are each refused
or reported in bounded time and memory, and nothing is stored."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from fuzz_support import check_import, expanding_xlsx, raw_xlsx, sparse_xlsx

from command_support import run_command
from samverka.actors.importers import import_organisations
from samverka.actors.models import Organisation
from samverka.core.importing import ImportReport
from samverka.indicators.models import Value
from samverka.indicators.services.importers import import_indicators
from samverka.programmes.services.imports import import_financing, import_projects

pytestmark = pytest.mark.django_db

IMPORTERS: dict[str, tuple[Callable[..., ImportReport], list[str]]] = {
    "organisations": (import_organisations, ["actors"]),
    "projects": (import_projects, ["programmes", "actors"]),
    "financing": (import_financing, ["programmes", "actors"]),
    "indicators": (import_indicators, ["indicators"]),
}
UNPACKS = "the XLSX file unpacks to more than 100 MB"
URL = reverse("actors:organisation-import")


@pytest.fixture(autouse=True)
def _english() -> Any:
    with translation.override("en"):
        yield


@pytest.fixture
def admin(make_user: Callable[..., User]) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user(role="platform_admin_superuser"))
    return client


def command(*args: str) -> tuple[int, str, str]:
    """Run ``samverka import``; return (exit status, stdout, stderr)."""
    return run_command("import", *args)


def organisations_csv(rows: int, helix: str = "company") -> bytes:
    return ("name;helix\n" + "".join(f"Företag {n} AB;{helix}\n" for n in range(rows))).encode()


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_expanding_workbook_is_refused_before_it_is_read(kind: str) -> None:
    importer, tables = IMPORTERS[kind]

    report = check_import(importer, expanding_xlsx(), filename="bomb.xlsx", tables=tables)

    assert report.file_error.startswith(UNPACKS), report.file_error
    assert (report.rows, report.created, report.errors) == (0, 0, [])


def test_expanding_workbook_message_in_swedish() -> None:
    with translation.override("sv"):
        report = import_organisations(io.BytesIO(expanding_xlsx()), filename="bomb.xlsx")

    assert "packas upp till mer än 100 MB" in report.file_error


def test_expanding_workbook_upload_page_shows_the_message(admin: Client) -> None:
    before = Organisation.objects.count()

    response = admin.post(URL, {"file": SimpleUploadedFile("bomb.xlsx", expanding_xlsx())})

    assert response.status_code == 400
    assert UNPACKS in response.content.decode()
    assert len(response.content) < 100_000
    assert Organisation.objects.count() == before


def test_expanding_workbook_command_prints_the_message(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(expanding_xlsx())

    status, out, err = command("organisations", str(path))

    assert (status, out) == (2, "")
    assert err.startswith(f"{path}: {UNPACKS}")
    assert Organisation.objects.count() == 0


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_sheet_of_17_billion_cells_is_refused_at_the_row_cap(kind: str) -> None:
    importer, tables = IMPORTERS[kind]

    report = check_import(importer, sparse_xlsx(), filename="sparse.xlsx", tables=tables)

    assert report.file_error == (
        "the file has more than 500 000 data rows, the most one import reads; split it"
    )


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
@pytest.mark.parametrize("filename", ["cap.csv", "cap.xlsx"])
def test_file_over_the_row_cap_is_refused_naming_the_cap(
    settings: Any, kind: str, filename: str
) -> None:
    settings.SAMVERKA_IMPORT_MAX_ROWS = 10
    importer, tables = IMPORTERS[kind]
    header = ["name", "helix", "indicator", "area", "period", "value", "reference", "programme"]
    row = ["Acme AB", "company", "x", "0180", "2023", "1", "R1", "RTP"]
    if filename.endswith(".csv"):
        data = (",".join(header) + "\n" + (",".join(row) + "\n") * 11).encode()
    else:
        data = raw_xlsx(header, row, 11)

    report = check_import(importer, data, filename=filename, tables=tables)

    assert report.file_error == (
        "the file has more than 10 data rows, the most one import reads; split it"
    )


def test_file_at_the_row_cap_is_imported(settings: Any) -> None:
    settings.SAMVERKA_IMPORT_MAX_ROWS = 10

    report = import_organisations(io.BytesIO(organisations_csv(10)), filename="o.csv")

    assert (report.ok, report.created) == (True, 10)


def test_indicator_csv_over_the_row_cap_stores_nothing(settings: Any) -> None:
    """On PostgreSQL the file is COPYed before the count; the cap still refuses it."""
    settings.SAMVERKA_IMPORT_MAX_ROWS = 3
    data = b"indicator,area,period,value\n" + b"pop,0180,2023,1\npop,2380,2023,2\n" * 2

    report = import_indicators(io.BytesIO(data), filename="i.csv")

    assert "more than 3 data rows" in report.file_error
    assert Value.objects.count() == 0


def test_row_cap_message_in_swedish(settings: Any) -> None:
    settings.SAMVERKA_IMPORT_MAX_ROWS = 10
    with translation.override("sv"):
        report = import_organisations(io.BytesIO(organisations_csv(11)), filename="o.csv")

    assert report.file_error == (
        "filen har mer än 10 datarader, det mesta en import läser; dela upp den"
    )


def test_500_bad_rows_list_100_errors_and_count_the_rest() -> None:
    report = import_organisations(io.BytesIO(organisations_csv(500, "spaceship")), filename="o.csv")

    assert (report.error_count, len(report.errors), report.more_errors) == (500, 100, 400)
    assert [e.row for e in report.errors] == list(range(2, 102))
    assert report.summary() == "Nothing imported: 500 of 500 rows have errors."
    assert report.more_errors_text() == ("… and 400 more errors (only the first 100 are listed).")
    assert Organisation.objects.count() == 0


def test_500_bad_indicator_rows_list_100_errors() -> None:
    data = b"indicator,area,period,value\n" + b"pop,9999,2023,1\n" * 500

    report = import_indicators(io.BytesIO(data), filename="i.csv")

    assert (report.error_count, len(report.errors), report.more_errors) == (500, 100, 400)
    assert report.summary() == "Nothing imported: 500 of 500 rows have errors."


def test_500_bad_rows_on_the_upload_page(admin: Client) -> None:
    data = organisations_csv(500, "spaceship")

    response = admin.post(URL, {"file": SimpleUploadedFile("o.csv", data)})

    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("unknown helix type") == 100
    assert "… and 400 more errors (only the first 100 are listed)." in page


def test_500_bad_rows_from_the_command(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_bytes(organisations_csv(500, "spaceship"))

    status, _, err = command("organisations", str(path))
    _, out, _ = command("organisations", str(path), "--format", "json")

    lines = err.splitlines()
    assert status == 2
    assert len(lines) == 102
    assert lines[-2] == f"{path}: … and 400 more errors (only the first 100 are listed)."
    assert lines[-1] == "Nothing imported: 500 of 500 rows have errors."
    data = json.loads(out)
    assert (len(data["errors"]), data["error_count"], data["more_errors"]) == (100, 500, 400)
    assert "bad_rows" not in data
