"""Domain operations on events: writing events, registration with a waiting list, check-in,
attendance counts, sharing with other clusters and forwarding to members.

Pages, the API, commands and tasks all go through these functions; they know nothing of HTTP,
take the acting user explicitly and raise ``ValidationError`` (or ``PermissionDenied`` for a
host the user does not manage).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from samverka.actors.enums import Gender, Helix
from samverka.actors.models import Organisation, Person
from samverka.core import audit, links, roles
from samverka.core.mail import render_mail
from samverka.core.sanitise import clean_html
from samverka.events.ical import check_rrule
from samverka.events.models import (
    Event,
    EventShare,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from samverka.events.occurrences import drop_stale_overrides
from samverka.privacy.models import Purpose
from samverka.privacy.services import record_consent

EVENT_FIELDS = [
    "title",
    "event_type",
    "description",
    "start",
    "end",
    "all_day",
    "timezone",
    "place",
    "municipality",
    "online_url",
    "host",
    "capacity",
    "registration_deadline",
    "registration_open",
    "visibility",
    "status",
    "rrule",
    "rdates",
    "exdates",
    "url",
    "source",
    "last_modified",
]
# Fields that do not change what attendees see: no new SEQUENCE for these alone.
_QUIET_FIELDS = {"last_modified", "source"}
# Fields that decide which occurrences a series has: a change may leave a changed occurrence
# without its original date (``drop_stale_overrides``).
_SERIES_FIELDS = {"start", "rrule", "rdates", "exdates", "timezone", "all_day"}


# --------------------------------------------------------------------------- events


_SNAPSHOT_FIELDS = [f for f in EVENT_FIELDS if f != "last_modified"]


def _fields_snapshot(event: Event) -> dict[str, Any]:
    """Field values as plain JSON; times in UTC so that equal instants compare equal."""
    data = audit.snapshot(event, _SNAPSHOT_FIELDS)
    for name in ("start", "end", "registration_deadline"):
        value = getattr(event, name)
        if isinstance(value, dt.datetime):
            data[name] = value.astimezone(dt.UTC).isoformat()
    return data


def _snapshot(event: Event) -> dict[str, Any]:
    data = _fields_snapshot(event)
    if event.pk:
        data["organisers"] = sorted(event.organisers.values_list("slug", flat=True))
        data["focus_areas"] = sorted(event.focus_areas.values_list("slug", flat=True))
    return data


def _aware(value: Any, tz_name: str) -> Any:
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        return timezone.make_aware(value, zoneinfo.ZoneInfo(tz_name))
    return value


def _check_host(user: Any, host: Any) -> None:
    """A non-admin may only put events on clusters they manage (and must name one)."""
    if roles.is_platform_admin(user) or user is None:
        return
    if host is None:
        raise ValidationError({"host": _("Choose one of your clusters as host.")})
    if host.pk not in roles.managed_cluster_ids(user):
        raise PermissionDenied


def _apply(event: Event, data: dict[str, Any]) -> None:
    for name in EVENT_FIELDS:
        if name in data:
            setattr(event, name, data[name])
    event.description = clean_html(event.description or "")
    event.timezone = event.timezone or "Europe/Stockholm"
    event.start = _aware(event.start, event.timezone)
    event.end = _aware(event.end, event.timezone)
    event.registration_deadline = _aware(event.registration_deadline, event.timezone)
    # iCalendar times have whole seconds; keep no more, so that feeds and occurrences agree.
    for name in ("start", "end", "registration_deadline"):
        value = getattr(event, name)
        if isinstance(value, dt.datetime) and value.microsecond:
            setattr(event, name, value.replace(microsecond=0))
    if event.start and event.end and event.end < event.start:
        raise ValidationError({"end": _("The end must not be before the start.")})
    if data.get("rrule"):  # only a new rule: a stored one is bounded when expanded
        try:
            event.rrule = "\n".join(check_rrule(line) for line in event.rrule.splitlines() if line)
        except ValueError as exc:
            raise ValidationError(
                {"rrule": _("Not a usable recurrence rule: %(error)s") % {"error": exc}}
            ) from exc
    links.check_links(online_url=event.online_url, url=event.url)
    event.full_clean()


def _set_relations(event: Event, data: dict[str, Any]) -> None:
    if "organisers" in data:
        organisers = list(data["organisers"] or [])
        if event.host_id and event.host_id not in {c.pk for c in organisers}:
            organisers.append(event.host)
        event.organisers.set(organisers)
    elif event.host_id and not event.organisers.filter(pk=event.host_id).exists():
        event.organisers.add(event.host_id)
    if "focus_areas" in data:
        event.focus_areas.set(data["focus_areas"] or [])


@transaction.atomic
def create_event(user: Any, data: dict[str, Any]) -> Event:
    """Create an event from model fields plus ``organisers`` and ``focus_areas`` (lists).

    The description is sanitised, ``end >= start`` is validated, a non-admin's host must be a
    cluster they manage (``PermissionDenied`` otherwise). The host is always an organiser."""
    event = Event(created_by=user if getattr(user, "is_authenticated", False) else None)
    if data.get("uid"):
        event.uid = data["uid"]
    _check_host(user, data.get("host"))
    _apply(event, data)
    event.save()
    _set_relations(event, data)
    audit.record(actor=user, action="event.created", obj=event, changes=_snapshot(event))
    return event


@transaction.atomic
def update_event(user: Any, event: Event, data: dict[str, Any]) -> Event:
    """Change an event; a published (or cancelled) event gets exactly one new ``sequence`` per
    saved change, a draft none, and nothing is written when nothing changed."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    before = _snapshot(event)
    before_status = event.status
    if "host" in data and (data["host"] and data["host"].pk) != event.host_id:
        _check_host(user, data["host"])
    _apply(event, data)
    # Compare before saving the relations: set() on a M2M writes at once.
    pending = dict(before)
    pending.update(_fields_snapshot(event))
    if "organisers" in data:
        slugs = {c.slug for c in data["organisers"] or []}
        if event.host_id:
            slugs.add(event.host.slug)
        pending["organisers"] = sorted(slugs)
    if "focus_areas" in data:
        pending["focus_areas"] = sorted(f.slug for f in data["focus_areas"] or [])
    changes = audit.diff(before, pending)
    quiet_only = set(changes) <= _QUIET_FIELDS
    if not changes:
        if "last_modified" in data:
            Event.objects.filter(pk=event.pk).update(last_modified=event.last_modified)
        return event
    if not quiet_only and (before_status != EventStatus.DRAFT or event.status != EventStatus.DRAFT):
        event.sequence += 1
    event.save()
    _set_relations(event, data)
    if set(changes) & _SERIES_FIELDS:
        drop_stale_overrides(event)
    audit.record(actor=user, action="event.changed", obj=event, changes=changes)
    return event


