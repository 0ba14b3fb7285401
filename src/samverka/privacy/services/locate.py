"""Finding every row that holds personal data about one email address.

The search is generic so that models added later are covered without touching this module:
a row belongs to the person when one of its email fields is the address (case-insensitively),
when it points at their user account or their person record, or when it is a child of one of
their own records (the stage history and notes of their help case).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q

#: Models that hold no personal data of their own or that are handled elsewhere: sessions are
#: opaque (and end when the account is deactivated), task results and bookkeeping are not
#: about people, and the erasure log deliberately names nobody.
SKIPPED_MODELS = {
    "sessions.session",
    "contenttypes.contenttype",
    "auth.permission",
    "django_tasks_db.dbtaskresult",
    "core.periodicrun",
    "core.demomarker",
    "privacy.erasure",
}

#: A person's own records, whose child rows are theirs too (``sluice.casenote`` of their case).
OWN_RECORDS = {"sluice.helpcase", "events.registration", "newsletters.subscription"}

#: Fields never written to an export: secrets that would let the holder of the file act as the
#: person (links in mails, API keys, password hashes, authenticator secrets).
REDACTED_FIELDS = {"password", "token", "key_hash", "secret", "secret_key"}
REDACTED = "[redacted]"


@dataclass
class Subject:
    """Whose data: the address asked for, the accounts and person records it leads to, and
    every address those hold (a second login address of the same account is the same person)."""

    email: str
    user_ids: set[int] = field(default_factory=set)
    person_ids: set[int] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)

    def email_q(self, name: str = "email") -> Q:
        """Rows whose field ``name`` is one of the subject's addresses (any case)."""
        q = Q()
        for address in sorted(self.emails):
            q |= Q(**{f"{name}__iexact": address})
        return q


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def personal_models() -> Iterator[type[models.Model]]:
    for model in apps.get_models():
        if _label(model) not in SKIPPED_MODELS and not model._meta.proxy:
            yield model


def find_subject(email: str) -> Subject:
    """The user accounts (by their email or any allauth login address) and person records (by
    email, or linked to one of those accounts) of ``email``, and the addresses they hold."""
    from samverka.actors.models import Person

    email = email.strip()
    if not email:
        raise ValueError("an email address is needed")
    subject = Subject(email=email, emails={email.lower()})
    user_model = get_user_model()
    logins = None
    if apps.is_installed("allauth.account"):
        from allauth.account.models import EmailAddress

        logins = EmailAddress.objects
    # Up to three rounds: an address leads to accounts and people, their other addresses to more.
    for _round in range(3):
        q = subject.email_q()
        subject.user_ids |= set(user_model.objects.filter(q).values_list("pk", flat=True))
        if logins is not None:
            subject.user_ids |= set(logins.filter(q).values_list("user_id", flat=True))
        people = Person.objects.filter(q | Q(user__in=subject.user_ids))
        subject.person_ids |= set(people.values_list("pk", flat=True))
        subject.user_ids |= set(people.filter(user__isnull=False).values_list("user_id", flat=True))
        found = set(
            user_model.objects.filter(pk__in=subject.user_ids).values_list("email", flat=True)
        )
        found |= set(
            Person.objects.filter(pk__in=subject.person_ids).values_list("email", flat=True)
        )
        if logins is not None:
            found |= set(logins.filter(user__in=subject.user_ids).values_list("email", flat=True))
        found = {e.strip().lower() for e in found if e and e.strip()}
        if found <= subject.emails:
            break
        subject.emails |= found
    return subject


def _matching_q(model: type[models.Model], subject: Subject) -> Q | None:
    """Rows of ``model`` that are the subject's, or None when the model cannot hold any."""
    from samverka.actors.models import Person

    user_model = get_user_model()
    parts: list[Q] = []
    if model is user_model and subject.user_ids:
        parts.append(Q(pk__in=subject.user_ids))
    if model is Person and subject.person_ids:
        parts.append(Q(pk__in=subject.person_ids))
    for f in model._meta.get_fields():
        if isinstance(f, models.EmailField):
            parts.append(subject.email_q(f.name))
        elif f.concrete and (f.many_to_one or f.one_to_one or f.many_to_many):
            target = f.related_model
            if target is user_model and subject.user_ids:
                parts.append(Q(**{f"{f.name}__in": subject.user_ids}))
            elif target is Person and subject.person_ids:
                parts.append(Q(**{f"{f.name}__in": subject.person_ids}))
    if not parts:
        return None
    q = parts[0]
    for part in parts[1:]:
        q |= part
    return q


def matching_rows(subject: Subject) -> dict[str, models.QuerySet[Any]]:
    """For each model holding rows of the subject, a queryset of those rows (children of their
    own records included)."""
    base = {model: _matching_q(model, subject) for model in personal_models()}
    own: dict[type[models.Model], list[Any]] = {}
    for model, q in base.items():
        if q is not None and _label(model) in OWN_RECORDS:
            own[model] = list(model._default_manager.filter(q).values_list("pk", flat=True))
    found: dict[str, models.QuerySet[Any]] = {}
    for model, q in base.items():
        for f in model._meta.concrete_fields:
            if f.many_to_one and own.get(f.related_model):
                child = Q(**{f"{f.name}__in": own[f.related_model]})
                q = child if q is None else q | child
        if q is None:
            continue
        # pk__in instead of distinct(): the joins through many-to-many fields repeat rows.
        manager = model._default_manager
        rows = manager.filter(pk__in=manager.filter(q).values("pk"))
        if rows.exists():
            found[_label(model)] = rows
    return found
