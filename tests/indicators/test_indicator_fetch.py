"""Fetching from SCB's PxWebApi v2 and Kolada v3, against recorded responses (no network)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import call_command

from samverka.indicators.models import Value
from samverka.indicators.services.clients import (
    ClientError,
    KoladaClient,
    ScbClient,
    TokenBucket,
)
from samverka.indicators.services.importers import fetch_kolada, fetch_scb

DATA = Path(__file__).parent / "data"


@pytest.fixture
def tab6471(shared_data: Path) -> bytes:
    return (shared_data / "scb" / "TAB6471_data.jsonstat2.json").read_bytes()


@pytest.fixture(autouse=True)
def _english(english: None) -> None:
    """These tests read English messages; the site's default language is Swedish."""


class Recorder:
    """Serves recorded responses by path and remembers the requests."""

    def __init__(self, tab6471: bytes | None = None) -> None:
        self.requests: list[httpx.Request] = []
        self.tab6471 = tab6471  # SCB's real table from ../shared/data; 404 without it

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/OV0104/v2beta/api/v2/tables/TAB6471/data" and self.tab6471 is not None:
            return httpx.Response(
                200, content=self.tab6471, headers={"content-type": "application/json"}
            )
        if path.startswith("/v3/data/kpi/N00914/"):
            page = request.url.params.get("page", "1")
            return httpx.Response(
                200, content=(DATA / f"kolada_n00914_page{page}.json").read_bytes()
            )
        return httpx.Response(404, json={"error": "not found"})


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.django_db
def test_fetch_scb_posts_query_and_stores_table(tab6471: bytes) -> None:
    recorder = Recorder(tab6471)
    query = json.loads((DATA / "scb_tab6471_query.json").read_text())
    with ScbClient(transport=httpx.MockTransport(recorder)) as client:
        report = fetch_scb(table_id="TAB6471", query=query, client=client, sum_dims=["Alder"])
    assert (report.ok, report.created) == (True, 252)
    request = recorder.requests[0]
    assert (request.method, request.url.params["outputFormat"]) == ("POST", "json-stat2")
    assert json.loads(request.content) == query
    assert Value.objects.get(
        indicator__code="TAB6471", area__code="22", period="2026M01", gender="T"
    ).value == Decimal(240467)


@pytest.mark.django_db
def test_fetch_kolada_follows_pages() -> None:
    recorder = Recorder()
    with KoladaClient(transport=httpx.MockTransport(recorder)) as client:
        report = fetch_kolada(
            kpi="N00914", areas=["00", "22", "2281"], years=[2022, 2023], client=client
        )
    assert (report.ok, report.created) == (True, 12)
    assert [str(r.url) for r in recorder.requests] == [
        "https://api.kolada.se/v3/data/kpi/N00914/municipality/0000,0022,2281/year/2022,2023",
        "https://api.kolada.se/v3/data/kpi/N00914/municipality/0000,0022,2281/year/2022,2023"
        "?page=2&per_page=2",
    ]


def test_token_bucket_waits_after_30_calls_in_10_seconds() -> None:
    clock = FakeClock()
    bucket = TokenBucket(30, 10.0, clock=clock, sleep=clock.sleep)
    for _ in range(30):
        bucket.acquire()
    assert clock.slept == []
    bucket.acquire()
    assert clock.slept == [pytest.approx(10 / 30)]
    clock.now += 10.0  # a quiet period refills the bucket
    for _ in range(30):
        bucket.acquire()
    assert len(clock.slept) == 1


def test_scb_client_is_rate_limited(tab6471: bytes) -> None:
    clock = FakeClock()
    bucket = TokenBucket(30, 10.0, clock=clock, sleep=clock.sleep)
    with ScbClient(transport=httpx.MockTransport(Recorder(tab6471)), bucket=bucket) as client:
        for _ in range(32):
            client.table_data("TAB6471")
    assert len(clock.slept) == 2


def test_client_size_cap_and_http_errors(tab6471: bytes) -> None:
    with ScbClient(transport=httpx.MockTransport(Recorder(tab6471)), max_bytes=1000) as client:
        with pytest.raises(ClientError, match="larger than"):
            client.table_data("TAB6471")
        with pytest.raises(ClientError, match="HTTP 404"):
            client.table_data("NOPE")


@pytest.mark.django_db
def test_fetch_command_kolada_json_report(settings: Any, capsys: Any) -> None:
    settings.SAMVERKA_FETCH_TRANSPORT = httpx.MockTransport(Recorder())
    call_command(
        "fetch",
        "kolada",
        "N00914",
        "--area",
        "00",
        "22",
        "2281",
        "--years",
        "2022-2023",
        "--format",
        "json",
    )
    report = json.loads(capsys.readouterr().out)
    assert (report["ok"], report["created"], report["indicators"]) == (True, 12, ["N00914"])


@pytest.mark.django_db
def test_fetch_command_scb_mapping_error_exits_2(
    settings: Any, capsys: Any, tab6471: bytes
) -> None:
    settings.SAMVERKA_FETCH_TRANSPORT = httpx.MockTransport(Recorder(tab6471))
    with pytest.raises(SystemExit) as exit_info:
        call_command("fetch", "scb", "TAB6471", "--query", str(DATA / "scb_tab6471_query.json"))
    assert exit_info.value.code == 2
    assert "Alder" in capsys.readouterr().err
    assert not Value.objects.exists()
