"""Background work of the sluice app: the mails when a case comes in or changes hands."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django_tasks import task

from samverka.core.mail import render_mail
from samverka.sluice.models import HelpCase
from samverka.sluice.services import handler_emails, handler_name


def _context(case: HelpCase) -> dict:
    return {
        "case": case,
        "handler": handler_name(case),
        "status_url": settings.SITE_URL + case.get_status_url(),
        "case_url": settings.SITE_URL + case.get_absolute_url(),
    }


def _mail_handler(case: HelpCase) -> int:
    recipients = handler_emails(case)
    if not recipients:
        return 0
    # Handlers have no stored language: mail in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(case)
        subject, body = render_mail("sluice/email/handler", context)
    send_mail(subject, body, None, recipients)
    return 1


@task()
def send_case_received(case_id: int) -> int:
    """Mail the applicant (in the language they used, with the status link) and the handler of
    a new case. Returns the number of mails sent."""
    case = HelpCase.objects.with_related().filter(pk=case_id).first()
    if case is None:
        return 0
    with translation.override(case.language):
        context = _context(case)
        subject, body = render_mail("sluice/email/received", context)
    send_mail(subject, body, None, [case.email])
    return 1 + _mail_handler(case)


@task()
def notify_handler(case_id: int) -> int:
    """Mail the (new) handler of a case."""
    case = HelpCase.objects.with_related().filter(pk=case_id).first()
    return 0 if case is None else _mail_handler(case)
