"""``samverka search reindex`` and ``samverka search query TEXT``: the search index from the shell."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.knowledge import indexing
from samverka.knowledge.search import search


class Command(BaseCommand):
    help = "The one search: rebuild its index, or run a query."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        reindex = actions.add_parser("reindex", help="Rebuild the search index from the database.")
        reindex.add_argument("--format", choices=["json", "text"], default="text")
        query = actions.add_parser("query", help="Search (public documents only).")
        query.add_argument("text", help="What to search for.")
        query.add_argument("--kind", help="Only this kind (organisation, cluster, event, …).")
        query.add_argument("--focus", help="Only this focus area (slug).")
        query.add_argument("--limit", type=int, default=10)
        query.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "reindex":
            counts = indexing.reindex()
            total = sum(counts.values())
            if options["format"] == "json":
                self.stdout.write(json.dumps({"documents": counts, "total": total}))
            else:
                for kind, count in counts.items():
                    self.stdout.write(f"{kind}: {count}")
                self.stdout.write(f"Indexed {total} documents.")
            return
        kinds = {r.kind for r in indexing.active()}
        if options["kind"] and options["kind"] not in kinds:
            raise CommandError(
                f"unknown kind {options['kind']!r}; one of: {', '.join(sorted(kinds))}",
                returncode=2,
            )
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1", returncode=2)
        results = search(
            options["text"], kind=options["kind"], focus=options["focus"], per_page=options["limit"]
        )
        if options["format"] == "json":
            self.stdout.write(
                json.dumps(
                    {
                        "total": results.total,
                        "more": results.more,
                        "results": [
                            {"kind": h.kind, "title": h.title, "url": h.url, "rank": h.rank}
                            for h in results.hits
                        ],
                    },
                    ensure_ascii=False,
                )
            )
            return
        print(f"{'more than ' if results.more else ''}{results.total} results", file=sys.stderr)
        for hit in results.hits:
            self.stdout.write(f"{hit.kind}\t{hit.title}\t{hit.url}")
