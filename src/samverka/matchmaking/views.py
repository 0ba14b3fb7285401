"""Views of the matchmaking app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    """The matchmaking start page."""
    return render(request, "matchmaking/index.html", {})
