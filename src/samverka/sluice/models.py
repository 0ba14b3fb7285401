"""Models of one way in: the Get help form's cases, the routing rules that send them to a support
actor, and the innovation sluice's stages with their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverka.core.models import TimeStampedModel


class HelpKind(models.TextChoices):
    ADVICE = "advice", _("advice")
    TESTBED = "testbed", _("testbed")
    RESEARCH = "research", _("research competence")
    FINANCING = "financing", _("financing")
    PARTNER = "partner", _("partner")
    MARKET = "market", _("market")


class Stage(models.TextChoices):
    RECEIVED = "received", _("received")
    SCREENED = "screened", _("screened")
    MENTORING = "mentoring", _("mentoring")
    TESTBED = "testbed", _("testbed/validation")
    APPLICATION = "application", _("application")
    PROJECT = "project", _("project")
    CLOSED = "closed", _("closed")


#: The open stages in the order a case passes through them.
STAGE_ORDER: tuple[str, ...] = (
    Stage.RECEIVED,
    Stage.SCREENED,
    Stage.MENTORING,
    Stage.TESTBED,
    Stage.APPLICATION,
    Stage.PROJECT,
)


class Outcome(models.TextChoices):
    PROJECT_GRANTED = "project_granted", _("project granted")
    ADVICE_GIVEN = "advice_given", _("advice given")
    REFERRED = "referred", _("referred elsewhere")
    NOT_PURSUED = "not_pursued", _("not pursued")


class RoutingRule(TimeStampedModel):
    """Sends matching cases to a cluster or a member organisation. Blank criteria match any
    value; among matching rules the lowest priority number wins, then the most specific."""

    name = models.CharField(_("name"), max_length=200, blank=True)
    focus_area = models.ForeignKey(
        "actors.FocusArea",
        verbose_name=_("focus area"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: any focus area."),
    )
    county = models.ForeignKey(
        "geo.Area",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "county"},
        help_text=_("Empty: any county."),
    )
    kind = models.CharField(
        _("kind of help"),
        max_length=20,
        choices=HelpKind.choices,
        blank=True,
        help_text=_("Empty: any kind of help."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=100, help_text=_("Lower numbers are tried first.")
    )
    target_cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    target_organisation = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routing_rules",
    )
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["priority", "pk"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(target_cluster__isnull=False, target_organisation__isnull=True)
                | Q(target_cluster__isnull=True, target_organisation__isnull=False),
                name="routing_rule_one_target",
            )
        ]

    def __str__(self) -> str:
        return self.name or f"{_('rule')} {self.pk}"

    @property
    def target(self) -> models.Model | None:
        return self.target_cluster or self.target_organisation

    @property
    def specificity(self) -> int:
        """How many criteria the rule sets (a tie-break between rules of equal priority)."""
        return sum(bool(v) for v in (self.focus_area_id, self.county_id, self.kind))


class HelpCaseQuerySet(models.QuerySet["HelpCase"]):
    def with_related(self) -> HelpCaseQuerySet:
        return self.select_related(
            "focus_area", "municipality__parent", "assigned_cluster", "assigned_organisation"
        )

    def open(self) -> HelpCaseQuerySet:
        return self.exclude(stage=Stage.CLOSED)


class HelpCase(TimeStampedModel):
    """An idea or need sent through the Get help form, and its way through the sluice."""

    token = models.CharField(_("status token"), max_length=64, unique=True, editable=False)
    title = models.CharField(_("what do you need help with?"), max_length=200)
    description = models.TextField(_("description"))
    focus_area = models.ForeignKey(
        "actors.FocusArea",
        verbose_name=_("focus area"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    municipality = models.ForeignKey(
        "geo.Area",
        verbose_name=_("municipality"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "municipality"},
    )
    kind = models.CharField(_("kind of help"), max_length=20, choices=HelpKind.choices)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    organisation_name = models.CharField(_("organisation"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=10, default="sv")
    consent_version = models.CharField(_("consent version"), max_length=20)
    consent_text = models.TextField(_("consent text"))
    consent_at = models.DateTimeField(_("consent given"))
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.RECEIVED, db_index=True
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    stage_changed_at = models.DateTimeField(_("stage since"), default=timezone.now)
    assigned_cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("handled by cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_cases",
    )
    assigned_organisation = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("handled by organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_cases",
    )
    rule = models.ForeignKey(
        RoutingRule,
        verbose_name=_("routed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    applicant_organisation = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("applicant organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    project = models.ForeignKey(
        "programmes.Project",
        verbose_name=_("application"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_cases",
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = HelpCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("help case")
        verbose_name_plural = _("help cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(assigned_cluster__isnull=True) | Q(assigned_organisation__isnull=True),
                name="help_case_one_handler",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sluice:case", args=[self.pk])

    def get_status_url(self) -> str:
        return reverse("sluice:status", args=[self.token])

    @property
    def handler(self) -> models.Model | None:
        """The cluster or organisation handling the case; None: the national network."""
        return self.assigned_cluster or self.assigned_organisation


class CaseTransition(models.Model):
    """One stage change of a case: from which stage to which, by whom and when."""

    case = models.ForeignKey(HelpCase, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(_("from"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=20, choices=Stage.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_stage or '-'} → {self.to_stage}"


class CaseNote(models.Model):
    """A handler's note on a case (not shown to the applicant)."""

    case = models.ForeignKey(HelpCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.TextField(_("note"))
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")

    def __str__(self) -> str:
        return self.text[:60]
