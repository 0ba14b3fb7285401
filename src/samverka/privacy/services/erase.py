"""Erasing one person's data (GDPR art. 17) and the anonymisers that retention shares.

What has aggregate value is anonymised, not deleted: registrations keep event, status, gender,
organisation and attendance (so attendance by gender and helix stays the same); help cases keep
stage, stage history, handler, focus area, municipality and outcome (so the sluice report stays
the same); person records keep gender and organisation; user accounts become deactivated shells
so that what they did (assessments, authored content) keeps its link without a name. What has
no aggregate value is deleted: subscriptions, suppressions, case notes, login addresses,
authenticators and API tokens, and stored copies of mail sent to or mentioning the address.
Finally every text field of every table is swept for the address itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from samverka.core import audit
from samverka.core.models import AuditEntry
from samverka.privacy.models import Consent, Erasure, ErasureKind
from samverka.privacy.services import mailstore
from samverka.privacy.services.locate import find_subject, personal_models

ANONYMISED = "anonymised"
ANON_DOMAIN = "anonymised.invalid"
SCRUBBED = "[anonymised]"

#: Keys of audit-log changes that hold what a person typed about themselves.
PERSONAL_KEYS = {
    "name",
    "email",
    "phone",
    "organisation_name",
    "title",
    "description",
    "role_title",
    "username",
    "first_name",
    "last_name",
    "note",
    "text",
}

#: Apps whose rows linked to an erased account are deleted: login addresses, authenticators
#: (TOTP secrets), social logins, API tokens.
DELETE_WITH_USER = {"account", "mfa", "socialaccount", "usersessions", "api"}


def anonymous_email() -> str:
    """A unique address that is plainly not one (``.invalid`` never resolves, RFC 2606)."""
    return f"{ANONYMISED}-{secrets.token_hex(8)}@{ANON_DOMAIN}"


def anonymised_q(field: str = "email") -> Q:
    """Rows already anonymised (their address is one :func:`anonymous_email` wrote, always in
    lower case, so a plain LIKE does)."""
    return Q(**{f"{field}__endswith": "@" + ANON_DOMAIN})


def _scrub(value: Any, needles: list[re.Pattern[str]], key: str = "", by_key: bool = True) -> Any:
    """``value`` with the needles replaced; with ``by_key`` also every value under one of the
    :data:`PERSONAL_KEYS` (for audit entries about an erased record)."""
    if by_key and key in PERSONAL_KEYS:
        if isinstance(value, list):
            return [SCRUBBED if v not in (None, "") else v for v in value]
        return SCRUBBED if value not in (None, "") else value
    if isinstance(value, dict):
        return {k: _scrub(v, needles, str(k), by_key) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles, by_key=by_key) for v in value]
    if isinstance(value, str):
        for needle in needles:
            value = needle.sub(SCRUBBED, value)
    return value


def _needles(texts: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns for the email or name ``texts``, matched as whole words only (so erasing
    anna@x.se leaves johanna@x.se alone)."""
    return [
        re.compile(rf"(?<![\w.+-]){re.escape(t)}(?![\w-])", re.IGNORECASE)
        for t in sorted({t.strip() for t in texts if t and len(t.strip()) > 2}, key=len)[::-1]
    ]


def unique_address(salt: str) -> Concat:
    """An expression for :func:`anonymous_email` computed in the database, unique per row
    (it holds the primary key), so that thousands of rows change in one UPDATE."""
    return Concat(
        Value(f"{ANONYMISED}-"),
        Cast("pk", models.CharField()),
        Value(f"-{salt}@{ANON_DOMAIN}"),
        output_field=models.CharField(),
    )


def _new_tokens() -> Concat:
    """Fresh link tokens for many rows at once: a new secret plus the primary key. Nobody is
    ever sent them; the point is that the old links in people's mailboxes stop working."""
    return Concat(
        Value(secrets.token_urlsafe(24) + "-"),
        Cast("pk", models.CharField()),
        output_field=models.CharField(),
    )


