"""``samverka indicators series CODE --area AREA [--gender T|K|M] [--from P] [--to P] --format
json|text`` prints an indicator's values for one area, sorted by period;
``samverka indicators derive CODE [--period P ...]`` computes its derived values (parents from
children, T from K + M, ratios from their components) and says which parents it had to leave
without a value, and why (imports derive by themselves; this recomputes).

JSON goes to standard output alone, as
``[{"period": "2005", "value": 9047752, "derived": false, "revised": false}, ...]`` with numbers
as JSON numbers (int when integral, else float; null when the source flags a value missing).
Bad input (an unknown indicator or area, a bad gender or period) exits with status 2 and says
what is wrong on standard error.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

ACTIONS = ("series", "derive")


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=2)


def _messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = (
        "Indicator values: 'series CODE --area AREA' prints a series; 'derive CODE' computes "
        "derived values (parent areas from their children, T from K + M)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", metavar="ACTION", help="series or derive")
        parser.add_argument("code", metavar="CODE", help="indicator code")
        parser.add_argument(
            "--area", metavar="AREA", help='series: area code ("00", "22", "2281") or group slug'
        )
        parser.add_argument("--gender", default="T", help="series: T (default), K or M")
        parser.add_argument("--from", dest="start", metavar="P", help="series: first period")
        parser.add_argument("--to", dest="end", metavar="P", help="series: last period")
        parser.add_argument(
            "--period",
            action="append",
            default=None,
            metavar="P",
            help="derive: only this period (repeatable)",
        )
        parser.add_argument("--format", default="text", help="json or text (default)")

    def handle(self, *args: Any, **options: Any) -> None:
        from samverka.indicators.models import Indicator

        action = options["action"]
        if action not in ACTIONS:
            raise _fail(f"unknown action {action!r}: use {' or '.join(ACTIONS)}")
        fmt = options["format"]
        if fmt not in ("json", "text"):
            raise _fail(f"unknown format {fmt!r}: use json or text")
        indicator = (
            Indicator.objects.select_related("numerator", "denominator")
            .filter(code=options["code"])
            .first()
        )
        if indicator is None:
            raise _fail(f"no indicator {options['code']!r}")
        if action == "series":
            self._series(indicator, options, fmt)
        else:
            self._derive(indicator, options, fmt)

    def _series(self, indicator: Any, options: dict[str, Any], fmt: str) -> None:
        from samverka.indicators.services.series import (
            area_or_group_exists,
            json_number,
            series,
            validate_gender,
            validate_period,
        )

        area = options["area"]
        if not area:
            raise _fail("series needs --area AREA")
        if not area_or_group_exists(area):
            raise _fail(f"no area or area group {area!r}")
        try:
            gender = validate_gender(options["gender"], field="--gender")
            start = validate_period(options["start"], field="--from") if options["start"] else None
            end = validate_period(options["end"], field="--to") if options["end"] else None
        except ValidationError as exc:
            raise _fail(_messages(exc)) from None
        points = series(indicator=indicator, area_code=area, gender=gender, start=start, end=end)
        if fmt == "json":
            data = [
                {
                    "period": p["period"],
                    "value": json_number(p["value"]),
                    "derived": p["derived"],
                    "revised": p["revised"],
                }
                for p in points
            ]
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        self.stdout.write(f"{indicator.code} {indicator.name_sv} · {area} · {gender}")
        for p in points:
            value = "" if p["value"] is None else str(json_number(p["value"]))
            flags = " ".join(
                flag for flag, on in (("derived", p["derived"]), ("revised", p["revised"])) if on
            )
            self.stdout.write(f"{p['period']:<8} {value:>20}  {flags}".rstrip())

    def _derive(self, indicator: Any, options: dict[str, Any], fmt: str) -> None:
        from samverka.indicators.services.derive import derive_values
        from samverka.indicators.services.series import validate_period

        try:
            periods = (
                [validate_period(p, field="--period") for p in options["period"]]
                if options["period"]
                else None
            )
            counts = derive_values(indicator=indicator, periods=periods)
        except ValidationError as exc:
            raise _fail(_messages(exc)) from None
        if fmt == "json":
            data = {"indicator": indicator.code, **counts.as_dict(), "notes": counts.notes}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write(
                f"{indicator.code}: {counts.created} created, {counts.updated} updated, "
                f"{counts.unchanged} unchanged, {counts.removed} removed"
            )
            for note in counts.notes:  # parents left without a value, and why
                self.stdout.write(f"  {note}")
