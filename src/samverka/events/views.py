"""Pages of events: the calendar, event pages, the event editor, registration, the manager page
(check-in, attendee exports, counts, sharing) and forwarding shared events."""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.events import services
from samverka.events.feed_views import webcal_url
from samverka.events.forms import CalendarFilterForm, EventForm, RegistrationForm, ShareForm
from samverka.events.models import Event, EventShare, EventStatus, Registration

# --------------------------------------------------------------------------- occurrences


def _occurrences(events: QuerySet[Event], start: dt.date, end: dt.date) -> list[Any]:
    """Occurrences between two dates (recurring events expanded by the iCalendar module)."""
    from samverka.events.occurrences import occurrences

    return occurrences(events, start, end)


def _local_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _days_of(occurrence: Any) -> list[dt.date]:
    """The local days an occurrence covers (all-day ends are exclusive)."""
    first = _local_date(occurrence.start)
    last = _local_date(occurrence.end)
    if occurrence.all_day or (
        isinstance(occurrence.end, dt.datetime)
        and timezone.localtime(occurrence.end).time() == dt.time(0)
        and last > first
    ):
        last -= dt.timedelta(days=1)
    last = max(first, last)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


# --------------------------------------------------------------------------- calendar


def filtered_events(user: Any, params: dict[str, str]) -> QuerySet[Event]:
    """Listed events the user may see, filtered by cluster, focus area, type and county."""
    events = services.visible_events(user)
    if slug := params.get("cluster"):
        events = events.filter(
            Q(host__slug=slug) | Q(organisers__slug=slug) | Q(shares__cluster__slug=slug)
        )
    if focus := params.get("focus"):
        events = events.filter(focus_areas__slug=focus)
    if kind := params.get("type"):
        events = events.filter(event_type=kind)
    if county := params.get("county"):
        events = events.filter(Q(municipality__parent__code=county) | Q(host__regions__code=county))
    events = Event.objects.filter(pk__in=events.values("pk")).select_related("host")
    # A cluster's calendar marks events shared with it (CalendarItem reads the organisers); the
    # national calendar shows nothing else of the related rows.
    return events.prefetch_related("organisers") if params.get("cluster") else events


def _month_of(value: str) -> dt.date:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in value.split("-"))
        return dt.date(year, month, 1)
    except (ValueError, AttributeError):
        return today.replace(day=1)


def _shift(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


class CalendarItem:
    """An occurrence as a calendar shows it, with the host when another cluster shared it."""

    def __init__(self, occurrence: Any, cluster: Cluster | None) -> None:
        self.occurrence = occurrence
        event = occurrence.event
        self.shared_by = None
        if (
            cluster is not None
            and event.host_id
            and event.host_id != cluster.pk
            and cluster.pk not in {c.pk for c in event.organisers.all()}
        ):
            self.shared_by = event.host
        self.sort_key = _sort_key(occurrence.start)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.occurrence, name)


