"""``samverka serve``: the production web server (gunicorn: several processes, each with threads).

One Python process serves pages on one core at a time (the GIL), so ``--workers`` processes
(``SAMVERKA_WEB_WORKERS``, default: the machine's cores) let every core serve. The application is
loaded once and the processes forked from it (``preload_app``), so they share its memory.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections


def default_workers() -> int:
    if value := os.environ.get("SAMVERKA_WEB_WORKERS", "").strip():
        return int(value)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class Command(BaseCommand):
    help = "Serve the web application with gunicorn (HOST, PORT, SAMVERKA_WEB_WORKERS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="server processes (default: SAMVERKA_WEB_WORKERS, else the number of cores)",
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("SAMVERKA_THREADS", "8"))
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from gunicorn.app.base import BaseApplication

        from samverka.settings import served_at

        host, port = options["host"], options["port"]
        if not os.environ.get("SAMVERKA_SITE_URL"):
            # Links in pages and mails point where this server listens.
            settings.SITE_URL = served_at(host, port)
        from samverka.wsgi import application, freeze_startup_heap

        workers = max(1, options["workers"] or default_workers())
        config = {
            "bind": [bind_address(host, port)],
            "workers": workers,
            "threads": max(1, options["threads"]),
            "worker_class": "gthread",
            "preload_app": True,
            # X-Forwarded-Proto sets the scheme only from the proxies Django also trusts.
            "forwarded_allow_ips": ",".join(settings.SAMVERKA_TRUSTED_PROXIES),
            "proc_name": "samverka",
            "control_socket_disable": True,  # one fixed path per user: two servers would clash
            "errorlog": "-",
            "accesslog": None,
            "graceful_timeout": 20,
            "timeout": 120,
        }
        connections.close_all()  # none may be shared by the forked processes (`samverka run`)
        freeze_startup_heap()

        class Server(BaseApplication):
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        self.stderr.write(f"Serving on http://{bind_address(host, port)}/ ({workers} processes)")
        master = os.getpid()
        try:
            Server().run()
        except SystemExit as done:
            if os.getpid() != master:
                # A forked server process ends here: none of the caller's clean-up (`samverka
                # run` stops its task worker) may run in it.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(done.code if isinstance(done.code, int) else 1)
            raise
