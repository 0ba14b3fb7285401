"""``samverka fetch scb TABLE --query FILE`` and ``samverka fetch kolada KPI --area … --years …``:
fetch from the live APIs and store through the same path as ``samverka import indicators``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.indicators.services import clients, importers


def _years(items: list[str]) -> list[str]:
    """``2019 2020``, ``2019,2020`` or ``2015-2019``."""
    years: list[str] = []
    for item in items:
        for part in item.split(","):
            start, sep, end = part.strip().partition("-")
            if sep and start.isdigit() and end.isdigit():
                years += [str(y) for y in range(int(start), int(end) + 1)]
            elif part.strip():
                years.append(part.strip())
    return years


class Command(BaseCommand):
    help = "Fetch indicator values from Statistics Sweden (PxWebApi v2) or Kolada (v3)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="api", required=True)
        scb = sub.add_parser("scb", help="a Statistics Sweden table")
        scb.add_argument("table", help="the table id, e.g. TAB6471")
        scb.add_argument("--query", help="a JSON file with the v2 selection (POST body)")
        importers.add_arguments(scb)
        kolada = sub.add_parser("kolada", help="a Kolada KPI")
        kolada.add_argument("kpi", help="the KPI id, e.g. N00945")
        kolada.add_argument("--area", nargs="+", required=True, help="area codes (00, 22, 2281)")
        kolada.add_argument("--years", nargs="+", required=True, help="2019 2020 or 2015-2020")
        kolada.add_argument("--indicator", help="store under this indicator code")
        importers.add_derive_argument(kolada)
        for p in (scb, kolada):
            p.add_argument("--format", choices=["text", "json"], default="text")
            p.add_argument("--dry-run", action="store_true", help="check only; write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        # Tests put an httpx.MockTransport here; in production it is unset (real network).
        transport = getattr(settings, "SAMVERKA_FETCH_TRANSPORT", None)
        if options["api"] == "scb":
            query = None
            if options.get("query"):
                path = Path(options["query"])
                if not path.is_file():
                    raise CommandError(f"{path}: no such file", returncode=2)
                try:
                    query = json.loads(path.read_text(encoding="utf-8"))
                except ValueError as exc:
                    raise CommandError(f"{path}: not JSON ({exc})", returncode=2) from exc
            with clients.ScbClient(transport=transport) as client:
                report = importers.fetch_scb(
                    table_id=options["table"],
                    query=query,
                    client=client,
                    dry_run=options["dry_run"],
                    indicator=options["indicator"],
                    content=options["content"],
                    select=options["select"],
                    sum_dims=options["sum"],
                    area=options["area"],
                    period=options["period"],
                    no_derive=options["no_derive"],
                )
            name = options["table"]
        else:
            with clients.KoladaClient(transport=transport) as client:
                report = importers.fetch_kolada(
                    kpi=options["kpi"],
                    areas=options["area"],
                    years=_years(options["years"]),
                    client=client,
                    dry_run=options["dry_run"],
                    indicator=options["indicator"],
                    no_derive=options["no_derive"],
                )
            name = options["kpi"]
        if options["format"] == "json":
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            if report.file_error:
                self.stderr.write(f"{name}: {report.file_error}")
            for error in report.errors:
                self.stderr.write(f"{name}: {error}")
            if report.more_errors:
                self.stderr.write(f"{name}: {report.more_errors_text()}")
            (self.stdout if report.ok else self.stderr).write(report.summary())
        if not report.ok:
            sys.exit(2)
