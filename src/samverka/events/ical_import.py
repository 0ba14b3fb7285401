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
from samverka.events.occurrences import drop_stale_overrides
from samverka.events.timezones import STOCKHOLM, UTC, resolve_tzid, zone_name

TITLE_MAX = Event._meta.get_field("title").max_length or 300
PLACE_MAX = Event._meta.get_field("place").max_length or 300
_HTML = re.compile(r"<(p|br|a|b|i|u|em|strong|ul|ol|li|div|span|h[1-6]|table)\b[^>]*>", re.I)


class ComponentError(Exception):
    """One VEVENT cannot be imported; the message says why (and ``prop`` which property)."""

    def __init__(self, message: str, prop: str = "") -> None:
        super().__init__(message)
        self.prop = prop


# What reading one VEVENT may raise: ours, and icalendar's InvalidCalendar for a value it could
# not read (LAST-MODIFIED of 20260230), which it reports only when the value is used.
_BAD_COMPONENT = (ComponentError, InvalidCalendar, OverflowError)


@dataclass
class EventImportReport(ImportReport):
    """The import report with one line per VEVENT: what happened to it."""

    components: list[dict[str, Any]] = field(default_factory=list)
    #: What was read leniently (an empty RRULE, a UID given twice): imported, but worth a look.
    warnings: list[str] = field(default_factory=list)
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
    all_day: bool = False
    this_and_future: bool = False
    last_modified: datetime | None = None
    stamp: datetime | None = None


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
    #: DTSTAMP: the last tie-breaker between two copies of one UID in a file.
    stamp: datetime | None = None

    def version(self) -> tuple[int, datetime, datetime]:
        """What decides which of two copies of one UID is newer: SEQUENCE, LAST-MODIFIED, DTSTAMP."""
        return (self.sequence, self.last_modified or _EARLIEST, self.stamp or _EARLIEST)


_EARLIEST = datetime(1, 1, 2, tzinfo=UTC)


# --- reading -------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("not an iCalendar file: it contains binary data"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def component_lines(data: bytes) -> list[dict[str, list[int]]]:
    """For each VEVENT in file order, the line numbers (from 1) of its properties by name.

    icalendar keeps no line numbers; this second look at the text lets an error name the line.
    """
    found: list[dict[str, list[int]]] = []
    depth = 0  # 1 inside a VEVENT, more inside its VALARMs
    for number, line in enumerate(re.split(r"\r\n|\n|\r", _decode(data)), 1):
        if not line or line[0] in " \t":
            continue
        name = re.match(r"[A-Za-z0-9-]*", line).group().upper()  # type: ignore[union-attr]
        value = line[len(name) + 1 :].strip().upper()
        if name == "BEGIN" and (depth or value == "VEVENT"):
            if not depth:
                found.append({})
            depth += 1
        elif name == "END" and depth:
            depth -= 1
        elif depth == 1:
            found[-1].setdefault(name, []).append(number)
    return found


def read_calendar(data: bytes) -> list[icalendar.Calendar]:
    """The VCALENDARs in ``data``; ``ImportFileError`` when it is not iCalendar."""
    text = _decode(data)
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


def _once(component: icalendar.Event, name: str) -> Any:
    """The property ``name``, which may be given once only (DTSTART, DTEND, RECURRENCE-ID…)."""
    prop = component.get(name)
    if isinstance(prop, list):
        raise ComponentError(
            _("%(property)s is given %(count)d times; it may be given only once")
            % {"property": name, "count": len(prop)},
            name,
        )
    return prop


def _read(
    component: icalendar.Event, name: str, zone: tzinfo, defined: set[str]
) -> tuple[date | datetime, str]:
    """The date-time property ``name`` (given once) read with :func:`_value`."""
    try:
        return _value(_once(component, name), zone, defined)
    except (ValueError, AttributeError) as exc:
        raise ComponentError(
            _("%(property)s cannot be read: %(error)s") % {"property": name, "error": exc}, name
        ) from exc


def _value(prop: Any, default_zone: tzinfo, defined: set[str]) -> tuple[date | datetime, str]:
    """A DTSTART-like property as an aware datetime (or a date) and the IANA zone it was in."""
    raw = prop.dt
    if isinstance(raw, time) or not isinstance(raw, date):
        raise ValueError(_("a time without a date (%(value)s)") % {"value": raw})
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
            if isinstance(raw, time) or not isinstance(raw, date):
                raise ComponentError(
                    _("%(property)s holds %(value)s, a time without a date")
                    % {"property": name, "value": raw},
                    name,
                )
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
    start_value, zone_id = _read(component, "DTSTART", zone, defined)
    all_day = not isinstance(start_value, datetime)
    event_zone = resolve_tzid(zone_id) or STOCKHOLM
    start = _midnight(start_value, event_zone) if all_day else start_value  # type: ignore[arg-type]
    if component.get("DTEND") is not None:
        end_value, _zone = _read(component, "DTEND", zone, defined)
        if all_day != (not isinstance(end_value, datetime)):
            raise ComponentError(_("DTSTART and DTEND are not both dates or both times"), "DTEND")
        end = _midnight(end_value, event_zone) if all_day else end_value  # type: ignore[arg-type]
        if end < start:
            raise ComponentError(_("DTEND is before DTSTART"), "DTEND")
    elif (duration_prop := _once(component, "DURATION")) is not None:
        duration = duration_prop.dt
        if not isinstance(duration, timedelta) or duration < timedelta(0):
            raise ComponentError(_("DURATION is not a positive duration"), "DURATION")
        if all_day:
            end = _midnight(start_value + timedelta(days=duration.days or 1), event_zone)
        else:
            end = start + duration
    else:
        end = _midnight(start_value + timedelta(days=1), event_zone) if all_day else start
    if all_day and end == start:
        end = start + timedelta(days=1)
    return start, end, all_day, zone_id


