"""Who imported: every audit entry an indicator import writes (new indicators, stored values)
names the actor passed down the import path, in every input format and on both databases
(PostgreSQL takes the COPY fast path for a long CSV); the command line records the system."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection

from samverka.core.models import AuditEntry
from samverka.indicators.models import Indicator, Value
from samverka.indicators.services import fastpath
from samverka.indicators.services.clients import KoladaClient, ScbClient
from samverka.indicators.services.importers import (
    IndicatorImportReport,
    fetch_kolada,
    fetch_scb,
    import_indicators,
)
from samverka.indicators.services.store import ValueRow, store_values
from shared_data import shared_data_folder

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
CSV = "indicator,area,period,gender,value\npop,2281,2024,T,99863\npop,22,2024,T,243000\n"


def _xlsx(tmp_path: Path) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indicator", "area", "period", "gender", "value"])
    sheet.append(["pop", "2281", "2024", "T", 99863])
    workbook.save(tmp_path / "values.xlsx")
    return tmp_path / "values.xlsx"


def _csv(tmp_path: Path) -> Path:
    (tmp_path / "values.csv").write_text(CSV)
    return tmp_path / "values.csv"


# (file builder, importer options, the indicator the file creates)
FILES: dict[str, tuple[Callable[[Path], Path], dict[str, Any], str]] = {
    "csv": (_csv, {}, "pop"),
    "xlsx": (_xlsx, {}, "pop"),
    "px": (lambda _: DATA / "employment_latin1.px", {"select": ["ålder=tot"]}, "TEST0101"),
    "jsonstat": (
        lambda _: shared_data_folder() / "scb" / "TAB6471_data.jsonstat2.json",
        {"sum": ["Alder"]},
        "TAB6471",
    ),
    "kolada": (lambda _: DATA / "kolada_n00945.json", {}, "N00945"),
}


def indicator_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action__startswith="indicator.").order_by("id"))


@pytest.mark.parametrize("kind", sorted(FILES))
def test_import_records_the_importing_user_for_every_format(
    kind: str, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    user = make_user("statistician")
    build, options, code = FILES[kind]
    path = build(tmp_path)
    with path.open("rb") as handle:
        report = import_indicators(handle, filename=path.name, actor=user, **options)
    assert report.ok, report.as_dict()
    assert report.input_format == kind

    entries = indicator_entries()
    # A table of counties gives the nation's values by derivation, recorded as the same user.
    derived = [("indicator.values_derived", code)] * Value.objects.filter(derived=True).exists()
    assert [(e.action, e.object_repr.split(" ")[0]) for e in entries] == [
        ("indicator.created", code),
        ("indicator.values_imported", code),
        *derived,
    ]
    assert {e.actor for e in entries} == {user}
    assert entries[1].changes["created"] == Value.objects.filter(derived=False).count() > 0


def test_a_later_import_by_someone_else_records_them_not_the_first_importer(
    make_user: Callable[..., User],
) -> None:
    first, second = make_user("first"), make_user("second")
    import_indicators(io.BytesIO(CSV.encode()), filename="a.csv", actor=first)
    changed = CSV.replace("99863", "99864")
    report = import_indicators(io.BytesIO(changed.encode()), filename="b.csv", actor=second)
    assert (report.ok, report.updated, report.revised) == (True, 1, 1)

    latest = AuditEntry.objects.filter(action="indicator.values_imported").order_by("id").last()
    assert (latest.actor, latest.changes["source"], latest.changes["revised"]) == (
        second,
        "b.csv",
        1,
    )
    # nothing leaks into writes after the import: a store without an actor is the system's
    store_values(
        indicator=Indicator.objects.get(code="pop"),
        rows=[ValueRow("2281", "2025", "T", None, "..")],
        source="later",
    )
    assert AuditEntry.objects.get(changes__source="later").actor is None


def test_fast_path_passes_the_actor_to_its_staged_write(make_user: Callable[..., User]) -> None:
    """The PostgreSQL COPY path writes through ``store.pg_store_staged``, not store_values."""
    user = make_user("statistician")
    report = IndicatorImportReport(kind="indicators")
    taken = fastpath.import_long_csv(
        io.BytesIO(CSV.encode()), report, indicator=None, source="f.csv", actor=user
    )
    if connection.vendor != "postgresql":
        assert not taken
        assert not Value.objects.exists()
        return
    assert taken
    assert (report.ok, report.created) == (True, 2)
    created, imported = indicator_entries()
    assert (created.action, created.actor) == ("indicator.created", user)
    assert (imported.action, imported.actor) == ("indicator.values_imported", user)
    assert (imported.changes["source"], imported.changes["created"]) == ("f.csv", 2)

    # a second file for the same indicator takes the upsert (revisions) branch
    changed = CSV.replace("99863", "99864")
    report = IndicatorImportReport(kind="indicators")
    assert fastpath.import_long_csv(
        io.BytesIO(changed.encode()), report, indicator=None, source="g.csv", actor=user
    )
    assert (report.ok, report.updated, report.revised) == (True, 1, 1)
    latest = indicator_entries()[-1]
    assert (latest.actor, latest.changes["source"], latest.changes["revised"]) == (user, "g.csv", 1)


def test_dry_run_records_nothing(make_user: Callable[..., User]) -> None:
    report = import_indicators(
        io.BytesIO(CSV.encode()), filename="f.csv", actor=make_user(), dry_run=True
    )
    assert (report.ok, report.created) == (True, 2)
    assert not AuditEntry.objects.exists()
    assert not Indicator.objects.exists()


def _recorded(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/tables/TAB6471/data"):
        return httpx.Response(
            200, content=(shared_data_folder() / "scb" / "TAB6471_data.jsonstat2.json").read_bytes()
        )
    page = request.url.params.get("page", "1")
    return httpx.Response(200, content=(DATA / f"kolada_n00914_page{page}.json").read_bytes())


@pytest.mark.usefixtures("shared_data")
def test_fetches_from_scb_and_kolada_record_the_actor(make_user: Callable[..., User]) -> None:
    user = make_user("statistician")
    transport = httpx.MockTransport(_recorded)
    with ScbClient(transport=transport) as client:
        scb = fetch_scb(table_id="TAB6471", client=client, sum_dims=["Alder"], actor=user)
    with KoladaClient(transport=transport) as client:
        kolada = fetch_kolada(
            kpi="N00914", areas=["00", "22", "2281"], years=[2022, 2023], client=client, actor=user
        )
    assert (scb.ok, kolada.ok) == (True, True)
    imported = AuditEntry.objects.filter(action="indicator.values_imported")
    assert sorted(e.changes["source"] for e in imported) == ["Kolada N00914", "SCB TAB6471 (API)"]
    assert {e.actor for e in indicator_entries()} == {user}


@pytest.mark.parametrize("kind", ["csv", "px"])
def test_command_line_import_is_recorded_as_the_system(
    kind: str, tmp_path: Path, capsys: Any
) -> None:
    """``samverka import`` runs without a logged-in user: the entries name no one (actor
    NULL, shown as the system), as for every other command."""
    build, options, code = FILES[kind]
    args = [f"--select={v}" for v in options.get("select", [])]
    call_command("import", "indicators", str(build(tmp_path)), *args)
    assert capsys.readouterr().err == ""
    entries = indicator_entries()
    assert [e.action for e in entries] == ["indicator.created", "indicator.values_imported"]
    assert all(e.actor_id is None for e in entries)
    assert Indicator.objects.filter(code=code).exists()
