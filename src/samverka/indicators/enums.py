"""Choices of the indicator database."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Source(models.TextChoices):
    SCB = "scb", _("Statistics Sweden (SCB)")
    KOLADA = "kolada", _("Kolada")
    OWN = "own", _("own reporting")
    OTHER = "other", pgettext_lazy("indicator source", "other")


class Aggregation(models.TextChoices):
    """How values combine over areas and periods: counts add up, rates do not."""

    SUM = "sum", _("sum (counts)")
    MEAN = "mean", _("mean (rates)")
    RATIO = "ratio", _("ratio (numerator ÷ denominator)")


class Gender(models.TextChoices):
    """Statistics Sweden's and Kolada's codes: T total, K women (kvinnor), M men (män)."""

    TOTAL = "T", _("total")
    WOMEN = "K", _("women")
    MEN = "M", _("men")


class TargetKind(models.TextChoices):
    ABSOLUTE = "absolute", _("reach a value")
    CHANGE = "change", _("change by a percentage from the baseline")
    RELATIVE_TO_NATION = "relative_to_nation", _("improve relative to the nation")
    GENDER_SHARE = "gender_share", _("at least a share of each gender")


class RelativeMode(models.TextChoices):
    RATIO = "ratio", _("ratio to the nation")
    DIFFERENCE = "difference", _("difference from the nation")


class GoalStatus(models.TextChoices):
    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    OFF_TRACK = "off_track", _("off track")
    NO_DATA = "no_data", _("no data")
