"""Pages of the programme structure: programme list, programme tree, measure, and the upload
page of the programme import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.programmes.models import Measure, MeasureGoal, Programme
from samverka.programmes.services import structure


class ProgrammeImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A YAML (.yaml, .yml) or JSON (.json) document, at most 20 MB."),
    )
    dry_run = forms.BooleanField(label=gettext_lazy("Check only, write nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".yaml", ".yml", ".json")):
            raise ValidationError(gettext_lazy("Upload a .yaml, .yml or .json file."))
        return upload


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.select_related("owner").annotate(
        area_count=Count("priority_areas", distinct=True),
        measure_count=Count("measures", distinct=True),
    )
    return render(
        request,
        "programmes/programme_list.html",
        {"programmes": programmes, "can_import": roles.is_programme_officer(request.user)},
    )


@require_GET
def programme_detail(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_object_or_404(
        Programme.objects.select_related("owner").prefetch_related("criteria"), code=code
    )
    tree = structure.programme_tree(programme)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Priority area"),
            _("Priority area name"),
            _("Measure"),
            _("Measure name"),
            _("Part of"),
            _("Goals"),
            _("Granted projects"),
            _("Granted (SEK)"),
            _("Outcome (SEK)"),
        ]
        codes = {node.measure.pk: node.measure.code for _area, node in structure.flatten(tree)}
        rows = [
            [
                area.number,
                area.name,
                node.measure.code,
                node.measure.name,
                codes.get(node.measure.parent_id, ""),
                node.measure.goal_count,
                node.measure.project_count,
                node.measure.granted_sek,
                node.measure.outcome_sek,
            ]
            for area, node in structure.flatten(tree)
        ]
        return table_response(headers, rows, fmt=export, filename=f"{programme.code}-measures")
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "tree": tree,
            "criteria": programme.criteria.all(),
            "can_import": roles.is_programme_officer(request.user),
        },
    )


@require_GET
def measure_detail(request: HttpRequest, code: str, measure_code: str) -> HttpResponse:
    measure = get_object_or_404(
        Measure.objects.select_related("programme", "priority_area", "parent").prefetch_related(
            Prefetch("goals", queryset=MeasureGoal.objects.order_by("position", "pk")),
            Prefetch("sub_measures", queryset=Measure.objects.order_by("position", "code")),
        ),
        programme__code=code,
        code=measure_code,
    )
    family = structure.measure_family_ids(measure)
    projects = list(structure.measure_projects(family))
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Reference"),
            _("Title"),
            _("Applicant"),
            _("Status"),
            _("Granted (SEK)"),
            _("Outcome (SEK)"),
            _("Private outcome (SEK)"),
        ]
        rows = [
            [
                p.reference,
                p.title,
                p.applicant.name,
                p.get_status_display(),
                p.granted_sek,
                p.outcome_sek,
                p.private_outcome_sek,
            ]
            for p in projects
        ]
        return table_response(
            headers, rows, fmt=export, filename=f"{measure.programme.code}-{measure.code}-projects"
        )
    return render(
        request,
        "programmes/measure_detail.html",
        {
            "measure": measure,
            "programme": measure.programme,
            "projects": projects,
            "figures": structure.measure_figures(family),
            "includes_sub_measures": len(family) > 1,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_import(request: HttpRequest) -> HttpResponse:
    if not roles.is_programme_officer(request.user):
        raise PermissionDenied
    form = ProgrammeImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = structure.import_programme(
            upload, filename=upload.name, actor=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if report.written:
            messages.success(request, report.summary())
            return redirect("programmes:programme", code=report.programme_code)
    status = 400 if report is not None and not report.ok else 200
    return render(
        request,
        "programmes/structure_import.html",
        {"form": form, "report": report, "help": structure.HELP},
        status=status,
    )
