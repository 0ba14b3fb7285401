"""Consent records and the log of erasures."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    NEWSLETTER = "newsletter", _("newsletter")
    LISTING = "listing", _("listed in the directory")
    EVENT_CONTACT = "event_contact", _("contact about similar events")
    HELP_REQUEST = "help_request", _("handling a help request")


class Source(models.TextChoices):
    FORM = "form", _("form")
    API = "api", _("API")
    IMPORT = "import", _("import")
    BACKFILL = "backfill", _("recorded before consent records existed")


class ConsentQuerySet(models.QuerySet["Consent"]):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)

    def for_subject(self, obj: models.Model) -> ConsentQuerySet:
        return self.filter(subject_type=obj._meta.label_lower, subject_id=str(obj.pk))


class Consent(models.Model):
    """One consent given by one person for one purpose: the exact text shown, its version, when
    and through what it was given, and when it was withdrawn. Rows are never edited except to
    set ``withdrawn_at`` (and to anonymise them on erasure)."""

    email = models.EmailField(_("email"), db_index=True)
    person = models.ForeignKey(
        "actors.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    # What the consent is about, e.g. ``newsletters.subscription`` 12: a withdrawal (one
    # unsubscribe) ends that consent only.
    subject_type = models.CharField(_("about (type)"), max_length=80, blank=True)
    subject_id = models.CharField(_("about (id)"), max_length=64, blank=True)
    text = models.TextField(_("consent text"))
    version = models.CharField(_("text version"), max_length=40)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-given_at", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="privacy_consent_subject"),
            models.Index(
                fields=["purpose", "given_at"],
                condition=Q(withdrawn_at__isnull=True),
                name="privacy_consent_open",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.get_purpose_display()}"


class ErasureKind(models.TextChoices):
    REQUEST = "request", _("erasure request")
    RETENTION = "retention", _("retention period ended")


class Erasure(models.Model):
    """That an erasure happened, when and how much it changed; never whose data it was (no
    address, no hash of it), so the log itself holds no personal data."""

    kind = models.CharField(_("kind"), max_length=10, choices=ErasureKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    reference = models.CharField(_("reference"), max_length=20, unique=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("erasure")
        verbose_name_plural = _("erasures")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.reference}"
