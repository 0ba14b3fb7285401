"""Writing events as iCalendar (RFC 5545): feeds and invitations.

:func:`calendar_bytes` writes a VCALENDAR with one VEVENT per event and one per changed occurrence
(RECURRENCE-ID); :func:`invitation_bytes` writes the METHOD:REQUEST / METHOD:CANCEL calendar that
confirmation and cancellation emails carry. Recurrence is written back as it was kept: the rule
text in ``Event.rrule`` and the date lists in ``Event.rdates`` / ``Event.exdates`` (see
:func:`parse_date_list` for their format).
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, tzinfo
from email.utils import parseaddr
from functools import lru_cache
from html import unescape
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import icalendar
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone as dj_timezone
from django.utils.html import strip_tags

from samverka.events.timezones import STOCKHOLM, UTC, resolve_tzid, zone_name

if TYPE_CHECKING:
    from samverka.events.models import Event, EventOverride

PRODID = "-//Samverka//Samverka 0.1//SV"

# A compact Europe/Stockholm definition (the EU rules in force since 1996).
_STOCKHOLM_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Stockholm
X-LIC-LOCATION:Europe/Stockholm
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
"""


# --- text ------------------------------------------------------------------------------------

# RFC 5545 allows no control characters in TEXT but HTAB (and line breaks, written escaped); a
# byte-order mark is no text either (icalendar drops one that begins a value).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff]")


def ical_text(value: str) -> icalendar.vText:
    """``value`` as an iCalendar TEXT value: line breaks as LF (written ``\\n``), no control
    characters. icalendar's vText escapes backslashes, commas, semicolons and line breaks and
    the library folds the line; a plain ``str`` for a property it does not know (X-ALT-DESC,
    X-WR-CALNAME) would be written raw, and a line break in it refuses the whole feed.
    """
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return icalendar.vText(_CONTROL.sub("", text))


def param_text(value: str) -> str:
    """``value`` as a parameter value (CN): one line, no double quotes (RFC 5545 3.1)."""
    text = _CONTROL.sub("", re.sub(r"[\r\n\t]+", " ", str(value)))
    return text.replace('"', "'")


# --- recurrence date lists -------------------------------------------------------------------


def event_zone(event: Event) -> ZoneInfo:
    """The zone the event's local times are in (Stockholm unless it says otherwise)."""
    return resolve_tzid(event.timezone) or STOCKHOLM


def parse_date_list(text: str, zone: tzinfo = STOCKHOLM) -> list[date | datetime]:
    """The dates kept in ``Event.rdates`` / ``Event.exdates``.

    One value per line (commas also separate): ``20260105`` (a whole day), ``20260105T100000``
    (local time in ``zone``), ``20260105T090000Z`` (UTC) or ``TZID=Europe/Oslo:20260105T100000``.
    Unparsable values raise ``ValueError``.
    """
    values: list[date | datetime] = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        line_zone = zone
        match = re.match(r"^(?:[A-Z]+)?;?TZID=([^:]+):(.*)$", line)
        if match:
            line_zone = resolve_tzid(match.group(1)) or zone
            line = match.group(2)
        elif ":" in line:
            line = line.rsplit(":", 1)[1]
        for raw in line.split(","):
            raw = raw.strip()
            if not raw:
                continue
            if "/" in raw:  # a PERIOD: keep its start
                raw = raw.split("/", 1)[0]
            values.append(_parse_value(raw, line_zone))
    return values


def _parse_value(raw: str, zone: tzinfo) -> date | datetime:
    if re.fullmatch(r"\d{8}", raw):
        return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    match = re.fullmatch(r"(\d{8})T(\d{6})(Z?)", raw)
    if not match:
        raise ValueError(f"not an iCalendar date: {raw!r}")
    parsed = datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S")
    return parsed.replace(tzinfo=UTC if match.group(3) else zone)


