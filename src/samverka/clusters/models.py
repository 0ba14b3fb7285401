"""Clusters and their member organisations."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.core.fields import WebsiteField
from samverka.core.models import TimeStampedModel, in_active_language


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

    def with_member_count(self) -> ClusterQuerySet:
        """``member_count`` as a subquery per cluster (an index count): a GROUP BY over the
        join with every membership sorted tens of thousands of wide rows at national scale."""
        members = (
            Membership.objects.filter(cluster=OuterRef("pk"))
            .order_by()
            .values("cluster")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(
            member_count=Coalesce(Subquery(members, output_field=models.IntegerField()), 0)
        )


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


# The cluster staircase (Klustertrappan) ---------------------------------------------------------
# A maturity model stored as data (steps and criteria, editable by platform admins in the admin)
# and the clusters' self-assessments against it. Domain logic: clusters/staircase_services.py.


class MeasureKey(models.TextChoices):
    """Figures the platform can compute from its own data to pre-fill a criterion."""

    HELIX_TYPES = "helix_types", _("members per helix type")
    OUTSIDE_HOME_COUNTIES = "outside_home_counties", _("share of members outside the home counties")
    CO_ORGANISED_EVENTS = "co_organised_events", _("events co-organised with other clusters")
    ACADEMIC_PROJECTS = "academic_projects", _("projects with academic partners")
    INTERNATIONAL_MEMBERS = "international_members", _("international members")


class CriterionScore(models.TextChoices):
    NOT_MET = "not_met", _("not met")
    PARTLY = "partly", _("partly met")
    MET = "met", _("met")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")


class MaturityStep(models.Model):
    """One step of the cluster staircase (1 = where most networks start, 3 = the long-term goal)."""

    number = models.PositiveSmallIntegerField(
        _("number"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    name_sv = models.CharField(_("name (Swedish)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    description_sv = models.TextField(_("description (Swedish)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("staircase step")
        verbose_name_plural = _("staircase steps")

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    @property
    def name(self) -> str:
        return in_active_language(self.name_sv, self.name_en)

    @property
    def description(self) -> str:
        return in_active_language(self.description_sv, self.description_en)


class MaturityCriterion(models.Model):
    """A criterion a cluster must meet to have reached a step, with the action that gets it there."""

    step = models.ForeignKey(
        MaturityStep, verbose_name=_("step"), on_delete=models.CASCADE, related_name="criteria"
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    text_sv = models.TextField(_("criterion (Swedish)"))
    text_en = models.TextField(_("criterion (English)"))
    action_sv = models.TextField(_("suggested action (Swedish)"), blank=True)
    action_en = models.TextField(_("suggested action (English)"), blank=True)
    measure = models.CharField(
        _("automatic measure"),
        max_length=40,
        choices=MeasureKey.choices,
        blank=True,
        help_text=_("A figure the platform computes to pre-fill this criterion."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["step__number", "position", "pk"]
        verbose_name = _("staircase criterion")
        verbose_name_plural = _("staircase criteria")

    def __str__(self) -> str:
        return f"{self.step.number}.{self.position} {self.code}"

    @property
    def text(self) -> str:
        return in_active_language(self.text_sv, self.text_en)

    @property
    def action(self) -> str:
        return in_active_language(self.action_sv, self.action_en)


class StaircaseAssessmentQuerySet(models.QuerySet["StaircaseAssessment"]):
    def submitted(self) -> StaircaseAssessmentQuerySet:
        return self.filter(status=AssessmentStatus.SUBMITTED)

    def drafts(self) -> StaircaseAssessmentQuerySet:
        return self.filter(status=AssessmentStatus.DRAFT)

    def latest_first(self) -> StaircaseAssessmentQuerySet:
        return self.order_by("-submitted_at", "-created", "-pk")

    def latest_per_cluster(self) -> StaircaseAssessmentQuerySet:
        """Each cluster's most recent submitted assessment (one row per assessed cluster)."""
        latest = (
            StaircaseAssessment.objects.submitted()
            .filter(cluster=models.OuterRef("cluster"))
            .latest_first()
            .values("pk")[:1]
        )
        return self.submitted().filter(pk=models.Subquery(latest))


class StaircaseAssessment(TimeStampedModel):
    """A cluster's self-assessment against the staircase; ``step_reached`` is set on submit."""

    cluster = models.ForeignKey(
        Cluster,
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        related_name="staircase_assessments",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    step_reached = models.PositiveSmallIntegerField(
        _("step reached"), null=True, blank=True, help_text=_("0 when not even step 1 is met.")
    )
    plan = models.TextField(_("plan"), blank=True)
    reminded_at = models.DateTimeField(_("reassessment reminder sent"), null=True, blank=True)

    objects = StaircaseAssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("staircase assessment")
        verbose_name_plural = _("staircase assessments")
        constraints = [
            # Managers share one open draft per cluster rather than starting rival ones.
            models.UniqueConstraint(
                fields=["cluster"],
                condition=models.Q(status="draft"),
                name="one_staircase_draft_per_cluster",
            )
        ]

    def __str__(self) -> str:
        when = self.submitted_at or self.created
        return f"{self.cluster} {when:%Y-%m-%d}" if when else str(self.cluster)


class CriterionAnswer(models.Model):
    """The score given to one criterion in one assessment, with its evidence and any pre-filled
    figure the assessor confirmed or corrected."""

    assessment = models.ForeignKey(
        StaircaseAssessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    criterion = models.ForeignKey(
        MaturityCriterion,
        verbose_name=_("criterion"),
        # History must stay readable: a criterion that has been answered cannot be deleted.
        on_delete=models.PROTECT,
        related_name="answers",
    )
    score = models.CharField(
        _("score"), max_length=10, choices=CriterionScore.choices, default=CriterionScore.NOT_MET
    )
    evidence = models.TextField(_("evidence"), blank=True)
    links = models.TextField(_("links"), blank=True, help_text=_("One address per line."))
    prefilled_value = models.CharField(_("pre-filled figure"), max_length=300, blank=True)
    prefilled_source = models.CharField(_("source of the figure"), max_length=300, blank=True)
    confirmed = models.BooleanField(_("figure confirmed"), default=False)

    class Meta:
        ordering = ["criterion__step__number", "criterion__position", "criterion__pk"]
        verbose_name = _("criterion answer")
        verbose_name_plural = _("criterion answers")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="unique_criterion_answer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.criterion.code}: {self.score}"

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]


def _current_step(self: Cluster) -> int | None:
    """The step reached in the latest submitted assessment (0 when none was met), or None when the
    cluster has never been assessed. Derived on every access, never stored on the cluster."""
    return (
        self.staircase_assessments.submitted()
        .latest_first()
        .values_list("step_reached", flat=True)
        .first()
    )


# Attached here rather than in the class body so that the staircase stays one self-contained
# section of this module.
Cluster.current_step = property(_current_step)  # type: ignore[attr-defined]
