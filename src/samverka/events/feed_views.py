"""iCalendar feeds, calendar import and remote calendar subscriptions."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.core import audit, roles
from samverka.core.links import validate_web_link
from samverka.events.ical import calendar_bytes
from samverka.events.ical_import import import_calendar
from samverka.events.models import CalendarSource, Event, Visibility
from samverka.events.tasks import next_poll, normalise_url, poll_source

FEED_HISTORY_DAYS = 365


# --- feeds -----------------------------------------------------------------------------------


def webcal_url(request: HttpRequest, path: str) -> str:
    """``path`` as an absolute ``webcal://`` address, for "subscribe in your calendar" links."""
    absolute = request.build_absolute_uri(path)
    for scheme in ("https://", "http://"):
        if absolute.startswith(scheme):
            return "webcal://" + absolute[len(scheme) :]
    return absolute


def public_feed_events(request: HttpRequest) -> tuple[QuerySet[Event], FocusArea | None]:
    """Listed public events (recent and coming), filtered by ``?focus=<slug>``."""
    since = timezone.now() - timezone.timedelta(days=FEED_HISTORY_DAYS)
    events = Event.objects.listed().filter(visibility=Visibility.PUBLIC)
    events = events.filter(Q(end__gte=since) | ~Q(rrule="") | ~Q(rdates=""))
    focus = None
    slug = request.GET.get("focus", "").strip()
    if slug:
        focus = FocusArea.objects.filter(slug=slug).first()
        events = events.filter(focus_areas__slug=slug)
    return events, focus


def _prefetched(events: QuerySet[Event]) -> QuerySet[Event]:
    return (
        Event.objects.filter(pk__in=events.values("pk"))
        .select_related("host", "municipality")
        .prefetch_related("organisers", "focus_areas", "overrides")
        .order_by("start", "pk")
    )


def _calendar_response(request: HttpRequest, data: bytes, filename: str) -> HttpResponse:
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=300"
    return response


def national_feed(request: HttpRequest) -> HttpResponse:
    """The national calendar as iCalendar."""
    events, focus = public_feed_events(request)
    name = _("Samverka calendar")
    if focus:
        name = f"{name} – {focus.name}"
    data = calendar_bytes(_prefetched(events), name=name, url=request.build_absolute_uri())
    return _calendar_response(request, data, "samverka.ics")


def cluster_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """One cluster's calendar (its own, co-organised and shared events) as iCalendar."""
    cluster = get_object_or_404(Cluster, slug=slug)
    events, focus = public_feed_events(request)
    events = events.filter(
        Q(pk__in=Event.objects.for_cluster(cluster.pk).values("pk")) | Q(host=cluster)
    )
    name = cluster.name if not focus else f"{cluster.name} – {focus.name}"
    data = calendar_bytes(_prefetched(events), name=name, url=request.build_absolute_uri())
    return _calendar_response(request, data, f"{cluster.slug}.ics")


# --- import ----------------------------------------------------------------------------------


def _manageable_clusters(user: Any) -> QuerySet[Cluster]:
    if roles.is_platform_admin(user):
        return Cluster.objects.all()
    return Cluster.objects.filter(pk__in=roles.managed_cluster_ids(user))


class CalendarImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("iCalendar file"),
        help_text=gettext_lazy("An .ics file from Outlook, Google Calendar or Apple Calendar."),
    )
    cluster = forms.ModelChoiceField(
        label=gettext_lazy("Cluster"), queryset=Cluster.objects.none(), required=False
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Check only, write nothing"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cluster"]
        field.queryset = _manageable_clusters(user)  # type: ignore[attr-defined]
        if roles.is_platform_admin(user):
            field.empty_label = _("The national network")  # type: ignore[attr-defined]
            field.help_text = _("The cluster that hosts the imported events.")
        else:
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".ics", ".ical", ".ifb", ".icalendar", ".txt")):
            raise ValidationError(_("Upload an iCalendar (.ics) file."))
        return upload


