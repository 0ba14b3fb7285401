"""Pages of horizon scanning: items, sources with their health, OPML, folders, curated feed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.clusters.models import Cluster
from samverka.core import roles
from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.scanning import opml, services
from samverka.scanning.forms import (
    FolderForm,
    ItemFilterForm,
    NoteForm,
    OpmlImportForm,
    SourceForm,
    visible_folders,
)
from samverka.scanning.models import CuratedItem, DigestSubscription, FeedItem, FeedSource, Folder

PAGE_SIZE = 50


def _query_without(request: HttpRequest, *names: str) -> str:
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def _error_text(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Scanned items the visitor may see, filtered, paged and exportable."""
    form = ItemFilterForm(request.GET or None, user=request.user)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    if params.get("folder") and not visible_folders(request.user).filter(pk=params["folder"]):
        params = {**params, "folder": ""}
    items = services.with_related(
        services.filtered_items(services.visible_items(request.user), params)
    )
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [_("Title"), _("Link"), _("Source"), _("Published"), _("Tags"), _("Deadline")]
        return table_response(
            headers, services.item_rows(items), fmt=export, filename="scanned-items"
        )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "items": page.object_list,
        "query": _query_without(request, "page", "export"),
        "can_add_source": services.can_create_source(request.user),
    }
    if request.user.is_authenticated:
        context["digest"] = DigestSubscription.objects.filter(
            user=request.user, active=True
        ).exists()
    if request.headers.get("HX-Request"):
        return render(request, "scanning/index.html#results", context)
    return render(request, "scanning/index.html", context)


def _readable_item(request: HttpRequest, pk: int) -> FeedItem:
    item = get_object_or_404(FeedItem.objects.select_related("source", "source__cluster"), pk=pk)
    if not services.can_read_item(request.user, item):
        if not request.user.is_authenticated:
            raise Http404
        raise PermissionDenied
    return item