def _update_each(model: type[models.Model], values: dict[Any, dict[str, Any]]) -> None:
    """Write per-row ``values`` ({pk: {field: value}}) with one UPDATE per distinct value (most
    scrubbed audit changes are alike) instead of one CASE branch per row."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for pk, fields in values.items():
        groups[json.dumps(fields, sort_keys=True, default=str)].append(pk)
    for key, pks in groups.items():
        fields = json.loads(key)
        for start in range(0, len(pks), 500):
            model._default_manager.filter(pk__in=pks[start : start + 500]).update(**fields)


def scrub_audit(
    object_type: str, ids: Iterable[Any], names: Mapping[Any, Iterable[str]] | None = None
) -> int:
    """Anonymise the audit entries about the objects ``ids`` of ``object_type``: the object's
    text, the personal fields of the changes and the names ``names[id]`` wherever else they
    appear in them; the actions and their times stay."""
    keys = [str(i) for i in ids]
    if not keys:
        return 0
    needles = {str(k): _needles(v) for k, v in (names or {}).items()}
    entries = AuditEntry.objects.filter(object_type=object_type, object_id__in=keys)
    changes = {
        pk: _scrub(value, needles.get(object_id, []))
        for pk, object_id, value in entries.values_list("pk", "object_id", "changes")
    }
    _update_each(AuditEntry, {pk: {"changes": value} for pk, value in changes.items()})
    AuditEntry.objects.filter(pk__in=list(changes)).update(object_repr=SCRUBBED)
    return len(changes)


def _anonymise_consents(consents: models.QuerySet[Consent], now: dt.datetime) -> int:
    """Consents about erased records: kept as counts (purpose, version, when) without whose
    they were; an open one is withdrawn by the erasure."""
    return consents.exclude(anonymised_q()).update(
        email=unique_address(secrets.token_hex(4)),
        person=None,
        withdrawn_at=Coalesce(F("withdrawn_at"), Value(now, output_field=models.DateTimeField())),
    )


def _subject_consents(object_type: str, ids: list[Any]) -> models.QuerySet[Consent]:
    return Consent.objects.filter(subject_type=object_type, subject_id__in=[str(i) for i in ids])


def anonymise_registrations(ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Anonymise the registrations ``ids`` (those not yet anonymised); returns how many.
    Event, status, gender, organisation, attendance and times stay, so every count by event,
    gender and helix is unchanged. The old cancel link in their mailbox stops working."""
    from samverka.events.models import Registration

    now = now or timezone.now()
    rows = dict(
        Registration.objects.filter(pk__in=list(ids))
        .exclude(anonymised_q())
        .values_list("pk", "name")
    )
    done = list(rows)
    Registration.objects.filter(pk__in=done).update(
        name=ANONYMISED,
        email=unique_address(secrets.token_hex(4)),
        organisation_name="",
        person=None,
        user=None,
        contact_consent=False,
        consent_at=None,
        token=_new_tokens(),
    )
    _anonymise_consents(_subject_consents("events.registration", done), now)
    scrub_audit("events.registration", done, {pk: [name] for pk, name in rows.items()})
    return len(done)


def anonymise_cases(ids: Iterable[int], *, now: dt.datetime | None = None) -> int:
    """Anonymise the help cases ``ids`` (those not yet anonymised); returns how many. The
    applicant's contact data and the free text go, handlers' notes are deleted; stage, stage
    history (without its notes), handler, focus area, municipality, kind and outcome stay, so
    the sluice report is unchanged."""
    from samverka.sluice.models import CaseNote, CaseTransition, HelpCase

    now = now or timezone.now()
    rows = list(
        HelpCase.objects.filter(pk__in=list(ids))
        .exclude(anonymised_q())
        .values_list("pk", "name", "organisation_name")
    )
    done = [pk for pk, *_ in rows]
    HelpCase.objects.filter(pk__in=done).update(
        title=ANONYMISED,
        description="",
        name=ANONYMISED,
        email=unique_address(secrets.token_hex(4)),
        phone="",
        organisation_name=ANONYMISED,
        token=_new_tokens(),
    )
    CaseTransition.objects.filter(case__in=done).exclude(note="").update(note="")
    CaseNote.objects.filter(case__in=done).delete()
    _anonymise_consents(_subject_consents("sluice.helpcase", done), now)
    scrub_audit("sluice.helpcase", done, {pk: names for pk, *names in rows})
    return len(done)


