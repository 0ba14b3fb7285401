"""Writing the audit log: every change to shared data leaves an entry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from samverka.core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The current values of an object's concrete fields (or the named ones), as plain JSON."""
    names = fields or [
        f.name for f in obj._meta.concrete_fields if f.name not in {"created", "updated"}
    ]
    return {name: _plain(getattr(obj, name)) for name in names}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as ``{field: [old, new]}``."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


_current_request: ContextVar[Any] = ContextVar("samverka_audit_request", default=None)


class RequestActorMiddleware:
    """Remembers the current request, so that changes made where no actor is passed (signal
    handlers: role changes, also through the Django admin) are recorded with the request's user.
    The user is read when the entry is written, so an API token's user counts too."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def current_actor() -> Any:
    """The logged-in user of the request being handled, or None (commands, tasks, tests)."""
    user = getattr(_current_request.get(), "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def entry(
    *, actor: Any, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """An unsaved audit entry (for ``AuditEntry.objects.bulk_create`` in batch operations)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:255],
        changes=changes or {},
    )


def record(
    *, actor: Any, action: str, obj: models.Model, changes: dict[str, Any] | None = None
) -> AuditEntry:
    """Record that ``actor`` (a user, or None for the system) did ``action`` to ``obj``."""
    audit_entry = entry(actor=actor, action=action, obj=obj, changes=changes)
    audit_entry.save()
    return audit_entry


# Reading the log -----------------------------------------------------------------------------------

EXPORT_HEADERS = ("time", "user", "action", "object type", "object id", "object", "changes")


def filter_entries(
    *,
    object_type: str | None = None,
    action: str | None = None,
    user: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
    object_id: str | None = None,
    q: str | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, narrowed by the given filters.

    ``object_type`` is a model label (``programmes.project``) or an app label (``programmes``);
    ``action`` matches exactly or as a prefix ending in a dot (``project.``); ``user`` is a
    username (``-`` for the system); ``since``/``until`` are inclusive days (or exact times);
    ``q`` searches the object's name.
    """
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    if object_type:
        entries = (
            entries.filter(object_type=object_type.lower())
            if "." in object_type
            else entries.filter(object_type__startswith=object_type.lower() + ".")
        )
    if action:
        entries = (
            entries.filter(action__startswith=action)
            if action.endswith(".")
            else entries.filter(action=action)
        )
    if user == "-":
        entries = entries.filter(actor__isnull=True)
    elif user:
        entries = entries.filter(actor__username=user)
    if since:
        entries = entries.filter(at__gte=_start(since))
    if until:
        entries = entries.filter(
            at__lt=_start(until + timedelta(days=1)) if _is_day(until) else until
        )
    if object_id:
        entries = entries.filter(object_id=object_id)
    if q:
        entries = entries.filter(object_repr__icontains=q)
    return entries


def _is_day(value: date | datetime) -> bool:
    return not isinstance(value, datetime)


def _start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.min))


def export_row(entry: AuditEntry) -> list[Any]:
    """One entry as a row of the CSV/XLSX export (changes as JSON)."""
    return [
        timezone.localtime(entry.at).replace(tzinfo=None),
        entry.actor.get_username() if entry.actor_id else "",
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.object_repr,
        json.dumps(entry.changes, ensure_ascii=False, sort_keys=True, default=str),
    ]


def export_rows(entries: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    """Rows of the export, streamed from the database in chunks (never the whole log at once)."""
    for entry in entries.iterator(chunk_size=2000):
        yield export_row(entry)


def change_rows(changes: Any) -> list[tuple[str, Any, Any]]:
    """``(field, old, new)`` for an entry's changes; values that are not pairs become new."""
    if not isinstance(changes, dict):
        return [("", None, changes)]
    rows = []
    for name, value in changes.items():
        if isinstance(value, (list, tuple)) and len(value) == 2:
            rows.append((str(name), value[0], value[1]))
        else:
            rows.append((str(name), None, value))
    return rows
