"""Events, their co-organisers and invitations, registrations, and remote calendars.

An event keeps the identity it has in iCalendar: a stable ``uid`` and a ``sequence`` that rises on
every published change. Recurring events keep their rule (RRULE, RDATE, EXDATE) as iCalendar text
and their changed occurrences as :class:`EventOverride` rows (RECURRENCE-ID), so that what is
imported is written back unchanged.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samverka.actors.enums import Gender
from samverka.core.models import TimeStampedModel


def new_uid() -> str:
    """A globally unique iCalendar UID for an event created here."""
    return f"{uuid.uuid4()}@samverka"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class EventType(models.TextChoices):
    NETWORK_MEETING = "network_meeting", _("network meeting")
    WORKSHOP = "workshop", _("workshop")
    SEMINAR = "seminar", _("seminar")
    STUDY_VISIT = "study_visit", _("study visit")
    WEBINAR = "webinar", _("webinar")
    OTHER = "other", pgettext_lazy("event type", "other")


class EventStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("event status", "draft")
    PUBLISHED = "published", pgettext_lazy("event status", "published")
    CANCELLED = "cancelled", pgettext_lazy("event status", "cancelled")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    MEMBERS = "members", _("members only")


class CalendarSource(TimeStampedModel):
    """A remote iCalendar URL that the worker polls and imports into a cluster's calendar."""

    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("address"), max_length=1000)
    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_sources",
    )
    interval_minutes = models.PositiveIntegerField(_("polling interval (minutes)"), default=60)
    active = models.BooleanField(_("active"), default=True)
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified_header = models.CharField(max_length=100, blank=True, editable=False)
    last_polled = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_success = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(
        _("consecutive failures"), default=0, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("calendar subscription")
        verbose_name_plural = _("calendar subscriptions")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "url"], name="events_source_unique_url")
        ]

    def __str__(self) -> str:
        return self.name


class EventQuerySet(models.QuerySet["Event"]):
    def listed(self) -> EventQuerySet:
        """Events that calendars show: published and cancelled (cancelled stay in feeds)."""
        return self.filter(status__in=[EventStatus.PUBLISHED, EventStatus.CANCELLED])

    def for_cluster(self, cluster_id: int) -> EventQuerySet:
        """Events a cluster organises or that were shared with it."""
        return self.filter(Q(organisers=cluster_id) | Q(shares__cluster=cluster_id)).distinct()


class Event(TimeStampedModel):
    """A meeting, workshop, seminar, study visit or webinar, possibly recurring."""

    uid = models.CharField(_("UID"), max_length=255, unique=True, default=new_uid)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    title = models.CharField(_("title"), max_length=300)
    event_type = models.CharField(
        _("type"), max_length=20, choices=EventType.choices, default=EventType.OTHER
    )
    description = models.TextField(_("description"), blank=True, help_text=_("Sanitised HTML."))
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"), db_index=True)
    all_day = models.BooleanField(
        _("all day"),
        default=False,
        help_text=_("Whole days: start and end are local midnights, the end exclusive."),
    )
    timezone = models.CharField(_("time zone"), max_length=64, default="Europe/Stockholm")
    place = models.CharField(_("place"), max_length=300, blank=True)
    municipality = models.ForeignKey(
        "geo.Area",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        limit_choices_to={"kind": "municipality"},
    )
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    host = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("host"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hosted_events",
        help_text=_("The cluster that owns the event; none for the national network."),
    )
    organisers = models.ManyToManyField(
        "clusters.Cluster",
        verbose_name=_("organiser clusters"),
        blank=True,
        related_name="organised_events",
    )
    focus_areas = models.ManyToManyField(
        "actors.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="events"
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    registration_open = models.BooleanField(_("registration open"), default=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EventStatus.choices,
        default=EventStatus.DRAFT,
        db_index=True,
    )
    # Recurrence, kept as iCalendar property values (one per line for the date lists).
    rrule = models.TextField(_("recurrence rule (RRULE)"), blank=True)
    rdates = models.TextField(_("extra dates (RDATE)"), blank=True)
    exdates = models.TextField(_("excluded dates (EXDATE)"), blank=True)
    url = models.URLField(_("web page"), max_length=500, blank=True)
    source = models.ForeignKey(
        CalendarSource,
        verbose_name=_("imported from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    last_modified = models.DateTimeField(
        _("last modified (iCalendar)"), null=True, blank=True, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="event_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_recurring(self) -> bool:
        return bool(self.rrule or self.rdates)


class EventOverride(models.Model):
    """One changed or cancelled occurrence of a recurring event (iCalendar RECURRENCE-ID)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="overrides")
    recurrence_id = models.DateTimeField(_("original start"))
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    title = models.CharField(_("title"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    all_day = models.BooleanField(
        _("all day"),
        default=False,
        help_text=_("A whole-day change of a timed series (written with DATE values)."),
    )
    this_and_future = models.BooleanField(
        _("this and later occurrences"),
        default=False,
        help_text=_("RANGE=THISANDFUTURE: the change applies to this and every later occurrence."),
    )

    class Meta:
        ordering = ["recurrence_id"]
        verbose_name = _("changed occurrence")
        verbose_name_plural = _("changed occurrences")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recurrence_id"], name="events_override_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} @ {self.recurrence_id:%Y-%m-%d %H:%M}"


class EventShare(TimeStampedModel):
    """An invitation: the host shares its event with another cluster, which shows it as its own
    (marked with the host) and may forward it to its members."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="shares")
    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        related_name="shared_events",
    )
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), blank=True)
    forwarded_at = models.DateTimeField(_("forwarded to members"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created"]
        verbose_name = _("shared event")
        verbose_name_plural = _("shared events")
        constraints = [
            models.UniqueConstraint(fields=["event", "cluster"], name="events_share_unique")
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.cluster}"


class RegistrationStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("confirmed")
    WAITLISTED = "waitlisted", _("on the waiting list")
    CANCELLED = "cancelled", pgettext_lazy("registration status", "cancelled")


class Registration(TimeStampedModel):
    """One person's registration for an event; the waiting list is ordered by ``created``."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    organisation = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("organisation in the directory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
    )
    person = models.ForeignKey(
        "actors.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
    )
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    contact_consent = models.BooleanField(_("may be contacted"), default=False)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.CONFIRMED,
        db_index=True,
    )
    promoted_at = models.DateTimeField(_("moved up from the waiting list"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "email"],
                condition=~Q(status="cancelled"),
                name="events_registration_one_active_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} – {self.event}"
