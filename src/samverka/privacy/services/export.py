"""Everything stored about one email address, as one JSON-ready document (GDPR art. 15/20)."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from samverka.privacy.services.locate import (
    REDACTED,
    REDACTED_FIELDS,
    find_subject,
    matching_rows,
)

EXPORT_FORMAT = 1


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, (bytes, memoryview)):
        return REDACTED
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _redacted(model: type[models.Model], f: models.Field[Any, Any]) -> bool:
    name = f.name.lower()
    if name in REDACTED_FIELDS or name.endswith(("_token", "_secret")):
        return True
    # allauth's authenticator rows keep the TOTP secret and recovery codes in ``data``.
    return model._meta.label_lower == "mfa.authenticator" and name == "data"


def row_dict(obj: models.Model) -> dict[str, Any]:
    """The concrete fields of ``obj`` as plain JSON (foreign keys as ids plus their text)."""
    model = type(obj)
    out: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if _redacted(model, f):
            out[f.name] = REDACTED
        elif f.is_relation:
            out[f.attname] = getattr(obj, f.attname)
        else:
            out[f.name] = _plain(f.value_from_object(obj))
    for f in model._meta.many_to_many:
        out[f.name] = sorted(getattr(obj, f.name).values_list("pk", flat=True))
    return out


def export_personal_data(email: str, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """One document with every row about ``email``: each section is a model (``app.model``)
    with its rows' fields. An address nothing is stored about gives empty ``sections``.
    Secrets (link tokens, password hashes, authenticator secrets) are redacted."""
    subject = find_subject(email)
    sections: dict[str, list[dict[str, Any]]] = {}
    for label, rows in sorted(matching_rows(subject).items()):
        sections[label] = [row_dict(obj) for obj in rows.order_by("pk")]
    return {
        "format": EXPORT_FORMAT,
        "email": subject.email,
        "generated_at": (now or timezone.now()).isoformat(),
        "addresses": sorted(subject.emails),
        "user_accounts": sorted(subject.user_ids),
        "person_records": sorted(subject.person_ids),
        "sections": sections,
    }
