"""``samverka backup FILE``: the whole database and the uploaded files in one zip archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.core.backup import create_backup


class Command(BaseCommand):
    help = (
        "Write a database-independent backup (every table as JSON, the uploaded files and a "
        "manifest with checksums) to FILE, a zip archive; restore it with samverka restore."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the archive to write (e.g. samverka-2026-11-23.zip)")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["file"])
        if not target.parent.is_dir():
            raise CommandError(f"no such directory: {target.parent}", returncode=2)
        if target.is_dir():
            raise CommandError(f"{target} is a directory; name the archive file", returncode=2)
        manifest = create_backup(target)
        counts = {label: spec["rows"] for label, spec in manifest["tables"].items()}
        summary = {
            "file": str(target),
            "bytes": target.stat().st_size,
            "created_at": manifest["created_at"],
            "samverka_version": manifest["samverka_version"],
            "migrations": len(manifest["migrations"]),
            "rows": sum(counts.values()),
            "media_files": manifest["media_files"],
            "tables": counts,
        }
        if options["format"] == "json":
            self.stdout.write(json.dumps(summary, indent=2, sort_keys=True))
            return
        self.stderr.style_func = None
        self.stderr.write(
            f"Backed up {summary['rows']} rows in {len(counts)} tables and "
            f"{summary['media_files']} files to {target} ({summary['bytes']} bytes)."
        )
