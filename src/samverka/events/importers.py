"""``samverka import events FILE.ics [--cluster SLUG]``: the registered importer of calendars."""

from __future__ import annotations

from typing import IO, Any

from samverka.events.ical_import import EventImportReport, import_calendar

HELP = (
    "An iCalendar file (.ics) as exported by Outlook, Google Calendar, Apple Calendar or "
    "Samverka. Events are matched by UID: a known event is updated only when its SEQUENCE or "
    "LAST-MODIFIED is newer. --cluster SLUG makes the cluster host and organiser of new events."
)


def add_arguments(parser: Any) -> None:
    """The options of ``samverka import events``."""
    parser.add_argument(
        "--cluster", metavar="SLUG", help="the cluster whose calendar the events belong to"
    )


def import_events(
    file: IO[bytes] | IO[str],
    *,
    filename: str = "",
    actor: Any = None,
    dry_run: bool = False,
    cluster: Any = None,
    **_options: Any,
) -> EventImportReport:
    """Import an iCalendar file; nothing is written unless every VEVENT is valid."""
    return import_calendar(file, cluster=cluster, actor=actor, dry_run=dry_run)
