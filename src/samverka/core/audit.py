"""Writing the audit log: every change to shared data leaves an entry."""

from __future__ import annotations

from typing import Any

from django.db import models

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
