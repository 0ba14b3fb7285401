"""``samverka demo``: load the demo data set (idempotent; safe to run again)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverka.core.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load the demo data: the green clusters, their focus areas and a fictional network of "
        "member organisations and people. Running it again creates nothing new."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="json: print only the counts, as JSON, on standard output",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Progress and the summary go to stderr so that stdout carries nothing but the JSON;
        # they are not errors, so they are written without the error colour.
        self.stderr.style_func = None
        quiet = options["verbosity"] == 0
        counts = load_demo(stdout=None if quiet else self.stderr)  # type: ignore[arg-type]
        if options["format"] == "json":
            self.stdout.write(json.dumps(counts, indent=2, sort_keys=True))
