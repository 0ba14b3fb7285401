"""Views of the knowledge app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The knowledge start page."""
    return render(request, "knowledge/index.html", {})
