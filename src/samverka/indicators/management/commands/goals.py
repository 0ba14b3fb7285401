"""``samverka goals status --programme CODE --format json|text``: the status of every measure goal
of a programme (baseline, target, current value, progress, expected progress, status, and the
values used). JSON goes to standard output alone; an unknown programme exits with status 2."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Measure goals: 'status --programme CODE' prints the status of each goal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", metavar="ACTION", help="status")
        parser.add_argument("--programme", metavar="CODE", help="programme code")
        parser.add_argument("--format", default="text", help="json or text (default)")

    def handle(self, *args: Any, **options: Any) -> None:
        from samverka.indicators.services.goals import programme_goals
        from samverka.indicators.services.series import json_number
        from samverka.programmes.models import Programme

        if options["action"] != "status":
            raise CommandError(f"unknown action {options['action']!r}: use status", returncode=2)
        fmt = options["format"]
        if fmt not in ("json", "text"):
            raise CommandError(f"unknown format {fmt!r}: use json or text", returncode=2)
        code = options["programme"]
        if not code:
            raise CommandError("status needs --programme CODE", returncode=2)
        programme = Programme.objects.filter(code=code).first()
        if programme is None:
            raise CommandError(f"no programme {code!r}", returncode=2)
        results = programme_goals(programme=programme)
        if fmt == "json":
            data = [result.as_json() for result in results]
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return

        def show(value: Any) -> str:
            return "–" if value is None else f"{json_number(value):g}"

        self.stdout.write(f"{programme.code} {programme.name}")
        for result in results:
            data = result.as_dict()
            progress = "–" if result.progress is None else f"{result.progress:.0%}"
            self.stdout.write(
                f"{data['measure']:<6} {result.status:<9} {data['indicator'] or '–'} "
                f"{data['area'] or ''} baseline {show(result.baseline)} ({result.baseline_period})"
                f" target {show(result.target)} current {show(result.current)}"
                f" ({result.current_period}) progress {progress}  {data['text'][:60]}"
            )
