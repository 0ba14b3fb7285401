"""Schemas shared by several routers, and small helpers for handlers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch
from ninja import Schema


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
