"""Views of the scanning app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The scanning start page."""
    return render(request, "scanning/index.html", {})