def _text_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField))
        and not f.primary_key
        and not f.choices
    ]


def sweep(emails: Iterable[str]) -> Counter[str]:
    """Replace the addresses ``emails`` wherever they are still written in any text field of
    any table (a note that quotes one, an audit entry, a cluster's contact address). Returns
    changed rows by model. Reads every text column: meant for one erasure, not for bulk work."""
    emails = sorted({e.strip().lower() for e in emails if e and e.strip()})
    needles = _needles(emails)
    changed: Counter[str] = Counter()
    for model in personal_models():
        fields = _text_fields(model)
        if not fields:
            continue
        q = Q()
        for f in fields:
            for email in emails:
                q |= Q(**{f"{f.name}__icontains": email})
        rows = list(model._default_manager.filter(q))
        updated = []
        for obj in rows:
            touched = []
            for f in fields:
                value = getattr(obj, f.attname)
                if isinstance(f, models.EmailField) and isinstance(value, str):
                    mine = value.strip().lower() in emails
                    new = ("" if f.blank else anonymous_email()) if mine else value
                elif isinstance(f, models.JSONField):
                    new = _scrub(value, needles, by_key=False)
                elif isinstance(value, str):
                    new = _scrub(value, needles)
                    if f.max_length:
                        new = new[: f.max_length]
                else:
                    continue
                if new != value:
                    setattr(obj, f.attname, new)
                    touched.append(f.attname)
            if touched:
                model._default_manager.filter(pk=obj.pk).update(
                    **{name: getattr(obj, name) for name in touched}
                )
                updated.append(obj.pk)
        if updated:
            changed[model._meta.label_lower] += len(updated)
    return changed


def _erase_users(user_ids: set[int]) -> Counter[str]:
    """Deactivate and anonymise the accounts; delete their logins, authenticators, tokens and
    digest subscriptions and blank their notes on scanned items; take them off every
    many-to-many list (cluster managers, assessors, groups)."""
    counts: Counter[str] = Counter()
    names: list[str] = []
    if not user_ids:
        return counts
    user_model = get_user_model()
    for model in personal_models():
        if model._meta.app_label in DELETE_WITH_USER:
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model is user_model:
                    deleted, _ = model._default_manager.filter(
                        **{f"{f.name}__in": user_ids}
                    ).delete()
                    if deleted:
                        counts[model._meta.label_lower] += deleted
        for f in model._meta.many_to_many:
            through = f.remote_field.through
            if f.related_model is user_model:
                column = f.m2m_reverse_field_name()
            elif model is user_model:
                column = f.m2m_field_name()
            else:
                continue
            deleted, _ = through._default_manager.filter(**{f"{column}__in": user_ids}).delete()
            if deleted:
                counts[f"{model._meta.label_lower}.{f.name}"] += deleted
    counts["core.auditentry"] += AuditEntry.objects.filter(actor__in=user_ids).update(actor=None)
    # Their own notes on scanned items go (the ratings stay: they feed the relevance figures),
    # and so does their digest subscription.
    from samverka.scanning.models import DigestSubscription, ItemNote

    counts["scanning.itemnote"] += (
        ItemNote.objects.filter(user__in=user_ids).exclude(note="").update(note="")
    )
    counts["scanning.digestsubscription"] += DigestSubscription.objects.filter(
        user__in=user_ids
    ).delete()[0]
    for user in user_model.objects.filter(pk__in=user_ids):
        names += [user.get_username(), user.get_full_name(), user.first_name, user.last_name]
        user.username = f"{ANONYMISED}-{secrets.token_hex(6)}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
        counts["auth.user"] += 1
    counts["core.auditentry"] += scrub_audit(
        user_model._meta.label_lower, user_ids, {pk: names for pk in user_ids}
    )
    return counts


