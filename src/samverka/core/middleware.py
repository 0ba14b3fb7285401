"""Requests refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

#: Where the API is mounted: its errors are JSON (``{"detail": …}``), as everywhere in it.
API_PREFIX = "/api/"


class RejectNulMiddleware:
    """Answer 400 to a NUL character in the path or the query string.

    No address or search term holds one, and PostgreSQL cannot store or compare text with NUL:
    a token such as ``/events/%00/`` reached the database and failed there (500). Refusing it
    here covers every route, the API's too, including routes added later."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path_info or b"\x00" in unquote_to_bytes(query):
            if request.path_info.startswith(API_PREFIX):
                detail = _("The request's address holds a NUL character, which is not allowed.")
                return JsonResponse({"detail": detail}, status=400)
            raise BadRequest("NUL character in the request's address")
        return self.get_response(request)