def _stamp(component: icalendar.Event, name: str) -> datetime | None:
    """LAST-MODIFIED or DTSTAMP as an aware datetime (the first, if given twice)."""
    prop = component.get(name)
    if isinstance(prop, list):
        prop = prop[0]
    if prop is None or not isinstance(prop.dt, datetime):
        return None
    value = prop.dt
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _rules(
    component: icalendar.Event, start: datetime | None, label: str, warnings: list[str]
) -> str:
    """The RRULE values checked (``check_rrule``); an empty ``RRULE:`` line is left out."""
    rrules = component.get("RRULE")
    if rrules is not None and not isinstance(rrules, list):
        rrules = [rrules]
    checked = []
    for rule in rrules or []:
        text = rule.to_ical().decode().strip()
        if not text:
            warnings.append(_("%(label)s: an empty RRULE was left out") % {"label": label})
            continue
        try:
            checked.append(check_rrule(text, start))
        except ValueError as exc:
            raise ComponentError(str(exc), "RRULE") from exc
    return "\n".join(checked)


def parse_vevent(
    component: icalendar.Event,
    label: str,
    zone: tzinfo,
    defined: set[str],
    areas: list[FocusArea],
    warnings: list[str] | None = None,
) -> ParsedEvent:
    """Read one master/single VEVENT; ``ComponentError`` names what is wrong."""
    uid = str(component.get("UID", "") or "").strip()
    if not uid:
        raise ComponentError(_("UID missing"))
    if len(uid) > 255:
        raise ComponentError(_("UID longer than 255 characters"), "UID")
    start, end, all_day, zone_id = _times(component, zone, defined)
    rrule_text = _rules(
        component, start if not all_day else None, label, [] if warnings is None else warnings
    )
    if zone_id == "UTC":
        # Written in UTC (as Google does): kept in the calendar's zone, where its exporter (and
        # every client applying X-WR-TIMEZONE) repeats it, so that a weekly 10:00 stays at 10:00
        # local time across a change to or from daylight saving time, here as in their clients.
        zone_id = zone_name(zone)
    event_zone = resolve_tzid(zone_id) or STOCKHOLM
    status = str(component.get("STATUS", "") or "").upper()
    klass = str(component.get("CLASS", "") or "").upper()
    event_type = str(component.get("X-SAMVERKA-TYPE", "") or "")
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
        last_modified=_stamp(component, "LAST-MODIFIED"),
        fields=fields,
        focus_areas=_focus_areas(_categories(component), areas),
        labels=[label],
        stamp=_stamp(component, "DTSTAMP"),
    )


def parse_override(
    component: icalendar.Event, label: str, zone: tzinfo, defined: set[str]
) -> ParsedOverride:
    """Read one changed occurrence (a VEVENT with RECURRENCE-ID)."""
    start, end, all_day, zone_id = _times(component, zone, defined)
    rid_value, _zone = _read(component, "RECURRENCE-ID", zone, defined)
    rid = component["RECURRENCE-ID"]
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
        all_day=all_day,
        this_and_future=str(rid.params.get("RANGE", "")).upper() == "THISANDFUTURE",
        last_modified=_stamp(component, "LAST-MODIFIED"),
        stamp=_stamp(component, "DTSTAMP"),
    )


def _component_error(exc: Exception, lines: dict[str, list[int]]) -> str:
    """The error of one component, naming the line of the property it is about."""
    prop = getattr(exc, "prop", "")
    if not prop and isinstance(exc, InvalidCalendar):
        found = re.search(r"property '([A-Za-z-]+)'", str(exc))
        prop = found.group(1).upper() if found else ""
    named = bool(prop) and str(exc).startswith(prop)
    if prop and lines.get(prop):
        if named:
            return _("line %(line)d: %(error)s") % {"line": lines[prop][0], "error": exc}
        return _("line %(line)d, %(property)s: %(error)s") % {
            "line": lines[prop][0],
            "property": prop,
            "error": exc,
        }
    return f"{prop}: {exc}" if prop and not named else str(exc)


_Pending = tuple[ParsedOverride, icalendar.Event, str, tzinfo, set[str]]


