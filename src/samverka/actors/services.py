"""Domain operations on actors, shared by pages, the API, commands and tasks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import orgnr as se_orgnr

from samverka.actors.models import FocusArea, Organisation, Person, Relation
from samverka.core import audit
from samverka.core.sanitise import clean_html
from samverka.privacy.models import Purpose
from samverka.privacy.services import record_consent, withdraw_consent

#: What recording a consent in a person's record stands for (the person form's checkboxes).
PERSON_CONSENT_TEXTS = {
    "newsletter_consent": gettext_noop(
        "Consents to newsletters (recorded in the person's record)."
    ),
    "listing_consent": gettext_noop("Consents to being listed (recorded in the person's record)."),
}


def normalise_orgnr(value: str | None) -> str | None:
    """Validate a Swedish organisation number; return it as NNNNNN-NNNN, or None when empty.

    Raises ValidationError with a readable message when the number is not valid.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        return se_orgnr.format(se_orgnr.validate(value))
    except StdnumError as exc:
        raise ValidationError(
            _("%(value)s is not a valid Swedish organisation number") % {"value": value},
            code="invalid_orgnr",
        ) from exc


ORGANISATION_FIELDS = ["name", "orgnr", "helix", "municipality", "website", "description"]


def _org_snapshot(org: Organisation) -> dict[str, Any]:
    data = audit.snapshot(org, ORGANISATION_FIELDS)
    data["focus_areas"] = sorted(fa.slug for fa in org.focus_areas.all()) if org.pk else []
    return data


@transaction.atomic
def save_organisation(
    *,
    actor: Any,
    organisation: Organisation | None = None,
    data: dict[str, Any],
    focus_areas: Iterable[FocusArea] | None = None,
) -> Organisation:
    """Create or update an organisation from cleaned data, validating it fully; audit-logged.

    Raises ValidationError (with field names) when the data is not valid.
    """
    creating = organisation is None
    org = organisation or Organisation()
    before = {} if creating else _org_snapshot(org)
    for name in ORGANISATION_FIELDS:
        if name in data:
            setattr(org, name, data[name])
    try:
        org.orgnr = normalise_orgnr(org.orgnr)
    except ValidationError as exc:
        raise ValidationError({"orgnr": exc.messages}) from exc
    org.description = clean_html(org.description)
    org.full_clean()
    org.save()
    if focus_areas is not None:
        org.focus_areas.set(focus_areas)
    changes = audit.diff(before, _org_snapshot(org))
    if changes:
        audit.record(
            actor=actor,
            action="organisation.created" if creating else "organisation.changed",
            obj=org,
            changes=changes,
        )
    return org


def _record_person_consents(person: Person, before: dict[str, Any], now: Any) -> None:
    for consent, purpose in (
        ("newsletter_consent", Purpose.NEWSLETTER),
        ("listing_consent", Purpose.LISTING),
    ):
        given, was = getattr(person, consent), bool(before.get(consent))
        if given and not was:
            record_consent(
                email=person.email,
                purpose=purpose,
                text=_(PERSON_CONSENT_TEXTS[consent]),
                subject=person,
                person=person,
                given_at=now,
            )
        elif was and not given:
            withdraw_consent(purpose=purpose, subject=person, at=now)


@transaction.atomic
def save_person(*, actor: Any, person: Person | None = None, data: dict[str, Any]) -> Person:
    """Create or update a person; consent timestamps are set when consent is given and cleared
    when it is withdrawn. Audit-logged."""
    creating = person is None
    person = person or Person()
    fields = ["name", "email", "organisation", "role_title", "gender"]
    before = (
        {}
        if creating
        else audit.snapshot(person, [*fields, "newsletter_consent", "listing_consent"])
    )
    for name in fields:
        if name in data:
            setattr(person, name, data[name])
    now = timezone.now()
    for consent in ("newsletter_consent", "listing_consent"):
        if consent in data:
            given = bool(data[consent])
            if given and not getattr(person, consent):
                setattr(person, f"{consent}_at", now)
            elif not given:
                setattr(person, f"{consent}_at", None)
            setattr(person, consent, given)
    person.full_clean()
    person.save()
    _record_person_consents(person, before, now)
    changes = audit.diff(
        before, audit.snapshot(person, [*fields, "newsletter_consent", "listing_consent"])
    )
    if changes:
        audit.record(
            actor=actor,
            action="person.created" if creating else "person.changed",
            obj=person,
            changes=changes,
        )
    return person


@transaction.atomic
def add_relation(
    *,
    actor: Any,
    source: Organisation,
    target: Organisation,
    kind: str,
    since: Any = None,
    note: str = "",
) -> tuple[Relation, bool]:
    """State a relation ``source → target``; an existing one of the same kind is updated.

    Raises ValidationError for a relation to the organisation itself or an unknown kind.
    """
    if source.pk == target.pk:
        raise ValidationError({"target": _("An organisation cannot have a relation to itself.")})
    relation = Relation.objects.filter(source=source, target=target, kind=kind).first()
    created = relation is None
    relation = relation or Relation(source=source, target=target, kind=kind)
    before = {} if created else audit.snapshot(relation, ["since", "note"])
    relation.since = since
    relation.note = note
    relation.full_clean()
    relation.save()
    changes = audit.diff(before, audit.snapshot(relation, ["kind", "since", "note"]))
    if changes:
        audit.record(
            actor=actor,
            action="relation.created" if created else "relation.changed",
            obj=relation,
            changes=changes,
        )
    return relation, created


@transaction.atomic
def remove_relation(*, actor: Any, relation: Relation) -> None:
    """Delete a stated relation (audit-logged)."""
    audit.record(actor=actor, action="relation.deleted", obj=relation)
    relation.delete()