def publish_event(user: Any, event: Event) -> Event:
    """Publish a draft (one new sequence); publishing a published event changes nothing."""
    if event.status == EventStatus.PUBLISHED:
        return event
    return update_event(user, event, {"status": EventStatus.PUBLISHED})


def cancel_event(user: Any, event: Event) -> Event:
    """Cancel an event: it stays listed (iCalendar STATUS:CANCELLED) with one new sequence, and
    everyone registered gets a cancellation email with METHOD:CANCEL."""
    if event.status == EventStatus.CANCELLED:
        return event
    was_draft = event.status == EventStatus.DRAFT
    event = update_event(user, event, {"status": EventStatus.CANCELLED})
    if not was_draft:
        for registration in event.registrations.exclude(status=RegistrationStatus.CANCELLED):
            _mail_registration(registration, "event_cancelled", method="CANCEL")
    return event


# --------------------------------------------------------------------------- visibility


def can_view_event(user: Any, event: Event) -> bool:
    """Published/cancelled public events are public; members-only ones need a logged-in member
    or manager; drafts are seen only by those who may edit them."""
    if event.status == EventStatus.DRAFT:
        return roles.can_edit_event(user, event)
    if event.visibility == "public":
        return True
    if roles.can_edit_event(user, event) or roles.is_platform_admin(user):
        return True
    return bool({"member", "cluster_manager"} & roles.roles_of(user))


def visible_events(user: Any) -> Any:
    """Listed events the user may see (members-only ones for members and managers)."""
    qs = Event.objects.listed()
    if roles.is_platform_admin(user) or {"member", "cluster_manager"} & roles.roles_of(user):
        return qs
    return qs.filter(visibility="public")


# --------------------------------------------------------------------------- mail


