"""Pages for organisations and people: list with filters and exports, detail, create/edit,
and the organisation import upload."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.actors.filters import filter_organisations
from samverka.actors.forms import (
    ImportForm,
    OrganisationFilterForm,
    OrganisationForm,
    PersonForm,
    RelationForm,
)
from samverka.actors.importers import import_organisations
from samverka.actors.models import Organisation, Person, Relation
from samverka.actors.services import add_relation, remove_relation, save_organisation, save_person
from samverka.clusters.models import Membership
from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write

PAGE_SIZE = 25


def _filtered_organisations(request: HttpRequest) -> tuple[OrganisationFilterForm, object]:
    form = OrganisationFilterForm(request.GET or None)
    queryset = Organisation.objects.with_related()
    if form.is_bound:
        queryset = filter_organisations(queryset, **form.filters())
    # filter_organisations adds DISTINCT only for the to-many filters: on every list it made the
    # count and the page compare whole rows of all organisations.
    return form, queryset


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    form, queryset = _filtered_organisations(request)
    export = request.GET.get("export")
    if export in FORMATS:
        rows = (
            [
                o.name,
                o.orgnr or "",
                o.get_helix_display(),
                o.municipality.code if o.municipality else "",
                o.municipality.name if o.municipality else "",
                o.municipality.parent.name if o.municipality else "",
                " | ".join(f.name for f in o.focus_areas.all()),
                o.website,
            ]
            for o in queryset
        )
        headers = [
            _("Name"),
            _("Organisation number"),
            _("Helix type"),
            _("Municipality code"),
            _("Municipality"),
            _("County"),
            _("Focus areas"),
            _("Website"),
        ]
        return table_response(headers, rows, fmt=export, filename="organisations")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_create": roles.can_create_organisation(request.user),
        "can_import": roles.can_import(request.user),
    }
    template = "actors/organisation_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _visible_people(organisation: Organisation, can_edit: bool) -> object:
    people = organisation.people.all()
    return people if can_edit else people.filter(listing_consent=True)


@require_GET
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.with_related().prefetch_related(
            Prefetch("memberships", queryset=Membership.objects.select_related("cluster")),
            "clusters_run",
        ),
        pk=pk,
    )
    can_edit = roles.can_edit_organisation(request.user, organisation)
    return render(
        request,
        "actors/organisation_detail.html",
        {
            "organisation": organisation,
            "people": _visible_people(organisation, can_edit),
            "relations_out": organisation.relations_out.select_related("target"),
            "relations_in": organisation.relations_in.select_related("source"),
            "can_edit": can_edit,
            "relation_form": RelationForm() if can_edit else None,
        },
    )


@login_required
@require_POST
def relation_add(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_for_write(Organisation, roles.can_edit_organisation, request.user, pk=pk)
    form = RelationForm(request.POST)
    if form.is_valid():
        try:
            add_relation(actor=request.user, source=organisation, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Relation saved."))
    else:
        messages.error(request, _("The relation could not be saved: check the form."))
    return redirect(organisation)


@login_required
@require_POST
def relation_remove(request: HttpRequest, pk: int, relation_id: int) -> HttpResponse:
    organisation = get_for_write(Organisation, roles.can_edit_organisation, request.user, pk=pk)
    relation = get_object_or_404(Relation, pk=relation_id, source=organisation)
    remove_relation(actor=request.user, relation=relation)
    messages.success(request, _("Relation removed."))
    return redirect(organisation)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        if not roles.can_create_organisation(request.user):
            raise PermissionDenied
        organisation = None
    else:
        organisation = get_for_write(Organisation, roles.can_edit_organisation, request.user, pk=pk)
    # The form validates a copy: the service must see the object as stored to audit the change.
    form = OrganisationForm(request.POST or None, instance=copy.copy(organisation))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "focus_areas"}
        try:
            saved = save_organisation(
                actor=request.user,
                organisation=organisation,
                data=data,
                focus_areas=form.cleaned_data["focus_areas"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
            return redirect(saved)
    return render(
        request, "actors/organisation_form.html", {"form": form, "organisation": organisation}
    )


@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("organisation"), pk=pk)
    can_edit = roles.can_edit_person(request.user, person)
    if not (person.listing_consent or can_edit):
        # People who have not agreed to be listed are visible only to those who manage them.
        raise PermissionDenied
    return render(request, "actors/person_detail.html", {"person": person, "can_edit": can_edit})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if pk is None:
        organisation = None
        if org_id := request.GET.get("organisation") or request.POST.get("organisation"):
            organisation = get_for_write(
                Organisation, roles.can_edit_organisation, request.user, pk=org_id
            )
        elif not roles.can_create_organisation(request.user):
            raise PermissionDenied
        person = None
        initial = {"organisation": organisation}
    else:
        person = get_for_write(Person, roles.can_edit_person, request.user, pk=pk)
        initial = {}
    editable = Organisation.objects.all()
    if not roles.is_platform_admin(request.user):
        managed = roles.managed_cluster_ids(request.user)
        own = roles.person_of(request.user)
        editable = editable.filter(
            Q(memberships__cluster_id__in=managed)
            | Q(clusters_run__in=managed)
            | Q(pk=own.organisation_id if own else None)
        ).distinct()
    # The form validates a copy: the service compares with the stored consents and audits.
    form = PersonForm(
        request.POST or None, instance=copy.copy(person), initial=initial, organisations=editable
    )
    if request.method == "POST" and form.is_valid():
        saved = save_person(actor=request.user, person=person, data=form.cleaned_data)
        messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
        return redirect(saved)
    return render(request, "actors/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def organisation_import(request: HttpRequest) -> HttpResponse:
    if not roles.can_import(request.user):
        raise PermissionDenied
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = import_organisations(
            upload, filename=upload.name, actor=request.user, dry_run=form.cleaned_data["dry_run"]
        )
        if report.written:
            messages.success(request, report.summary())
    status = 400 if report is not None and not report.ok else 200
    return render(
        request, "actors/organisation_import.html", {"form": form, "report": report}, status=status
    )
