"""WSGI entry point (``samverka serve`` runs it under waitress)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverka.settings")
application = get_wsgi_application()


def freeze_startup_heap() -> None:
    """Keep what start-up loaded (modules, settings, URL patterns) out of the garbage collector's
    full collections, which then walk only what requests allocate.

    A page that allocates many small objects (the ego network's graph) triggers a full collection
    every few requests; over the whole heap such a collection took longer than the page itself.
    Call once in a server process after the application is loaded (``samverka serve`` does).
    """
    gc.collect()
    gc.freeze()
