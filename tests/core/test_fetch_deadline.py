"""Outbound fetches end within their timeout in all, even from a server that trickles bytes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from local_server import serving

from samverka.core.fetch import FetchError, fetch


@pytest.fixture
def trickling_server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.end_headers()
            try:
                for _ in range(100):  # one byte every 0.2 s: no single read ever times out
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Handler) as port:
        yield f"http://127.0.0.1:{port}/feed.ics"


def test_a_trickling_server_times_out_in_all(trickling_server: str, settings: Any) -> None:
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = True
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        fetch(trickling_server, timeout=1.0)
    assert time.monotonic() - started < 3  # the server would take 20 s
