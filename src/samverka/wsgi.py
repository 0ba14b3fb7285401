"""WSGI entry point (``samverka serve`` runs it under gunicorn)."""

import gc
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
django_application = get_wsgi_application()

TOO_LARGE = "För stor begäran. / Request body too large.\n".encode()


def limit_request_body(app: Callable[..., Iterable[bytes]], max_bytes: int) -> Callable[..., Any]:
    """Answer 413 to a request whose declared body is longer than ``max_bytes``, before anything
    reads it, and close the connection so the server does not read (or spool) the rest either.

    Django reads only ``Content-Length`` bytes, so a body without one (chunked) is never read.
    """

    def limited(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_bytes:
            start_response(
                "413 Content Too Large",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(TOO_LARGE))),
                    ("Connection", "close"),
                ],
            )
            return [TOO_LARGE]
        return app(environ, start_response)

    return limited


def _application() -> Callable[..., Any]:
    from django.conf import settings

    return limit_request_body(django_application, settings.SAMVERKA_REQUEST_MAX_BYTES)


application = _application()


def freeze_startup_heap() -> None:
    """Keep what start-up loaded (modules, settings, URL patterns) out of the garbage collector's
    full collections, which then walk only what requests allocate.

    A page that allocates many small objects (the ego network's graph) triggers a full collection
    every few requests; over the whole heap such a collection took longer than the page itself.
    Call once in a server process after the application is loaded (``samverka serve`` does).
    """
    gc.collect()
    gc.freeze()
