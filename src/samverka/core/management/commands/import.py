"""``samverka import <kind> FILE``: run a registered importer from the command line.

``--format`` names the report's format (``text`` or ``json``). For a kind that reads several
file formats (``indicators``: csv, xlsx, px, jsonstat, kolada), ``--format`` also accepts one of
those and then means the input format, so that ``samverka import indicators FILE --format px``
works; ``--input-format`` says the same explicitly and combines with ``--format json``.
Options a kind declares itself (``register(..., add_arguments=...)``) are passed on to it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.core.importing import IMPORTERS

REPORT_FORMATS = ("text", "json")


class Command(BaseCommand):
    help = (
        "Import a file: samverka import <kind> FILE. Nothing is written unless every row is valid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        kinds = sorted(IMPORTERS)
        input_formats = sorted({f for i in IMPORTERS.values() for f in i.input_formats})
        parser.add_argument("kind", choices=kinds, help="what the file holds: " + ", ".join(kinds))
        parser.add_argument("file", help="path to the file, or - for standard input")
        parser.add_argument(
            "--format",
            choices=[*REPORT_FORMATS, *input_formats],
            default="text",
            help="report format (text, json); for kinds with several input formats also the "
            "input format (" + ", ".join(input_formats) + ")",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        if input_formats:
            parser.add_argument(
                "--input-format",
                choices=input_formats,
                help="the file's format (detected from the file when not given)",
            )
        # Each kind's own options; remember which destinations belong to which kind.
        self.kind_options: dict[str, set[str]] = {}
        for kind, importer in sorted(IMPORTERS.items()):
            if importer.add_arguments is None:
                continue
            before = {action.dest for action in parser._actions}
            group = parser.add_argument_group(f"options of '{kind}'")
            importer.add_arguments(group)
            self.kind_options[kind] = ({a.dest for a in parser._actions} - before) | set(
                getattr(importer.add_arguments, "reuses", ())  # options shared with other kinds
            )

    def handle(self, *args: Any, **options: Any) -> None:
        kind = options["kind"]
        importer = IMPORTERS[kind]
        extra = {dest: options[dest] for dest in getattr(self, "kind_options", {}).get(kind, ())}
        for other, dests in getattr(self, "kind_options", {}).items():
            for dest in dests - extra.keys():
                if options.get(dest) not in (None, [], False):
                    raise CommandError(
                        f"--{dest.replace('_', '-')} is an option of '{other}', not '{kind}'",
                        returncode=2,
                    )
        report_format = options["format"]
        input_format = options.get("input_format")
        if report_format not in REPORT_FORMATS:
            if input_format and input_format != report_format:
                raise CommandError(
                    f"--format {report_format} and --input-format {input_format} disagree",
                    returncode=2,
                )
            input_format, report_format = report_format, "text"
        if input_format:
            if input_format not in importer.input_formats:
                raise CommandError(
                    f"'{kind}' does not read the format {input_format!r}", returncode=2
                )
            extra["input_format"] = input_format
        path = options["file"]
        if path == "-":
            report = importer.function(
                sys.stdin.buffer, filename="-", dry_run=options["dry_run"], **extra
            )
        else:
            file = Path(path)
            if not file.is_file():
                raise CommandError(f"{path}: no such file", returncode=2)
            with file.open("rb") as handle:
                report = importer.function(
                    handle, filename=file.name, dry_run=options["dry_run"], **extra
                )
        if report_format == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            if report.file_error:
                self.stderr.write(f"{path}: {report.file_error}")
            for error in report.errors:
                self.stderr.write(f"{path}: {error}")
            if report.more_errors:
                self.stderr.write(f"{path}: {report.more_errors_text()}")
            stream = self.stdout if report.ok else self.stderr
            stream.write(report.summary())
        if not report.ok:
            sys.exit(2)
