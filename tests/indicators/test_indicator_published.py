"""Real tables from ../shared/data: SCB's files give the published national and county totals
straight after ``samverka import indicators``, and every peer PX/JSON-stat file from other
statistics offices either imports (Swedish areas, or --area 00 for a national table) or is
refused with a clear reason — never a crash."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from samverka.indicators.models import Value
from samverka.indicators.services.importers import import_indicators
from shared_data import SHARED_DATA

# Only a path here: the folder is read inside the tests, through the shared_data fixture, which
# skips them (or fails them under SAMVERKA_REQUIRE_SHARED_DATA=1) when it is absent.
SCB = SHARED_DATA / "scb"


def peer_path(name: str) -> Path:
    """A peer file by its name: PC-Axis files in px-peers/, JSON-stat files in jsonstat-peers/."""
    return SHARED_DATA / ("px-peers" if name.endswith(".px") else "jsonstat-peers") / name


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shared_data")]


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


def total(code: str, area: str, period: str, gender: str = "T") -> Decimal | None:
    value = Value.objects.filter(
        indicator__code=code, area__code=area, period=period, gender=gender
    ).first()
    return None if value is None else value.value


def test_live_births_give_the_published_national_and_county_totals(capsys: Any) -> None:
    # BE0101D1's own rows: the nation 2002 men 49 187 + women 46 628 = 95 815; Västmanland
    # (19) 1 277 + 1 234, with Heby (1917) still in it then; Uppsala (03) 1 704 + 1 618.
    call_command("import", "indicators", str(SCB / "BE0101D1.px"), "--select", "maternal age=total")
    out = capsys.readouterr().out
    assert "1917 placed on 0331" in out
    assert total("BE0101D1", "00", "2002") == Decimal(95815)
    assert total("BE0101D1", "00", "2003") == Decimal(51114 + 48043)
    assert total("BE0101D1", "19", "2002") == Decimal(1277 + 1234)
    assert total("BE0101D1", "03", "2002") == Decimal(1704 + 1618)
    assert total("BE0101D1", "0331", "2002") == Decimal(51 + 56)
    assert total("BE0101D1", "0331", "2002", "K") == Decimal(56)
    # The county's published K and M stay the source's, not a sum over today's municipalities.
    source = Value.objects.get(
        indicator__code="BE0101D1", area__code="03", period="2002", gender="M"
    )
    assert (source.value, source.derived) == (Decimal(1704), False)


def test_population_gives_the_published_national_total() -> None:
    # Statistics Sweden's published population of Sweden at the end of 2004 and 2005.
    with (SCB / "BE0101A1.px").open("rb") as handle:
        report = import_indicators(handle, filename="BE0101A1.px", sum=["marital status", "age"])
    assert report.ok, report.file_error
    assert total("BE0101A1", "00", "2004") == Decimal(9011392)
    assert total("BE0101A1", "00", "2005") == Decimal(9047752)
    assert total("BE0101A1", "22", "2005") == Decimal(121458 + 122278)


def test_monthly_population_nation_is_the_sum_of_the_published_county_totals() -> None:
    with (SCB / "TAB6471_data.jsonstat2.json").open("rb") as handle:
        report = import_indicators(handle, filename="TAB6471_data.jsonstat2.json", sum=["Alder"])
    assert report.ok, report.file_error
    # The sum of the 21 counties' published totals (TotSa), not of their men + women.
    assert total("TAB6471", "00", "2026M01") == Decimal(10604483)
    assert total("TAB6471", "00", "2026M01", "K") + total("TAB6471", "00", "2026M01", "M") == (
        Decimal(10604505)
    )


# file name → (options, None when it imports, else words of the refusal)
PEER_OUTCOMES: dict[str, tuple[dict[str, Any], str | None]] = {
    "pxweb_BE0101A1elimtot.px": ({"area": "00", "select": ["marital status=total"]}, None),
    "pxweb_BE0101F1datasymbols.px": ({"sum": ["age"]}, None),
    "pxweb_BE0101F1langensvfiolikacelln.px": ({"sum": ["age"], "content": "BE0101F1"}, None),
    "pxweb_BE0101F1nilSymbol.px": ({"sum": ["age"], "content": "BE0101F2"}, None),
    "pxweb_BE0101N1.px": ({}, None),
    "pxweb_BE101ACEkeys.px": ({"area": "00", "select": ["marital status=SI", "age=-4"]}, None),
    "pxweb_GeneveEUhierarch.px": ({}, "no region dimension"),  # countries of Europe
    "pxweb_Transmengde.px": ({}, "no region dimension"),  # Norway's foreign trade
    "pyaxis_14001.px": ({}, "no region dimension"),  # Spain's autonomous communities
    "serializers_BE0101N1_sv.px": (
        {"select": ["civilstånd=OG", "ålder=45-54"], "content": "BE0101N1"},
        None,
    ),
    "serializers_HalfYearStatistics.px": ({}, "no region dimension"),  # Finland
    "serializers_MultipleContentSmall.px": (
        {"content": "KOSfolkemengde0000"},
        "no known Swedish area codes in region: 3001 (Halden), 3002 (Moss)",
    ),
    "serializers_TAB2936.px": (
        {
            "area": "00",
            "select": ["main union organisation=Samtliga", "type of employment=ANSTTOT"],
        },
        None,
    ),
    "jsonstatpy_cso_ie_NQQ25.json": ({"content": "NQQ25C01"}, "no region dimension"),
    "jsonstatpy_eurostat_gpd_c_IT_FR.json": ({}, "no known Swedish area codes in geo"),
    "jsonstatpy_three_dim_size_as_string_v2.json": ({}, "no region dimension"),
    "pxwebpy_response_fi.json": ({}, "no region dimension"),
    "pxwebpy_response_gl.json": ({}, "no region dimension"),
    "pxwebpy_response_no.json": (
        {"select": ["Boligtype=01"]},
        "no known Swedish area codes in Region",
    ),
    "pxwebpy_response_se.json": ({"area": "00"}, None),
}


def test_every_peer_file_has_an_expected_outcome() -> None:
    peers = [
        *(SHARED_DATA / "px-peers").glob("*.px"),
        *(SHARED_DATA / "jsonstat-peers").glob("*.json"),
    ]
    assert sorted(path.name for path in peers) == sorted(PEER_OUTCOMES)


@pytest.mark.parametrize("name", sorted(PEER_OUTCOMES))
def test_peer_file_imports_or_is_refused_with_a_reason(name: str) -> None:
    options, refusal = PEER_OUTCOMES[name]
    path = peer_path(name)
    with path.open("rb") as handle:
        report = import_indicators(handle, filename=path.name, **options)
    if refusal is None:
        assert report.ok, report.file_error or report.errors
        assert report.created > 0
        assert Value.objects.filter(derived=False).count() == report.created
    else:
        assert not report.ok
        assert refusal in report.file_error
        assert "Traceback" not in report.file_error
        assert not Value.objects.exists()
