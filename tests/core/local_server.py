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