def _site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def cancel_url(registration: Registration) -> str:
    return _site_url(reverse("events:registration-cancel", args=[registration.token]))


def _invitation(event: Event, registration: Registration, method: str) -> bytes | None:
    try:
        from samverka.events.ical import invitation_bytes
    except ImportError:  # the iCalendar module is optional for plain mails
        return None
    return invitation_bytes(
        event, attendee_email=registration.email, attendee_name=registration.name, method=method
    )


def _mail_registration(registration: Registration, template: str, *, method: str = "") -> None:
    """Send one of the registration mails (confirmation, waiting list, promotion, cancellation);
    with ``method`` the event goes along as ``event.ics``."""
    event = registration.event
    context = {
        "event": event,
        "registration": registration,
        "event_url": _site_url(reverse("events:detail", args=[event.uid])),
        "cancel_url": cancel_url(registration),
        "start": timezone.localtime(event.start, zoneinfo.ZoneInfo(event.timezone)),
        "end": timezone.localtime(event.end, zoneinfo.ZoneInfo(event.timezone)),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render_mail(f"events/email/{template}", context)
    message = EmailMessage(subject, body, None, [registration.email])
    if method:
        ics = _invitation(event, registration, method)
        if ics is not None:
            message.attach("event.ics", ics, f"text/calendar; method={method}; charset=utf-8")
    message.send()


# --------------------------------------------------------------------------- registration


@dataclass
class RegistrationResult:
    registration: Registration
    waitlisted: bool


def registration_closed_reason(event: Event, now: dt.datetime | None = None) -> str:
    """Why registration is refused (a translated message), or "" when it is open."""
    now = now or timezone.now()
    if event.status == EventStatus.CANCELLED:
        return _("The event has been cancelled.")
    if event.status != EventStatus.PUBLISHED:
        return _("The event is not published.")
    if not event.registration_open:
        return _("Registration is closed for this event.")
    if event.registration_deadline and now > event.registration_deadline:
        return _("The registration deadline has passed.")
    if _is_over(event, now):
        return _("The event is over.")
    return ""


def _is_over(event: Event, now: dt.datetime) -> bool:
    """A single event is over when it has ended; a recurring one (registration is for the
    series) when no occurrence is left in the coming year."""
    if not event.is_recurring:
        return event.end < now
    from samverka.events.occurrences import occurrences

    today = timezone.localdate(now)
    return not occurrences([event], today, today + dt.timedelta(days=366))


def match_organisation(name: str) -> Organisation | None:
    """The directory organisation with exactly this name (case-insensitive), if just one."""
    name = (name or "").strip()
    if not name:
        return None
    found = list(Organisation.objects.filter(name__iexact=name)[:2])
    return found[0] if len(found) == 1 else None


#: The words of the registration form's contact checkbox (its label in events/forms.py),
#: recorded with the consent.
CONTACT_CONSENT_TEXT = gettext_noop("The organisers may contact me about similar events")


def register(
    *,
    event: Event,
    name: str,
    email: str,
    organisation_name: str = "",
    organisation: Organisation | None = None,
    gender: str = "",
    contact_consent: bool = False,
    user: Any = None,
    now: dt.datetime | None = None,
    consent_source: str = "form",
) -> RegistrationResult:
    """Register someone; confirmed while seats are left, else on the waiting list.

    The event row is locked (SELECT ... FOR UPDATE) so that simultaneous registrations never
    overfill it. Raises ``ValidationError`` when registration is closed or the email already
    holds an active registration; nothing is written then. Mails the confirmation (with the
    event as ``event.ics``, METHOD:REQUEST) or the waiting-list notice."""
    now = now or timezone.now()
    email = email.strip().lower()
    if gender and gender not in Gender.values:
        raise ValidationError({"gender": _("Unknown gender.")})
    try:
        with transaction.atomic():
            locked = Event.objects.select_for_update(of=("self",)).get(pk=event.pk)
            reason = registration_closed_reason(locked, now)
            if reason:
                raise ValidationError(reason)
            if (
                locked.registrations.filter(email=email)
                .exclude(status=RegistrationStatus.CANCELLED)
                .exists()
            ):
                raise ValidationError({"email": _("This email is already registered.")})
            if organisation is None:
                organisation = match_organisation(organisation_name)
            if organisation is not None and not organisation_name:
                organisation_name = organisation.name
            confirmed = locked.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
            full = locked.capacity is not None and confirmed >= locked.capacity
            person = Person.objects.filter(email__iexact=email).first() if email else None
            registration = Registration.objects.create(
                event=locked,
                name=name.strip(),
                email=email,
                organisation_name=organisation_name.strip(),
                organisation=organisation,
                person=person,
                user=user if getattr(user, "is_authenticated", False) else None,
                gender=gender,
                contact_consent=contact_consent,
                consent_at=now if contact_consent else None,
                status=RegistrationStatus.WAITLISTED if full else RegistrationStatus.CONFIRMED,
            )
            audit.record(
                actor=user,
                action="registration.created",
                obj=registration,
                changes={"status": [None, registration.status], "email": [None, email]},
            )
            if contact_consent:
                record_consent(
                    email=email,
                    purpose=Purpose.EVENT_CONTACT,
                    text=_(CONTACT_CONSENT_TEXT),
                    source=consent_source,
                    subject=registration,
                    person=person,
                    given_at=now,
                )
    except IntegrityError as exc:
        # The partial unique constraint caught a simultaneous twin registration.
        raise ValidationError({"email": _("This email is already registered.")}) from exc
    if full:
        _mail_registration(registration, "registration_waitlisted")
    else:
        _mail_registration(registration, "registration_confirmed", method="REQUEST")
    return RegistrationResult(registration, full)


def cancel_registration(
    registration: Registration, *, actor: Any = None, now: dt.datetime | None = None
) -> Registration | None:
    """Cancel a registration; if it held a seat, the first on the waiting list moves up in the
    same transaction (the event row locked) and is mailed. Returns the promoted registration."""
    now = now or timezone.now()
    promoted = None
    with transaction.atomic():
        event = Event.objects.select_for_update(of=("self",)).get(pk=registration.event_id)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == RegistrationStatus.CANCELLED:
            return None
        held_seat = current.status == RegistrationStatus.CONFIRMED
        current.status = RegistrationStatus.CANCELLED
        current.cancelled_at = now
        current.save(update_fields=["status", "cancelled_at", "updated"])
        audit.record(
            actor=actor,
            action="registration.cancelled",
            obj=current,
            changes={"status": [registration.status, current.status]},
        )
        if held_seat and event.status == EventStatus.PUBLISHED:
            confirmed = event.registrations.filter(status=RegistrationStatus.CONFIRMED).count()
            if event.capacity is None or confirmed < event.capacity:
                promoted = (
                    event.registrations.filter(status=RegistrationStatus.WAITLISTED)
                    .order_by("created", "pk")
                    .first()
                )
                if promoted is not None:
                    promoted.status = RegistrationStatus.CONFIRMED
                    promoted.promoted_at = now
                    promoted.save(update_fields=["status", "promoted_at", "updated"])
                    audit.record(
                        actor=None,
                        action="registration.promoted",
                        obj=promoted,
                        changes={"status": ["waitlisted", "confirmed"]},
                    )
    registration.refresh_from_db()
    if promoted is not None:
        _mail_registration(promoted, "registration_promoted", method="REQUEST")
    return promoted


def set_attendance(registration: Registration, *, attended: bool, actor: Any) -> Registration:
    """Mark (or unmark) that a registrant came."""
    if registration.attended == attended:
        return registration
    registration.attended = attended
    registration.checked_in_at = timezone.now() if attended else None
    registration.save(update_fields=["attended", "checked_in_at", "updated"])
    audit.record(
        actor=actor,
        action="registration.checked_in" if attended else "registration.checked_out",
        obj=registration,
        changes={"attended": [not attended, attended]},
    )
    return registration


def attendee_rows(event: Event) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of the attendee list (active registrations) for CSV/XLSX export."""
    header = [
        _("name"),
        _("email"),
        _("organisation"),
        _("helix type"),
        _("gender"),
        _("status"),
        _("attended"),
        _("registered"),
    ]
    rows = []
    qs = (
        event.registrations.exclude(status=RegistrationStatus.CANCELLED)
        .select_related("organisation")
        .order_by("status", "created", "pk")
    )
    for r in qs:
        rows.append(
            [
                r.name,
                r.email,
                r.organisation.name if r.organisation else r.organisation_name,
                r.organisation.get_helix_display() if r.organisation else "",
                r.get_gender_display() if r.gender else "",
                r.get_status_display(),
                _("yes") if r.attended else _("no"),
                timezone.localtime(r.created).strftime("%Y-%m-%d %H:%M"),
            ]
        )
    return header, rows


def attendance_counts(event: Event) -> dict[str, Any]:
    """Attendees (checked in) and confirmed registrations, counted by gender and by the helix
    type of their directory organisation (``unknown`` when none was matched)."""
    qs = event.registrations.filter(status=RegistrationStatus.CONFIRMED)
    values = list(qs.values_list("gender", "organisation__helix", "attended"))

    def table(index: int, choices: Any) -> list[dict[str, Any]]:
        registered = Counter(v[index] or "" for v in values)
        attended = Counter(v[index] or "" for v in values if v[2])
        rows = [
            {
                "key": c.value,
                "label": c.label,
                "registered": registered.get(c.value, 0),
                "attended": attended.get(c.value, 0),
            }
            for c in choices
        ]
        rows.append(
            {
                "key": "",
                "label": _("unknown"),
                "registered": registered.get("", 0),
                "attended": attended.get("", 0),
            }
        )
        return rows

    return {
        "registered": len(values),
        "attended": sum(1 for v in values if v[2]),
        "waitlisted": event.registrations.filter(status=RegistrationStatus.WAITLISTED).count(),
        "by_gender": table(0, Gender),
        "by_helix": table(1, Helix),
    }


# --------------------------------------------------------------------------- sharing


@transaction.atomic
def share_event(*, actor: Any, event: Event, clusters: Any, message: str = "") -> list[EventShare]:
    """Share an event with other clusters (its organisers are skipped); returns new shares."""
    organiser_ids = set(event.organisers.values_list("pk", flat=True)) | {event.host_id}
    created = []
    for cluster in clusters:
        if cluster.pk in organiser_ids:
            continue
        share, was_new = EventShare.objects.get_or_create(
            event=event,
            cluster=cluster,
            defaults={
                "shared_by": actor if getattr(actor, "is_authenticated", False) else None,
                "message": message,
            },
        )
        if was_new:
            audit.record(
                actor=actor, action="event.shared", obj=share, changes={"cluster": cluster.slug}
            )
            created.append(share)
    return created


@transaction.atomic
def unshare_event(*, actor: Any, share: EventShare) -> None:
    audit.record(actor=actor, action="event.unshared", obj=share)
    share.delete()


def forward_recipients(share: EventShare) -> list[str]:
    """Emails of people who consented to newsletters in the cluster's member organisations."""
    emails = (
        Person.objects.filter(
            newsletter_consent=True, organisation__memberships__cluster=share.cluster_id
        )
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return sorted({e.lower() for e in emails})


def forward_share(*, actor: Any, share: EventShare) -> int:
    """Forward a shared event to the cluster's members who consented to newsletters. Claimed
    with a conditional UPDATE on ``forwarded_at`` so that a second call (or a simultaneous one)
    sends nothing. Returns the number of emails sent."""
    now = timezone.now()
    claimed = EventShare.objects.filter(pk=share.pk, forwarded_at__isnull=True).update(
        forwarded_at=now,
        forwarded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if not claimed:
        return 0
    share.refresh_from_db()
    event = share.event
    recipients = forward_recipients(share)
    context = {
        "event": event,
        "share": share,
        "cluster": share.cluster,
        "host": event.host,
        "event_url": _site_url(reverse("events:detail", args=[event.uid])),
        "start": timezone.localtime(event.start, zoneinfo.ZoneInfo(event.timezone)),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render_mail("events/email/forward", context)
    try:
        for email in recipients:
            EmailMessage(subject, body, None, [email]).send()
    except Exception:
        # Release the claim so that a retry sends.
        EventShare.objects.filter(pk=share.pk).update(forwarded_at=None, forwarded_by=None)
        raise
    audit.record(
        actor=actor, action="event.forwarded", obj=share, changes={"recipients": len(recipients)}
    )
    return len(recipients)


def events_for_cluster(cluster_id: int) -> Any:
    """Listed events a cluster hosts, co-organises or had shared with it."""
    return (
        Event.objects.listed()
        .filter(Q(host=cluster_id) | Q(organisers=cluster_id) | Q(shares__cluster=cluster_id))
        .distinct()
    )
