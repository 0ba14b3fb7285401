"""Importing indicator values from long CSV/XLSX, PX, JSON-stat and Kolada files."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from samverka.indicators.models import Indicator, Value, ValueRevision
from samverka.indicators.services.importers import import_indicators

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


DATA = Path(__file__).parent / "data"


def run(path: Path, **options: Any) -> Any:
    with path.open("rb") as handle:
        return import_indicators(handle, filename=path.name, **options)


def values(code: str, **filters: Any) -> dict[tuple[str, str, str], Any]:
    return {
        (v.area.code, v.period, v.gender): v.value if not v.status else (v.value, v.status)
        for v in Value.objects.filter(indicator__code=code, **filters).select_related("area")
    }


def test_import_px_latin1_with_selected_total() -> None:
    report = run(DATA / "employment_latin1.px", select=["ålder=tot"])
    assert (report.ok, report.rows, report.created, report.warnings) == (True, 12, 12, [])
    indicator = Indicator.objects.get(code="TEST0101")
    assert (indicator.name_sv, indicator.unit, indicator.source, indicator.gender_split) == (
        "Sysselsättningsgrad",
        "procent",
        "scb",
        True,
    )
    got = values("TEST0101", area__code="2281")
    assert got == {
        ("2281", "2022", "M"): Decimal("65.2"),
        ("2281", "2023", "M"): Decimal("65.7"),
        ("2281", "2022", "K"): Decimal("62.8"),
        ("2281", "2023", "K"): Decimal("63.3"),
    }


def test_import_px_missing_symbols_keep_status() -> None:
    report = run(DATA / "employment_latin1.px", select={"ålder": "65-74"}, indicator="syss-65")
    assert report.ok
    got = values("syss-65")
    assert got[("00", "2023", "K")] == (None, "..")
    assert got[("22", "2023", "M")] == (None, "-")
    assert got[("2281", "2022", "K")] == (None, "...")
    assert got[("22", "2022", "M")] == Decimal("18.0")


def test_import_px_unmapped_dimension_lists_codes() -> None:
    report = run(DATA / "employment_latin1.px")
    assert not report.ok
    assert "--select DIM=CODE" in report.file_error
    assert "ålder: 20-64 (20-64 år), 65-74 (65-74 år), tot (totalt 20-74 år)" in report.file_error
    assert not Value.objects.exists()


def test_import_px_summing_a_total_category_warns() -> None:
    report = run(DATA / "employment_latin1.px", sum=["ålder"], indicator="summed")
    assert report.ok
    assert len(report.warnings) == 1
    assert "tot" in report.warnings[0]
    assert "twice" in report.warnings[0]
    # 20.3 + 82.1... summed over the three ages for the nation, men 2022
    assert values("summed")[("00", "2022", "M")] == Decimal("82.1") + Decimal("20.3") + Decimal(
        "66.0"
    )


def test_import_px_bad_select_names_categories() -> None:
    report = run(DATA / "employment_latin1.px", select=["ålder=99"])
    assert "--select ålder=99: no such category" in report.file_error


def test_import_real_scb_population_px_sums_marital_status_and_age(shared_data: Path) -> None:
    report = run(shared_data / "scb" / "BE0101A1.px", sum=["marital status", "age"])
    assert (report.ok, report.created, report.warnings) == (True, 21 * 2 * 2, [])
    got = values("BE0101A1", area__code="22", period="2005", derived=False)
    assert got == {("22", "2005", "M"): Decimal(121458), ("22", "2005", "K"): Decimal(122278)}


def test_import_real_scb_births_px_with_tot_and_municipalities(shared_data: Path) -> None:
    report = run(shared_data / "scb" / "BE0101D1.px", select=["maternal age=tot"])
    assert report.ok
    # Heby (1917) moved county in 2007 and has another code now: placed on 0331 with a note.
    assert report.warnings == [
        "1917 placed on 0331, its code since 2007 (Heby moved from Västmanlands län to Uppsala län)"
    ]
    assert report.created == 312 * 2 * 2
    got = values("BE0101D1", area__code__in=["00", "2281"], period="2002", derived=False)
    assert got == {
        ("00", "2002", "M"): Decimal(49187),
        ("00", "2002", "K"): Decimal(46628),
        ("2281", "2002", "M"): Decimal(516),
        ("2281", "2002", "K"): Decimal(475),
    }


def test_import_real_jsonstat_keeps_published_totals(shared_data: Path) -> None:
    report = run(shared_data / "scb" / "TAB6471_data.jsonstat2.json", sum=["Alder"])
    assert (report.ok, report.created) == (True, 21 * 3 * 4)
    got = values("TAB6471", area__code="22", period="2026M01")
    assert got == {
        ("22", "2026M01", "T"): Decimal(240467),
        ("22", "2026M01", "M"): Decimal(121483),
        ("22", "2026M01", "K"): Decimal(118980),
    }
    assert got[("22", "2026M01", "T")] != got[("22", "2026M01", "M")] + got[("22", "2026M01", "K")]


def test_import_jsonstat_sparse_values_and_status() -> None:
    report = run(DATA / "sparse.jsonstat2.json", content="NY01", indicator="nya-foretag")
    assert (report.ok, report.created) == (True, 3 * 3 * 2)
    indicator = Indicator.objects.get(code="nya-foretag")
    assert (indicator.name_sv, indicator.unit) == ("Nystartade företag", "antal")
    got = values("nya-foretag")
    assert got[("2281", "2026K1", "M")] == (None, "..")
    assert got[("22", "2026K1", "T")] == (Decimal(430), "p")
    assert got[("00", "2025K4", "T")] == Decimal(16000)
    assert got[("00", "2025K4", "K")] == Decimal(5920)


def test_import_jsonstat_several_contents_need_content() -> None:
    report = run(DATA / "sparse.jsonstat2.json")
    assert "--content CODE" in report.file_error
    assert "NY01 (Nystartade företag)" in report.file_error
    report = run(DATA / "sparse.jsonstat2.json", content="NY02")
    assert report.ok
    assert Indicator.objects.get().code == "TEST0202_NY02"


def test_import_kolada_regions_and_genders() -> None:
    first = json.loads((DATA / "kolada_n00914_page1.json").read_text())
    second = json.loads((DATA / "kolada_n00914_page2.json").read_text())
    document = {"values": first["values"] + second["values"]}
    report = import_indicators(io.BytesIO(json.dumps(document).encode()), filename="k.json")
    assert (report.ok, report.input_format, report.created) == (True, "kolada", 12)
    got = values("N00914")
    assert got[("00", "2022", "K")] == Decimal("80.1")
    assert got[("22", "2022", "T")] == Decimal("80.8")
    assert got[("2281", "2023", "K")] == (None, "Missing")
    assert Indicator.objects.get().source == "kolada"


def test_import_kolada_real_series() -> None:
    report = run(DATA / "kolada_n00945.json")
    assert (report.ok, report.created) == (True, 6)
    assert values("N00945", area__code="1280") == {
        ("1280", "2018", "T"): Decimal("36.5"),
        ("1280", "2019", "T"): Decimal("35.4"),
    }


def test_import_long_csv_with_decimal_comma_and_symbols() -> None:
    report = run(DATA / "long.csv")
    assert (report.ok, report.rows, report.created) == (True, 6, 6)
    assert values("ny-foretag") == {
        ("00", "2023", "T"): Decimal(68210),
        ("22", "2023", "T"): Decimal(1402),
        ("2281", "2023", "K"): Decimal("214.5"),
        ("2281", "2023", "M"): (None, ".."),
        ("2281", "2026M01", "T"): (None, "-"),
    }
    assert "syss-20-64" in report.warnings[0]


def test_import_long_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indicator", "area", "period", "gender", "value"])
    sheet.append(["pop", "2281", "2024", "T", 99863])
    sheet.append(["pop", "22", 2024, None, 243000.5])
    workbook.save(tmp_path / "values.xlsx")
    report = run(tmp_path / "values.xlsx")
    assert report.ok
    assert values("pop") == {
        ("2281", "2024", "T"): Decimal(99863),
        ("22", "2024", "T"): Decimal("243000.5"),
    }


def test_import_bad_rows_write_nothing_and_list_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "indicator,area,period,gender,value\n"
        "pop,22,2024,T,1\n"
        "pop,9999,2024,T,2\n"
        "pop,22,24,X,abc\n"
        "pop,22,2024,T,3\n",
        encoding="utf-8",
    )
    report = run(path)
    assert [(e.row, e.column) for e in report.errors] == [
        (3, "area"),
        (4, "period"),
        (4, "gender"),
        (4, "value"),
        (5, "area"),
    ]
    assert "row 2" in report.errors[-1].message
    assert (Indicator.objects.count(), Value.objects.count()) == (0, 0)


def test_reimport_changed_value_keeps_revision(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("indicator,area,period,value\npop,22,2024,100\npop,23,2024,50\n")
    assert run(path).created == 2
    again = run(path)
    assert (again.created, again.updated, again.unchanged, again.revised) == (0, 0, 2, 0)
    path.write_text("indicator,area,period,value\npop,22,2024,101\npop,23,2024,50\n")
    changed = run(path)
    assert (changed.updated, changed.revised, changed.unchanged) == (1, 1, 1)
    value = Value.objects.get(area__code="22")
    assert (value.value, value.revised) == (Decimal(101), True)
    assert list(ValueRevision.objects.values_list("old_value", "new_value", "old_source")) == [
        (Decimal(100), Decimal(101), "v.csv")
    ]


def test_import_dry_run_writes_nothing() -> None:
    report = run(DATA / "long.csv", dry_run=True)
    assert (report.ok, report.created, report.written) == (True, 6, False)
    assert not Value.objects.exists()


def test_command_format_px_and_json_report(capsys: Any) -> None:
    path = DATA / "employment_latin1.px"
    call_command("import", "indicators", str(path), "--format", "px", "--select", "ålder=tot")
    assert "12" in capsys.readouterr().out
    assert Value.objects.filter(indicator__code="TEST0101").count() == 12
    call_command(
        "import",
        "indicators",
        str(path),
        "--format",
        "json",
        "--input-format",
        "px",
        "--select",
        "ålder=tot",
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["unchanged"], report["input_format"], report["ok"]) == (12, "px", True)


def test_command_errors_exit_2(capsys: Any) -> None:
    with pytest.raises(SystemExit) as exit_info:
        call_command("import", "indicators", str(DATA / "employment_latin1.px"))
    assert exit_info.value.code == 2
    assert "ålder" in capsys.readouterr().err
    assert not Value.objects.exists()
