"""API of registrations: a user's own registrations (mounted under /api/v1/).

All three operations need a logged-in user (API token or browser session): one lists the user's
registrations, one registers the user for an event (confirmed or on the waiting list, with the
same mails as the web form), one cancels the user's own registration (the waiting list moves up).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from samverka.actors.enums import Gender
from samverka.api.auth import write_auth
from samverka.core import roles
from samverka.events import services
from samverka.events.models import Event, Registration, RegistrationStatus

router = Router(tags=["events"])


class RegistrationOut(Schema):
    id: int
    event_uid: str
    event_title: str
    event_start: datetime
    name: str
    email: str
    organisation: str
    status: str
    attended: bool
    created: datetime

    @staticmethod
    def resolve_event_uid(obj: Registration) -> str:
        return obj.event.uid

    @staticmethod
    def resolve_event_title(obj: Registration) -> str:
        return obj.event.title

    @staticmethod
    def resolve_event_start(obj: Registration) -> datetime:
        return obj.event.start

    @staticmethod
    def resolve_organisation(obj: Registration) -> str:
        return obj.organisation.name if obj.organisation else obj.organisation_name


class RegistrationIn(Schema):
    name: str = ""
    organisation: str = ""
    gender: str = ""
    contact_consent: bool = False


def _own(user: Any) -> QuerySet[Registration]:
    """Registrations made by the user, or under an email address the user has verified."""
    condition = Q(user=user)
    # Only addresses the user has proven to own: an unverified one could be anybody's, and would
    # show (and cancel) that person's registrations.
    verified = EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    for email in verified:
        condition |= Q(email__iexact=email)
    return Registration.objects.filter(condition).select_related("event", "organisation")


@router.get(
    "/registrations",
    response=list[RegistrationOut],
    auth=write_auth,
    summary="My registrations",
)
def my_registrations(request: HttpRequest) -> Any:
    """The logged-in user's registrations (also cancelled ones), by event start."""
    return list(_own(request.auth).order_by("event__start", "pk"))


@router.post(
    "/events/{uid}/registrations",
    response={201: RegistrationOut},
    auth=write_auth,
    summary="Register myself for an event",
)
def register_me(request: HttpRequest, uid: str, payload: RegistrationIn) -> Any:
    """Status ``confirmed`` while seats are left, else ``waitlisted``; 422 when registration is
    closed (deadline passed, closed, cancelled or past event) or the user is already registered."""
    user = request.auth
    event = get_object_or_404(Event.objects.select_related("host"), uid=uid)
    if not services.can_view_event(user, event):
        if event.status == "draft":
            raise Http404
        raise PermissionDenied
    if not user.email:
        raise ValidationError({"email": _("Your account has no email address.")})
    if payload.gender and payload.gender not in Gender.values:
        raise ValidationError({"gender": _("Unknown gender.")})
    person = roles.person_of(user)
    name = payload.name or (person.name if person else "") or user.get_full_name()
    result = services.register(
        event=event,
        name=name or user.get_username(),
        email=user.email,
        organisation_name=payload.organisation,
        organisation=person.organisation if person and not payload.organisation else None,
        gender=payload.gender or (person.gender if person else ""),
        contact_consent=payload.contact_consent,
        consent_source="api",
        user=user,
    )
    return Status(201, result.registration)


@router.delete(
    "/registrations/{registration_id}",
    response={204: None},
    auth=write_auth,
    summary="Cancel my registration",
)
def cancel_mine(request: HttpRequest, registration_id: int) -> Any:
    """Someone else's registration is 404; cancelling twice is harmless."""
    registration = get_object_or_404(_own(request.auth), pk=registration_id)
    if registration.status != RegistrationStatus.CANCELLED:
        services.cancel_registration(registration, actor=request.auth)
    return Status(204, None)
