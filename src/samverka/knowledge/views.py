"""Pages of the knowledge hub (list, detail, editing, attachments) and of the one search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverka.core.exports import FORMATS, table_response
from samverka.core.permissions import get_for_write
from samverka.core.roles import roles_of
from samverka.knowledge import attachments, services
from samverka.knowledge.forms import (
    SEARCH_KINDS,
    AttachmentForm,
    ExampleForm,
    FilterForm,
    SearchForm,
)
from samverka.knowledge.models import Attachment, GoodExample
from samverka.knowledge.permissions import can_create_example, can_edit_example, visible_examples
from samverka.knowledge.search import search as run_search


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The knowledge hub: good examples, methods and documents, filtered by kind and focus area."""
    form = FilterForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    examples = (
        visible_examples(request.user)
        .select_related("cluster", "author")
        .prefetch_related("focus_areas")
    )
    if kind := params.get("kind"):
        examples = examples.filter(kind=kind)
    if focus := params.get("focus"):
        examples = examples.filter(focus_areas__slug=focus).distinct()
    export = request.GET.get("export")
    if export in FORMATS:
        headers = [
            _("Title"),
            _("Kind"),
            _("Focus areas"),
            _("Cluster"),
            _("Summary"),
            _("Link"),
            _("Published"),
            _("Address"),
        ]
        rows = (
            [
                e.title,
                e.get_kind_display(),
                " | ".join(f.name for f in e.focus_areas.all()),
                e.cluster.name if e.cluster else "",
                e.summary,
                e.link,
                _("yes") if e.published else _("no"),
                request.build_absolute_uri(e.get_absolute_url()),
            ]
            for e in examples
        )
        return table_response(headers, rows, fmt=export, filename="knowledge")
    page = Paginator(examples, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "knowledge/index.html",
        {
            "form": form,
            "page": page,
            "examples": page.object_list,
            "query": query.urlencode(),
            "can_create": can_create_example(request.user),
        },
    )


@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    example = get_object_or_404(
        visible_examples(request.user).select_related("cluster", "author"), slug=slug
    )
    return render(
        request,
        "knowledge/detail.html",
        {
            "example": example,
            "attachments": example.attachments.all(),
            "organisations": example.organisations.order_by("name"),
            "focus_areas": example.focus_areas.all(),
            "can_edit": can_edit_example(request.user, example),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Create (no slug) or edit a knowledge item."""
    if slug is None:
        if not can_create_example(request.user):
            raise PermissionDenied
        example = None
    else:
        example = get_for_write(GoodExample, can_edit_example, request.user, slug=slug)
    form = ExampleForm(request.POST or None, instance=example, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {
            name: form.cleaned_data[name] for name in services.EDITABLE if name in form.cleaned_data
        }
        example = services.save_example(
            actor=request.user,
            example=example,
            data=data,
            focus_areas=form.cleaned_data["focus_areas"],
            organisations=form.cleaned_data["organisations"],
        )
        messages.success(request, _("Saved."))
        return redirect(example.get_absolute_url())
    return render(
        request,
        "knowledge/edit.html",
        {
            "form": form,
            "example": example,
            "attachment_form": AttachmentForm() if example else None,
            "attachments": example.attachments.all() if example else [],
        },
    )


@login_required
@require_POST
def delete(request: HttpRequest, slug: str) -> HttpResponse:
    example = get_for_write(GoodExample, can_edit_example, request.user, slug=slug)
    services.delete_example(actor=request.user, example=example)
    messages.success(request, _("Deleted."))
    return redirect("knowledge:index")


@login_required
@require_POST
def attach(request: HttpRequest, slug: str) -> HttpResponse:
    example = get_for_write(GoodExample, can_edit_example, request.user, slug=slug)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(
                actor=request.user, example=example, upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
    if form.errors:
        return render(
            request,
            "knowledge/edit.html",
            {
                "form": ExampleForm(instance=example, user=request.user),
                "example": example,
                "attachment_form": form,
                "attachments": example.attachments.all(),
            },
            status=400,
        )
    messages.success(request, _("The file was attached."))
    return redirect(reverse("knowledge:edit", args=[example.slug]))


@login_required
@require_POST
def detach(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("example"), pk=pk)
    if not can_edit_example(request.user, attachment.example):
        raise PermissionDenied
    slug = attachment.example.slug
    services.remove_attachment(actor=request.user, attachment=attachment)
    return redirect(reverse("knowledge:edit", args=[slug]))


@require_GET
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    """Download an attachment: always as a download with its sniffed type, never rendered."""
    item = get_object_or_404(
        Attachment.objects.filter(example__in=visible_examples(request.user)), pk=pk
    )
    return attachments.download(item.file, item.name, item.content_type)


def visibilities_for(user: object) -> list[str]:
    """Which index visibilities a user sees: members-only documents need a role."""
    return ["public", "members"] if roles_of(user) else ["public"]


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """The one search over organisations, clusters, events, projects, knowledge and scanning."""
    form = SearchForm(request.GET or None)
    params = form.cleaned_data if form.is_bound and form.is_valid() else {}
    results = None
    if q := (params.get("q") or "").strip():
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        results = run_search(
            q,
            kind=params.get("kind") or None,
            focus=params.get("focus") or None,
            page=page,
            visibilities=visibilities_for(request.user),
        )
        labels = dict(SEARCH_KINDS)
        for hit in results.hits:
            hit.kind_label = str(labels.get(hit.kind, hit.kind))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "knowledge/search.html",
        {
            "form": form,
            "results": results,
            "query": query.urlencode(),
        },
    )
