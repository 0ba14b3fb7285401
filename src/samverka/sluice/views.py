"""Pages of one way in: the public Get help form and status page, the handlers' case list and
case page, the routing rules and the stage report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.clusters.models import Cluster
from samverka.core import charts, roles
from samverka.core.client import client_address
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.sluice import services
from samverka.sluice.forms import (
    CONSENT_TEXT,
    CONSENT_VERSION,
    HONEYPOT,
    ApplicationForm,
    HelpForm,
    NoteForm,
    ReassignForm,
    RoutingRuleForm,
    TransitionForm,
)
from samverka.sluice.models import HelpCase, Outcome, RoutingRule, Stage


def _form_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# Public pages ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def get_help(request: HttpRequest) -> HttpResponse:
    """The Get help form; a valid request becomes a case and the applicant sees its status."""
    form = HelpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_spam():
            # Answer like a success so that the bot learns nothing, but write nothing.
            return render(request, "sluice/sent.html", {"case": None})
        if not services.allow_submission(client_address(request)):
            status = 429
            form.add_error(None, _("Too many requests from your address. Try again later."))
        elif form.is_valid():
            case = services.submit_case(
                data=form.cleaned_data,
                language=get_language() or "sv",
                consent_text=str(CONSENT_TEXT),
                consent_version=CONSENT_VERSION,
            )
            return redirect("sluice:sent", token=case.token)
        else:
            status = 400
    context = {"form": form, "honeypot": form[HONEYPOT]}
    return render(request, "sluice/index.html", context, status=status)


@require_GET
def sent(request: HttpRequest, token: str) -> HttpResponse:
    """The confirmation after sending the form."""
    case = get_object_or_404(HelpCase.objects.with_related(), token=token)
    return render(
        request, "sluice/sent.html", {"case": case, "handler": services.handler_name(case)}
    )


@require_GET
def status(request: HttpRequest, token: str) -> HttpResponse:
    """The applicant's status page (the secret link in their mail; no login)."""
    case = get_object_or_404(HelpCase.objects.with_related(), token=token)
    context = {
        "case": case,
        "handler": services.handler_name(case),
        "history": case.transitions.all(),
    }
    response = render(request, "sluice/status.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Handlers' pages -------------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The cases the user handles, filterable by stage; CSV/XLSX export."""
    cases = services.visible_cases(request.user)
    stage = request.GET.get("stage", "")
    if stage == "open":
        cases = cases.open()
    elif stage in Stage.values:
        cases = cases.filter(stage=stage)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Received"),
            _("Title"),
            _("Kind of help"),
            _("Focus area"),
            _("Municipality"),
            _("Organisation"),
            _("Handled by"),
            _("Stage"),
            _("Outcome"),
        ]
        rows = (
            [
                c.created.date(),
                c.title,
                c.get_kind_display(),
                c.focus_area.name if c.focus_area else "",
                c.municipality.name if c.municipality else "",
                c.organisation_name,
                services.handler_name(c),
                c.get_stage_display(),
                c.get_outcome_display(),
            ]
            for c in cases
        )
        return table_response(headers, rows, fmt=export, filename="help-cases")
    context = {
        "cases": cases,
        "stage": stage,
        "stages": Stage.choices,
        "query": f"stage={stage}" if stage else "",
        "can_rules": services.can_create_rule(request.user),
    }
    return render(request, "sluice/cases.html", context)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A case with its history, notes and the handler's forms."""
    case = get_for_write(
        HelpCase.objects.with_related().select_related("project", "rule"),
        services.can_handle_case,
        request.user,
        pk=pk,
    )
    return _render_case(request, case)


def _render_case(
    request: HttpRequest, case: HelpCase, status: int = 200, **forms: Any
) -> HttpResponse:
    stages = services.allowed_stages(request.user, case)
    calls = services.open_calls()
    context = {
        "case": case,
        "handler": services.handler_name(case),
        "history": case.transitions.select_related("actor"),
        "notes": case.notes.select_related("author"),
        "transition_form": forms.get("transition_form") or TransitionForm(stages=stages),
        "note_form": forms.get("note_form") or NoteForm(),
        "reassign_form": forms.get("reassign_form") or ReassignForm(),
        "application_form": forms.get("application_form")
        or ApplicationForm(calls=calls, initial={"organisation_name": case.organisation_name}),
        "can_transition": bool(stages),
        "can_apply": not case.project_id
        and case.stage not in (Stage.PROJECT, Stage.CLOSED)
        and calls.exists(),
    }
    return render(request, "sluice/case.html", context, status=status)


def _case_for_write(request: HttpRequest, pk: int) -> HelpCase:
    return get_for_write(
        HelpCase.objects.with_related(), services.can_handle_case, request.user, pk=pk
    )


