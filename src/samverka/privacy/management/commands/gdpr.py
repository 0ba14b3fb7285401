"""``samverka gdpr export|erase EMAIL`` and ``samverka gdpr retention``: personal data."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from samverka.privacy import services


class Command(BaseCommand):
    help = "Export or erase everything stored about an email address; apply retention."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser(
            "export", help="Every personal datum about EMAIL as one JSON document."
        )
        export.add_argument("email")
        export.add_argument("--format", choices=["json"], default="json")
        erase = actions.add_parser(
            "erase",
            help="Erase or anonymise everything about EMAIL (aggregate counts stay the same).",
        )
        erase.add_argument("email")
        erase.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        erase.add_argument("--format", choices=["json", "text"], default="text")
        retention = actions.add_parser(
            "retention",
            help="Anonymise registrations and help cases past their retention period now.",
        )
        retention.add_argument("--dry-run", action="store_true", help="Count, change nothing.")
        retention.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "retention":
            result = services.run_retention(dry_run=options["dry_run"])
            counts = result["counts"]
        else:
            email = options["email"].strip()
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError(f"Not an email address: {email!r}", returncode=2) from error
            if action == "export":
                data = services.export_personal_data(email)
                self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
                rows = sum(len(rows) for rows in data["sections"].values())
                print(f"{rows} rows in {len(data['sections'])} tables.", file=sys.stderr)
                return
            result = services.erase_personal_data(email, dry_run=options["dry_run"])
            counts = result["changed"]
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
            return
        verb = "would change" if result["dry_run"] else "changed"
        self.stdout.write(f"{verb} {result['total']} rows")
        for label, count in counts.items():
            self.stdout.write(f"  {label}: {count}")
