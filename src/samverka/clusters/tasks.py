"""Background work of the clusters app: reminders to reassess the cluster staircase."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from samverka.clusters.models import StaircaseAssessment
from samverka.clusters.staircase_services import claim_reminder, due_for_reminder
from samverka.core.mail import render_mail
from samverka.core.scheduler import periodic


@task()
def send_staircase_reminders() -> int:
    """Email a cluster's managers when its latest submitted staircase assessment is older than
    ``SAMVERKA_STAIRCASE_INTERVAL_DAYS`` (730 by default), at most once per interval. Each
    reminder is claimed by setting ``reminded_at`` with a conditional UPDATE before the mail
    goes, so two workers never send the same one. Clusters never assessed get no reminder.
    Returns the number of clusters reminded."""
    now = timezone.now()
    sent = 0
    for assessment_id in due_for_reminder(now).values_list("pk", flat=True):
        assessment = StaircaseAssessment.objects.select_related("cluster").get(pk=assessment_id)
        recipients = sorted(
            assessment.cluster.managers.filter(is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if not recipients:
            continue
        previous = assessment.reminded_at
        if not claim_reminder(assessment_id, now):
            continue
        cluster = assessment.cluster
        context = {
            "cluster": cluster,
            "assessed_on": timezone.localtime(assessment.submitted_at).date(),
            "url": settings.SITE_URL + reverse("clusters:staircase-assess", args=[cluster.slug]),
        }
        # Users have no stored language yet: mail in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            subject, body = render_mail("clusters/email/staircase_reminder", context)
        try:
            send_mail(subject, body, None, recipients)
        except Exception:
            # Release the claim so that the next run tries again.
            StaircaseAssessment.objects.filter(pk=assessment_id).update(reminded_at=previous)
            raise
        sent += 1
    return sent


periodic("staircase-reminders", timedelta(days=1))(send_staircase_reminders.enqueue)
