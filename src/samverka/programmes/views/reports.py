"""Report pages: the budget/outcome table with its chart and the portfolio with chart and map.

Reports are public information (the programme's own documents print them), so the pages are open
to anonymous visitors like the programme tree; they show aggregates only, never applications.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from samverka.core.exports import FORMATS, table_response
from samverka.programmes.models import Programme
from samverka.programmes.services import reports


def _pdf_response(
    render_pdf: Callable[..., bytes], *, programme: Programme, report: dict[str, Any], name: str
) -> HttpResponse:
    """The report as a PDF download, or 503 with the reason when PDF rendering is unavailable."""
    try:
        pdf = render_pdf(programme=programme, report=report)
    except reports.PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pdf, content_type="application/pdf")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.pdf"'
    return response


@require_GET
def budget(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_object_or_404(Programme, code=code)
    report = reports.budget_report(programme=programme)
    export = request.GET.get("export")
    if export in FORMATS:
        headers, rows = reports.budget_export_rows(report)
        return table_response(headers, rows, fmt=export, filename=f"budget-{programme.code}")
    if export == "pdf":
        return _pdf_response(
            reports.budget_pdf, programme=programme, report=report, name=f"budget-{programme.code}"
        )
    context = reports.budget_document(programme=programme, report=report)
    return render(request, "programmes/report_budget.html", context)


@require_GET
def portfolio(request: HttpRequest, code: str) -> HttpResponse:
    programme = get_object_or_404(Programme, code=code)
    by = request.GET.get("by", "measure")
    if by not in reports.GROUPINGS:
        by = "measure"
    report = reports.portfolio_report(programme=programme, by=by)
    export = request.GET.get("export")
    if export in FORMATS:
        headers, rows = reports.portfolio_export_rows(report)
        return table_response(
            headers, rows, fmt=export, filename=f"portfolio-{programme.code}-{by}"
        )
    if export == "pdf":
        return _pdf_response(
            reports.portfolio_pdf,
            programme=programme,
            report=report,
            name=f"portfolio-{programme.code}-{by}",
        )
    context = reports.portfolio_document(programme=programme, report=report)
    context["groupings"] = reports.grouping_labels()
    context["query"] = f"by={by}"
    return render(request, "programmes/report_portfolio.html", context)
