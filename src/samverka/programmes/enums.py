"""Choices of the programme and project database."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ProjectStatus(models.TextChoices):
    """The application/project pipeline (see services/workflow.py for allowed transitions)."""

    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")
    IN_ASSESSMENT = "in_assessment", _("in assessment")
    GRANTED = "granted", _("granted")
    REJECTED = "rejected", _("rejected")
    RUNNING = "running", _("running")
    FINAL_REPORT = "final_report", _("final report")
    CLOSED = "closed", _("closed")


#: Statuses of a granted project (whatever stage it has reached since): public, and whose money
#: counts as granted.
GRANTED_STATUSES = (
    ProjectStatus.GRANTED,
    ProjectStatus.RUNNING,
    ProjectStatus.FINAL_REPORT,
    ProjectStatus.CLOSED,
)


class FinancierCategory(models.TextChoices):
    """Financier categories of the budget table in seed 004 chapter 7."""

    STATE = "state", pgettext_lazy("financier category", "State")
    MUNICIPAL = "municipal", pgettext_lazy("financier category", "Municipal")
    COUNTY_COUNCIL = "county_council", pgettext_lazy("financier category", "County council/Region")
    EU = "eu", pgettext_lazy("financier category", "EU")
    PRIVATE = "private", pgettext_lazy("financier category", "Private")


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("progress report")
    FINAL = "final", _("final report")


class FigureMetric(models.TextChoices):
    """What a figure printed in a programme document states (checked by ``samverka check``)."""

    BUDGET = "budget", _("budget in a year")
    OUTCOME = "outcome", _("outcome in a year")
    AVERAGE_BUDGET = "average_budget", _("average yearly budget")
    AVERAGE_OUTCOME = "average_outcome", _("average yearly outcome")
