"""API of the events app (mounted under /api/v1/): events, their occurrences, and writes."""

# No "from __future__ import annotations": ninja must see the real types through @paginate.

from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status
from ninja.pagination import paginate

from samverka.actors.models import FocusArea
from samverka.api.auth import write_auth
from samverka.api.schemas import Pages
from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.events import services
from samverka.events.ical import check_rrule, event_url, format_date_list, parse_date_list
from samverka.events.models import Event, EventStatus, Visibility
from samverka.events.occurrences import MAX_RANGE_DAYS, occurrences
from samverka.events.schemas import (
    EventDetail,
    EventFilters,
    EventIn,
    EventOut,
    EventPatch,
    OccurrenceFilters,
    OccurrenceOut,
)
from samverka.events.timezones import STOCKHOLM, resolve_tzid
from samverka.geo.models import Area

router = Router(tags=["events"])


def _parse_day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(
            {field: [_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": value}]}
        ) from None


def _filtered(
    events: QuerySet[Event],
    *,
    cluster: str | None,
    focus: str | None,
    type: Any,
    county: str | None,
) -> QuerySet[Event]:
    if cluster:
        found = Cluster.objects.filter(slug=cluster).first()
        if found is None:
            raise ValidationError({"cluster": [_("No cluster “%(slug)s”.") % {"slug": cluster}]})
        events = events.filter(
            Q(pk__in=Event.objects.for_cluster(found.pk).values("pk")) | Q(host=found)
        )
    if focus:
        if not FocusArea.objects.filter(slug=focus).exists():
            raise ValidationError({"focus": [_("No focus area “%(slug)s”.") % {"slug": focus}]})
        events = events.filter(focus_areas__slug=focus)
    if type:
        events = events.filter(event_type=getattr(type, "value", type))
    if county:
        if not Area.objects.filter(code=county, kind="county").exists():
            raise ValidationError({"county": [_("No county “%(code)s”.") % {"code": county}]})
        events = events.filter(Q(municipality__parent__code=county) | Q(municipality__code=county))
    # No DISTINCT: the cluster filter is a subquery and the focus-area join meets at most one
    # row per event (one focus area by its unique slug, each linked to an event once).
    return events


def _visible(request: HttpRequest) -> QuerySet[Event]:
    return Event.objects.listed().filter(visibility=Visibility.PUBLIC)


def _with_related(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.select_related("host", "municipality").prefetch_related(
        "organisers", "focus_areas"
    )


@router.get(
    "/events", response=list[EventOut], summary="Published public events, filtered and paged"
)
@paginate(Pages)
def list_events(request: HttpRequest, filters: Query[EventFilters]) -> Any:
    """Published (and cancelled) public events by start time. ``cluster`` (slug) gives the
    cluster's own, co-organised and shared events; ``focus`` a focus area (slug); ``type`` the
    event type; ``county`` a county code; ``from``/``to`` dates (YYYY-MM-DD, inclusive)
    that the event overlaps. A recurring series is listed once (see ``/events/occurrences``)."""
    events = _filtered(
        _visible(request),
        cluster=filters.cluster,
        focus=filters.focus,
        type=filters.type,
        county=filters.county,
    )
    recurring = ~Q(rrule="") | ~Q(rdates="")
    if filters.start:
        lo = datetime.combine(_parse_day(filters.start, "from"), time(), tzinfo=STOCKHOLM)
        events = events.filter(Q(end__gte=lo) | recurring)
    if filters.end:
        hi = datetime.combine(_parse_day(filters.end, "to"), time(), tzinfo=STOCKHOLM)
        events = events.filter(start__lt=hi + timedelta(days=1))
    return _with_related(events).order_by("start", "pk")


@router.get(
    "/events/occurrences",
    response=list[OccurrenceOut],
    summary="Occurrences in a date range, recurring events expanded",
)
def list_occurrences(request: HttpRequest, filters: Query[OccurrenceFilters]) -> Any:
    """Every occurrence overlapping the half-open range [``start``, ``end``) in Europe/Stockholm
    time: an occurrence ending exactly at ``start`` or beginning exactly at ``end`` is outside.
    At most 366 days. Filters as for ``/events``."""
    start = _parse_day(filters.start, "start")
    end = _parse_day(filters.end, "end")
    if end <= start:
        raise ValidationError({"end": [_("The end must be after the start.")]})
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationError(
            {"end": [_("The range may be at most %(days)d days.") % {"days": MAX_RANGE_DAYS}]}
        )
    events = _filtered(
        _visible(request),
        cluster=filters.cluster,
        focus=filters.focus,
        type=filters.type,
        county=filters.county,
    )
    return [
        {
            "uid": o.uid,
            "title": o.title,
            "start": o.start,
            "end": o.end,
            "all_day": o.all_day,
            "cancelled": o.cancelled,
            "recurrence_id": o.recurrence_id,
            "place": o.place,
            "url": event_url(o.event),
        }
        for o in occurrences(events, start, end)
    ]


def _get_event(request: HttpRequest, uid: str) -> Event:
    event = _with_related(Event.objects.filter(uid=uid)).first()
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if event is None or not services.can_view_event(user, event):
        raise Http404(_("No event with the UID “%(uid)s”.") % {"uid": uid})
    return event


@router.get("/events/{uid}", response=EventDetail, summary="One event")
def get_event(request: HttpRequest, uid: str) -> Any:
    return _get_event(request, uid)


def _by_slug(model: Any, slugs: list[str], field: str) -> list[Any]:
    found = {obj.slug: obj for obj in model.objects.filter(slug__in=slugs)}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise ValidationError({field: [_("unknown: %(keys)s") % {"keys": ", ".join(unknown)}]})
    return [found[slug] for slug in dict.fromkeys(slugs)]


def _service_data(payload: dict[str, Any]) -> dict[str, Any]:
    """API fields as the arguments of ``services.create_event`` / ``update_event``."""
    data = dict(payload)
    errors: dict[str, list[str]] = {}
    if "host" in data:
        data["host"] = _by_slug(Cluster, [data["host"]], "host")[0] if data["host"] else None
    if data.get("organisers") is not None:
        data["organisers"] = _by_slug(Cluster, data["organisers"], "organisers")
    if data.get("focus_areas") is not None:
        data["focus_areas"] = _by_slug(FocusArea, data["focus_areas"], "focus_areas")
    if "municipality" in data:
        code = data["municipality"]
        data["municipality"] = (
            Area.objects.filter(code=code, kind="municipality").first() if code else None
        )
        if code and data["municipality"] is None:
            errors["municipality"] = [_("No municipality “%(code)s”.") % {"code": code}]
    if data.get("timezone") is not None:
        zone = resolve_tzid(data["timezone"])
        if zone is None:
            errors["timezone"] = [_("Unknown time zone.")]
        else:
            data["timezone"] = zone.key
    zone = resolve_tzid(data.get("timezone") or "") or STOCKHOLM
    for name in ("rdates", "exdates"):
        if data.get(name) is not None:
            try:
                data[name] = format_date_list(parse_date_list("\n".join(data[name]), zone), zone)
            except ValueError as exc:
                errors[name] = [str(exc)]
    if data.get("rrule"):
        try:
            data["rrule"] = check_rrule(data["rrule"])
        except ValueError as exc:
            errors["rrule"] = [_("Not a usable recurrence rule: %(error)s") % {"error": exc}]
    for name in ("event_type", "visibility", "status"):
        if data.get(name) is not None:
            data[name] = getattr(data[name], "value", data[name])
    # null clears these text columns (rdates/exdates: no dates); they cannot hold null (a 500).
    for name in (
        "description",
        "place",
        "online_url",
        "url",
        "rrule",
        "title",
        "rdates",
        "exdates",
    ):
        if name in data and data[name] is None:
            data[name] = ""
    if errors:
        raise ValidationError(errors)
    return data


@router.post("/events", response={201: EventDetail}, auth=write_auth, summary="Create an event")
def create_event(request: HttpRequest, payload: EventIn) -> Any:
    """``host`` and ``organisers`` are cluster slugs (a cluster manager must host on one of
    their clusters), ``focus_areas`` slugs, ``municipality`` a code. New events are drafts
    unless ``status`` says otherwise."""
    if not roles.can_create_event(request.auth):
        raise PermissionDenied(_("You may not create events."))
    data = _service_data(payload.dict())
    event = services.create_event(request.auth, data)
    return Status(201, _get_event(request, event.uid))


@router.patch("/events/{uid}", response=EventDetail, auth=write_auth, summary="Change an event")
def patch_event(request: HttpRequest, uid: str, payload: EventPatch) -> Any:
    """Only the fields sent are changed. A change to a published event raises its SEQUENCE;
    setting ``status`` to ``cancelled`` cancels it (registered people are told)."""
    event = Event.objects.filter(uid=uid).first()
    if event is None:
        raise Http404(_("No event with the UID “%(uid)s”.") % {"uid": uid})
    if not roles.can_edit_event(request.auth, event):
        raise PermissionDenied(
            _("You may not change the event “%(title)s”.") % {"title": event.title}
        )
    data = _service_data(payload.dict(exclude_unset=True))
    status = data.pop("status", None)
    if data:
        event = services.update_event(request.auth, event, data)
    if status == EventStatus.CANCELLED:
        services.cancel_event(request.auth, event)
    elif status == EventStatus.PUBLISHED:
        services.publish_event(request.auth, event)
    elif status is not None:
        services.update_event(request.auth, event, {"status": status})
    return _get_event(request, uid)
