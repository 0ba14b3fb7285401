"""``samverka county_adjacency``: derive the county neighbour table used by matchmaking."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverka.matchmaking.geography import ADJACENCY_FILE, write_adjacency


class Command(BaseCommand):
    help = (
        "Compute which counties share a land border from the shipped county boundaries and "
        "write matchmaking/data/county_adjacency.json (the same result every run)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        adjacency = write_adjacency()
        if options["format"] == "json":
            self.stdout.write(json.dumps(adjacency, sort_keys=True))
        else:
            pairs = sum(len(v) for v in adjacency.values()) // 2
            self.stderr.write(f"{pairs} neighbouring county pairs written to {ADJACENCY_FILE}")
