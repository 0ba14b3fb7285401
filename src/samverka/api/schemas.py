"""Schemas shared by several routers, and small helpers for handlers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

#: The highest page number a paged list accepts; beyond it the offset would overflow the database.
MAX_PAGE = 1_000_000


class ErrorOut(Schema):
    """The body of every error response (see ``samverka.api.errors``)."""

    detail: str
    errors: dict[str, list[str]] | None = None


class Pages(PageNumberPagination):
    """Page-number pagination whose page number is bounded (a huge one answers 422, not 500)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE)


class AreaRef(Schema):
    code: str
    name: str


class FocusAreaRef(Schema):
    slug: str
    name: str


def absolute_url(obj: Any, context: dict[str, Any] | None) -> str | None:
    """The absolute address of ``obj``'s public page (None while that page does not exist)."""
    try:
        path = obj.get_absolute_url()
    except NoReverseMatch:
        return None
    request: HttpRequest | None = (context or {}).get("request")
    return request.build_absolute_uri(path) if request is not None else path
