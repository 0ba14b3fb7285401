"""A throwaway HTTP server on the loopback interface for the fetch tests."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def serving(
    handler: type[BaseHTTPRequestHandler], ssl_context: ssl.SSLContext | None = None
) -> Iterator[int]:
    """Serve ``handler`` on 127.0.0.1 in a thread (over TLS with ``ssl_context``); yield the
    port; shut down afterwards."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if ssl_context is not None:
        httpd.socket = ssl_context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def answering(body: bytes, requests: list[str] | None = None) -> type[BaseHTTPRequestHandler]:
    """A handler that answers every GET with 200 and ``body``, noting the paths in ``requests``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if requests is not None:
                requests.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    return Handler