def format_date_list(values: Iterable[date | datetime], zone: tzinfo = STOCKHOLM) -> str:
    """Values as kept in ``Event.rdates`` / ``Event.exdates``: one a line, local to ``zone``."""
    lines = []
    for value in values:
        if isinstance(value, datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            lines.append(value.astimezone(zone).strftime("%Y%m%dT%H%M%S"))
        else:
            lines.append(value.strftime("%Y%m%d"))
    return "\n".join(lines)


ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
#: At most this many values of each BY-part that multiplies the occurrences within a day: a
#: meeting calendar needs one minute and second and a few hours, and a longer list would make
#: one rule into thousands of occurrences a day (work without end for every calendar page).
MAX_BY_VALUES = {"BYSECOND": 1, "BYMINUTE": 1, "BYHOUR": 4}
#: Occurrences one series may have: a larger COUNT is refused, and a rule with UNTIL or without
#: end is expanded only up to this many (see :func:`bounded_rrule`).
MAX_SERIES_OCCURRENCES = 5000


def check_rrule(rule: str, start: datetime | None = None) -> str:
    """``rule`` (an RRULE value) checked and normalised; ``ValueError`` says what is wrong.

    The one check of recurrence rules for the API, the event form, .ics uploads and subscribed
    calendars. Only daily, weekly, monthly and yearly rules with a few times a day and at most
    :data:`MAX_SERIES_OCCURRENCES` occurrences are accepted: anything denser would make every
    calendar page walk through unreasonably many occurrences.
    """
    from dateutil.rrule import rrulestr
    from django.utils.translation import gettext as _

    rule = rule.strip().removeprefix("RRULE:").strip()
    try:
        parsed = icalendar.vRecur.from_ical(rule)
    except (ValueError, TypeError) as exc:
        raise ValueError(_("not a recurrence rule: %(rule)r") % {"rule": rule}) from exc
    freq = [str(f).upper() for f in parsed.get("FREQ", [])]
    if not freq:
        raise ValueError(_("the recurrence rule has no FREQ"))
    if freq[0] not in ALLOWED_FREQUENCIES:
        raise ValueError(
            _("FREQ=%(freq)s is not supported (DAILY, WEEKLY, MONTHLY or YEARLY)")
            % {"freq": freq[0]}
        )
    for part, most in MAX_BY_VALUES.items():
        if len(parsed.get(part, [])) > most:
            raise ValueError(
                _("%(part)s may have at most %(most)d value(s) in an event's recurrence rule")
                % {"part": part, "most": most}
            )
    counts = parsed.get("COUNT", [])
    if counts and int(counts[0]) > MAX_SERIES_OCCURRENCES:
        raise ValueError(
            _("COUNT may be at most %(most)d (a series has at most that many occurrences)")
            % {"most": MAX_SERIES_OCCURRENCES}
        )
    # Only the rule's syntax is checked here: with a naive start, and UNTIL without its zone
    # (calendars write UNTIL as a date, local time or UTC; recurring-ical-events copes with all).
    naive = (start or datetime(2000, 1, 1)).replace(tzinfo=None)
    try:
        rrulestr(re.sub(r"(UNTIL=\d{8}(?:T\d{6})?)Z", r"\1", rule), dtstart=naive)
    except (ValueError, TypeError) as exc:
        raise ValueError(
            _("the recurrence rule cannot be used: %(error)s") % {"error": exc}
        ) from exc
    return rule


_END_PART = re.compile(r"(?i)(?:^|;)(?:UNTIL|COUNT)=[^;]*")


@lru_cache(maxsize=2048)
def bounded_rrule(rule: str, start: datetime, all_day: bool) -> str:
    """``rule`` ended at its :data:`MAX_SERIES_OCCURRENCES`-th occurrence from ``start``.

    ``start`` is the series' first start, local to its zone. A COUNT is lowered to the cap; a rule
    with UNTIL or without end that would run past it gets the cap's instant as UNTIL (UTC, or a
    date for all-day series). Rules stored before the check existed are bounded the same way, so
    that no calendar page walks further than the cap to reach its range. Cached: the answer
    depends on the arguments only.
    """
    from dateutil.rrule import rrulestr

    parsed = icalendar.vRecur.from_ical(rule)
    counts = parsed.get("COUNT", [])
    if counts:
        if int(counts[0]) <= MAX_SERIES_OCCURRENCES:
            return rule
        parsed["COUNT"] = [MAX_SERIES_OCCURRENCES]
        return parsed.to_ical().decode()
    open_rule = _END_PART.sub("", rule).lstrip(";")
    walked = itertools.islice(rrulestr(open_rule, dtstart=start), MAX_SERIES_OCCURRENCES)
    number, last = 0, start
    for number, last in enumerate(walked, 1):  # noqa: B007 - the last one is wanted
        pass
    if number < MAX_SERIES_OCCURRENCES:
        return rule
    until = parsed.get("UNTIL", [])
    if until:
        value = until[0]
        if not isinstance(value, datetime):
            value = datetime.combine(value, datetime.max.time())
        if value.tzinfo is None:
            value = value.replace(tzinfo=start.tzinfo)
        if value <= last:
            return rule
    parsed["UNTIL"] = [last.date() if all_day else last.astimezone(UTC)]
    return parsed.to_ical().decode()


def rrule_lines(event: Event) -> list[str]:
    """The event's RRULE values (normally one)."""
    return [
        line.strip().removeprefix("RRULE:") for line in event.rrule.splitlines() if line.strip()
    ]


# --- export ----------------------------------------------------------------------------------


def calendar_bytes(
    events: Iterable[Event], *, name: str, method: str | None = None, url: str = ""
) -> bytes:
    """A VCALENDAR with one VEVENT per event and one per changed occurrence (RECURRENCE-ID)."""
    cal = _new_calendar(name=name, method=method, url=url)
    for event in events:
        for component in event_components(event):
            cal.add_component(component)
    return _finish(cal)


def invitation_bytes(
    event: Event, *, attendee_email: str, attendee_name: str, method: str = "REQUEST"
) -> bytes:
    """A METHOD:REQUEST (or CANCEL) calendar with ORGANIZER and ATTENDEE, for emails."""
    method = method.upper()
    cal = _new_calendar(name=event.title, method=method)
    components = event_components(event, with_overrides=method != "CANCEL")
    organiser_name, organiser_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    host = getattr(event, "host", None)
    for component in components:
        component.pop("DTSTAMP", None)  # in a message: when the message was made
        component.add("dtstamp", dj_timezone.now().astimezone(UTC))
        organizer = icalendar.vCalAddress(f"mailto:{organiser_email or 'noreply@localhost'}")
        organizer.params["CN"] = param_text(host.name if host else (organiser_name or "Samverka"))
        component.add("organizer", organizer)
        attendee = icalendar.vCalAddress(f"mailto:{attendee_email}")
        if attendee_name:
            attendee.params["CN"] = param_text(attendee_name)
        attendee.params["ROLE"] = "REQ-PARTICIPANT"
        attendee.params["PARTSTAT"] = "DECLINED" if method == "CANCEL" else "ACCEPTED"
        attendee.params["RSVP"] = "FALSE"
        component.add("attendee", attendee)
        if method == "CANCEL":
            component.pop("STATUS", None)
            component.add("status", "CANCELLED")
        cal.add_component(component)
    return _finish(cal)


def _new_calendar(*, name: str, method: str | None = None, url: str = "") -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method.upper())
    cal.add("x-wr-calname", ical_text(name))
    cal.add("x-wr-timezone", "Europe/Stockholm")
    if url:
        cal.add("url", url)
        cal.add("source", url)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    cal.add_component(icalendar.Timezone.from_ical(_STOCKHOLM_VTIMEZONE))
    return cal


