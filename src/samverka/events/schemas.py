"""Schemas of the events API."""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from samverka.actors.models import FocusArea
from samverka.api.schemas import FocusAreaRef
from samverka.events.ical import event_url, event_zone, format_date_list, parse_date_list
from samverka.events.models import Event, EventStatus, EventType, Visibility


class ClusterRef(Schema):
    slug: str
    name: str


class EventOut(Schema):
    uid: str
    sequence: int
    title: str
    event_type: str
    status: str
    visibility: str
    start: datetime
    end: datetime
    all_day: bool
    timezone: str
    place: str
    municipality: str | None
    online_url: str
    host: ClusterRef | None
    organisers: list[ClusterRef]
    focus_areas: list[FocusAreaRef]
    rrule: str
    rdates: list[str]
    exdates: list[str]
    url: str
    updated: datetime

    @staticmethod
    def resolve_municipality(obj: Event) -> str | None:
        return obj.municipality.code if obj.municipality_id and obj.municipality else None

    @staticmethod
    def resolve_organisers(obj: Event) -> list[Any]:
        return list(obj.organisers.all())

    @staticmethod
    def resolve_focus_areas(obj: Event) -> list[FocusArea]:
        return list(obj.focus_areas.all())

    @staticmethod
    def resolve_rdates(obj: Event) -> list[str]:
        return _date_lines(obj, obj.rdates)

    @staticmethod
    def resolve_exdates(obj: Event) -> list[str]:
        return _date_lines(obj, obj.exdates)

    @staticmethod
    def resolve_url(obj: Event) -> str:
        return event_url(obj)


def _date_lines(event: Event, text: str) -> list[str]:
    """The kept RDATE/EXDATE values, one string each, local to the event's zone."""
    if not text.strip():
        return []
    zone = event_zone(event)
    try:
        return format_date_list(parse_date_list(text, zone), zone).split("\n")
    except ValueError:
        return [line for line in text.splitlines() if line.strip()]


class EventDetail(EventOut):
    description: str
    capacity: int | None
    registration_deadline: datetime | None
    registration_open: bool


class EventFilters(Schema):
    cluster: str | None = Field(None, description="A cluster's slug: its own and shared events.")
    focus: str | None = Field(None, description="A focus area's slug.")
    type: EventType | None = Field(None, description="The event type.")
    county: str | None = Field(None, description="A county code, e.g. 23.")
    start: str | None = Field(
        None, alias="from", description="Events ending on or after this date (YYYY-MM-DD)."
    )
    end: str | None = Field(
        None, alias="to", description="Events starting before the end of this date (YYYY-MM-DD)."
    )


class OccurrenceFilters(Schema):
    start: str = Field(..., description="First day (YYYY-MM-DD), Europe/Stockholm.")
    end: str = Field(..., description="Day after the last (YYYY-MM-DD): the range is [start, end).")
    cluster: str | None = Field(None, description="A cluster's slug: its own and shared events.")
    focus: str | None = Field(None, description="A focus area's slug.")
    type: EventType | None = Field(None, description="The event type.")
    county: str | None = Field(None, description="A county code, e.g. 23.")


class OccurrenceOut(Schema):
    uid: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    cancelled: bool
    recurrence_id: datetime | None
    place: str
    url: str


class EventIn(Schema):
    title: str
    event_type: EventType = EventType.OTHER
    description: str = Field("", description="HTML; it is sanitised.")
    start: datetime = Field(..., description="Local times without offset are Europe/Stockholm.")
    end: datetime
    all_day: bool = False
    timezone: str = "Europe/Stockholm"
    place: str = ""
    municipality: str | None = Field(None, description="A municipality code, e.g. 2380.")
    online_url: str = ""
    host: str | None = Field(None, description="The host cluster's slug (none: national).")
    organisers: list[str] = Field(
        default_factory=list, description="Co-organising clusters' slugs."
    )
    focus_areas: list[str] = Field(default_factory=list, description="Focus area slugs.")
    capacity: int | None = None
    registration_deadline: datetime | None = None
    registration_open: bool = True
    visibility: Visibility = Visibility.PUBLIC
    status: EventStatus = EventStatus.DRAFT
    rrule: str = Field("", description='An RRULE value, e.g. "FREQ=WEEKLY;COUNT=10".')
    rdates: list[str] = Field(default_factory=list, description='e.g. "20260105T100000".')
    exdates: list[str] = Field(default_factory=list, description='e.g. "20260112T100000".')
    url: str = ""


class EventPatch(Schema):
    title: str | None = None
    event_type: EventType | None = None
    description: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    all_day: bool | None = None
    timezone: str | None = None
    place: str | None = None
    municipality: str | None = None
    online_url: str | None = None
    host: str | None = None
    organisers: list[str] | None = None
    focus_areas: list[str] | None = None
    capacity: int | None = None
    registration_deadline: datetime | None = None
    registration_open: bool | None = None
    visibility: Visibility | None = None
    status: EventStatus | None = None
    rrule: str | None = None
    rdates: list[str] | None = None
    exdates: list[str] | None = None
    url: str | None = None
