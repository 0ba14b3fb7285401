"""``samverka report budget|portfolio --programme CODE --format …``: the programme reports.

JSON goes to standard output alone; CSV, XLSX and PDF go to ``--output FILE`` or, without it, as
bytes to standard output. An unknown programme exits with status 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

FORMATS = {"budget": ("json", "csv", "xlsx", "pdf"), "portfolio": ("json", "csv", "xlsx", "pdf")}


class Command(BaseCommand):
    help = (
        "Write a programme report: 'budget' (budget and outcome per financier category and year) "
        "or 'portfolio' (projects, granted and outcome SEK and results per measure, municipality "
        "or county)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("report", choices=sorted(FORMATS), help="which report")
        parser.add_argument("--programme", required=True, metavar="CODE", help="programme code")
        parser.add_argument(
            "--format",
            choices=["json", "csv", "xlsx", "pdf"],
            default="json",
            help="json (default), csv, xlsx or pdf",
        )
        parser.add_argument(
            "--by",
            choices=["measure", "municipality", "county"],
            default="measure",
            help="portfolio: group by measure (default), municipality or county",
        )
        parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        from samverka.programmes.services import reports

        name, fmt = options["report"], options["format"]
        if fmt not in FORMATS[name]:
            raise CommandError(
                f"the {name} report comes as {', '.join(FORMATS[name])}, not {fmt}", returncode=2
            )
        try:
            programme = reports.get_programme(options["programme"])
        except reports.UnknownProgramme as exc:
            raise CommandError(str(exc), returncode=2) from None

        if name == "budget":
            report = reports.budget_report(programme=programme)
            headers, rows = reports.budget_export_rows(report)
        else:
            report = reports.portfolio_report(programme=programme, by=options["by"])
            headers, rows = reports.portfolio_export_rows(report)

        if fmt == "json":
            data = (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode()
        elif fmt == "pdf":
            try:
                render = reports.budget_pdf if name == "budget" else reports.portfolio_pdf
                data = render(programme=programme, report=report)
            except reports.PdfUnavailable as exc:
                raise CommandError(str(exc), returncode=2) from None
        else:
            data = reports.export_bytes(headers, rows, fmt)

        if options["output"]:
            Path(options["output"]).write_bytes(data)
        elif fmt == "json":
            self.stdout.write(data.decode(), ending="")
        else:
            self.stdout.flush()
            # The binary stream under the text one (a test's BytesIO-backed wrapper, or the tty).
            out = getattr(self.stdout._out, "buffer", None) or sys.stdout.buffer
            out.write(data)
            out.flush()
