"""Pages of the indicator database (catalogue, indicator page)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samverka.indicators.models import Indicator


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    return render(
        request, "indicators/catalogue.html", {"indicators": Indicator.objects.order_by("code")}
    )
