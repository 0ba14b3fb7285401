"""``samverka bench generate --scale national``: the scale data of the performance harness.

Subcommands (room for more): ``generate`` writes the deterministic scale data set on top of the
geography and the demo (migrating and loading the demo first when they are missing). A second run
finds the marker of the first, writes nothing and exits 0.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from samverka.core import scale_data


class Command(BaseCommand):
    help = "Performance harness: generate the scale data set (see docs/benchmarks.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        generate = actions.add_parser(
            "generate",
            help="Write the deterministic scale data set (safe to run again: writes nothing).",
        )
        generate.add_argument(
            "--scale",
            required=True,
            help=f"one of: {', '.join(scale_data.SCALES)}",
        )
        generate.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        generate.add_argument(
            "--no-index",
            action="store_true",
            help="leave the search index alone (run `samverka search reindex` later)",
        )
        generate.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stderr.style_func = None
        if options["action"] == "generate":
            self._generate(options)

    def _generate(self, options: dict[str, Any]) -> None:
        scale = options["scale"]
        if scale not in scale_data.SCALES:
            raise CommandError(
                f"unknown --scale {scale!r}; one of: {', '.join(scale_data.SCALES)}",
                returncode=2,
            )
        quiet = options["verbosity"] == 0
        self._prepare(quiet)
        try:
            result = scale_data.generate(
                scale,
                seed=options["seed"],
                stdout=None if quiet else self.stderr,  # type: ignore[arg-type]
                index=not options["no_index"],
            )
        except scale_data.AlreadyGenerated as exc:
            key = str(exc).removeprefix(scale_data.MARKER_PREFIX)
            done_scale, _, done_seed = key.partition(":")
            if not quiet:
                self.stderr.write(
                    f"already generated at scale {done_scale} (seed {done_seed}); nothing written"
                )
            result = {
                "scale": done_scale,
                "seed": int(done_seed) if done_seed.isdigit() else done_seed,
                "already_generated": True,
                "requested_scale": scale,
            }
        except scale_data.MissingBaseData as exc:
            raise CommandError(str(exc)) from exc
        # Also after an earlier run: a database generated before this step, or restored, may lack
        # the planner's statistics, and every benchmark on it would measure bad plans.
        if not quiet:
            self.stderr.write("analysing the tables (the query planner's statistics)")
        scale_data.analyse()
        if options["format"] == "json":
            self.stdout.write(json.dumps(result, sort_keys=True))
        else:
            for key, value in result.items():
                self.stdout.write(f"{key}: {value}")

    def _prepare(self, quiet: bool) -> None:
        """Migrate when migrations are pending and load the demo when it is missing."""
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            if not quiet:
                self.stderr.write("migrating the database first")
            call_command("migrate", verbosity=0)
        from samverka.core.models import DemoMarker

        if not DemoMarker.objects.filter(key="demo").exists():
            if not quiet:
                self.stderr.write("loading the demo data first")
            call_command("demo", verbosity=0)
