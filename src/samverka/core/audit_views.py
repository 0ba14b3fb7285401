"""The audit log viewer at /audit/ (platform admins only), with CSV/XLSX export."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from samverka.core import audit, roles
from samverka.core.exports import safe_cell

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


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_stream(rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([str(h) for h in audit.EXPORT_HEADERS])
    for row in rows:
        yield writer.writerow([safe_cell(v) for v in row])


def export_response(entries: Any, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The filtered log as CSV (streamed) or XLSX (written row by row to a temporary file)."""
    stamp = timezone.localdate().isoformat()
    rows = audit.export_rows(entries)
    if fmt == "csv":
        response: Any = StreamingHttpResponse(
            _csv_stream(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append([str(h) for h in audit.EXPORT_HEADERS])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    out = tempfile.TemporaryFile()  # noqa: SIM115 — FileResponse closes it
    workbook.save(out)
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"audit-log-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
