"""The audit log viewer at /audit/ (platform admins only), with CSV/XLSX export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from samverka.core import audit, roles
from samverka.core.exports import table_stream_response

PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    type = forms.CharField(
        label=_("Object type"),
        required=False,
        help_text=_("A model such as programmes.project, or an app such as programmes."),
    )
    action = forms.CharField(
        label=_("Action"), required=False, help_text=_("End with a dot for all: project.")
    )
    user = forms.CharField(
        label=_("User"), required=False, help_text=_("Username; - for the system.")
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    q = forms.CharField(label=_("Object name contains"), required=False, max_length=200)

    def filters(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()  # the valid filters apply even when another one is not
            data = self.cleaned_data
        return {
            "object_type": (data.get("type") or "").strip() or None,
            "action": (data.get("action") or "").strip() or None,
            "user": (data.get("user") or "").strip() or None,
            "since": data.get("since"),
            "until": data.get("until"),
            "object_id": (data.get("object_id") or "").strip() or None,
            "q": (data.get("q") or "").strip() or None,
        }


def export_response(entries: Any, fmt: str) -> StreamingHttpResponse:
    """The filtered log as CSV or XLSX, streamed from the database in chunks (never the whole
    log in memory), with the format rules of every other export."""
    return table_stream_response(
        audit.EXPORT_HEADERS, audit.export_rows(entries), fmt=fmt, filename="audit-log"
    )


@require_GET
@login_required
def audit_log(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Who changed what and when: the filtered, paginated audit log; newest first."""
    if not roles.is_platform_admin(request.user):
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    entries = audit.filter_entries(**form.filters())
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        return export_response(entries, export)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.change_rows = audit.change_rows(entry.changes)
    query = request.GET.copy()
    query.pop("page", None)
    template = "core/audit_log.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query.urlencode()},
    )
