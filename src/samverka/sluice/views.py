"""Views of the sluice app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The sluice start page."""
    return render(request, "sluice/index.html", {})
