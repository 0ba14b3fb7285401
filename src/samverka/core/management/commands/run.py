"""``samverka run`` (what ``make run`` calls): migrate, load demo data on the first run, then
serve the web application and run the task worker until Ctrl-C stops both."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from samverka.core.models import DemoMarker

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = "Migrate, load demo data on first run, then run the web server and the task worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="never load demo data")
        parser.add_argument("--no-worker", action="store_true", help="do not start the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        first_run = not DemoMarker.objects.filter(key="demo").exists()
        password = None
        if first_run and not options["no_demo"]:
            self.stderr.write("First run: loading the demo data …")
            call_command("demo", verbosity=0)
            password = self._create_demo_admin()

        worker = None
        if not options["no_worker"]:
            # The worker mails links to where this server listens (HOST and PORT are in the
            # environment it inherits, so its SITE_URL follows them as the server's does).
            worker = subprocess.Popen(
                [sys.executable, "-m", "samverka", "worker"], env=os.environ.copy()
            )
        url = f"http://{host}:{port}/"
        lines = [
            "",
            f"  Samverka is running at {url}",
            f"  Database: {settings.DATABASES['default']['NAME']}",
        ]
        if password:
            lines += [
                f"  Demo admin: user '{DEMO_ADMIN}', password '{password}' (shown only this once;",
                "  change it with: .venv/bin/samverka changepassword admin)",
            ]
        elif get_user_model().objects.filter(username=DEMO_ADMIN).exists():
            lines += [
                f"  Demo admin: user '{DEMO_ADMIN}' (its password was shown on the first run;",
                "  set a new one with: .venv/bin/samverka changepassword admin)",
            ]
        else:
            lines += [
                "  Log in with your account, or create one with: .venv/bin/samverka createsuperuser",
            ]
        if settings.SAMVERKA_MFA_REQUIRED:
            lines += [
                "  Platform admins set up two-factor authentication (an authenticator app) at their",
                "  first login; SAMVERKA_MFA_REQUIRED=0 turns this off for a local demo.",
            ]
        lines += ["  Press Ctrl-C to stop the server and the worker.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
        try:
            call_command("serve", host=host, port=int(port))
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGINT)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
            self.stderr.write("Stopped.")

    @transaction.atomic
    def _create_demo_admin(self) -> str | None:
        """A superuser named 'admin' with a random password, unless one exists already."""
        user_model = get_user_model()
        if user_model.objects.filter(username=DEMO_ADMIN).exists():
            return None
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(DEMO_ADMIN, "admin@example.se", password)
        return password
