"""``samverka audit``: the audit log on standard output, as a JSON list or as CSV (the web
export's format and formula guard, ``core.exports``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from samverka.core import audit
from samverka.core.exports import csv_lines


def _csv_rows(entries: Any) -> Iterator[list[Any]]:
    for entry in entries.iterator(chunk_size=2000):
        row = audit.export_row(entry)
        row[0] = timezone.localtime(entry.at).isoformat()  # with its UTC offset
        yield row


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {text}", returncode=2) from None


class Command(BaseCommand):
    help = (
        "Print the audit log (newest first): who changed what and when. Filters: --since, "
        "--until, --type, --action, --user, --object-id. JSON (a list) or CSV on stdout."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="from this day (YYYY-MM-DD), inclusive")
        parser.add_argument("--until", help="to this day (YYYY-MM-DD), inclusive")
        parser.add_argument("--type", help="a model (programmes.project) or an app (programmes)")
        parser.add_argument("--action", help="exact, or a prefix ending in a dot (project.)")
        parser.add_argument("--user", help="a username; - for the system")
        parser.add_argument("--object-id")
        parser.add_argument("--limit", type=int, help="at most this many entries")
        parser.add_argument("--format", choices=["json", "csv"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        since = _day(options["since"]) if options["since"] else None
        until = _day(options["until"]) if options["until"] else None
        if options["limit"] is not None and options["limit"] < 0:
            raise CommandError("--limit must not be negative", returncode=2)
        entries = audit.filter_entries(
            object_type=options["type"],
            action=options["action"],
            user=options["user"],
            since=since,
            until=until,
            object_id=options["object_id"],
        )
        if options["limit"] is not None:
            entries = entries[: options["limit"]]
        out = self.stdout
        if options["format"] == "csv":
            # The web export's CSV (core.exports): its format and its formula guard, streamed.
            for line in csv_lines(audit.EXPORT_HEADERS, _csv_rows(entries)):
                out.write(line, ending="")
            return
        # A JSON list written entry by entry: the log may be far larger than memory.
        out.write("[", ending="")
        for number, entry in enumerate(entries.iterator(chunk_size=2000)):
            item = {
                "id": entry.pk,
                "at": entry.at.isoformat(),
                "user": entry.actor.get_username() if entry.actor_id else None,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "object": entry.object_repr,
                "changes": entry.changes,
            }
            out.write(
                ("," if number else "") + "\n" + json.dumps(item, ensure_ascii=False, default=str),
                ending="",
            )
        out.write("\n]")
