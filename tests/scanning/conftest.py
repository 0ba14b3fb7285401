"""Fixtures of the horizon-scanning tests: a local feed server and sources pointing at it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"


@dataclass
class FeedServer:
    """Serves ``documents[path] = (bytes, content_type)`` with ETag/Last-Modified validators;
    counts requests and remembers their headers."""

    base: str = ""
    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    status: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path

    def serve_file(self, path: str, name: str, content_type: str = "application/rss+xml") -> str:
        self.documents[path] = ((DATA / name).read_bytes(), content_type)
        return self.url(path)


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append({"path": self.path, **dict(self.headers.items())})
            if self.path in server.status:
                self.send_response(server.status[self.path])
                self.end_headers()
                return
            if self.path not in server.documents:
                self.send_response(404)
                self.end_headers()
                return
            body, content_type = server.documents[self.path]
            etag = f'"{abs(hash(body))}"'
            modified = "Mon, 04 Jan 2027 08:00:00 GMT"
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etag)
            self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def feed_server(settings: Any) -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1, with private addresses allowed for the fetcher."""
    settings.SAMVERKA_FEEDS_ALLOW_PRIVATE = True
    state = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