@require_GET
def item(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _readable_item(request, pk)
    context: dict[str, Any] = {
        "item": obj,
        "rating": services.rating_summary(obj),
        "clusters": services.clusters_for_item_actions(request.user, obj),
        "example_available": services.good_example_available(),
    }
    if request.user.is_authenticated:
        note = obj.notes.filter(user=request.user).first()
        context["note_form"] = NoteForm(
            initial={"rating": note.rating if note else None, "note": note.note if note else ""}
        )
        context["notes"] = obj.notes.exclude(note="").select_related("user")
        context["folders"] = visible_folders(request.user).filter(cluster__in=context["clusters"])
        context["curated"] = set(
            CuratedItem.objects.filter(item=obj).values_list("cluster_id", flat=True)
        )
    return render(request, "scanning/item.html", context)


@login_required
@require_POST
def item_note(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _readable_item(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.save_note(
            item=obj,
            user=request.user,
            rating=form.cleaned_data["rating"],
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Your rating and note are saved."))
    else:
        messages.error(request, _("Rate from 1 to 5."))
    return redirect(obj)


def _managed_cluster(request: HttpRequest, obj: FeedItem) -> Cluster:
    try:
        cluster_id = int(request.POST.get("cluster", ""))
    except ValueError:
        raise Http404 from None
    cluster = services.clusters_for_item_actions(request.user, obj).filter(pk=cluster_id).first()
    if cluster is None:
        raise PermissionDenied
    return cluster


@login_required
@require_POST
def item_folder(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _readable_item(request, pk)
    folder = get_for_write(
        Folder.objects.select_related("cluster"),
        services.can_manage_folder,
        request.user,
        pk=request.POST.get("folder") or 0,
    )
    try:
        if request.POST.get("remove"):
            services.remove_from_folder(folder=folder, item=obj, actor=request.user)
            messages.success(request, _("Removed from %(folder)s.") % {"folder": folder.name})
        else:
            services.add_to_folder(folder=folder, item=obj, actor=request.user)
            messages.success(request, _("Saved in %(folder)s.") % {"folder": folder.name})
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    # Back to the list the button was on, but never to another site (an open redirect).
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = obj.get_absolute_url()
    return redirect(back)


@login_required
@require_POST
def item_curate(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _readable_item(request, pk)
    cluster = _managed_cluster(request, obj)
    curated = request.POST.get("curated") == "1"
    services.set_curated(cluster=cluster, item=obj, actor=request.user, curated=curated)
    if curated:
        messages.success(request, _("Added to the curated feed of %(c)s.") % {"c": cluster.name})
    else:
        messages.success(request, _("Removed from the curated feed of %(c)s.") % {"c": cluster})
    return redirect(obj)


@login_required
@require_POST
def item_newsletter(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _readable_item(request, pk)
    cluster = _managed_cluster(request, obj)
    try:
        block = services.add_to_newsletter(item=obj, cluster=cluster, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(obj)
    messages.success(
        request,
        _("Added to the draft “%(issue)s”.") % {"issue": block.issue.subject},
    )
    return redirect(obj)


@login_required
@require_POST
def item_example(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _readable_item(request, pk)
    cluster = _managed_cluster(request, obj) if request.POST.get("cluster") else None
    if cluster is None and not roles.is_platform_admin(request.user):
        raise PermissionDenied
    try:
        services.save_as_example(item=obj, actor=request.user, cluster=cluster)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("Saved as a draft good example in the knowledge hub."))
    return redirect(obj)


@require_GET
def sources(request: HttpRequest) -> HttpResponse:
    """The sources the visitor may see, with their health."""
    visible = (
        services.visible_sources(request.user)
        .select_related("cluster")
        .prefetch_related("shared_with", "focus_areas")
        .order_by("name", "pk")
    )
    rows = [
        {"source": s, "can_manage": services.can_manage_source(request.user, s)} for s in visible
    ]
    return render(
        request,
        "scanning/sources.html",
        {"rows": rows, "can_add": services.can_create_source(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def source_add(request: HttpRequest) -> HttpResponse:
    if not services.can_create_source(request.user):
        raise PermissionDenied
    form = SourceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            source, created = services.save_source(
                actor=request.user,
                url=data["url"],
                name=data["name"],
                cluster=data["owner"],
                shared_with=data["shared_with"],
                focus_areas=data["focus_areas"],
                interval_minutes=data["interval_minutes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if created:
                messages.success(request, _("The source %(name)s is added.") % {"name": source})
            else:
                messages.info(
                    request, _("The source %(name)s was already there.") % {"name": source}
                )
            return redirect("scanning:sources")
    return render(request, "scanning/source_form.html", {"form": form})


@login_required
@require_POST
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_for_write(FeedSource, services.can_manage_source, request.user, pk=pk)
    services.delete_source(source=source, actor=request.user)
    messages.success(request, _("The source %(name)s is removed.") % {"name": source.name})
    return redirect("scanning:sources")


@login_required
@require_http_methods(["GET", "POST"])
def opml_import(request: HttpRequest) -> HttpResponse:
    if not services.can_create_source(request.user):
        raise PermissionDenied
    form = OpmlImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = opml.import_opml(
            upload,
            filename=upload.name,
            actor=request.user,
            cluster=form.cleaned_data["owner"],
        )
        if report.ok:
            messages.success(request, report.summary())
            return redirect("scanning:sources")
    return render(request, "scanning/opml_import.html", {"form": form, "report": report})


@require_GET
def opml_export(request: HttpRequest) -> HttpResponse:
    """The visible sources as OPML; ``?cluster=SLUG`` for one cluster's own and shared ones,
    ``?cluster=national`` for the national network's."""
    chosen = services.visible_sources(request.user).order_by("name", "pk")
    slug = request.GET.get("cluster", "")
    if slug == "national":
        chosen = chosen.filter(cluster__isnull=True)
    elif slug:
        cluster = get_object_or_404(Cluster, slug=slug)
        chosen = chosen.filter(cluster=cluster) | chosen.filter(shared_with=cluster)
    body = opml.export_opml(chosen.distinct(), title=_("Samverka feed sources"))
    response = HttpResponse(body, content_type="text/x-opml; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="samverka-feeds.opml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def folders(request: HttpRequest) -> HttpResponse:
    form = FolderForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not services.managed_clusters(request.user).exists():
            raise PermissionDenied
        if form.is_valid():
            try:
                folder = services.create_folder(
                    cluster=form.cleaned_data["cluster"],
                    name=form.cleaned_data["name"],
                    actor=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The folder %(name)s is ready.") % {"name": folder})
                return redirect("scanning:folders")
    listed = [
        {"folder": f, "can_manage": services.can_manage_folder(request.user, f)}
        for f in visible_folders(request.user).prefetch_related("items")
    ]
    return render(
        request,
        "scanning/folders.html",
        {
            "rows": listed,
            "form": form,
            "can_create": services.managed_clusters(request.user).exists(),
        },
    )


@login_required
@require_POST
def digest(request: HttpRequest) -> HttpResponse:
    """Opt in to (``active=1``) or out of the weekly digest email."""
    active = request.POST.get("active") == "1"
    DigestSubscription.objects.update_or_create(user=request.user, defaults={"active": active})
    if active:
        messages.success(request, _("You will get the weekly digest."))
    else:
        messages.success(request, _("You will no longer get the weekly digest."))
    return redirect("scanning:index")


@require_GET
def curated_rss(request: HttpRequest, slug: str) -> HttpResponse:
    """The cluster's curated items as RSS 2.0."""
    cluster = get_object_or_404(Cluster, slug=slug)
    feed = Rss201rev2Feed(
        title=_("%(cluster)s – curated horizon scanning") % {"cluster": cluster.name},
        link=settings.SITE_URL + cluster.get_absolute_url(),
        description=_("Items chosen by %(cluster)s.") % {"cluster": cluster.name},
        language=request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "sv",
        feed_url=settings.SITE_URL + reverse("scanning:curated", args=[cluster.slug]),
    )
    for entry in services.curated_items(cluster):
        feed.add_item(
            title=entry.title,
            link=entry.url or settings.SITE_URL + entry.get_absolute_url(),
            description=entry.summary,
            unique_id=f"{settings.SITE_URL}{entry.get_absolute_url()}",
            pubdate=entry.published,
        )
    return HttpResponse(
        feed.writeString("utf-8"), content_type="application/rss+xml; charset=utf-8"
    )
