"""``samverka import <kind> FILE``: run a registered importer from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.core.importing import IMPORTERS


class Command(BaseCommand):
    help = (
        "Import a file: samverka import <kind> FILE. Nothing is written unless every row is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = sorted(IMPORTERS)
        parser.add_argument("kind", choices=kinds, help="what the file holds: " + ", ".join(kinds))
        parser.add_argument("file", help="path to the file, or - for standard input")
        parser.add_argument("--format", choices=["text", "json"], default="text")
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        importer = IMPORTERS[options["kind"]]
        path = options["file"]
        if path == "-":
            report = importer.function(sys.stdin.buffer, filename="-", dry_run=options["dry_run"])
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"{path}: no such file", returncode=2)
            with file.open("rb") as handle:
                report = importer.function(handle, filename=file.name, dry_run=options["dry_run"])
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            if report.file_error:
                self.stderr.write(f"{path}: {report.file_error}")
            for error in report.errors:
                self.stderr.write(f"{path}: {error}")
            stream = self.stdout if report.ok else self.stderr
            stream.write(report.summary())
        if not report.ok:
            sys.exit(2)
