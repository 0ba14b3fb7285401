"""``samverka demo``: load the demo data set (idempotent; safe to run again)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from samverka.core.demo import load_demo
from samverka.events.demo import load_events_demo
from samverka.indicators.demo import load_indicator_demo
from samverka.matchmaking.demo import load_matchmaking_demo
from samverka.newsletters.demo import load_newsletters_demo
from samverka.privacy.demo import load_privacy_demo
from samverka.programmes.demo import load_programme_demo
from samverka.programmes.demo_projects import load_demo_projects
from samverka.sluice.demo import load_sluice_demo


class Command(BaseCommand):
    help = (
        "Load the demo data: the green clusters, their focus areas, a fictional network of "
        "member organisations and people, the RTP Västernorrland and Jämtland programmes and "
        "demo projects. Running it again creates nothing new."
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
        stream = None if quiet else self.stderr
        counts: dict[str, Any] = load_demo(stdout=stream)  # type: ignore[arg-type]
        # The programmes after the actors: the programme owners and financiers are organisations,
        # and the demo projects need the programme's measures.
        counts["programme_demo"] = load_programme_demo(stdout=stream)  # type: ignore[arg-type]
        counts["project_demo"] = load_demo_projects(stdout=stream)  # type: ignore[arg-type]
        counts["indicator_demo"] = load_indicator_demo(stdout=stream)  # type: ignore[arg-type]
        # Events need the clusters; newsletters pull in the events.
        counts["events_demo"] = load_events_demo(stdout=stream)  # type: ignore[arg-type]
        counts["newsletters_demo"] = load_newsletters_demo(stdout=stream)  # type: ignore[arg-type]
        counts["matchmaking_demo"] = load_matchmaking_demo(stdout=stream)  # type: ignore[arg-type]
        counts["sluice_demo"] = load_sluice_demo(stdout=stream)  # type: ignore[arg-type]
        # Last: the consent records of everything above.
        counts["privacy_demo"] = load_privacy_demo(stdout=stream)  # type: ignore[arg-type]
        if options["format"] == "json":
            self.stdout.write(json.dumps(counts, indent=2, sort_keys=True))