def _finish(cal: icalendar.Calendar) -> bytes:
    used = {tzid for tzid in cal.get_used_tzids() if tzid != "Europe/Stockholm"}
    for tzid in sorted(used):
        cal.add_component(
            icalendar.Timezone.from_tzid(
                tzid, first_date=date(2000, 1, 1), last_date=date(2037, 12, 31)
            )
        )
    # VTIMEZONEs before VEVENTs, as some clients expect.
    cal.subcomponents.sort(key=lambda c: 0 if c.name == "VTIMEZONE" else 1)
    return cal.to_ical()


def event_components(event: Event, *, with_overrides: bool = True) -> list[icalendar.Event]:
    """The VEVENT of ``event`` and, if it recurs, one VEVENT per changed occurrence."""
    main = _vevent(event)
    components = [main]
    if with_overrides and event.is_recurring:
        for override in event.overrides.all():
            components.append(_override_vevent(event, override))
    return components


def _local(value: datetime, event: Event) -> date | datetime:
    """``value`` as written in the event: a date for all-day events, else local to its zone."""
    zone = event_zone(event)
    local = value.astimezone(zone)
    if event.all_day:
        return local.date()
    if zone_name(zone) == "UTC":
        return value.astimezone(UTC)
    return local


def _base(event: Event, uid: str, sequence: int) -> icalendar.Event:
    vevent = icalendar.Event()
    vevent.add("uid", uid)
    stamp = event.updated or dj_timezone.now()
    vevent.add("dtstamp", stamp.astimezone(UTC))
    vevent.add("sequence", sequence)
    return vevent


def _vevent(event: Event) -> icalendar.Event:
    from samverka.events.models import EventStatus, Visibility

    vevent = _base(event, event.uid, event.sequence)
    vevent.add("summary", ical_text(event.title))
    vevent.add("dtstart", _local(event.start, event))
    end = _local(event.end, event)
    if event.all_day and end <= _local(event.start, event):  # type: ignore[operator]
        end = _local(event.start, event) + timedelta(days=1)  # type: ignore[operator]
    vevent.add("dtend", end)
    if event.created:
        vevent.add("created", event.created.astimezone(UTC))
    vevent.add(
        "last-modified", (event.last_modified or event.updated or stamp_now()).astimezone(UTC)
    )
    description = html_to_text(event.description)
    if description:
        vevent.add("description", ical_text(description))
        vevent.add("x-alt-desc", ical_text(event.description), parameters={"FMTTYPE": "text/html"})
    location = _location(event)
    if location:
        vevent.add("location", ical_text(location))
    link = event_url(event)
    if link:
        # A link stored before URLs were checked may not be a URI: left out, the feed answers.
        with contextlib.suppress(ValueError):
            vevent.add("url", link)
    categories = event_categories(event)
    if categories:
        vevent.add("categories", [ical_text(c) for c in categories])
    vevent.add(
        "status",
        {
            EventStatus.PUBLISHED: "CONFIRMED",
            EventStatus.CANCELLED: "CANCELLED",
            EventStatus.DRAFT: "TENTATIVE",
        }.get(event.status, "CONFIRMED"),
    )
    vevent.add("class", "PUBLIC" if event.visibility == Visibility.PUBLIC else "PRIVATE")
    vevent.add("transp", "TRANSPARENT" if event.all_day else "OPAQUE")
    if event.event_type:
        vevent.add("x-samverka-type", event.event_type)
    _add_recurrence(vevent, event)
    return vevent


