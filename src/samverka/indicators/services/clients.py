"""Clients of the live statistics APIs: Statistics Sweden's PxWebApi v2 and Kolada v3.

Both return the documents the file importers read (JSON-stat 2.0, Kolada ``data`` responses),
so a fetch goes through the same mapping and the same store as an imported file. Requests have
timeouts and a size cap; SCB's limit of 30 calls per 10 seconds is kept by a token bucket.
The transport is injectable: tests serve recorded responses through ``httpx.MockTransport``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from samverka.geo.models import NATION_CODE

SCB_BASE_URL = "https://api.scb.se/OV0104/v2beta/api/v2"
KOLADA_BASE_URL = "https://api.kolada.se/v3"
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
MAX_BYTES = 50 * 1024 * 1024
MAX_PAGES = 200


class ClientError(Exception):
    """The API could not be reached or answered with something unusable."""


class TokenBucket:
    """At most ``capacity`` calls per ``period`` seconds; ``acquire`` sleeps until one is free."""

    def __init__(
        self,
        capacity: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / period
        self.tokens = float(capacity)
        self.clock, self.sleep = clock, sleep
        self.last = clock()

    def acquire(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            wait = (1 - self.tokens) / self.rate
            self.sleep(wait)
            self.tokens = 1.0
            self.last = self.clock()
        self.tokens -= 1


class _Client:
    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        bucket: TokenBucket | None = None,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.http = httpx.Client(
            base_url=base_url,
            transport=transport,
            timeout=TIMEOUT,
            headers={"User-Agent": "Samverka (indicator import)", "Accept": "application/json"},
            follow_redirects=True,
        )
        self.bucket = bucket
        self.max_bytes = max_bytes

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request_json(self, method: str, url: str, **kwargs: Any) -> Any:
        """One call, rate limited, read up to the size cap; raises ClientError."""
        if self.bucket is not None:
            self.bucket.acquire()
        try:
            with self.http.stream(method, url, **kwargs) as response:
                if response.status_code >= 400:
                    body = response.read()[:300].decode("utf-8", "replace")
                    raise ClientError(f"{response.request.url}: HTTP {response.status_code} {body}")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise ClientError(
                            f"{response.request.url}: the response is larger than "
                            f"{self.max_bytes // 1_000_000} MB"
                        )
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise ClientError(f"{url}: {exc}") from exc
        try:
            return json.loads(b"".join(chunks).decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ClientError(f"{url}: not JSON ({exc})") from exc


class ScbClient(_Client):
    """Statistics Sweden's PxWebApi v2: table data as JSON-stat 2.0."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        bucket: TokenBucket | None = None,
        base_url: str = SCB_BASE_URL,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        super().__init__(
            base_url,
            transport=transport,
            bucket=bucket or TokenBucket(30, 10.0),
            max_bytes=max_bytes,
        )

    def table_data(
        self, table_id: str, query: dict[str, Any] | None = None, *, lang: str = "sv"
    ) -> Any:
        """The table's data; ``query`` is a v2 selection (``{"selection": [...]}``) sent by POST,
        without one the API's default selection is fetched by GET."""
        url = f"/tables/{table_id}/data"
        params = {"outputFormat": "json-stat2", "lang": lang}
        if query:
            return self.request_json("POST", url, params=params, json=query)
        return self.request_json("GET", url, params=params)


def kolada_area_code(code: str) -> str:
    """Our area code → Kolada's: "00" → "0000", county "NN" → "00NN", municipalities as they are."""
    code = code.strip()
    if code == NATION_CODE:
        return "0000"
    if len(code) == 2 and code.isdigit():
        return "00" + code
    return code


class KoladaClient(_Client):
    """Kolada v3: KPI values by municipality/region and year, following ``next_page``."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        bucket: TokenBucket | None = None,
        base_url: str = KOLADA_BASE_URL,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        super().__init__(
            base_url, transport=transport, bucket=bucket or TokenBucket(5, 1.0), max_bytes=max_bytes
        )

    def kpi_data(
        self, kpi: str, areas: Iterable[str], years: Iterable[str | int]
    ) -> dict[str, Any]:
        """All pages of ``/data/kpi/{kpi}/municipality/{codes}/year/{years}`` merged into one
        response ``{"values": [...]}``."""
        codes = ",".join(kolada_area_code(a) for a in areas)
        year_list = ",".join(str(y) for y in years)
        url: str | None = f"/data/kpi/{kpi}/municipality/{codes}/year/{year_list}"
        values: list[Any] = []
        pages = 0
        while url:
            pages += 1
            if pages > MAX_PAGES:
                raise ClientError(f"more than {MAX_PAGES} pages; narrow the query")
            page = self.request_json("GET", url)
            if not isinstance(page, dict) or not isinstance(page.get("values"), list):
                raise ClientError(f"{url}: not a Kolada data response")
            values.extend(page["values"])
            url = page.get("next_page") or None
        return {"values": values, "count": len(values)}
