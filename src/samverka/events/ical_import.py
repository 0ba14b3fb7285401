"""Reading iCalendar files into events: parse and check every component, then write atomically.

:func:`import_calendar` is what the ``samverka import events`` command, the upload page and the
calendar subscriptions run. A VEVENT whose UID is already known updates that event only when its
SEQUENCE is higher, or equal with a newer LAST-MODIFIED; otherwise it is left unchanged, so that
importing the same file twice changes nothing. Changed occurrences (RECURRENCE-ID) become
:class:`~samverka.events.models.EventOverride` rows of their series.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import IO, Any
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from icalendar.error import GloballyUniqueTZIDGuessed, InvalidCalendar

from samverka.actors.models import FocusArea
from samverka.core import audit, roles
from samverka.core.importing import ImportFileError, ImportReport
from samverka.core.links import validate_web_link
from samverka.core.sanitise import clean_html
from samverka.events.ical import check_rrule, format_date_list
from samverka.events.models import (
    CalendarSource,
    Event,
    EventOverride,
    EventStatus,
    EventType,
    Visibility,
)
from samverka.events.timezones import STOCKHOLM, UTC, resolve_tzid, zone_name

TITLE_MAX = Event._meta.get_field("title").max_length or 300
PLACE_MAX = Event._meta.get_field("place").max_length or 300
_HTML = re.compile(r"<(p|br|a|b|i|u|em|strong|ul|ol|li|div|span|h[1-6]|table)\b[^>]*>", re.I)


class ComponentError(Exception):
    """One VEVENT cannot be imported; the message says why."""


# What reading one VEVENT may raise: ours, and icalendar's InvalidCalendar for a value it could
# not read (LAST-MODIFIED of 20260230), which it reports only when the value is used.
_BAD_COMPONENT = (ComponentError, InvalidCalendar, OverflowError)


@dataclass
class EventImportReport(ImportReport):
    """The import report with one line per VEVENT: what happened to it."""

    components: list[dict[str, Any]] = field(default_factory=list)
    #: Coming events of a subscription that have disappeared from it, now cancelled.
    withdrawn: int = 0

    def summary(self) -> str:
        if self.file_error:
            return _("Nothing imported: %(reason)s") % {"reason": self.file_error}
        if self.errors:
            return _("Nothing imported: %(bad)d of %(rows)d calendar components have errors.") % {
                "bad": len({e.column for e in self.errors}),
                "rows": self.rows,
            }
        counts = {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}
        if self.dry_run:
            return _(
                "Checked %(rows)d calendar entries: would create %(created)d, update %(updated)d, "
                "leave %(unchanged)d unchanged."
            ) % {"rows": self.rows, **counts}
        return _(
            "Imported %(rows)d calendar entries: %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged."
        ) % {"rows": self.rows, **counts}


@dataclass
class ParsedOverride:
    label: str
    recurrence_id: datetime
    start: datetime
    end: datetime
    title: str
    description: str
    place: str
    cancelled: bool
    sequence: int


@dataclass
class ParsedEvent:
    """One VEVENT (the series master, or a single event) with its changed occurrences."""

    label: str
    uid: str
    sequence: int
    last_modified: datetime | None
    fields: dict[str, Any]
    focus_areas: list[FocusArea]
    overrides: list[ParsedOverride] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)


# --- reading -------------------------------------------------------------------------------


def read_calendar(data: bytes) -> list[icalendar.Calendar]:
    """The VCALENDARs in ``data``; ``ImportFileError`` when it is not iCalendar."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("not an iCalendar file: it contains binary data"))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    stripped = text.lstrip()
    if not stripped:
        raise ImportFileError(_("not an iCalendar file: the file is empty"))
    if not stripped[:15].upper().startswith("BEGIN:VCALENDAR"):
        first = stripped.splitlines()[0][:60]
        raise ImportFileError(
            _("not an iCalendar file: it begins with %(start)r, not BEGIN:VCALENDAR")
            % {"start": first}
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
            calendars = icalendar.Calendar.from_ical(stripped, multiple=True)
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise ImportFileError(_("not an iCalendar file: %(error)s") % {"error": exc}) from exc
    calendars = [c for c in calendars if c.name == "VCALENDAR"]
    if not calendars:
        raise ImportFileError(_("not an iCalendar file: no VCALENDAR"))
    return calendars


def _default_zone(calendar: icalendar.Calendar) -> ZoneInfo:
    return resolve_tzid(str(calendar.get("X-WR-TIMEZONE", ""))) or STOCKHOLM


def _value(prop: Any, default_zone: tzinfo, defined: set[str]) -> tuple[date | datetime, str]:
    """A DTSTART-like property as an aware datetime (or a date) and the IANA zone it was in."""
    raw = prop.dt
    tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
    return _convert(raw, tzid, default_zone, defined)


def _convert(
    raw: date | datetime, tzid: str | None, default_zone: tzinfo, defined: set[str]
) -> tuple[date | datetime, str]:
    if not isinstance(raw, datetime):
        return raw, zone_name(default_zone)
    if tzid:
        zone = resolve_tzid(tzid)
        if zone is not None:
            return raw.replace(tzinfo=zone), zone_name(zone)
        if raw.tzinfo is not None and tzid in defined:
            # Defined by the file's own VTIMEZONE: keep the instant, show it in Stockholm.
            return raw.astimezone(STOCKHOLM), "Europe/Stockholm"
        raise ComponentError(_("unknown time zone %(tzid)r") % {"tzid": tzid})
    if raw.tzinfo is None:  # floating
        return raw.replace(tzinfo=default_zone), zone_name(default_zone)
    if raw.utcoffset() == timedelta(0):
        return raw.astimezone(UTC), "UTC"
    return raw, zone_name(raw.tzinfo)


def _midnight(value: date, zone: tzinfo) -> datetime:
    return datetime.combine(value, time(), tzinfo=zone)


def _description(component: icalendar.Event) -> str:
    alt = component.get("X-ALT-DESC")
    if alt is not None and str(getattr(alt, "params", {}).get("FMTTYPE", "")).lower() == (
        "text/html"
    ):
        return clean_html(str(alt))
    text = str(component.get("DESCRIPTION", "") or "").strip()
    if not text:
        return ""
    if _HTML.search(text):
        return clean_html(text)
    return clean_html(linebreaks(escape(text)))


def _url(component: icalendar.Event) -> str:
    value = str(component.get("URL", "") or "").strip()
    if not value or len(value) > 500:
        return ""
    try:
        validate_web_link(value)
    except ValidationError:
        return ""
    return value


def _date_lists(
    component: icalendar.Event, name: str, zone: tzinfo, defined: set[str], all_day: bool
) -> str:
    props = component.get(name)
    if props is None:
        return ""
    if not isinstance(props, list):
        props = [props]
    values: list[date | datetime] = []
    for prop in props:
        tzid = prop.params.get("TZID")
        for item in prop.dts:
            raw = item.dt
            if isinstance(raw, tuple):  # PERIOD
                raw = raw[0]
            value, _zone = _convert(raw, tzid, zone, defined)
            if all_day and isinstance(value, datetime):
                value = value.astimezone(zone).date()
            values.append(value)
    return format_date_list(values, zone)


def _categories(component: icalendar.Event) -> list[str]:
    props = component.get("CATEGORIES")
    if props is None:
        return []
    if not isinstance(props, list):
        props = [props]
    names: list[str] = []
    for prop in props:
        names.extend(str(c).strip() for c in getattr(prop, "cats", []) if str(c).strip())
    return names


def _focus_areas(names: list[str], areas: list[FocusArea]) -> list[FocusArea]:
    wanted = {n.casefold() for n in names}
    return [
        a for a in areas if {a.slug.casefold(), a.name_sv.casefold(), a.name_en.casefold()} & wanted
    ]


def _int(component: icalendar.Event, name: str) -> int:
    try:
        return max(0, int(component.get(name, 0) or 0))
    except (TypeError, ValueError):
        return 0


def _times(
    component: icalendar.Event, zone: tzinfo, defined: set[str]
) -> tuple[datetime, datetime, bool, str]:
    """Start, end (exclusive), whether all-day, and the zone name of one VEVENT."""
    if component.get("DTSTART") is None:
        raise ComponentError(_("DTSTART missing"))
    try:
        start_value, zone_id = _value(component["DTSTART"], zone, defined)
    except (ValueError, AttributeError) as exc:
        raise ComponentError(_("DTSTART cannot be read: %(error)s") % {"error": exc}) from exc
    all_day = not isinstance(start_value, datetime)
    event_zone = resolve_tzid(zone_id) or STOCKHOLM
    start = _midnight(start_value, event_zone) if all_day else start_value  # type: ignore[arg-type]
    if component.get("DTEND") is not None:
        try:
            end_value, _zone = _value(component["DTEND"], zone, defined)
        except (ValueError, AttributeError) as exc:
            raise ComponentError(_("DTEND cannot be read: %(error)s") % {"error": exc}) from exc
        if all_day != (not isinstance(end_value, datetime)):
            raise ComponentError(_("DTSTART and DTEND are not both dates or both times"))
        end = _midnight(end_value, event_zone) if all_day else end_value  # type: ignore[arg-type]
        if end < start:
            raise ComponentError(_("DTEND is before DTSTART"))
    elif component.get("DURATION") is not None:
        duration = component["DURATION"].dt
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise ComponentError(_("DURATION is not a positive duration"))
        if all_day:
            end = _midnight(start_value + timedelta(days=duration.days or 1), event_zone)
        else:
            end = start + duration
    else:
        end = _midnight(start_value + timedelta(days=1), event_zone) if all_day else start
    if all_day and end == start:
        end = start + timedelta(days=1)
    return start, end, all_day, zone_id


def parse_vevent(
    component: icalendar.Event,
    label: str,
    zone: tzinfo,
    defined: set[str],
    areas: list[FocusArea],
) -> ParsedEvent:
    """Read one master/single VEVENT; ``ComponentError`` names what is wrong."""
    uid = str(component.get("UID", "") or "").strip()
    if not uid:
        raise ComponentError(_("UID missing"))
    if len(uid) > 255:
        raise ComponentError(_("UID longer than 255 characters"))
    start, end, all_day, zone_id = _times(component, zone, defined)
    rrules = component.get("RRULE")
    if rrules is not None and not isinstance(rrules, list):
        rrules = [rrules]
    try:
        rrule_text = "\n".join(
            check_rrule(r.to_ical().decode(), start if not all_day else None) for r in rrules or []
        )
    except ValueError as exc:
        raise ComponentError(f"RRULE: {exc}") from exc
    if zone_id == "UTC" and not rrule_text and not component.get("RDATE"):
        # A single event written in UTC (as Google does): show it in the calendar's zone.
        zone_id = zone_name(zone)
    event_zone = resolve_tzid(zone_id) or STOCKHOLM
    status = str(component.get("STATUS", "") or "").upper()
    klass = str(component.get("CLASS", "") or "").upper()
    event_type = str(component.get("X-SAMVERKA-TYPE", "") or "")
    last_modified = component.get("LAST-MODIFIED")
    if isinstance(last_modified, list):  # the property given twice: the first counts
        last_modified = last_modified[0]
    last_modified_dt = None
    if last_modified is not None and isinstance(last_modified.dt, datetime):
        last_modified_dt = last_modified.dt
        if last_modified_dt.tzinfo is None:
            last_modified_dt = last_modified_dt.replace(tzinfo=UTC)
    title = str(component.get("SUMMARY", "") or "").strip() or _("(untitled)")
    fields = {
        "title": title[:TITLE_MAX],
        "description": _description(component),
        "start": start,
        "end": end,
        "all_day": all_day,
        "timezone": zone_id,
        "place": str(component.get("LOCATION", "") or "").strip()[:PLACE_MAX],
        "url": _url(component),
        "status": EventStatus.CANCELLED if status == "CANCELLED" else EventStatus.PUBLISHED,
        "visibility": Visibility.MEMBERS
        if klass in {"PRIVATE", "CONFIDENTIAL"}
        else Visibility.PUBLIC,
        "event_type": event_type if event_type in EventType.values else EventType.OTHER,
        "rrule": rrule_text,
        "rdates": _date_lists(component, "RDATE", event_zone, defined, all_day),
        "exdates": _date_lists(component, "EXDATE", event_zone, defined, all_day),
    }
    return ParsedEvent(
        label=label,
        uid=uid,
        sequence=_int(component, "SEQUENCE"),
        last_modified=last_modified_dt,
        fields=fields,
        focus_areas=_focus_areas(_categories(component), areas),
        labels=[label],
    )


def parse_override(
    component: icalendar.Event, label: str, zone: tzinfo, defined: set[str]
) -> ParsedOverride:
    """Read one changed occurrence (a VEVENT with RECURRENCE-ID)."""
    start, end, _all_day, zone_id = _times(component, zone, defined)
    rid_value, _zone = _value(component["RECURRENCE-ID"], zone, defined)
    if not isinstance(rid_value, datetime):
        rid_value = _midnight(rid_value, resolve_tzid(zone_id) or STOCKHOLM)
    return ParsedOverride(
        label=label,
        recurrence_id=rid_value,
        start=start,
        end=end,
        title=str(component.get("SUMMARY", "") or "").strip()[:TITLE_MAX],
        description=_description(component),
        place=str(component.get("LOCATION", "") or "").strip()[:PLACE_MAX],
        cancelled=str(component.get("STATUS", "") or "").upper() == "CANCELLED",
        sequence=_int(component, "SEQUENCE"),
    )


def parse_events(
    calendars: list[icalendar.Calendar], report: EventImportReport
) -> list[ParsedEvent]:
    """Every event in the calendars with its overrides; errors go to ``report``."""
    areas = list(FocusArea.objects.all())
    parsed: dict[str, ParsedEvent] = {}
    pending_overrides: list[tuple[str, icalendar.Event, str, tzinfo, set[str]]] = []
    number = 0
    for calendar in calendars:
        zone = _default_zone(calendar)
        defined = {str(tz.get("TZID", "")) for tz in calendar.walk("VTIMEZONE")}
        for component in calendar.walk("VEVENT"):
            number += 1
            uid = str(component.get("UID", "") or "").strip()
            label = f"VEVENT {number}" + (f" (UID {uid})" if uid else "")
            report.rows += 1
            try:
                if component.get("RECURRENCE-ID") is not None and uid:
                    pending_overrides.append((uid, component, label, zone, defined))
                    continue
                event = parse_vevent(component, label, zone, defined, areas)
            except _BAD_COMPONENT as exc:
                report.add_error(0, label, str(exc))
                continue
            if event.uid in parsed:
                report.add_error(0, label, _("the UID appears twice in the file"))
                continue
            parsed[event.uid] = event
    for uid, component, label, zone, defined in pending_overrides:
        try:
            override = parse_override(component, label, zone, defined)
        except _BAD_COMPONENT as exc:
            report.add_error(0, label, str(exc))
            continue
        master = parsed.get(uid)
        # Only a known series takes overrides: an occurrence imported before without its
        # series became a single event, which this one updates (so a re-import changes nothing).
        known_series = Event.objects.filter(uid=uid).exclude(rrule="", rdates="")
        if master is None and known_series.exists():
            master = ParsedEvent(label, uid, -1, None, {}, [], labels=[])  # existing series
            parsed[uid] = master
        if master is None:
            # An occurrence without its series (an invitation to one date): a single event.
            try:
                single = parse_vevent(component, label, zone, defined, [])
            except _BAD_COMPONENT as exc:
                report.add_error(0, label, str(exc))
                continue
            parsed[uid] = single
            continue
        if any(o.recurrence_id == override.recurrence_id for o in master.overrides):
            # Two changes of one occurrence: which one holds is undefined (and a re-import
            # would flip between them), so the file is rejected.
            report.add_error(0, label, _("the RECURRENCE-ID appears twice for this UID"))
            continue
        master.overrides.append(override)
        master.labels.append(label)
    return list(parsed.values())


# --- writing -------------------------------------------------------------------------------


def _cluster(value: Any) -> Any:
    from samverka.clusters.models import Cluster

    if value is None or value == "":
        return None
    if isinstance(value, Cluster):
        return value
    try:
        return Cluster.objects.get(slug=str(value))
    except Cluster.DoesNotExist:
        raise ImportFileError(_("no cluster with the slug %(slug)r") % {"slug": value}) from None


def _is_newer(parsed: ParsedEvent, event: Event) -> bool:
    if parsed.sequence > event.sequence:
        return True
    if parsed.sequence < event.sequence:
        return False
    return bool(
        parsed.last_modified
        and (event.last_modified is None or parsed.last_modified > event.last_modified)
    )


def _may_update(event: Event, cluster: Any, source: CalendarSource | None, actor: Any) -> bool:
    if source is not None and event.source_id == source.pk:
        return True
    if (cluster.pk if cluster else None) != event.host_id:
        return False
    return actor is None or roles.can_edit_event(actor, event)


def _write_overrides(event: Event, overrides: list[ParsedOverride], *, replace: bool) -> None:
    keep = []
    for override in overrides:
        obj, _created = EventOverride.objects.update_or_create(
            event=event,
            recurrence_id=override.recurrence_id,
            defaults={
                "start": override.start,
                "end": override.end,
                "title": "" if override.title == event.title else override.title,
                "description": ""
                if override.description == event.description
                else override.description,
                "place": "" if override.place == event.place else override.place,
                "cancelled": override.cancelled,
                "sequence": override.sequence,
            },
        )
        keep.append(obj.pk)
    if replace:
        event.overrides.exclude(pk__in=keep).delete()


def _overrides_newer(event: Event, overrides: list[ParsedOverride]) -> bool:
    known = dict(event.overrides.values_list("recurrence_id", "sequence"))
    return any(
        o.recurrence_id not in known or o.sequence > known[o.recurrence_id] for o in overrides
    )


def _result(report: EventImportReport, parsed: ParsedEvent, result: str) -> None:
    for label in parsed.labels:
        report.components.append({"component": label, "uid": parsed.uid, "result": result})
        setattr(report, result, getattr(report, result) + 1)


def write_events(
    events: list[ParsedEvent],
    report: EventImportReport,
    *,
    cluster: Any,
    source: CalendarSource | None,
    actor: Any,
) -> None:
    """Create or update the events (inside the caller's transaction)."""
    existing = {
        e.uid: e for e in Event.objects.select_for_update().filter(uid__in=[p.uid for p in events])
    }
    for parsed in events:
        event = existing.get(parsed.uid)
        if event is not None and not _may_update(event, cluster, source, actor):
            report.add_error(
                0,
                parsed.label,
                _("an event with this UID already exists in another calendar"),
            )
            continue
        if event is None:
            event = Event(uid=parsed.uid, created_by=actor if _user(actor) else None)
            result = "created"
        elif parsed.fields and _is_newer(parsed, event):
            result = "updated"
        else:
            changed = _overrides_newer(event, parsed.overrides)
            if changed:
                _write_overrides(event, parsed.overrides, replace=False)
            _result(report, parsed, "updated" if changed else "unchanged")
            continue
        for name, value in parsed.fields.items():
            setattr(event, name, value)
        event.sequence = parsed.sequence
        event.last_modified = parsed.last_modified
        if result == "created":
            event.host = cluster
            event.source = source
        event.save()
        if cluster is not None:
            event.organisers.add(cluster)
        if parsed.focus_areas or result == "updated":
            event.focus_areas.set(parsed.focus_areas)
        _write_overrides(event, parsed.overrides, replace=True)
        audit.record(
            actor=actor if _user(actor) else None,
            action=f"event.imported.{result}",
            obj=event,
            changes={"uid": parsed.uid, "sequence": parsed.sequence},
        )
        _result(report, parsed, result)


def withdraw_missing_events(source: CalendarSource, uids: set[str]) -> int:
    """Cancel the coming, published events of ``source`` whose UID is not in ``uids``."""
    coming = Q(end__gte=dj_timezone.now()) | ~Q(rrule="") | ~Q(rdates="")
    missing = (
        Event.objects.filter(coming, source=source, status=EventStatus.PUBLISHED)
        .exclude(uid__in=uids)
        .order_by("pk")
    )
    count = 0
    for event in missing.select_for_update():
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        event.save(update_fields=["status", "sequence", "updated"])
        audit.record(
            actor=None,
            action="event.imported.withdrawn",
            obj=event,
            changes={"status": [EventStatus.PUBLISHED, EventStatus.CANCELLED]},
        )
        count += 1
    return count


def _user(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def read_bytes(file: IO[bytes] | IO[str] | bytes) -> bytes:
    """The file's bytes, refusing files over ``SAMVERKA_IMPORT_MAX_BYTES``."""
    if isinstance(file, bytes):
        data = file
    else:
        limit = settings.SAMVERKA_IMPORT_MAX_BYTES
        data = file.read(limit + 1)  # type: ignore[assignment]
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > limit:
            raise ImportFileError(
                _("the file is larger than %(mb)d MB") % {"mb": limit // 1_000_000}
            )
    return data


def import_calendar(
    file: IO[bytes] | IO[str] | bytes,
    *,
    cluster: Any = None,
    source: CalendarSource | None = None,
    actor: Any = None,
    dry_run: bool = False,
    withdraw_missing: bool = False,
) -> EventImportReport:
    """Import every VEVENT of an iCalendar file; nothing is written if any has an error.

    ``cluster`` (a Cluster or its slug) becomes host and organiser of new events. With
    ``source`` and ``withdraw_missing``, coming events imported from that source earlier that are
    no longer in the file are cancelled (they stay in feeds with STATUS:CANCELLED).
    """
    report = EventImportReport(kind="events", dry_run=dry_run)
    try:
        cluster = _cluster(cluster if cluster is not None else getattr(source, "cluster", None))
        calendars = read_calendar(read_bytes(file))
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report
    with warnings.catch_warnings():
        # "/vendor/Europe/Stockholm" TZIDs are what we expect; icalendar warns about them.
        warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
        events = parse_events(calendars, report)
    if report.errors:
        return report
    with transaction.atomic():
        write_events(events, report, cluster=cluster, source=source, actor=actor)
        if source is not None and withdraw_missing and not report.errors:
            report.withdrawn = withdraw_missing_events(source, {e.uid for e in events})
        if report.errors or dry_run:
            transaction.set_rollback(True)
    if report.errors:
        report.created = report.updated = report.unchanged = 0
    return report
