"""Clusters and their member organisations."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.core.fields import WebsiteField
from samverka.core.models import TimeStampedModel


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    PARTNER = "partner", _("partner")
    FOUNDER = "founder", _("founder")
    BOARD = "board", _("board member")
    FINANCIER = "financier", _("financier")


class ClusterQuerySet(models.QuerySet["Cluster"]):
    def with_related(self) -> ClusterQuerySet:
        return self.select_related("organisation").prefetch_related("regions", "focus_areas")

    def in_county(self, county_code: str) -> ClusterQuerySet:
        return self.filter(regions__code=county_code)


class Cluster(TimeStampedModel):
    """A cluster or green centre, run by an organisation, with member organisations."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    organisation = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("run by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clusters_run",
    )
    regions = models.ManyToManyField(
        "geo.Area",
        verbose_name=_("regions"),
        blank=True,
        related_name="clusters",
        limit_choices_to={"kind": "county"},
    )
    focus_areas = models.ManyToManyField(
        "actors.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="clusters"
    )
    website = WebsiteField(_("website"), blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    in_national_network = models.BooleanField(
        _("in the national network of green clusters"), default=False
    )
    managers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("managers"),
        blank=True,
        related_name="managed_clusters",
    )
    members = models.ManyToManyField(
        "actors.Organisation",
        through="Membership",
        verbose_name=_("members"),
        related_name="member_of",
        blank=True,
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("cluster")
        verbose_name_plural = _("clusters")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clusters:profile", args=[self.slug])


class Membership(TimeStampedModel):
    """An organisation's membership of a cluster."""

    cluster = models.ForeignKey(
        Cluster, verbose_name=_("cluster"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    since = models.DateField(_("member since"), null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "organisation"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ∈ {self.cluster}"
