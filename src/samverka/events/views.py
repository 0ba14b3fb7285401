"""Views of events and calendars."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def calendar(request: HttpRequest) -> HttpResponse:
    """The calendar page."""
    return render(request, "events/calendar.html", {})