def _erase_people(person_ids: set[int]) -> int:
    from samverka.actors.models import Person

    rows = list(Person.objects.filter(pk__in=person_ids))
    names = [p.name for p in rows]
    for person in rows:
        person.name = ANONYMISED
        person.email = ""
        person.role_title = ""
        person.newsletter_consent = False
        person.newsletter_consent_at = None
        person.listing_consent = False
        person.listing_consent_at = None
        person.user = None
    fields = [
        "name",
        "email",
        "role_title",
        "newsletter_consent",
        "newsletter_consent_at",
        "listing_consent",
        "listing_consent_at",
        "user",
    ]
    Person.objects.bulk_update(rows, fields, batch_size=500)
    scrub_audit("actors.person", person_ids, {pk: names for pk in person_ids})
    return len(rows)


def erase_personal_data(
    email: str, *, dry_run: bool = False, now: dt.datetime | None = None
) -> dict[str, Any]:
    """Erase or anonymise everything about ``email`` in one transaction (see the module's
    docstring for what stays). Idempotent: a second run finds nothing and changes nothing.
    With ``dry_run`` the same work is done and rolled back, so the counts are exact. Logs an
    :class:`~samverka.privacy.models.Erasure` (without the address) when anything changed."""
    from samverka.events.models import Registration
    from samverka.newsletters.models import Delivery, Subscription, Suppression
    from samverka.sluice.models import HelpCase

    now = now or timezone.now()
    email = email.strip()
    counts: Counter[str] = Counter()
    reference = secrets.token_hex(5)
    with transaction.atomic():
        subject = find_subject(email)
        users, people = subject.user_ids, subject.person_ids
        registrations = Registration.objects.filter(
            subject.email_q() | Q(person__in=people) | Q(user__in=users)
        )
        counts["events.registration"] = anonymise_registrations(
            registrations.values_list("pk", flat=True), now=now
        )
        cases = HelpCase.objects.filter(subject.email_q())
        counts["sluice.helpcase"] = anonymise_cases(cases.values_list("pk", flat=True), now=now)

        subscriptions = Subscription.objects.filter(subject.email_q() | Q(person__in=people))
        subscription_ids = list(subscriptions.values_list("pk", flat=True))
        counts["newsletters.delivery"] = Delivery.objects.filter(
            Q(subscription__in=subscription_ids) | subject.email_q()
        ).update(email=unique_address(secrets.token_hex(4)), error="")
        # Deliveries stay (without the address) so that issue statistics keep their counts.
        counts["newsletters.subscription"] = (
            Subscription.objects.filter(pk__in=subscription_ids)
            .delete()[1]
            .get(Subscription._meta.label, 0)
        )
        scrub_audit("newsletters.subscription", subscription_ids)
        counts["newsletters.suppression"] = Suppression.objects.filter(subject.email_q()).delete()[
            0
        ]
        counts["privacy.consent"] = _anonymise_consents(
            Consent.objects.filter(subject.email_q() | Q(person__in=people)), now
        )
        counts["actors.person"] = _erase_people(people)
        counts.update(_erase_users(users))
        for label, n in sweep(subject.emails).items():
            counts[label] += n
        # Counted here, removed once the rows are gone for good (files are not transactional).
        counts["mail.message"] = mailstore.erase_mail(_needles(subject.emails), dry_run=True)
        counts = Counter({k: v for k, v in counts.items() if v})
        total = sum(counts.values())
        if dry_run:
            transaction.set_rollback(True)
        elif total:
            erasure = Erasure.objects.create(
                kind=ErasureKind.REQUEST, at=now, reference=reference, counts=dict(counts)
            )
            audit.record(actor=None, action="privacy.erased", obj=erasure, changes=erasure.counts)
    if counts["mail.message"] and not dry_run:
        mailstore.erase_mail(_needles(subject.emails))
    return {
        "email": email,
        "dry_run": dry_run,
        "reference": reference if total and not dry_run else None,
        "changed": dict(sorted(counts.items())),
        "total": total,
    }
