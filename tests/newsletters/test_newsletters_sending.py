"""Sending: deliveries, headers, inlined HTML, suppression, resuming, the CLI and the webhook."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from samverka.newsletters import services
from samverka.newsletters.models import (
    Block,
    BlockKind,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Subscription,
    SubscriptionStatus,
    Suppression,
)
from samverka.newsletters.tasks import resume_stalled_issues

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(newsletter, subscribe_active):
    subs = [subscribe_active(newsletter, f"r{i}@example.se") for i in range(3)]
    Subscription.objects.create(newsletter=newsletter, email="pending@example.se")
    return subs


def _send(issue, user=None):
    return services.start_sending(issue=issue, actor=user)


def test_send_writes_one_delivery_per_active_subscriber_and_mails_each_once(
    draft, three, django_capture_on_commit_callbacks
):
    Block.objects.create(issue=draft, kind=BlockKind.TEXT, title="Call open", body="<p>Apply</p>")

    with django_capture_on_commit_callbacks(execute=True):
        written = _send(draft)

    draft.refresh_from_db()
    assert written == 3
    assert sorted(m.to[0] for m in mail.outbox) == [
        "r0@example.se",
        "r1@example.se",
        "r2@example.se",
    ]
    assert draft.status == IssueStatus.SENT
    assert draft.sent_at is not None
    assert services.delivery_counts(draft)["sent"] == 3
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {1}


def test_start_sending_twice_writes_nothing_new_and_sends_nothing_again(
    draft, three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(draft)
    mail.outbox.clear()

    with pytest.raises(Exception, match="sent already"):
        _send(draft)
    services.send_pending(draft.pk)

    assert Delivery.objects.count() == 3
    assert mail.outbox == []


def test_sent_mail_carries_one_click_unsubscribe_headers_and_message_id(
    draft, three, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(draft)

    message = next(m for m in mail.outbox if m.to == ["r0@example.se"])
    subscription = Subscription.objects.get(email="r0@example.se")
    delivery = Delivery.objects.get(email="r0@example.se")
    url = f"http://127.0.0.1:8000/newsletters/unsubscribe/{subscription.token}/"
    headers = message.message()
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith(f"<{url}>, <mailto:")
    assert f"unsubscribe%20{subscription.token}" in headers["List-Unsubscribe"]
    assert headers["Message-ID"] == f"<issue-{draft.pk}.delivery-{delivery.pk}@127.0.0.1>"
    assert delivery.message_id == headers["Message-ID"]
    assert url in message.body
    assert url in message.alternatives[0][0]
    # and the address in the header really unsubscribes, without a CSRF token
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix("http://127.0.0.1:8000"), {"List-Unsubscribe": "One-Click"}
    )
    subscription.refresh_from_db()
    assert response.status_code == 200
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED


def test_mail_has_inlined_html_and_a_text_part(draft, three, django_capture_on_commit_callbacks):
    Block.objects.create(issue=draft, kind=BlockKind.TEXT, title="Call open", body="<p>Apply</p>")

    with django_capture_on_commit_callbacks(execute=True):
        _send(draft)

    message = mail.outbox[0]
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<style" not in html
    assert 'style="' in html
    assert "Call open" in html
    assert "Call open" in message.body
    assert "Apply" in message.body
    assert "Hello" in message.body
    assert "<p>" not in message.body


def test_suppressed_addresses_are_never_mailed(draft, three, django_capture_on_commit_callbacks):
    call_command("newsletter", "suppress", "R1@example.se", stdout=io.StringIO())

    with django_capture_on_commit_callbacks(execute=True):
        _send(draft)

    assert sorted(m.to[0] for m in mail.outbox) == ["r0@example.se", "r2@example.se"]
    assert Delivery.objects.get(email="r1@example.se").status == DeliveryStatus.SUPPRESSED
    assert Suppression.objects.get().email == "r1@example.se"


def test_address_suppressed_after_start_is_not_mailed(draft, three):
    _send_without_task(draft)
    services.suppress(email="r2@example.se", reason="test")

    services.send_pending(draft.pk)

    assert sorted(m.to[0] for m in mail.outbox) == ["r0@example.se", "r1@example.se"]
    assert Delivery.objects.get(email="r2@example.se").status == DeliveryStatus.SUPPRESSED


def _send_without_task(issue):
    return services.start_sending(issue=issue, actor=None, enqueue=False)


def test_stale_sending_delivery_is_sent_again_and_fresh_one_is_not(draft, three):
    _send_without_task(draft)
    now = timezone.now()
    Delivery.objects.filter(email="r0@example.se").update(
        status=DeliveryStatus.SENDING, claimed_at=now - timedelta(hours=1)
    )
    Delivery.objects.filter(email="r1@example.se").update(
        status=DeliveryStatus.SENDING, claimed_at=now
    )

    counts = services.send_pending(draft.pk)

    assert counts["sent"] == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["r0@example.se", "r2@example.se"]
    draft.refresh_from_db()
    assert draft.status == IssueStatus.SENDING  # r1 is still in another worker's hands


def test_periodic_job_resumes_a_stalled_issue(draft, three):
    _send_without_task(draft)
    Issue.objects.filter(pk=draft.pk).update(send_started_at=timezone.now() - timedelta(hours=1))

    resumed = resume_stalled_issues.call()

    draft.refresh_from_db()
    assert resumed == [draft.pk]
    assert len(mail.outbox) == 3
    assert draft.status == IssueStatus.SENT
    assert resume_stalled_issues.call() == []


def test_batches_sleep_to_keep_the_rate(draft, three, settings):
    settings.SAMVERKA_NEWSLETTER_BATCH_SIZE = 1
    settings.SAMVERKA_NEWSLETTER_RATE = 30
    _send_without_task(draft)
    sleeps: list[float] = []

    services.send_pending(draft.pk, sleep=sleeps.append)

    assert len(mail.outbox) == 3
    assert len(sleeps) == 3
    assert all(1.5 < s <= 2.0 for s in sleeps)


def test_cli_send_is_resumable_and_reports_counts(draft, three):
    services.suppress(email="r2@example.se", reason="test")
    _send_without_task(draft)
    services._send_one(
        Delivery.objects.get(email="r0@example.se").pk,
        draft,
        services.render_issue(draft),
        None,
    )
    mail.outbox.clear()
    out = io.StringIO()

    call_command("newsletter", "send", str(draft.pk), "--format", "json", stdout=out)

    result = json.loads(out.getvalue())
    assert result["sent"] == 1
    assert result["skipped"] == 1
    assert result["suppressed"] == 1
    assert result["failed"] == 0
    assert result["status"] == "sent"
    assert [m.to for m in mail.outbox] == [["r1@example.se"]]


def test_cli_status_prints_json_and_unknown_issue_exits_2(draft, three):
    out = io.StringIO()
    call_command("newsletter", "status", str(draft.pk), "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["deliveries"]["pending"] == 0

    with pytest.raises(CommandError) as error:
        call_command("newsletter", "status", "999999", "--format", "json")
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("newsletter", "send", "999999")
    assert error.value.returncode == 2
    with pytest.raises(CommandError) as error:
        call_command("newsletter", "suppress", "not-an-address")
    assert error.value.returncode == 2


def test_bounce_webhook_suppresses_with_the_secret(client, settings, draft, three):
    settings.SAMVERKA_BOUNCE_SECRET = "s3cret"
    body = json.dumps({"email": "R0@example.se", "type": "hard"})

    wrong = client.post(
        "/newsletters/bounces/",
        body,
        content_type="application/json",
        headers={"Authorization": "Bearer nope"},
    )
    soft = client.post(
        "/newsletters/bounces/",
        json.dumps({"email": "r1@example.se", "type": "soft"}),
        content_type="application/json",
        headers={"Authorization": "Bearer s3cret"},
    )
    right = client.post(
        "/newsletters/bounces/",
        body,
        content_type="application/json",
        headers={"Authorization": "Bearer s3cret"},
    )

    assert wrong.status_code == 403
    assert soft.json() == {"suppressed": 0}
    assert right.json() == {"suppressed": 1}
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("r0@example.se", "hard bounce")
    ]


def test_bounce_webhook_is_refused_without_a_configured_secret(client, settings):
    settings.SAMVERKA_BOUNCE_SECRET = None
    response = client.post(
        "/newsletters/bounces/",
        json.dumps({"email": "a@example.se", "type": "hard"}),
        content_type="application/json",
        headers={"Authorization": "Bearer "},
    )

    assert response.status_code == 403
    assert not Suppression.objects.exists()


def test_test_mail_goes_to_the_logged_in_manager(client, cluster_manager, draft):
    user, _ = cluster_manager
    client.force_login(user)

    client.post(f"/newsletters/issues/{draft.pk}/test/")

    assert [m.to for m in mail.outbox] == [[user.email]]
    assert mail.outbox[0].subject == "[Test] Autumn news"
    assert not Delivery.objects.exists()
    draft.refresh_from_db()
    assert draft.status == IssueStatus.DRAFT


def test_bounce_webhook_accepts_a_list_with_anymail_event_types(client, settings):
    settings.SAMVERKA_BOUNCE_SECRET = "s3cret"
    events = [
        {"email": "a@example.se", "type": "bounced"},
        {"email": "b@example.se", "type": "complained"},
        {"email": "c@example.se", "type": "deferred"},
    ]

    response = client.post(
        "/newsletters/bounces/",
        json.dumps(events),
        content_type="application/json",
        headers={"Authorization": "Bearer s3cret"},
    )

    assert response.json() == {"suppressed": 2}
    assert list(Suppression.objects.values_list("email", "reason")) == [
        ("a@example.se", "hard bounce"),
        ("b@example.se", "complaint"),
    ]
