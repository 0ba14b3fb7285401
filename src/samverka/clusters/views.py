"""Pages for the cluster directory, the cluster profile and its member list."""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from functools import cache

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.actors.models import Organisation
from samverka.clusters.forms import ClusterFilterForm, ClusterForm, MemberForm
from samverka.clusters.models import Cluster
from samverka.clusters.services import (
    add_member,
    label_members,
    member_map,
    membership_summary,
    network_figures,
    remove_member,
    save_cluster,
)
from samverka.clusters.staircase_services import staircase_summary
from samverka.core import charts, roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.geo.models import Area

MEMBERS_PER_PAGE = 100  # the whole list is in the CSV/XLSX downloads


def filtered_clusters(params: dict[str, str], *, member_count: bool = False) -> QuerySet[Cluster]:
    """Clusters matching the directory filters ``q``, ``county`` and ``focus``, with their
    regions and focus areas (and ``member_count`` when asked: only the downloads show it)."""
    queryset = Cluster.objects.prefetch_related("regions", "focus_areas")
    if member_count:
        queryset = queryset.with_member_count()
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
    export = request.GET.get("export")
    clusters = filtered_clusters(params, member_count=export in FORMATS)
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
    memberships = (
        cluster.memberships.select_related("organisation__municipality")
        .only(
            "cluster_id",
            "role",
            "since",
            "organisation__name",
            "organisation__helix",
            "organisation__municipality__name",
        )
        .order_by("organisation__name")
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
    summary = membership_summary(cluster)
    paginator = Paginator(memberships, MEMBERS_PER_PAGE)
    paginator.count = summary["count"]  # known from the summary: no second COUNT
    members = paginator.get_page(request.GET.get("page"))
    members.object_list = label_members(members.object_list)
    helix = summary["helix"]
    largest = max((h["count"] for h in helix), default=0) or 1
    for row in helix:
        row["max"] = largest
    can_manage = roles.can_manage_cluster(request.user, cluster)
    return render(
        request,
        "clusters/profile.html",
        {
            "cluster": cluster,
            "members": members,
            "helix": helix,
            "places": summary["places"],
            "member_map": member_map(cluster, summary["places"]),
            "network": network_figures(cluster, summary["count"], summary["last"]),
            "staircase": staircase_summary(cluster=cluster),
            "can_manage": can_manage,
            "member_form": MemberForm() if can_manage else None,
        },
    )


@cache
def county_centroids() -> dict[str, tuple[float, float]]:
    """County code → ``(lat, lon)`` of the area-weighted centroid of its largest polygon, from
    the shipped boundaries (the largest polygon keeps archipelago counties' points on land)."""
    with (charts.GEO_DIR / "counties.geojson").open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    centroids = {}
    for feature in features:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        best = (0.0, 0.0, 0.0)  # |area|, lon, lat
        for polygon in polygons:
            ring = polygon[0]
            area = cx = cy = 0.0
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
                cross = x0 * y1 - x1 * y0
                area += cross
                cx += (x0 + x1) * cross
                cy += (y0 + y1) * cross
            if area and abs(area) > best[0]:
                best = (abs(area), cx / (3 * area), cy / (3 * area))
        centroids[feature["properties"]["code"]] = (round(best[2], 4), round(best[1], 4))
    return centroids


@require_GET
def cluster_map(request: HttpRequest) -> HttpResponse:
    """Every cluster placed in its counties: a Leaflet map drawn from the JSON in the page, and
    the same clusters as a list by county (the text alternative and the no-JS fallback)."""
    clusters = Cluster.objects.prefetch_related("regions").order_by("name")
    by_county: dict[str, list[Cluster]] = defaultdict(list)
    for cluster in clusters:
        for region in cluster.regions.all():
            by_county[region.code].append(cluster)
    centroids = county_centroids()
    counties = [
        {
            "code": county.code,
            "name": county.name,
            "lat": centroids.get(county.code, (0, 0))[0],
            "lon": centroids.get(county.code, (0, 0))[1],
            "clusters": [
                {"name": c.name, "url": c.get_absolute_url()} for c in by_county[county.code]
            ],
        }
        for county in Area.objects.counties().order_by("name")
        if county.code in by_county
    ]
    map_data = {
        "boundaries": static("geo/counties.geojson"),
        "tiles": getattr(settings, "SAMVERKA_MAP_TILES", ""),
        "counties": counties,
    }
    return render(
        request,
        "clusters/map.html",
        {
            "counties": counties,
            "map_data": map_data,
            "cluster_count": len(clusters),
            "unplaced": [c for c in clusters if not c.regions.all()],
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