def _sort_key(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(dt.datetime.combine(value, dt.time.min))


def _calendar_context(request: HttpRequest, cluster: Cluster | None = None) -> dict[str, Any]:
    data = request.GET.copy()
    data.setdefault("month", f"{timezone.localdate():%Y-%m}")
    form = CalendarFilterForm(data)
    params = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    if cluster is not None:
        params["cluster"] = cluster.slug
    view = params.get("view") or "month"
    month = _month_of(params.get("month", ""))
    events = filtered_events(request.user, params)
    if view == "list":
        first, last = month, _shift(month, 6)
    else:
        weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
        first, last = weeks[0][0], weeks[-1][-1] + dt.timedelta(days=1)
    occurrences = [CalendarItem(o, cluster) for o in _occurrences(events, first, last)]
    occurrences.sort(key=lambda item: item.sort_key)
    context: dict[str, Any] = {
        "form": form,
        "cluster": cluster,
        "view": view,
        "month": month,
        "occurrences": occurrences,
        "can_create": roles.can_create_event(request.user),
    }
    query = {k: v for k, v in params.items() if k not in {"month", "cluster"} or not cluster}
    query.pop("month", None)
    context["prev_query"] = urlencode({**query, "month": _shift(month, -1).strftime("%Y-%m")})
    context["next_query"] = urlencode({**query, "month": _shift(month, 1).strftime("%Y-%m")})
    context["list_query"] = urlencode({**query, "view": "list", "month": f"{month:%Y-%m}"})
    context["month_query"] = urlencode({**query, "view": "month", "month": f"{month:%Y-%m}"})
    if view == "month":
        by_day: dict[dt.date, list[Any]] = defaultdict(list)
        for occurrence in occurrences:
            for day in _days_of(occurrence):
                by_day[day].append(occurrence)
        today = timezone.localdate()
        context["weeks"] = [
            [
                {
                    "date": day,
                    "in_month": day.month == month.month,
                    "today": day == today,
                    "items": by_day.get(day, []),
                }
                for day in week
            ]
            for week in weeks
        ]
    else:
        grouped: dict[dt.date, list[Any]] = defaultdict(list)
        for occurrence in occurrences:
            grouped[_local_date(occurrence.start)].append(occurrence)
        context["days"] = sorted(grouped.items())
    return context


@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    """The national calendar: month grid or list, filtered by GET parameters (htmx-updated)."""
    context = _calendar_context(request)
    context["feed_url"] = webcal_url(request, reverse("events:feed"))
    context["action"] = reverse("events:calendar")
    template = "events/calendar.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@require_GET
def cluster_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """A cluster's calendar: its own, co-organised and shared events (marked with the host)."""
    cluster = get_object_or_404(Cluster, slug=slug)
    context = _calendar_context(request, cluster)
    context["feed_url"] = webcal_url(request, reverse("events:cluster-feed", args=[cluster.slug]))
    context["action"] = reverse("events:cluster-calendar", args=[cluster.slug])
    template = "events/calendar.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


# --------------------------------------------------------------------------- event pages


def _event_for_viewer(request: HttpRequest, uid: str) -> Event | None:
    """The event if the user may see it; None when an anonymous visitor must log in first
    (members-only events); 404 for others' drafts, 403 for logged-in non-members."""
    event = get_object_or_404(Event.objects.select_related("host", "municipality"), uid=uid)
    if services.can_view_event(request.user, event):
        return event
    if event.status == EventStatus.DRAFT:
        raise Http404
    if not request.user.is_authenticated:
        return None
    raise PermissionDenied


def _detail_context(request: HttpRequest, event: Event, form: RegistrationForm | None) -> dict:
    user = request.user
    can_edit = roles.can_edit_event(user, event)
    managed = roles.managed_cluster_ids(user)
    shares = list(event.shares.select_related("cluster"))
    forwardable = [s for s in shares if s.cluster_id in managed or roles.is_platform_admin(user)]
    organisation_names = (
        Organisation.objects.filter(
            memberships__cluster__in=[*event.organisers.all(), *(s.cluster for s in shares)]
        )
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()[:500]
    )
    return {
        "event": event,
        "organisers": list(event.organisers.all()),
        "focus_areas": list(event.focus_areas.all()),
        "shares": shares,
        "forwardable": forwardable,
        "can_edit": can_edit,
        "closed_reason": services.registration_closed_reason(event),
        "form": form or RegistrationForm(initial=_registrant_initial(user)),
        "organisation_names": organisation_names,
        "seats_left": _seats_left(event),
        "next_dates": _next_dates(event),
        "event_url": request.build_absolute_uri(),
    }


def _next_dates(event: Event, count: int = 10) -> list[Any]:
    """The coming occurrences of a recurring event (none for a single one)."""
    if not event.is_recurring:
        return []
    today = timezone.localdate()
    return _occurrences(Event.objects.filter(pk=event.pk), today, today + dt.timedelta(days=366))[
        :count
    ]


def _registrant_initial(user: Any) -> dict[str, str]:
    """A logged-in user's name, email and organisation, to fill in the form."""
    if not user.is_authenticated:
        return {}
    person = roles.person_of(user)
    organisation = person.organisation if person else None
    return {
        "name": (person.name if person else "") or user.get_full_name(),
        "email": user.email,
        "organisation": organisation.name if organisation else "",
        "gender": (person.gender if person else "") or "",
    }


def _seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    taken = event.registrations.filter(status="confirmed").count()
    return max(event.capacity - taken, 0)


@require_GET
def detail(request: HttpRequest, uid: str) -> HttpResponse:
    event = _event_for_viewer(request, uid)
    if event is None:
        return redirect_to_login(request.get_full_path())
    return render(request, "events/detail.html", _detail_context(request, event, None))


@require_POST
def register(request: HttpRequest, uid: str) -> HttpResponse:
    """The public registration form: confirmed or waiting list, mailed with the event."""
    event = _event_for_viewer(request, uid)
    if event is None:
        return redirect_to_login(reverse("events:detail", args=[uid]))
    form = RegistrationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.register(
                event=event,
                name=data["name"],
                email=data["email"],
                organisation_name=data["organisation"],
                gender=data["gender"],
                contact_consent=data["contact_consent"],
                user=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            return render(
                request,
                "events/registered.html",
                {
                    "event": event,
                    "registration": result.registration,
                    "waitlisted": result.waitlisted,
                },
            )
    return render(request, "events/detail.html", _detail_context(request, event, form), status=400)


@require_http_methods(["GET", "POST"])
def cancel_registration(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the confirmation mail: GET asks, POST cancels (and moves the waiting list)."""
    registration = get_object_or_404(Registration.objects.select_related("event"), token=token)
    cancelled = registration.status == "cancelled"
    if request.method == "POST" and not cancelled:
        services.cancel_registration(registration, actor=request.user)
        cancelled = True
        messages.success(request, _("Your registration has been cancelled."))
    return render(
        request,
        "events/registration_cancel.html",
        {"registration": registration, "event": registration.event, "cancelled": cancelled},
    )


# --------------------------------------------------------------------------- editing


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, uid: str | None = None) -> HttpResponse:
    """Create (no uid) or edit an event; saved through the services."""
    if uid is None:
        if not roles.can_create_event(request.user):
            raise PermissionDenied
        event = None
    else:
        event = get_for_write(Event, roles.can_edit_event, request.user, uid=uid)
    initial = {}
    if event is None and (slug := request.GET.get("host")):
        initial["host"] = Cluster.objects.filter(slug=slug).first()
    form = EventForm(request.POST or None, instance=event, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if event is None:
                event = services.create_event(request.user, form.service_data())
                messages.success(request, _("The event was saved as a draft."))
            else:
                event = services.update_event(request.user, event, form.service_data())
                messages.success(request, _("The event was saved."))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            return redirect("events:detail", uid=event.uid)
    return render(request, "events/edit.html", {"form": form, "event": event})


@login_required
@require_POST
def publish(request: HttpRequest, uid: str) -> HttpResponse:
    event = get_for_write(Event, roles.can_edit_event, request.user, uid=uid)
    services.publish_event(request.user, event)
    messages.success(request, _("The event is published."))
    return redirect("events:detail", uid=uid)


@login_required
@require_POST
def cancel(request: HttpRequest, uid: str) -> HttpResponse:
    event = get_for_write(Event, roles.can_edit_event, request.user, uid=uid)
    services.cancel_event(request.user, event)
    messages.success(request, _("The event is cancelled; everyone registered has been told."))
    return redirect("events:detail", uid=uid)


# --------------------------------------------------------------------------- managing


@login_required
@require_GET
def manage(request: HttpRequest, uid: str) -> HttpResponse:
    """Registrants with check-in toggles, attendance counts, exports and sharing."""
    event = get_for_write(
        Event.objects.select_related("host"), roles.can_edit_event, request.user, uid=uid
    )
    export = request.GET.get("export")
    if export in FORMATS:
        header, rows = services.attendee_rows(event)
        return table_response(header, rows, fmt=export, filename=f"attendees-{event.pk}")
    registrations = event.registrations.select_related("organisation").order_by(
        "status", "created", "pk"
    )
    return render(
        request,
        "events/manage.html",
        {
            "event": event,
            "registrations": registrations,
            "counts": services.attendance_counts(event),
            "share_form": ShareForm(event=event),
            "shares": event.shares.select_related("cluster"),
        },
    )


@login_required
@require_POST
def attendance(request: HttpRequest, uid: str, pk: int) -> HttpResponse:
    """Toggle a registrant's check-in (htmx swaps the row)."""
    event = get_for_write(Event, roles.can_edit_event, request.user, uid=uid)
    registration = get_object_or_404(event.registrations, pk=pk)
    services.set_attendance(
        registration, attended=request.POST.get("attended") == "1", actor=request.user
    )
    if request.htmx:
        return render(request, "events/manage.html#registrant", {"event": event, "r": registration})
    return redirect("events:manage", uid=uid)


@login_required
@require_POST
def share(request: HttpRequest, uid: str) -> HttpResponse:
    event = get_for_write(Event, roles.can_edit_event, request.user, uid=uid)
    form = ShareForm(request.POST, event=event)
    if form.is_valid():
        created = services.share_event(
            actor=request.user,
            event=event,
            clusters=form.cleaned_data["clusters"],
            message=form.cleaned_data["message"],
        )
        messages.success(request, _("Shared with %(n)d clusters.") % {"n": len(created)})
    else:
        messages.error(request, _("Choose at least one cluster to share with."))
    return redirect("events:manage", uid=uid)


@login_required
@require_POST
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    """A manager of the cluster an event was shared with forwards it to their members."""
    share_row = get_for_write(
        EventShare.objects.select_related("event", "cluster"),
        lambda user, s: roles.can_manage_cluster(user, s.cluster),
        request.user,
        pk=pk,
    )
    if share_row.forwarded_at:
        messages.info(request, _("This event was already forwarded to the members."))
    else:
        sent = services.forward_share(actor=request.user, share=share_row)
        messages.success(
            request, _("Forwarded to %(n)d people in the member organisations.") % {"n": sent}
        )
    return redirect("events:detail", uid=share_row.event.uid)
