"""Actors: organisations of the quintuple helix, the people in them, focus areas, relations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.actors.enums import Gender, Helix, RelationKind
from samverka.core.fields import WebsiteField
from samverka.core.models import TimeStampedModel, in_active_language


class FocusArea(models.Model):
    """A focus area (spetsområde), e.g. "Variationsrikt skogsbruk"."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name_sv"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Swedish unless English is active)."""
        return in_active_language(self.name_sv, self.name_en)


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def with_related(self) -> OrganisationQuerySet:
        return self.select_related("municipality__parent").prefetch_related("focus_areas")

    def search(self, text: str) -> OrganisationQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(orgnr__startswith=text))

    def in_county(self, county_code: str) -> OrganisationQuerySet:
        return self.filter(municipality__parent__code=county_code)

    def in_cluster(self, slug: str) -> OrganisationQuerySet:
        return self.filter(memberships__cluster__slug=slug)


class Organisation(TimeStampedModel):
    """An actor: a company, university, public body, association or other organisation."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    orgnr = models.CharField(
        _("organisation number"),
        max_length=11,
        null=True,
        blank=True,
        help_text=_("Swedish organisation number, NNNNNN-NNNN."),
    )
    helix = models.CharField(_("helix type"), max_length=20, choices=Helix.choices, db_index=True)
    focus_areas = models.ManyToManyField(
        FocusArea, verbose_name=_("focus areas"), blank=True, related_name="organisations"
    )
    municipality = models.ForeignKey(
        "geo.Area",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        limit_choices_to={"kind": "municipality"},
    )
    country = models.CharField(
        _("country"),
        max_length=2,
        default="SE",
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z]{2}$", _("Give a two-letter country code such as SE or NO."))
        ],
        help_text=_("ISO 3166-1 alpha-2 code, e.g. SE, NO, FI; empty when not known."),
    )
    website = WebsiteField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                fields=["orgnr"], condition=Q(orgnr__isnull=False), name="unique_orgnr_when_given"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("actors:organisation", args=[self.pk])


class Person(TimeStampedModel):
    """A person in the network; gender is optional and only used for gender-split counts."""

    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    role_title = models.CharField(_("role"), max_length=200, blank=True)
    gender = models.CharField(
        _("gender"), max_length=12, choices=Gender.choices, default=Gender.NOT_STATED
    )
    newsletter_consent = models.BooleanField(_("consents to newsletters"), default=False)
    newsletter_consent_at = models.DateTimeField(
        _("newsletter consent given"), null=True, blank=True
    )
    listing_consent = models.BooleanField(_("consents to being listed"), default=False)
    listing_consent_at = models.DateTimeField(_("listing consent given"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("actors:person", args=[self.pk])


class Relation(TimeStampedModel):
    """A stated relation between two organisations, e.g. a partnership since 2019."""

    source = models.ForeignKey(
        Organisation, verbose_name=_("from"), on_delete=models.CASCADE, related_name="relations_out"
    )
    target = models.ForeignKey(
        Organisation, verbose_name=_("to"), on_delete=models.CASCADE, related_name="relations_in"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RelationKind.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["source__name", "target__name"]
        verbose_name = _("relation")
        verbose_name_plural = _("relations")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="unique_relation"),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="relation_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.target} ({self.get_kind_display()})"