def parse_events(
    calendars: list[icalendar.Calendar],
    report: EventImportReport,
    lines: list[dict[str, list[int]]] | None = None,
) -> list[ParsedEvent]:
    """Every event in the calendars with its overrides; errors go to ``report``.

    ``lines`` (from :func:`component_lines`) lets an error name the line of the property.
    """
    areas = list(FocusArea.objects.all())
    parsed: dict[str, ParsedEvent] = {}
    pending: dict[str, list[_Pending]] = {}
    number = 0
    for calendar in calendars:
        zone = _default_zone(calendar)
        defined = {str(tz.get("TZID", "")) for tz in calendar.walk("VTIMEZONE")}
        for component in calendar.walk("VEVENT"):
            number += 1
            where = lines[number - 1] if lines and number <= len(lines) else {}
            uid = str(component.get("UID", "") or "").strip()
            label = f"VEVENT {number}" + (f" (UID {uid})" if uid else "")
            report.rows += 1
            try:
                if component.get("RECURRENCE-ID") is not None and uid:
                    override = parse_override(component, label, zone, defined)
                    pending.setdefault(uid, []).append((override, component, label, zone, defined))
                    continue
                event = parse_vevent(component, label, zone, defined, areas, report.warnings)
            except _BAD_COMPONENT as exc:
                report.add_error(0, label, _component_error(exc, where))
                continue
            known = parsed.get(event.uid)
            if known is not None:
                # A stale copy must not block the whole file (a subscription would stop): the
                # newest copy is kept.
                newer = event if event.version() > known.version() else known
                older = known if newer is event else event
                report.warnings.append(
                    _("%(label)s: the UID appears twice in the file; %(kept)s is imported")
                    % {"label": older.label, "kept": newer.label}
                )
                parsed[event.uid] = newer
                continue
            parsed[event.uid] = event
    for uid, items in pending.items():
        master = parsed.get(uid)
        if master is None and Event.objects.filter(uid=uid).exclude(rrule="").exists():
            # Changed occurrences of a series imported before (an update of some dates).
            master = ParsedEvent(items[0][2], uid, -1, None, {}, [], labels=[])
            parsed[uid] = master
        if master is None:
            try:
                master = _series_of_occurrences(items)
            except _BAD_COMPONENT as exc:
                report.add_error(0, items[0][2], str(exc))
                continue
            parsed[uid] = master
            if not master.fields.get("rdates"):
                continue  # one occurrence alone: a single event
        for override, _component, label, _zone, _defined in items:
            if any(o.recurrence_id == override.recurrence_id for o in master.overrides):
                # Two changes of one occurrence: which one holds is undefined (and a re-import
                # would flip between them), so the file is rejected.
                report.add_error(0, label, _("the RECURRENCE-ID appears twice for this UID"))
                continue
            master.overrides.append(override)
            if label not in master.labels:
                master.labels.append(label)
    return list(parsed.values())


def _series_of_occurrences(items: list[_Pending]) -> ParsedEvent:
    """The series that changed occurrences without their master stand for (as Google exports
    the dates one was invited to): the first occurrence as master, the others as RDATEs.

    One occurrence alone is a single event (an invitation to one date).
    """
    items = sorted(items, key=lambda item: item[0].recurrence_id)
    first, component, label, zone, defined = items[0]
    single = parse_vevent(component, label, zone, defined, [])
    if len(items) == 1:
        return single
    fields = single.fields
    event_zone = resolve_tzid(fields["timezone"]) or STOCKHOLM
    rids: list[date | datetime] = [item[0].recurrence_id for item in items]
    if first.all_day:
        rids = [rid.astimezone(event_zone).date() for rid in rids]  # type: ignore[union-attr]
    fields["start"] = first.recurrence_id
    fields["end"] = first.recurrence_id + (first.end - first.start)
    fields["rdates"] = format_date_list(rids[1:], event_zone)
    overrides = [item[0] for item in items]
    return ParsedEvent(
        label=label,
        uid=single.uid,
        sequence=max(o.sequence for o in overrides),
        last_modified=max((o.last_modified for o in overrides if o.last_modified), default=None),
        fields=fields,
        focus_areas=[],
        labels=[],
        stamp=max((o.stamp for o in overrides if o.stamp), default=None),
    )


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
                "all_day": override.all_day and not event.all_day,
                "this_and_future": override.this_and_future,
            },
        )
        keep.append(obj.pk)
    if replace:
        event.overrides.exclude(pk__in=keep).delete()
    drop_stale_overrides(event)


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
        data = read_bytes(file)
        calendars = read_calendar(data)
    except ImportFileError as exc:
        report.file_error = str(exc)
        return report
    with warnings.catch_warnings():
        # "/vendor/Europe/Stockholm" TZIDs are what we expect; icalendar warns about them.
        warnings.simplefilter("ignore", GloballyUniqueTZIDGuessed)
        events = parse_events(calendars, report, component_lines(data))
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