@login_required
def calendar_import(request: HttpRequest) -> HttpResponse:
    """Upload an .ics file into a cluster's (or the national) calendar."""
    if not roles.can_create_event(request.user):
        raise PermissionDenied
    form = CalendarImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_calendar(
            form.cleaned_data["file"],
            cluster=form.cleaned_data["cluster"],
            actor=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
        if report.written:
            messages.success(request, report.summary())
        if report.ok:  # what was read leniently (an empty RRULE, a UID twice): worth a look
            for warning in report.warnings[:20]:
                messages.warning(request, warning)
    status = 400 if report is not None and not report.ok else 200
    return render(request, "events/import.html", {"form": form, "report": report}, status=status)


# --- subscriptions ---------------------------------------------------------------------------


class CalendarSourceForm(forms.ModelForm):
    url = forms.CharField(
        label=gettext_lazy("Address"),
        max_length=1000,
        help_text=gettext_lazy("The calendar's public iCalendar address (https:// or webcal://)."),
    )

    class Meta:
        model = CalendarSource
        fields = ["name", "url", "cluster", "interval_minutes"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cluster = self.fields["cluster"]
        cluster.queryset = _manageable_clusters(user)  # type: ignore[attr-defined]
        if not roles.is_platform_admin(user):
            cluster.required = True
            cluster.empty_label = None  # type: ignore[attr-defined]
        else:
            cluster.empty_label = _("The national network")  # type: ignore[attr-defined]
        self.fields["interval_minutes"].min_value = 5  # type: ignore[attr-defined]
        self.fields["name"].required = False

    def clean_url(self) -> str:
        url = normalise_url(self.cleaned_data["url"])
        try:
            validate_web_link(url)
        except ValidationError:
            raise ValidationError(_("Enter an http, https or webcal address.")) from None
        return url

    def clean_interval_minutes(self) -> int:
        value = self.cleaned_data["interval_minutes"]
        if value < 5:
            raise ValidationError(_("Poll at most every five minutes."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("name") and data.get("url"):
            data["name"] = data["url"][:200]
        return data


def _sources_for(user: Any) -> QuerySet[CalendarSource]:
    sources = CalendarSource.objects.select_related("cluster").order_by("cluster__name", "name")
    if roles.is_platform_admin(user):
        return sources
    return sources.filter(cluster__in=roles.managed_cluster_ids(user))


@login_required
def sources(request: HttpRequest) -> HttpResponse:
    """The calendar subscriptions of the clusters one manages; add one."""
    if not roles.can_create_event(request.user):
        raise PermissionDenied
    form = CalendarSourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        existing = CalendarSource.objects.filter(
            cluster=form.cleaned_data["cluster"], url=form.cleaned_data["url"]
        ).first()
        if existing:
            messages.info(request, _("That calendar is already subscribed."))
        else:
            source = form.save(commit=False)
            source.created_by = request.user
            source.save()
            audit.record(
                actor=request.user,
                action="calendar_source.created",
                obj=source,
                changes=audit.snapshot(source, ["name", "url", "cluster", "interval_minutes"]),
            )
            messages.success(
                request,
                _("Subscribed to %(name)s. It is fetched within a few minutes.")
                % {"name": source.name},
            )
        return redirect("events:sources")
    rows = [(s, next_poll(s)) for s in _sources_for(request.user)]
    return render(
        request,
        "events/sources.html",
        {"form": form, "rows": rows},
        status=400 if request.method == "POST" else 200,
    )


def _own_source(request: HttpRequest, pk: int) -> CalendarSource:
    source = get_object_or_404(CalendarSource.objects.select_related("cluster"), pk=pk)
    allowed = roles.is_platform_admin(request.user) or (
        source.cluster_id is not None
        and source.cluster_id in roles.managed_cluster_ids(request.user)
    )
    if not allowed:
        raise PermissionDenied
    return source


@login_required
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a subscription (its imported events stay)."""
    source = _own_source(request, pk)
    if request.method != "POST":
        return render(request, "events/sources_delete.html", {"source": source})
    audit.record(
        actor=request.user,
        action="calendar_source.deleted",
        obj=source,
        changes=audit.snapshot(source, ["name", "url", "cluster"]),
    )
    name = source.name
    source.delete()
    messages.success(request, _("The subscription to %(name)s was removed.") % {"name": name})
    return redirect("events:sources")


@login_required
def source_poll(request: HttpRequest, pk: int) -> HttpResponse:
    """Fetch one subscription now."""
    if request.method != "POST":
        return redirect("events:sources")
    source = _own_source(request, pk)
    result = poll_source(source)
    if result.status == "error":
        messages.error(
            request,
            _("Fetching %(name)s failed: %(error)s") % {"name": source.name, "error": result.error},
        )
    elif result.status == "not_modified":
        messages.info(request, _("%(name)s has not changed.") % {"name": source.name})
    else:
        messages.success(
            request,
            _(
                "%(name)s fetched: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
            )
            % {
                "name": source.name,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
    return redirect(reverse("events:sources"))
