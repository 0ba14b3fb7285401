"""iCalendar feeds, calendar import and remote calendar subscriptions."""

from django.http import HttpRequest, HttpResponse


def national_feed(request: HttpRequest) -> HttpResponse:
    """The national calendar as iCalendar."""
    raise NotImplementedError


def cluster_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """One cluster's calendar (its own and shared events) as iCalendar."""
    raise NotImplementedError
