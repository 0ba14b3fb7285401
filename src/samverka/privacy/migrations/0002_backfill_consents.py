"""Consent records for the consents stored before this app existed: people's newsletter and
listing consents, registrations' contact consents, newsletter subscriptions (confirmed ones;
unsubscribed ones withdrawn at the time they unsubscribed) and help cases."""

import hashlib

from django.db import migrations

PERSON_TEXTS = {
    "newsletter": "Consents to newsletters (recorded in the person's record).",
    "listing": "Consents to being listed (recorded in the person's record).",
}
EVENT_CONTACT_TEXT = "The organisers may contact me about similar events"


def version(text):
    return "sha256:" + hashlib.sha256(text.strip().encode()).hexdigest()[:12]


def backfill(apps, schema_editor):
    Consent = apps.get_model("privacy", "Consent")
    Person = apps.get_model("actors", "Person")
    Registration = apps.get_model("events", "Registration")
    Subscription = apps.get_model("newsletters", "Subscription")
    HelpCase = apps.get_model("sluice", "HelpCase")
    rows = []
    for purpose, field in (("newsletter", "newsletter_consent"), ("listing", "listing_consent")):
        people = Person.objects.filter(**{field: True, f"{field}_at__isnull": False}).exclude(
            email=""
        )
        for person in people.iterator():
            rows.append(
                Consent(
                    email=person.email.lower(),
                    person_id=person.pk,
                    purpose=purpose,
                    subject_type="actors.person",
                    subject_id=str(person.pk),
                    text=PERSON_TEXTS[purpose],
                    version=version(PERSON_TEXTS[purpose]),
                    source="backfill",
                    given_at=getattr(person, f"{field}_at"),
                )
            )
    for registration in Registration.objects.filter(
        contact_consent=True, consent_at__isnull=False
    ).iterator():
        rows.append(
            Consent(
                email=registration.email.lower(),
                person_id=registration.person_id,
                purpose="event_contact",
                subject_type="events.registration",
                subject_id=str(registration.pk),
                text=EVENT_CONTACT_TEXT,
                version=version(EVENT_CONTACT_TEXT),
                source="backfill",
                given_at=registration.consent_at,
            )
        )
    for subscription in Subscription.objects.filter(confirmed_at__isnull=False).iterator():
        text = subscription.consent_text or "Newsletter subscription (text not recorded)."
        rows.append(
            Consent(
                email=subscription.email.lower(),
                person_id=subscription.person_id,
                purpose="newsletter",
                subject_type="newsletters.subscription",
                subject_id=str(subscription.pk),
                text=text,
                version=version(text),
                source="backfill",
                given_at=subscription.consent_at or subscription.confirmed_at,
                withdrawn_at=subscription.unsubscribed_at
                if subscription.status == "unsubscribed"
                else None,
            )
        )
    for case in HelpCase.objects.iterator():
        rows.append(
            Consent(
                email=case.email.lower(),
                purpose="help_request",
                subject_type="sluice.helpcase",
                subject_id=str(case.pk),
                text=case.consent_text,
                version=case.consent_version or version(case.consent_text),
                source="backfill",
                given_at=case.consent_at,
            )
        )
    # Idempotent, so that ``samverka demo`` can run it again for the demo data it loads.
    seen = set(Consent.objects.values_list("subject_type", "subject_id", "purpose"))
    rows = [r for r in rows if (r.subject_type, r.subject_id, r.purpose) not in seen]
    Consent.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def remove(apps, schema_editor):
    apps.get_model("privacy", "Consent").objects.filter(source="backfill").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("actors", "0002_organisation_country"),
        ("events", "0002_municipality_choices"),
        ("newsletters", "0001_initial"),
        ("sluice", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, remove)]
