"""``samverka restore FILE``: load a backup made by ``samverka backup`` into an empty database."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive into this freshly migrated, empty database (same migrations "
        "as the backup); --force replaces whatever the database holds. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="an archive written by samverka backup")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace everything in a database that already holds data",
        )
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = restore_backup(options["file"], force=options["force"])
        except BackupError as exc:
            raise CommandError(f"restore refused, nothing changed: {exc}", returncode=2) from None
        result = {"file": options["file"], **report.as_dict()}
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, indent=2, sort_keys=True))
            return
        self.stderr.style_func = None
        self.stderr.write(
            f"Restored {result['rows']} rows in {len(report.tables)} tables and "
            f"{report.media_files} files from {options['file']}."
        )
