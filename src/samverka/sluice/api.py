"""API of one way in (mounted under /api/v1/): sending a help request (public, rate limited,
the same validation as the Get help form), and the handlers' cases and stage changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from samverka.api.auth import write_auth
from samverka.core.client import client_address
from samverka.core.permissions import get_for_write
from samverka.sluice import services
from samverka.sluice.forms import CONSENT_TEXT, CONSENT_VERSION, HelpForm
from samverka.sluice.models import CaseTransition, HelpCase

router = Router(tags=["sluice"])


class CaseIn(Schema):
    title: str = ""
    description: str = ""
    kind: str = ""
    focus_area: str = ""  # slug
    municipality: str = ""  # SCB code, e.g. "2380"
    name: str = ""
    email: str = ""
    organisation_name: str = ""
    phone: str = ""
    consent: bool = False
    website: str = ""  # the honeypot: leave empty


class CaseCreated(Schema):
    stage: str
    handler: str
    status_url: str


class Detail(Schema):
    detail: str


class TransitionOut(Schema):
    from_stage: str
    to_stage: str
    outcome: str
    at: datetime
    by: str | None
    note: str

    @staticmethod
    def resolve_by(obj: CaseTransition) -> str | None:
        return obj.actor.get_username() if obj.actor_id else None


class CaseOut(Schema):
    id: int
    title: str
    kind: str
    focus_area: str | None
    municipality: str | None
    organisation_name: str
    name: str
    email: str
    stage: str
    outcome: str
    handler_cluster: str | None
    handler_organisation: int | None
    project: str | None
    created: datetime

    @staticmethod
    def resolve_focus_area(obj: HelpCase) -> str | None:
        return obj.focus_area.slug if obj.focus_area_id else None

    @staticmethod
    def resolve_municipality(obj: HelpCase) -> str | None:
        return obj.municipality.code if obj.municipality_id else None

    @staticmethod
    def resolve_handler_cluster(obj: HelpCase) -> str | None:
        return obj.assigned_cluster.slug if obj.assigned_cluster_id else None

    @staticmethod
    def resolve_handler_organisation(obj: HelpCase) -> int | None:
        return obj.assigned_organisation_id

    @staticmethod
    def resolve_project(obj: HelpCase) -> str | None:
        return obj.project.reference if obj.project_id else None


class CaseDetail(CaseOut):
    description: str
    phone: str
    transitions: list[TransitionOut]

    @staticmethod
    def resolve_transitions(obj: HelpCase) -> list[CaseTransition]:
        return list(obj.transitions.select_related("actor"))


class CaseTransitionIn(Schema):
    to_stage: str
    outcome: str = ""
    note: str = ""


@router.post(
    "/help/cases",
    response={201: CaseCreated, 429: Detail},
    auth=None,
    summary="Send a help request",
)
def create_case(request: HttpRequest, payload: CaseIn) -> Any:
    """Public: the Get help form as JSON (focus area by slug, municipality by code). The request
    is routed like the form's and the applicant gets the same mail with the status link.
    ``consent`` must be true. Rate limited per IP address (429)."""
    from samverka.actors.models import FocusArea
    from samverka.geo.models import Area

    data = payload.dict()
    if data.get("focus_area"):
        focus = FocusArea.objects.filter(slug=data["focus_area"]).first()
        if focus is None:
            raise ValidationError({"focus_area": _("Unknown focus area.")})
        data["focus_area"] = str(focus.pk)
    if data.get("municipality"):
        area = Area.objects.municipalities().filter(code=data["municipality"]).first()
        if area is None:
            raise ValidationError({"municipality": _("Unknown municipality code.")})
        data["municipality"] = str(area.pk)
    data["consent"] = "on" if data["consent"] else ""
    form = HelpForm(data)
    if form.is_spam():
        raise ValidationError({"website": _("Leave this field empty.")})
    if not services.allow_submission(client_address(request)):
        return Status(429, {"detail": _("Too many requests from your address. Try again later.")})
    if not form.is_valid():
        raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
    case = services.submit_case(
        data=form.cleaned_data,
        language=get_language() or "sv",
        consent_text=str(CONSENT_TEXT),
        consent_version=CONSENT_VERSION,
        consent_source="api",
    )
    return Status(
        201,
        {
            "stage": case.stage,
            "handler": services.handler_name(case),
            "status_url": settings.SITE_URL + case.get_status_url(),
        },
    )


@router.get("/help/cases", response=list[CaseOut], auth=write_auth, summary="My help cases")
def list_cases(request: HttpRequest, stage: str = "") -> Any:
    """The cases the authenticated user handles (all for platform admins), newest first."""
    cases = services.visible_cases(request.auth).select_related("project")
    if stage:
        cases = cases.filter(stage=stage)
    return list(cases)


@router.get("/help/cases/{case_id}", response=CaseDetail, auth=write_auth, summary="A help case")
def get_case(request: HttpRequest, case_id: int) -> Any:
    """A case the user handles, with its stage history (403 for others)."""
    return get_for_write(
        HelpCase.objects.with_related().select_related("project"),
        services.can_handle_case,
        request.auth,
        pk=case_id,
    )


@router.post(
    "/help/cases/{case_id}/transitions",
    response={201: CaseDetail},
    auth=write_auth,
    summary="Move a help case to another stage",
)
def move_case(request: HttpRequest, case_id: int, payload: CaseTransitionIn) -> Any:
    """Forward (or skipping stages), or ``closed`` with an ``outcome`` from any open stage;
    platform admins reopen closed cases. 422 for a step backwards, 403 for others' cases."""
    case = get_for_write(
        HelpCase.objects.with_related(), services.can_handle_case, request.auth, pk=case_id
    )
    services.transition(
        case=case,
        to_stage=payload.to_stage,
        outcome=payload.outcome,
        note=payload.note,
        actor=request.auth,
    )
    case = HelpCase.objects.with_related().select_related("project").get(pk=case.pk)
    return Status(201, case)
