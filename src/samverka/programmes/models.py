"""The programme and project database: programme → priority area → measure → measure goal,
selection criteria, calls, applications/projects with financing lines, assessments, decisions
and follow-up reports. Money is stored as whole SEK in integer fields."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.core import roles
from samverka.core.models import TimeStampedModel
from samverka.programmes.enums import (
    GRANTED_STATUSES,
    FigureMetric,
    FinancierCategory,
    ProjectStatus,
    ReportKind,
)


class Programme(TimeStampedModel):
    """A regional growth programme or innovation strategy, e.g. RTP Västernorrland 2008–2010."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    owner = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("owning organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="programmes",
    )
    description = models.TextField(_("description"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["-start_year", "code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=models.F("start_year")), name="programme_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("programmes:programme", args=[self.code])


class PriorityArea(models.Model):
    """Insatsområde: a numbered priority area with its impact goal."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="priority_areas",
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("name"), max_length=300)
    goal = models.TextField(_("impact goal"), blank=True)

    class Meta:
        ordering = ["programme", "number"]
        verbose_name = _("priority area")
        verbose_name_plural = _("priority areas")
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="unique_priority_area")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"


class MeasureQuerySet(models.QuerySet["Measure"]):
    def top_level(self) -> MeasureQuerySet:
        return self.filter(parent__isnull=True)


class Measure(models.Model):
    """Åtgärd: "1.1", or a sub-measure such as "3.4b" under "3.4"."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="measures"
    )
    priority_area = models.ForeignKey(
        PriorityArea,
        verbose_name=_("priority area"),
        on_delete=models.CASCADE,
        related_name="measures",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sub_measures",
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=300)
    purpose = models.TextField(_("purpose"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    activities = models.TextField(_("example activities"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "position", "code"]
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="unique_measure_code")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("programmes:measure", args=[self.programme.code, self.code])


class MeasureGoal(models.Model):
    """Åtgärdsmål: a goal of a measure with its deadline year, and — when it is measured — the
    indicator, area and gender it follows, its baseline and its target (see
    indicators/services/goals.py for how the status is computed)."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("measure"), on_delete=models.CASCADE, related_name="goals"
    )
    text = models.TextField(_("goal"))
    deadline_year = models.PositiveSmallIntegerField(_("deadline year"), null=True, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    indicator = models.ForeignKey(
        "indicators.Indicator",
        verbose_name=_("indicator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="goals",
    )
    area = models.ForeignKey(
        "geo.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    gender = models.CharField(
        _("gender"),
        max_length=1,
        blank=True,
        choices=[("T", "T"), ("K", "K"), ("M", "M")],
        help_text=_("Empty: the total (T), and for gender-share targets both genders."),
    )
    baseline_period = models.CharField(_("baseline period"), max_length=10, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=20, decimal_places=6, null=True, blank=True
    )
    target_kind = models.CharField(
        _("target kind"),
        max_length=20,
        blank=True,
        choices=[
            ("absolute", _("reach a value")),
            ("change", _("change by a percentage from the baseline")),
            ("relative_to_nation", _("improve relative to the nation")),
            ("gender_share", _("at least a share of each gender")),
        ],
    )
    target_value = models.DecimalField(
        _("target value"),
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_(
            "absolute: the value to reach; change: the change in percent; relative to the "
            "nation: the ratio or difference to reach; gender share: the minimum percent."
        ),
    )
    relative_mode = models.CharField(
        _("compared with the nation as"),
        max_length=10,
        blank=True,
        choices=[("ratio", _("ratio")), ("difference", _("difference"))],
    )

    class Meta:
        ordering = ["measure", "position", "pk"]
        verbose_name = _("measure goal")
        verbose_name_plural = _("measure goals")

    def __str__(self) -> str:
        return self.text[:80]


class SelectionCriterion(models.Model):
    """Urvalskriterium with its default weight in the programme."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("name"), max_length=300)
    guidance = models.TextField(_("guidance"), blank=True)
    weight = models.DecimalField(
        _("weight"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal(0))],
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["programme", "position", "pk"]
        verbose_name = _("selection criterion")
        verbose_name_plural = _("selection criteria")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="unique_criterion_name"),
            models.CheckConstraint(
                condition=Q(weight__gte=0), name="criterion_weight_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StatedFigure(models.Model):
    """A figure printed in the programme document (e.g. "average outcome 897 MSEK 2004–2007"),
    kept so that ``samverka check projects`` can compare it with the data."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="stated_figures",
    )
    label = models.CharField(_("label"), max_length=200)
    metric = models.CharField(_("metric"), max_length=20, choices=FigureMetric.choices)
    category = models.CharField(
        _("financier category"),
        max_length=20,
        choices=FinancierCategory.choices,
        blank=True,
        help_text=_("Empty for all categories together."),
    )
    year_from = models.PositiveSmallIntegerField(_("from year"))
    year_to = models.PositiveSmallIntegerField(_("to year"))
    amount_sek = models.BigIntegerField(_("amount (SEK)"))
    tolerance_sek = models.BigIntegerField(
        _("tolerance (SEK)"), default=0, help_text=_("Differences up to this are rounding.")
    )

    class Meta:
        ordering = ["programme", "year_from", "metric", "category"]
        verbose_name = _("stated figure")
        verbose_name_plural = _("stated figures")

    def __str__(self) -> str:
        return self.label


class Call(TimeStampedModel):
    """Utlysning: a call for applications to some measures of a programme."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="calls"
    )
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    measures = models.ManyToManyField(Measure, verbose_name=_("measures"), related_name="calls")
    opens = models.DateField(_("opens"))
    closes = models.DateField(_("closes"))
    max_support_share = models.DecimalField(
        _("maximum support share"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("The highest share of a project's budget that public financiers may cover."),
    )
    published = models.BooleanField(_("published"), default=False)
    assessors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessors"),
        blank=True,
        related_name="assessed_calls",
    )

    class Meta:
        ordering = ["-opens", "title"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes__gte=models.F("opens")), name="call_dates_order"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programmes:call", args=[self.slug])


class CallCriterion(models.Model):
    """A selection criterion's weight in one call (defaults to the programme's weight)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="call_criteria")
    criterion = models.ForeignKey(SelectionCriterion, on_delete=models.CASCADE, related_name="+")
    weight = models.DecimalField(
        _("weight"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal(0))]
    )

    class Meta:
        ordering = ["criterion__position", "criterion__pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "criterion"], name="unique_call_criterion"),
            models.CheckConstraint(condition=Q(weight__gte=0), name="call_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion} ({self.weight})"


class CallDocument(models.Model):
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="calls/%Y/")

    def __str__(self) -> str:
        return self.title


class ProjectQuerySet(models.QuerySet["Project"]):
    def for_programme(self, programme: Programme | str) -> ProjectQuerySet:
        if isinstance(programme, str):
            return self.filter(programme__code=programme)
        return self.filter(programme=programme)

    def granted(self) -> ProjectQuerySet:
        """Projects that were granted (whatever stage they have reached since)."""
        return self.filter(status__in=GRANTED_STATUSES)

    def visible_to(self, user: Any) -> ProjectQuerySet:
        """The projects ``user`` may read: the one rule behind the API, the pages and the exports.

        Granted projects are public. An application is read by programme officers, by its
        applicant (who created it, or a person of the applying organisation) and, from submission
        on, by the assessors of its call: a draft is not theirs to read.
        """
        if roles.is_programme_officer(user):
            return self
        visible = Q(status__in=GRANTED_STATUSES)
        if getattr(user, "is_authenticated", False) and user.is_active:
            assessor_of_call = Call.assessors.through.objects.filter(
                call_id=OuterRef("call_id"), user_id=user.pk
            )
            visible |= (
                Q(created_by=user)
                | Q(applicant_id__in=roles.applicant_organisation_ids(user))
                | (Q(Exists(assessor_of_call)) & ~Q(status=ProjectStatus.DRAFT))
            )
        return self.filter(visible)

    def in_year(self, year: int) -> ProjectQuerySet:
        return self.filter(financing_lines__year=year).distinct()

    def with_totals(self) -> ProjectQuerySet:
        return self.annotate(
            budget_total=Sum("financing_lines__budget_sek"),
            decided_total=Sum("financing_lines__decided_sek"),
            outcome_total=Sum("financing_lines__outcome_sek"),
        )


class Project(TimeStampedModel):
    """An application, which keeps its identity as the project when it is granted."""

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="projects"
    )
    call = models.ForeignKey(
        Call,
        verbose_name=_("call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    title = models.CharField(_("title"), max_length=300)
    applicant = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    partners = models.ManyToManyField(
        "actors.Organisation", verbose_name=_("partners"), blank=True, related_name="partner_in"
    )
    measures = models.ManyToManyField(Measure, verbose_name=_("measures"), related_name="projects")
    municipalities = models.ManyToManyField(
        "geo.Area",
        verbose_name=_("municipalities"),
        blank=True,
        related_name="projects",
        limit_choices_to={"kind": "municipality"},
    )
    description = models.TextField(_("description"), blank=True)
    # Sustainability dimensions and the horizontal criteria: answered by every application.
    sustainability_economic = models.TextField(_("economic sustainability"), blank=True)
    sustainability_ecological = models.TextField(_("ecological sustainability"), blank=True)
    sustainability_social = models.TextField(_("social sustainability"), blank=True)
    gender_equality = models.TextField(_("gender equality"), blank=True)
    youth = models.TextField(_("youth"), blank=True)
    integration = models.TextField(_("integration"), blank=True)
    expected_jobs_women = models.PositiveIntegerField(_("expected jobs, women"), default=0)
    expected_jobs_men = models.PositiveIntegerField(_("expected jobs, men"), default=0)
    expected_companies = models.PositiveIntegerField(_("expected new companies"), default=0)
    expected_participants_women = models.PositiveIntegerField(
        _("expected participants, women"), default=0
    )
    expected_participants_men = models.PositiveIntegerField(
        _("expected participants, men"), default=0
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.DRAFT,
        db_index=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_motivation = models.TextField(_("motivation of the decision"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["reference"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="project_dates_order",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("programmes:project", args=[self.reference])


class StatusChange(models.Model):
    """One step in a project's pipeline: who moved it from which status to which, and when."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(
        _("from"), max_length=20, choices=ProjectStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=20, choices=ProjectStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.project.reference}: {self.from_status or '–'} → {self.to_status}"


class FinancingLine(models.Model):
    """Co-financing by one financier in one year: indicative budget, decided and outcome SEK."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="financing_lines"
    )
    financier = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("financier"),
        on_delete=models.PROTECT,
        related_name="financing_lines",
    )
    category = models.CharField(
        _("financier category"), max_length=20, choices=FinancierCategory.choices, db_index=True
    )
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    budget_sek = models.BigIntegerField(_("budget (SEK)"), default=0)
    decided_sek = models.BigIntegerField(_("decided (SEK)"), default=0)
    outcome_sek = models.BigIntegerField(_("outcome (SEK)"), default=0)

    class Meta:
        ordering = ["project", "year", "category", "pk"]
        verbose_name = _("financing line")
        verbose_name_plural = _("financing lines")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "financier", "category", "year"], name="unique_financing_line"
            ),
            models.CheckConstraint(
                condition=Q(budget_sek__gte=0) & Q(decided_sek__gte=0) & Q(outcome_sek__gte=0),
                name="financing_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} {self.financier} {self.year}"


class Assessment(TimeStampedModel):
    """One assessor's review of one application."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    conflict_of_interest = models.BooleanField(_("conflict of interest declared"), default=False)
    conflict_note = models.TextField(_("conflict of interest"), blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["project", "assessor__username"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "assessor"], name="one_assessment_per_assessor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.project.reference} / {self.assessor}"


class Score(models.Model):
    """A score 0–5 on one criterion, or n/a (``score`` empty) when the criterion does not apply."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(SelectionCriterion, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion__pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__lte=5), name="score_at_most_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {'n/a' if self.score is None else self.score}"


class FollowUpReport(TimeStampedModel):
    """A progress or final report with the results the project reports."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    due_date = models.DateField(_("due"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    jobs_women = models.PositiveIntegerField(_("jobs created, women"), default=0)
    jobs_men = models.PositiveIntegerField(_("jobs created, men"), default=0)
    new_companies = models.PositiveIntegerField(_("new companies"), default=0)
    participants_women = models.PositiveIntegerField(_("participants, women"), default=0)
    participants_men = models.PositiveIntegerField(_("participants, men"), default=0)
    text = models.TextField(_("report"), blank=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)

    class Meta:
        ordering = ["project", "due_date"]
        verbose_name = _("follow-up report")
        verbose_name_plural = _("follow-up reports")

    def __str__(self) -> str:
        return f"{self.project.reference} {self.get_kind_display()} {self.due_date}"
