"""Events expanded into occurrences, for calendar pages and the occurrences API.

A single event is one occurrence; a recurring event (RRULE, RDATE, EXDATE and its changed
occurrences) is expanded with the ``recurring-ical-events`` library, in the event's own time zone
so that a weekly 10:00 meeting stays at 10:00 local time across daylight-saving changes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import icalendar
import recurring_ical_events
from django.db.models import Q, QuerySet, prefetch_related_objects

from samverka.events.ical import bounded_rrule, event_components, event_zone
from samverka.events.models import Event, EventStatus
from samverka.events.timezones import STOCKHOLM

MAX_RANGE_DAYS = 366
MAX_PER_EVENT = 2000  # occurrences of one series in one range

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event; ``start``/``end`` are aware, in Europe/Stockholm."""

    event: Event
    uid: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    cancelled: bool
    recurrence_id: datetime | None = None
    place: str = ""

    @property
    def end_date(self) -> date:
        """The last day the occurrence covers (inclusive), for display."""
        last = self.end - timedelta(days=1) if self.all_day else self.end
        return max(last.date(), self.start.date())


def range_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """The half-open range [start, end) as Stockholm local midnights."""
    return (
        datetime.combine(start, time(), tzinfo=STOCKHOLM),
        datetime.combine(end, time(), tzinfo=STOCKHOLM),
    )


def occurrences(
    events_qs: QuerySet[Event] | Iterable[Event],
    start: date,
    end: date,
    *,
    prefetch: Iterable[str] = (),
) -> list[Occurrence]:
    """Every occurrence of ``events_qs`` overlapping [start, end) (Stockholm), by start time.

    An occurrence ending exactly at ``start`` or starting exactly at ``end`` is outside; one
    with no duration counts when it starts inside the range. A query set is read with its host
    and municipality, the changed occurrences and the ``prefetch`` lookups the caller shows
    (e.g. ``"organisers"``); nothing else is fetched for the events.
    """
    lo, hi = range_bounds(start, end)
    if isinstance(events_qs, QuerySet):
        events_qs = (
            events_qs.filter(start__lt=hi)
            .filter(Q(end__gt=lo) | Q(end=lo, start=lo) | ~Q(rrule="") | ~Q(rdates=""))
            .select_related("host", "municipality")
            .prefetch_related("overrides", *prefetch)
        )
    events = list(events_qs)
    # Expanding a series writes its iCalendar component, which names the organisers and focus
    # areas: fetched here for the recurring events only (one query each, not one per event).
    recurring = [event for event in events if event.is_recurring]
    if recurring:
        prefetch_related_objects(recurring, "organisers", "focus_areas")
    found: list[Occurrence] = []
    for event in events:
        if event.is_recurring:
            try:
                found.extend(_expand(event, lo, hi))
            except Exception:  # a broken rule must not break whole calendar pages
                logger.exception("cannot expand the recurring event %s", event.uid)
                occurrence = _single(event)
                if _overlaps(occurrence.start, occurrence.end, lo, hi):
                    found.append(occurrence)
        else:
            occurrence = _single(event)
            if _overlaps(occurrence.start, occurrence.end, lo, hi):
                found.append(occurrence)
    found.sort(key=lambda o: (o.start, o.end, o.title, o.uid))
    return found


def _overlaps(start: datetime, end: datetime, lo: datetime, hi: datetime) -> bool:
    if end <= start:
        return lo <= start < hi
    return start < hi and end > lo


def _single(event: Event) -> Occurrence:
    return Occurrence(
        event=event,
        uid=event.uid,
        title=event.title,
        start=event.start.astimezone(STOCKHOLM),
        end=event.end.astimezone(STOCKHOLM),
        all_day=event.all_day,
        cancelled=event.status == EventStatus.CANCELLED,
        place=event.place,
    )


def _aware(value: date | datetime, event: Event) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=event_zone(event))
        return value.astimezone(STOCKHOLM)
    return datetime.combine(value, time(), tzinfo=STOCKHOLM)


def _bound_rules(main: icalendar.Event, event: Event) -> None:
    """End each of the series' rules at the cap on a series' occurrences (``bounded_rrule``).

    Expanding walks from the series' first occurrence to the requested range; with the cap the
    walk is at most that many steps per rule, whenever the series began and whatever its rule.
    """
    rules = main.get("RRULE")
    if rules is None:
        return
    first = event.start.astimezone(event_zone(event))
    main.pop("RRULE")
    for rule in rules if isinstance(rules, list) else [rules]:
        bounded = bounded_rrule(rule.to_ical().decode(), first, event.all_day)
        main.add("rrule", icalendar.vRecur.from_ical(bounded))


def _expand(event: Event, lo: datetime, hi: datetime) -> list[Occurrence]:
    cal = _master_calendar(event)
    for component in event_components(event)[1:]:
        cal.add_component(component)
    # Start a day early; the exact half-open test is ours. "after" yields in start order, so we
    # stop at the end of the range (and after MAX_PER_EVENT occurrences, whatever the rule).
    window = []
    for component in recurring_ical_events.of(cal).after(lo - timedelta(days=1)):
        if _aware(component.decoded("DTSTART"), event) >= hi or len(window) >= MAX_PER_EVENT:
            break
        window.append(component)
    found = []
    for component in window:
        start = _aware(component.decoded("DTSTART"), event)
        if "DTEND" in component:
            end = _aware(component.decoded("DTEND"), event)
        else:
            end = start + (event.end - event.start)
        if not _overlaps(start, end, lo, hi):
            continue
        rid = component.get("RECURRENCE-ID")
        recurrence_id = _aware(rid.dt, event) if rid is not None else start
        cancelled = (
            str(component.get("STATUS", "")).upper() == "CANCELLED"
            or event.status == EventStatus.CANCELLED
        )
        found.append(
            Occurrence(
                event=event,
                uid=event.uid,
                title=str(component.get("SUMMARY", event.title)),
                start=start,
                end=end,
                all_day=not isinstance(component.decoded("DTSTART"), datetime),
                cancelled=cancelled,
                recurrence_id=recurrence_id,
                place=str(component.get("LOCATION", event.place) or ""),
            )
        )
    return found


def _master_calendar(event: Event) -> icalendar.Calendar:
    """A calendar of the series alone (no changed occurrences), its rules bounded."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Samverka//expand//")
    cal.add("version", "2.0")
    [main] = event_components(event, with_overrides=False)
    _bound_rules(main, event)
    cal.add_component(main)
    return cal


def drop_stale_overrides(event: Event) -> int:
    """Delete the changed occurrences whose RECURRENCE-ID the series no longer reaches.

    A change belongs to one original start; once the rule, its dates or the start moved away
    from it, keeping it would show the change as an extra date. Returns how many were dropped.
    """
    overrides = list(event.overrides.all())
    if not overrides:
        return 0
    stale = [o.pk for o in overrides]
    if event.is_recurring:
        zone = event_zone(event)
        rids = [o.recurrence_id for o in overrides]
        found = recurring_ical_events.of(_master_calendar(event)).between(
            min(rids) - timedelta(days=1), max(rids) + timedelta(days=1)
        )
        starts: set[date | datetime] = set()
        for component in found:
            value = component.decoded("DTSTART")
            starts.add(value if not isinstance(value, datetime) else _aware(value, event))
        stale = [
            o.pk
            for o in overrides
            if (o.recurrence_id.astimezone(zone).date() if event.all_day else o.recurrence_id)
            not in starts
        ]
    if stale:
        event.overrides.filter(pk__in=stale).delete()
    return len(stale)
