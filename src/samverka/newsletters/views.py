"""Views of newsletters."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The list of newsletters."""
    return render(request, "newsletters/index.html", {})
