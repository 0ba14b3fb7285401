"""Pages of the programme structure: programme list, programme tree, measure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samverka.programmes.models import Programme


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = Programme.objects.select_related("owner")
    return render(request, "programmes/programme_list.html", {"programmes": programmes})
