"""The indicator database: definitions (the method book), area groups, values by area, period and
gender with their revision history. Baselines and targets live on programmes.MeasureGoal."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.core.models import TimeStampedModel, in_active_language
from samverka.indicators.enums import Aggregation, Gender, Source


class Indicator(TimeStampedModel):
    """An indicator with its definition and method (one entry of the method book)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_sv = models.CharField(_("name (Swedish)"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    definition = models.TextField(_("definition"), blank=True)
    method = models.TextField(
        _("method"), blank=True, help_text=_("How it is computed, the source, and caveats.")
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.OTHER
    )
    source_reference = models.CharField(
        _("source table"),
        max_length=200,
        blank=True,
        help_text=_("The source's own id: an SCB table, a Kolada KPI."),
    )
    aggregation = models.CharField(
        _("aggregation"), max_length=10, choices=Aggregation.choices, default=Aggregation.SUM
    )
    gender_split = models.BooleanField(_("split by gender"), default=False)
    numerator = models.ForeignKey(
        "self",
        verbose_name=_("numerator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    denominator = models.ForeignKey(
        "self",
        verbose_name=_("denominator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decimals = models.PositiveSmallIntegerField(_("decimals shown"), default=0)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        """The name in the active language (Swedish unless English is active and given)."""
        return in_active_language(self.name_sv, self.name_en)

    def get_absolute_url(self) -> str:
        return reverse("indicators:indicator", args=[self.code])


class AreaGroup(TimeStampedModel):
    """A user-defined group of areas, e.g. "Norrlands inland" or a cluster's home municipalities."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    areas = models.ManyToManyField("geo.Area", verbose_name=_("areas"), related_name="groups")

    class Meta:
        ordering = ["name"]
        verbose_name = _("area group")
        verbose_name_plural = _("area groups")

    def __str__(self) -> str:
        return self.name


class ValueQuerySet(models.QuerySet["Value"]):
    def series(
        self, indicator: Indicator | str, area_code: str, gender: str = Gender.TOTAL
    ) -> ValueQuerySet:
        lookup = (
            {"indicator__code": indicator}
            if isinstance(indicator, str)
            else {"indicator": indicator}
        )
        return self.filter(**lookup, area__code=area_code, gender=gender).order_by("period")


class Value(models.Model):
    """One published figure: indicator × area × period × gender.

    Totals (gender T) are stored as the source gives them, never recomputed from K + M. Values
    the platform computed itself (a parent area from its children, T from K + M) are marked
    ``derived``; values a later import changed keep the old figure in ``revisions``.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    area = models.ForeignKey("geo.Area", on_delete=models.PROTECT, related_name="indicator_values")
    period = models.CharField(
        _("period"),
        max_length=10,
        help_text=_('"2005", month "2026M01", quarter "2026K1" or half-year "2026H1".'),
    )
    gender = models.CharField(
        _("gender"), max_length=1, choices=Gender.choices, default=Gender.TOTAL
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        blank=True,
        help_text=_('The source\'s flag, e.g. ".." (not available) or "-" (nil).'),
    )
    derived = models.BooleanField(_("derived"), default=False)
    revised = models.BooleanField(_("revised"), default=False)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported"))

    objects = ValueQuerySet.as_manager()

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "gender", "period"], name="unique_indicator_value"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.area_id} {self.period} {self.gender}: {self.value}"


class ValueRevision(models.Model):
    """The figure a value had before a re-import changed it."""

    value = models.ForeignKey(Value, on_delete=models.CASCADE, related_name="revisions")
    old_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    new_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    old_source = models.CharField(max_length=200, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["value", "-changed_at", "-pk"]
        verbose_name = _("value revision")
        verbose_name_plural = _("value revisions")

    def __str__(self) -> str:
        return f"{self.value_id}: {self.old_value} → {self.new_value}"
