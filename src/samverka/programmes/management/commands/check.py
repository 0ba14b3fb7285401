"""``samverka check projects [--programme CODE] [--format text|json]``: the data-quality report of
the project database; exit status 0 when clean, 1 with findings, 2 for an unknown programme.

Any other use (``samverka check``, ``samverka check APP_LABEL``, ``--deploy``…) is Django's own
system check, unchanged: this command extends it rather than hiding it.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.check import Command as SystemCheckCommand

PROJECTS = "projects"


class Command(SystemCheckCommand):
    help = (
        "Check the project database (samverka check projects [--programme CODE]) or, without "
        "'projects', run Django's system checks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--programme", metavar="CODE", help="projects: check only this programme"
        )
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="projects: json prints only the findings, as JSON, on standard output",
        )

    def handle(self, *app_labels: str, **options: Any) -> None:
        if list(app_labels) != [PROJECTS]:
            if options["programme"]:
                raise CommandError("--programme belongs to 'samverka check projects'", returncode=2)
            return super().handle(*app_labels, **options)
        from samverka.programmes.services.quality import check_projects
        from samverka.programmes.services.reports import UnknownProgramme, get_programme

        programme = None
        if options["programme"]:
            try:
                programme = get_programme(options["programme"])
            except UnknownProgramme as exc:
                raise CommandError(str(exc), returncode=2) from None
        findings = check_projects(programme=programme)
        if options["format"] == "json":
            self.stdout.write(
                json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2)
            )
        else:
            for finding in findings:
                self.stdout.write(f"{finding.subject}: [{finding.kind}] {finding.message}")
            self.stderr.style_func = None
            self.stderr.write(f"{len(findings)} finding(s)")
        if findings:
            sys.exit(1)
