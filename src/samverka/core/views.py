"""Home page, health check and the benchmarks' empty reference page."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from samverka import __version__
from samverka.actors.models import Organisation
from samverka.clusters.models import Cluster
from samverka.core import page_cache


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    clusters = Cluster.objects.with_related().order_by("name")
    return render(
        request,
        "core/home.html",
        {
            "clusters": clusters,
            "organisation_count": Organisation.objects.count(),
        },
    )


@page_cache.exempt
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with the database status when the database answers, else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as exc:  # any database failure means unhealthy
        database = {"status": "error", "error": exc.__class__.__name__}
        status = 503
    return JsonResponse(
        {
            "status": "ok" if status == 200 else "error",
            "version": __version__,
            "database": database,
        },
        status=status,
    )


@page_cache.exempt
@require_GET
def bench_empty(request: HttpRequest) -> HttpResponse:
    """An empty 200 through the full middleware stack: the benchmarks' throughput reference.

    Only when ``SAMVERKA_BENCH_ENDPOINTS`` is on; otherwise a 404 like any unknown address.
    """
    if not settings.SAMVERKA_BENCH_ENDPOINTS:
        raise Http404
    return HttpResponse(b"", content_type="text/plain")
