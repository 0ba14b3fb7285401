"""``samverka serve``: the production-grade WSGI server (waitress) with static files."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve the web application with waitress (HOST and PORT environment variables)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("SAMVERKA_THREADS", "8"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        from samverka.wsgi import application, freeze_startup_heap

        freeze_startup_heap()
        self.stderr.write(f"Serving on http://{options['host']}:{options['port']}/")
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="samverka",
            clear_untrusted_proxy_headers=True,
        )