@login_required
@require_POST
def case_transition(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_write(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        try:
            services.transition(
                case=case,
                to_stage=form.cleaned_data["to_stage"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request, _("The case moved to “%(stage)s”.") % {"stage": case.get_stage_display()}
            )
            return redirect(case.get_absolute_url())
    return _render_case(request, case, status=400, transition_form=form)


@login_required
@require_POST
def case_note(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_write(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.add_note(case=case, actor=request.user, text=form.cleaned_data["text"])
        messages.success(request, _("Note added."))
        return redirect(case.get_absolute_url())
    return _render_case(request, case, status=400, note_form=form)


@login_required
@require_POST
def case_reassign(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_write(request, pk)
    form = ReassignForm(request.POST)
    if form.is_valid():
        try:
            services.reassign(
                case=case,
                actor=request.user,
                cluster=form.cleaned_data["cluster"],
                organisation=form.cleaned_data["organisation"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("The case is now handled by %(handler)s.")
                % {"handler": services.handler_name(case)},
            )
            if services.can_handle_case(request.user, case):
                return redirect(case.get_absolute_url())
            return redirect("sluice:cases")
    return _render_case(request, case, status=400, reassign_form=form)


@login_required
@require_POST
def case_application(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_write(request, pk)
    form = ApplicationForm(request.POST, calls=services.open_calls())
    if form.is_valid():
        try:
            project = services.create_application(
                case=case,
                actor=request.user,
                call=form.cleaned_data["call"],
                organisation_name=form.cleaned_data["organisation_name"],
                orgnr=form.cleaned_data["orgnr"],
                helix=form.cleaned_data["helix"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _("Draft application %(reference)s created.") % {"reference": project.reference},
            )
            return redirect(case.get_absolute_url())
    return _render_case(request, case, status=400, application_form=form)


# Routing rules ---------------------------------------------------------------------------------


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    if not services.can_create_rule(request.user):
        raise PermissionDenied
    context = {
        "rules": services.manageable_rules(request.user),
        "is_admin": roles.is_platform_admin(request.user),
    }
    return render(request, "sluice/rules.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create (no ``pk``) or change a routing rule."""
    rule = None
    if pk is not None:
        rule = get_for_write(RoutingRule, services.can_manage_rule, request.user, pk=pk)
    elif not services.can_create_rule(request.user):
        raise PermissionDenied
    form = RoutingRuleForm(request.POST or None, instance=rule, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_rule(actor=request.user, rule=rule, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Routing rule saved."))
            return redirect("sluice:rules")
    return render(
        request,
        "sluice/rule_form.html",
        {"form": form, "rule": rule},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    rule = get_for_write(RoutingRule, services.can_manage_rule, request.user, pk=pk)
    services.delete_rule(actor=request.user, rule=rule)
    messages.success(request, _("Routing rule deleted."))
    return redirect("sluice:rules")


# Report ----------------------------------------------------------------------------------------


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Time in each stage and conversion per cluster: a table, a chart and CSV/XLSX export."""
    user = request.user
    if not (roles.is_platform_admin(user) or roles.managed_cluster_ids(user)):
        raise PermissionDenied
    cluster = None
    slug = request.GET.get("cluster", "")
    if slug:
        cluster = get_object_or_404(Cluster, slug=slug)
        if not roles.can_manage_cluster(user, cluster):
            raise PermissionDenied
    groups = services.report(user=user, cluster=cluster)
    labels = dict(Stage.choices)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Cluster"),
            _("Stage"),
            _("Cases that reached it"),
            _("Share of all cases"),
            _("Share of previous stage"),
            _("Completed stays"),
            _("Median days"),
            _("Mean days"),
        ]
        rows = [
            [
                g["name"],
                str(labels[s["stage"]]),
                s["reached"],
                s["share"],
                s["share_of_previous"],
                s["stays"],
                s["median_days"],
                s["mean_days"],
            ]
            for g in groups
            for s in g["stages"]
        ]
        return table_response(headers, rows, fmt=export, filename="sluice-report")
    for group in groups:
        for s in group["stages"]:
            s["label"] = labels[s["stage"]]
            s["percent"] = None if s["share"] is None else round(100 * s["share"])
        open_stages = [s for s in group["stages"] if s["stage"] != Stage.CLOSED]
        group["chart"] = charts.grouped_bars(
            groups=[str(s["label"]) for s in group["stages"]],
            series=[
                (
                    _("Reached (percent of cases)"),
                    charts.BUDGET_COLOUR,
                    [s["percent"] for s in group["stages"]],
                ),
                (
                    _("Median days in stage"),
                    charts.OUTCOME_COLOUR,
                    [s["median_days"] for s in open_stages] + [None],
                ),
            ],
            title=_("Innovation sluice: %(name)s") % {"name": group["name"]},
            desc=_("Share of cases that reached each stage, and the median days spent in it."),
            unit="",
        )
        group["outcome_rows"] = [
            (str(label), group["outcomes"].get(value, 0)) for value, label in Outcome.choices
        ]
    context = {
        "groups": groups,
        "cluster": cluster,
        "clusters": Cluster.objects.order_by("name")
        if roles.is_platform_admin(user)
        else Cluster.objects.filter(pk__in=roles.managed_cluster_ids(user)),
        "query": f"cluster={slug}" if slug else "",
    }
    return render(request, "sluice/report.html", context)
