"""Pages for the cluster directory, the cluster profile and its member list."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.actors.models import Organisation
from samverka.clusters.forms import ClusterFilterForm, ClusterForm, MemberForm
from samverka.clusters.models import Cluster
from samverka.clusters.services import add_member, members_by_helix, remove_member, save_cluster
from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write


def filtered_clusters(params: dict[str, str]) -> QuerySet[Cluster]:
    """Clusters matching the directory filters ``q``, ``county`` and ``focus``."""
    queryset = Cluster.objects.with_related().annotate(member_count=Count("memberships"))
    if q := params.get("q", "").strip():
        queryset = queryset.filter(name__icontains=q)
    if county := params.get("county"):
        queryset = queryset.filter(regions__code=county)
    if focus := params.get("focus"):
        queryset = queryset.filter(focus_areas__slug=focus)
    return queryset.distinct().order_by("name")


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = ClusterFilterForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    clusters = filtered_clusters(params)
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Name"),
            _("Regions"),
            _("Focus areas"),
            _("Members"),
            _("Website"),
            _("Summary"),
        ]
        rows = (
            [
                c.name,
                ", ".join(r.name for r in c.regions.all()),
                " | ".join(f.name for f in c.focus_areas.all()),
                c.member_count,
                c.website,
                c.summary,
            ]
            for c in clusters
        )
        return table_response(headers, rows, fmt=export, filename="clusters")
    query = request.GET.copy()
    context = {
        "form": form,
        "clusters": clusters,
        "query": query.urlencode(),
        "can_create": roles.can_create_cluster(request.user),
    }
    template = "clusters/directory.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@require_GET
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_object_or_404(Cluster.objects.with_related(), slug=slug)
    memberships = cluster.memberships.select_related("organisation__municipality").order_by(
        "organisation__name"
    )
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [_("Organisation"), _("Helix type"), _("Municipality"), _("Role"), _("Since")]
        rows = (
            [
                m.organisation.name,
                m.organisation.get_helix_display(),
                m.organisation.municipality.name if m.organisation.municipality else "",
                m.get_role_display(),
                m.since,
            ]
            for m in memberships
        )
        return table_response(headers, rows, fmt=export, filename=f"{cluster.slug}-members")
    helix = members_by_helix(cluster)
    largest = max((h["count"] for h in helix), default=0) or 1
    for row in helix:
        row["max"] = largest
    return render(
        request,
        "clusters/profile.html",
        {
            "cluster": cluster,
            "memberships": memberships,
            "helix": helix,
            "can_manage": roles.can_manage_cluster(request.user, cluster),
            "member_form": MemberForm()
            if roles.can_manage_cluster(request.user, cluster)
            else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    if slug is None:
        if not roles.can_create_cluster(request.user):
            raise PermissionDenied
        cluster = None
    else:
        cluster = get_for_write(Cluster, roles.can_manage_cluster, request.user, slug=slug)
    # The form validates a copy: the service must see the object as stored to audit the change.
    form = ClusterForm(request.POST or None, instance=copy.copy(cluster))
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"regions", "focus_areas"}}
        if cluster is None:
            data["slug"] = _unique_slug(data["name"])
        try:
            saved = save_cluster(
                actor=request.user,
                cluster=cluster,
                data=data,
                regions=form.cleaned_data["regions"],
                focus_areas=form.cleaned_data["focus_areas"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": saved.name})
            return redirect(saved)
    return render(request, "clusters/edit.html", {"form": form, "cluster": cluster})


def _unique_slug(name: str) -> str:
    base = slugify(name) or "cluster"
    slug, n = base, 2
    while Cluster.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@login_required
@require_POST
def member_add(request: HttpRequest, slug: str) -> HttpResponse:
    cluster = get_for_write(Cluster, roles.can_manage_cluster, request.user, slug=slug)
    form = MemberForm(request.POST)
    if form.is_valid():
        _membership, created = add_member(
            actor=request.user,
            cluster=cluster,
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
            since=form.cleaned_data["since"],
        )
        text = _("%(org)s added.") if created else _("%(org)s updated.")
        messages.success(request, text % {"org": form.cleaned_data["organisation"].name})
    else:
        messages.error(request, _("The member could not be added: check the form."))
    return redirect(cluster)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, org_id: int) -> HttpResponse:
    cluster = get_for_write(Cluster, roles.can_manage_cluster, request.user, slug=slug)
    organisation = get_object_or_404(Organisation, pk=org_id)
    if remove_member(actor=request.user, cluster=cluster, organisation=organisation):
        messages.success(request, _("%(org)s removed.") % {"org": organisation.name})
    return redirect(cluster)
