"""Recording consent and its withdrawal: one call wherever consent is collected."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import models
from django.utils import timezone

from samverka.privacy.models import Consent, Purpose, Source


def text_version(text: str) -> str:
    """A short, stable version of a consent text: the start of its SHA-256 (so a changed
    wording is a new version without anyone having to remember to bump a number)."""
    return "sha256:" + hashlib.sha256(str(text).strip().encode()).hexdigest()[:12]


def record_consent(
    *,
    email: str,
    purpose: Purpose | str,
    text: str,
    source: Source | str = Source.FORM,
    version: str = "",
    subject: models.Model | None = None,
    person: Any = None,
    given_at: dt.datetime | None = None,
) -> Consent:
    """Record that ``email`` consented to ``purpose`` with the words ``text`` (as shown).
    ``version`` defaults to :func:`text_version` of the text; ``subject`` is what the consent is
    about (a subscription, a registration, a case), so that withdrawing it ends this consent
    only. Recording the same open consent again (a confirmation link followed twice) returns the
    existing row."""
    text = str(text)
    version = version or text_version(text)
    subject_type = subject._meta.label_lower if subject is not None else ""
    subject_id = str(subject.pk) if subject is not None else ""
    email = (email or "").strip().lower()
    existing = (
        Consent.objects.active()
        .filter(
            email=email,
            purpose=purpose,
            subject_type=subject_type,
            subject_id=subject_id,
            version=version,
        )
        .first()
    )
    if existing is not None:
        return existing
    return Consent.objects.create(
        email=email,
        person=person,
        purpose=purpose,
        subject_type=subject_type,
        subject_id=subject_id,
        text=text,
        version=version,
        source=source,
        given_at=given_at or timezone.now(),
    )


def withdraw_consent(
    *,
    purpose: Purpose | str,
    email: str = "",
    subject: models.Model | None = None,
    person: Any = None,
    at: dt.datetime | None = None,
) -> int:
    """End the open consents for ``purpose`` about ``subject`` (or of ``person``, or of
    ``email``); returns how many were open. Idempotent."""
    consents = Consent.objects.active().filter(purpose=purpose)
    if subject is not None:
        consents = consents.for_subject(subject)
    elif person is not None:
        consents = consents.filter(person=person)
    elif email:
        consents = consents.filter(email__iexact=email.strip())
    else:
        raise ValueError("withdraw_consent needs a subject, a person or an email")
    return consents.update(withdrawn_at=at or timezone.now())
