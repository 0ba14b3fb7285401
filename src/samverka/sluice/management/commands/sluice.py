"""``samverka sluice report [--cluster SLUG] [--format text|json]``: time in each stage (median
and mean days over completed stays) and conversion (cases that reached each stage) per cluster.
Exit status 2 for an unknown cluster."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation


class Command(BaseCommand):
    help = "Innovation sluice: 'samverka sluice report [--cluster SLUG] [--format json]'."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        report = sub.add_parser("report", help="time in stage and conversion per cluster")
        report.add_argument("--cluster", metavar="SLUG", help="only this cluster")
        report.add_argument(
            "--format",
            choices=["text", "json"],
            default="text",
            help="json: print only the report, as JSON, on standard output",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from samverka.clusters.models import Cluster
        from samverka.sluice.services import report

        cluster = None
        if options.get("cluster"):
            cluster = Cluster.objects.filter(slug=options["cluster"]).first()
            if cluster is None:
                raise CommandError(f"unknown cluster: {options['cluster']}", returncode=2)
        with translation.override("en"):
            groups = report(cluster=cluster)
            for group in groups:
                group["name"] = str(group["name"])
        if options["format"] == "json":
            self.stdout.write(json.dumps({"clusters": groups}, ensure_ascii=False, indent=2))
            return
        for group in groups:
            self.stdout.write(f"{group['name']} ({group['cases']} cases)")
            for s in group["stages"]:
                share = "-" if s["share"] is None else f"{100 * s['share']:.0f}%"
                median = "-" if s["median_days"] is None else f"{s['median_days']:.1f}"
                mean = "-" if s["mean_days"] is None else f"{s['mean_days']:.1f}"
                self.stdout.write(
                    f"  {s['stage']:<12} reached {s['reached']:>4} ({share:>4})  "
                    f"median {median:>6} d  mean {mean:>6} d"
                )
