"""Ownership-checking fetch helpers: views get writable objects only through these."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

M = TypeVar("M", bound=Model)


def get_for_write(
    queryset: type[M] | QuerySet[M], check: Callable[[Any, M], bool], user: Any, **lookup: Any
) -> M:
    """Fetch one object and require ``check(user, obj)``; 404 when missing, 403 when not allowed."""
    obj = get_object_or_404(queryset, **lookup)
    if not check(user, obj):
        raise PermissionDenied
    return obj