def stamp_now() -> datetime:
    return dj_timezone.now()


def _add_recurrence(vevent: icalendar.Event, event: Event) -> None:
    zone = event_zone(event)
    for rule in rrule_lines(event):
        try:
            vevent.add("rrule", icalendar.vRecur.from_ical(rule))
        except ValueError:  # a broken rule is left out rather than breaking the whole feed
            continue
    for prop, text in (("rdate", event.rdates), ("exdate", event.exdates)):
        try:
            values = parse_date_list(text, zone)
        except ValueError:
            continue
        if not values:
            continue
        if event.all_day:
            values = [v.astimezone(zone).date() if isinstance(v, datetime) else v for v in values]
        else:
            values = [_as_local(v, zone) for v in values]
        vevent.add(prop, values)


def _as_local(value: date | datetime, zone: ZoneInfo) -> date | datetime:
    if not isinstance(value, datetime):
        return value
    if zone_name(zone) == "UTC":
        return value.astimezone(UTC)
    return value.astimezone(zone)


def _override_vevent(event: Event, override: EventOverride) -> icalendar.Event:
    vevent = _base(event, event.uid, max(override.sequence, event.sequence))
    rid = _local(override.recurrence_id, event)
    if override.this_and_future:
        vevent.add("recurrence-id", rid, parameters={"RANGE": "THISANDFUTURE"})
    else:
        vevent.add("recurrence-id", rid)
    if override.all_day and not event.all_day:
        # A whole-day change of a timed series: DATE values, the end exclusive.
        zone = event_zone(event)
        start_day = override.start.astimezone(zone).date()
        vevent.add("dtstart", start_day)
        vevent.add(
            "dtend", max(override.end.astimezone(zone).date(), start_day + timedelta(days=1))
        )
    else:
        vevent.add("dtstart", _local(override.start, event))
        end = _local(override.end, event)
        if event.all_day and end <= _local(override.start, event):  # type: ignore[operator]
            end = _local(override.start, event) + timedelta(days=1)  # type: ignore[operator]
        vevent.add("dtend", end)
    vevent.add("summary", ical_text(override.title or event.title))
    description = html_to_text(override.description or event.description)
    if description:
        vevent.add("description", ical_text(description))
    location = override.place or _location(event)
    if location:
        vevent.add("location", ical_text(location))
    categories = event_categories(event)
    if categories:
        vevent.add("categories", [ical_text(c) for c in categories])
    cancelled = override.cancelled or event.status == "cancelled"
    vevent.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return vevent


def _location(event: Event) -> str:
    parts = [event.place]
    if event.municipality_id and event.municipality and event.municipality.name not in event.place:
        parts.append(event.municipality.name)
    if event.online_url and not event.place:
        parts.append(event.online_url)
    return ", ".join(p for p in parts if p)


def event_categories(event: Event) -> list[str]:
    """CATEGORIES: the organiser clusters (host first) and the focus areas."""
    names: list[str] = []
    if event.host_id and event.host:
        names.append(event.host.name)
    for cluster in event.organisers.all():
        if cluster.name not in names:
            names.append(cluster.name)
    for area in event.focus_areas.all():
        if area.name not in names:
            names.append(area.name)
    return names


def event_url(event: Event) -> str:
    """The event's page: its own web address, else its page here (absolute)."""
    if event.url:
        return event.url
    for name, args in (("events:detail", [event.uid]), ("events:detail", [event.pk])):
        try:
            return settings.SITE_URL + reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def html_to_text(html: str) -> str:
    """Sanitised HTML as plain text with line breaks, for DESCRIPTION."""
    if not html:
        return ""
    text = re.sub(r"(?i)<br\s*/?>", "\n", html)
    text = re.sub(r"(?i)</(p|div|h[1-6]|li|ul|ol|blockquote)>", "\n", text)
    text = re.sub(r"(?i)<li[^>]*>", "• ", text)
    text = unescape(strip_tags(text))
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
