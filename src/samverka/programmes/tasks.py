"""Background work of the programme database: reminders of follow-up reports."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from samverka.core.mail import render_mail
from samverka.core.scheduler import periodic
from samverka.programmes.enums import ProjectStatus
from samverka.programmes.models import FollowUpReport

REMIND_DAYS_BEFORE = 14


def due_for_reminder(today: date | None = None) -> QuerySet[FollowUpReport]:
    """Unsubmitted, not yet reminded reports of live projects due within 14 days or overdue."""
    today = today or timezone.localdate()
    return FollowUpReport.objects.filter(
        submitted_at__isnull=True,
        reminded_at__isnull=True,
        due_date__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        project__status__in=[
            ProjectStatus.GRANTED,
            ProjectStatus.RUNNING,
            ProjectStatus.FINAL_REPORT,
        ],
        project__created_by__isnull=False,
    ).exclude(project__created_by__email="")


@task()
def send_followup_reminders() -> int:
    """Email the applicant contact (the user who created the application) once per report that is
    due within 14 days or overdue. Idempotent: each report is claimed by setting ``reminded_at``
    with a conditional UPDATE before its mail is sent, so two workers never send the same
    reminder. Returns the number of reminders sent."""
    today = timezone.localdate()
    sent = 0
    for report_id in due_for_reminder(today).values_list("pk", flat=True):
        claimed = FollowUpReport.objects.filter(pk=report_id, reminded_at__isnull=True).update(
            reminded_at=timezone.now()
        )
        if not claimed:
            continue
        report = FollowUpReport.objects.select_related("project__created_by").get(pk=report_id)
        recipient = report.project.created_by
        url = settings.SITE_URL + reverse(
            "programmes:followup-report", args=[report.project.reference, report.pk]
        )
        context = {"report": report, "overdue": report.due_date < today, "url": url}
        # Users have no stored language yet: mail in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = render_mail("programmes/email/followup_reminder", context)
        try:
            send_mail(subject, body, None, [recipient.email])
        except Exception:
            # Release the claim so that the next run tries again.
            FollowUpReport.objects.filter(pk=report_id).update(reminded_at=None)
            raise
        sent += 1
    return sent


periodic("followup-reminders", timedelta(hours=24))(send_followup_reminders.enqueue)
