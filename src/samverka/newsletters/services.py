"""Domain operations of the newsletters app: subscriptions, composing, rendering and sending.

Sending guarantees that every active, non-suppressed subscriber gets an issue once:

1. :func:`start_sending` writes one :class:`Delivery` per subscriber (unique per issue and
   address, so running it twice writes nothing new) in the same transaction that moves the issue
   from draft to "sending", then enqueues the send task after commit.
2. :func:`send_pending` works through the pending deliveries in batches at a limited rate. Each
   delivery is sent inside its own short transaction: a conditional UPDATE claims it
   (pending → sending, ``claimed_at``), the mail goes out, and the row is marked sent before the
   commit. A second worker's claim of the same row waits for that commit (PostgreSQL row lock;
   SQLite's single writer) and then finds nothing to claim.
3. A worker killed mid-send leaves committed rows "sent" and every other row "pending" (its open
   transaction is rolled back), so a restart sends exactly what is left. The one window is a kill
   after the mail server accepted a message but before the commit: that recipient gets the issue
   again (at-least-once, chosen over losing a mail). Rows that are nevertheless found "sending"
   with a ``claimed_at`` older than the lease are claimed again (same choice).
"""

from __future__ import annotations

import html as html_lib
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import css_inline
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from samverka.core import audit, links
from samverka.core.mail import render_mail
from samverka.core.sanitise import clean_html
from samverka.events.models import Event
from samverka.newsletters import conf
from samverka.newsletters.models import (
    Block,
    BlockKind,
    Delivery,
    DeliveryStatus,
    Issue,
    IssueStatus,
    Newsletter,
    Subscription,
    SubscriptionStatus,
    Suppression,
)
from samverka.privacy.models import Purpose
from samverka.privacy.services import record_consent, withdraw_consent

#: Stands for the recipient's unsubscribe address in an issue rendered once for all recipients.
UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/__samverka_unsubscribe__/"
STOCKHOLM = "Europe/Stockholm"
#: Slugs that would hide a page of the app (see urls.py).
RESERVED_SLUGS = {"new", "bounces", "confirm", "unsubscribe", "issues"}


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _normalise_email(email: str) -> str:
    return email.strip().lower()


# Newsletters and subscriptions ---------------------------------------------------------------


def create_newsletter(
    *,
    actor: Any,
    name: str,
    slug: str,
    cluster: Any = None,
    description: str = "",
    reply_to: str = "",
) -> Newsletter:
    """Create a newsletter for ``cluster`` (None: the national network's)."""
    if slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("This slug is reserved; choose another.")})
    if Newsletter.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("A newsletter with this slug exists already.")})
    newsletter = Newsletter.objects.create(
        name=name, slug=slug, cluster=cluster, description=description, reply_to=reply_to
    )
    audit.record(
        actor=actor, action="newsletter.created", obj=newsletter, changes=audit.snapshot(newsletter)
    )
    return newsletter


def default_consent_text(newsletter: Newsletter) -> str:
    return _(
        "I want to receive the newsletter “%(name)s” by email. I can unsubscribe at any time "
        "with the link in every issue."
    ) % {"name": newsletter.name}


def subscribe(
    *, newsletter: Newsletter, email: str, name: str = "", consent_text: str = ""
) -> Subscription:
    """Start double opt-in: the subscription is pending until the link in the mail is followed.
    An active subscription is left as it is (and no mail is sent, so nobody learns who is
    subscribed); a pending or unsubscribed one gets a new confirmation mail."""
    email = _normalise_email(email)
    now = timezone.now()
    consent_text = consent_text or default_consent_text(newsletter)
    subscription, created = Subscription.objects.get_or_create(
        newsletter=newsletter,
        email=email,
        defaults={"name": name, "consent_text": consent_text, "consent_at": now},
    )
    if subscription.status == SubscriptionStatus.ACTIVE:
        return subscription
    if not created:
        subscription.status = SubscriptionStatus.PENDING
        subscription.name = name or subscription.name
        subscription.consent_text = consent_text
        subscription.consent_at = now
        subscription.save()
    send_confirmation(subscription)
    return subscription


def send_confirmation(subscription: Subscription) -> None:
    newsletter = subscription.newsletter
    context = {
        "newsletter": newsletter,
        "subscription": subscription,
        "url": _absolute(reverse("newsletters:confirm", args=[subscription.token])),
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = render_mail("newsletters/email/confirm", context)
    message = EmailMultiAlternatives(subject, body, to=[subscription.email])
    if newsletter.reply_to:
        message.reply_to = [newsletter.reply_to]
    message.send()


def confirm(*, token: str) -> Subscription:
    """Activate the subscription of ``token`` (idempotent). Raises Subscription.DoesNotExist."""
    subscription = Subscription.objects.select_related("newsletter").get(token=token)
    if subscription.status != SubscriptionStatus.ACTIVE:
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.confirmed_at = timezone.now()
        subscription.unsubscribed_at = None
        subscription.save(update_fields=["status", "confirmed_at", "unsubscribed_at", "updated"])
        # Double opt-in: the consent counts from the confirmation, with the text then agreed to.
        record_consent(
            email=subscription.email,
            purpose=Purpose.NEWSLETTER,
            text=subscription.consent_text or default_consent_text(subscription.newsletter),
            subject=subscription,
            person=subscription.person,
            given_at=subscription.confirmed_at,
        )
    return subscription


def unsubscribe(*, token: str) -> Subscription:
    """Unsubscribe the holder of ``token`` (idempotent). Raises Subscription.DoesNotExist."""
    subscription = Subscription.objects.select_related("newsletter").get(token=token)
    if subscription.status != SubscriptionStatus.UNSUBSCRIBED:
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        subscription.save(update_fields=["status", "unsubscribed_at", "updated"])
        withdraw_consent(
            purpose=Purpose.NEWSLETTER, subject=subscription, at=subscription.unsubscribed_at
        )
    return subscription


def consenting_members(newsletter: Newsletter) -> QuerySet[Any]:
    """People of the cluster's member organisations who consented to newsletters."""
    from samverka.actors.models import Person

    if newsletter.cluster_id is None:
        return Person.objects.none()
    return (
        Person.objects.filter(
            organisation__memberships__cluster_id=newsletter.cluster_id, newsletter_consent=True
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def subscribe_consenting_members(*, newsletter: Newsletter, actor: Any) -> int:
    """Subscribe (active at once) the people of the cluster's member organisations whose
    ``newsletter_consent`` is set, with the time of that consent. Nobody else is added, and
    someone who unsubscribed from this newsletter stays unsubscribed. Returns how many were
    added or activated."""
    consent_text = _("Consent to newsletters recorded in the person's record in Samverka.")
    changed = 0
    with transaction.atomic():
        for person in consenting_members(newsletter):
            email = _normalise_email(person.email)
            subscription = Subscription.objects.filter(newsletter=newsletter, email=email).first()
            if subscription is None:
                Subscription.objects.create(
                    newsletter=newsletter,
                    email=email,
                    name=person.name,
                    person=person,
                    status=SubscriptionStatus.ACTIVE,
                    consent_text=consent_text,
                    consent_at=person.newsletter_consent_at or timezone.now(),
                    confirmed_at=person.newsletter_consent_at or timezone.now(),
                )
                changed += 1
            elif subscription.status == SubscriptionStatus.PENDING:
                subscription.status = SubscriptionStatus.ACTIVE
                subscription.person = person
                subscription.consent_text = consent_text
                subscription.consent_at = person.newsletter_consent_at or timezone.now()
                subscription.confirmed_at = subscription.consent_at
                subscription.save()
                changed += 1
        if changed:
            audit.record(
                actor=actor,
                action="newsletter.members_subscribed",
                obj=newsletter,
                changes={"subscribed": changed},
            )
    return changed


def suppress(*, email: str, reason: str) -> tuple[Suppression, bool]:
    """Never mail ``email`` again; deliveries not yet sent to it become SUPPRESSED."""
    email = _normalise_email(email)
    suppression, created = Suppression.objects.get_or_create(
        email=email, defaults={"reason": reason[:200]}
    )
    Delivery.objects.filter(email__iexact=email, status=DeliveryStatus.PENDING).update(
        status=DeliveryStatus.SUPPRESSED
    )
    return suppression, created


#: Accepted ``type`` values; ``bounced`` and ``complained`` are anymail's tracking event types.
BOUNCE_TYPES = {
    "hard": "hard bounce",
    "bounced": "hard bounce",
    "complaint": "complaint",
    "complained": "complaint",
}


def record_bounce(*, email: str, kind: str) -> bool:
    """Suppress the address of a hard bounce or complaint; other kinds (soft bounces) are
    ignored. Returns whether the address was suppressed."""
    if kind not in BOUNCE_TYPES:
        return False
    suppress(email=email, reason=BOUNCE_TYPES[kind])
    return True


# Composing ------------------------------------------------------------------------------------


def upcoming_events(newsletter: Newsletter) -> QuerySet[Event]:
    """Events a newsletter may show: upcoming listed events of its cluster (own, co-organised
    and shared with it); every upcoming listed event for the national newsletter."""
    events = Event.objects.listed().filter(end__gte=timezone.now())
    if newsletter.cluster_id is not None:
        events = events.for_cluster(newsletter.cluster_id)
    return events.order_by("start", "pk")


def shareable_blocks(newsletter: Newsletter) -> QuerySet[Block]:
    """Blocks of other newsletters' sent issues, newest first."""
    return (
        Block.objects.filter(issue__status=IssueStatus.SENT)
        .exclude(issue__newsletter=newsletter)
        .select_related("issue__newsletter", "event")
        .order_by("-issue__sent_at", "issue_id", "position", "pk")
    )


def _require_draft(issue: Issue) -> None:
    if issue.status != IssueStatus.DRAFT:
        raise ValidationError(_("Only a draft issue can be changed."))


def create_issue(*, newsletter: Newsletter, actor: Any, subject: str, intro: str = "") -> Issue:
    issue = Issue.objects.create(
        newsletter=newsletter,
        subject=subject,
        intro=clean_html(intro),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor=actor, action="newsletter.issue_created", obj=issue)
    return issue


def update_issue(*, issue: Issue, actor: Any, subject: str, intro: str) -> Issue:
    _require_draft(issue)
    before = audit.snapshot(issue, ["subject", "intro"])
    issue.subject = subject
    issue.intro = clean_html(intro)
    issue.save(update_fields=["subject", "intro", "updated"])
    after = audit.snapshot(issue, ["subject", "intro"])
    if changes := audit.diff(before, after):
        audit.record(actor=actor, action="newsletter.issue_changed", obj=issue, changes=changes)
    return issue


def _next_position(issue: Issue) -> int:
    last = issue.blocks.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def add_block(
    *,
    issue: Issue,
    actor: Any,
    kind: str,
    title: str = "",
    body: str = "",
    link: str = "",
    event: Event | None = None,
) -> Block:
    """Append a block to a draft issue. An event block must name an event the newsletter may
    show."""
    _require_draft(issue)
    links.check_links(link=link)
    if kind == BlockKind.EVENT:
        if event is None or not upcoming_events(issue.newsletter).filter(pk=event.pk).exists():
            raise ValidationError({"event": _("Choose an upcoming event of this calendar.")})
        title = title or event.title
    elif kind == BlockKind.SHARED:
        raise ValidationError(_("Use share_block for blocks of other newsletters."))
    elif not (title or body):
        raise ValidationError(_("A block needs a title or a text."))
    block = Block.objects.create(
        issue=issue,
        kind=kind,
        title=title,
        body=clean_html(body),
        link=link,
        event=event,
        position=_next_position(issue),
    )
    audit.record(
        actor=actor, action="newsletter.block_added", obj=issue, changes={"block": str(block)}
    )
    return block


def share_block(*, issue: Issue, actor: Any, source: Block) -> Block:
    """Copy a block of another newsletter's sent issue into a draft, with attribution."""
    _require_draft(issue)
    if source.issue.status != IssueStatus.SENT or source.issue.newsletter_id == issue.newsletter_id:
        raise ValidationError(_("Only blocks of other newsletters' sent issues can be shared."))
    view = block_view(source)
    body = view["body"]
    if source.kind == BlockKind.EVENT:
        details = " · ".join(part for part in (view["when"], view["place"]) if part)
        body = f"<p>{html_lib.escape(details)}</p>{body}" if details else body
    block = Block.objects.create(
        issue=issue,
        kind=BlockKind.SHARED,
        title=view["title"],
        body=clean_html(body),
        link=view["link"],
        source_block=source,
        attribution=source.attribution or source.issue.newsletter.name,
        position=_next_position(issue),
    )
    audit.record(
        actor=actor, action="newsletter.block_shared", obj=issue, changes={"block": str(block)}
    )
    return block


def move_block(*, block: Block, actor: Any, offset: int) -> None:
    """Move a block up (offset -1) or down (+1); positions are renumbered 0…n-1."""
    _require_draft(block.issue)
    blocks = list(block.issue.blocks.order_by("position", "pk"))
    index = next(i for i, b in enumerate(blocks) if b.pk == block.pk)
    target = max(0, min(len(blocks) - 1, index + offset))
    blocks.insert(target, blocks.pop(index))
    for position, b in enumerate(blocks):
        if b.position != position:
            b.position = position
            b.save(update_fields=["position"])


def remove_block(*, block: Block, actor: Any) -> None:
    _require_draft(block.issue)
    audit.record(
        actor=actor,
        action="newsletter.block_removed",
        obj=block.issue,
        changes={"block": str(block)},
    )
    block.delete()


# Rendering ------------------------------------------------------------------------------------


def event_path(event: Event) -> str:
    """The event's page (``events:detail`` by UID); the calendar when it cannot be reversed."""
    if hasattr(event, "get_absolute_url"):
        try:
            return event.get_absolute_url()
        except NoReverseMatch:
            pass
    try:
        return reverse("events:detail", args=[event.uid])
    except NoReverseMatch:
        return reverse("events:calendar")


def event_when(event: Event) -> str:
    """Date and time of an event in Europe/Stockholm, in the active language."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(STOCKHOLM)
    start = timezone.localtime(event.start, zone)
    end = timezone.localtime(event.end, zone)
    if event.all_day:
        text = date_format(start, "j F Y")
        last = end - timedelta(days=1)
        if last.date() > start.date():
            text += "–" + date_format(last, "j F Y")
        return text
    text = f"{date_format(start, 'j F Y')} {start:%H:%M}"
    if end.date() == start.date():
        return f"{text}–{end:%H:%M}"
    return f"{text} – {date_format(end, 'j F Y')} {end:%H:%M}"


def block_view(block: Block) -> dict[str, Any]:
    """What templates need of a block (event blocks read the live event)."""
    view: dict[str, Any] = {
        "kind": block.kind,
        "title": block.title,
        "body": block.body,
        "link": block.link,
        "when": "",
        "place": "",
        "attribution": "",
        "attribution_url": "",
    }
    if block.kind == BlockKind.EVENT and block.event is not None:
        event = block.event
        view["title"] = event.title
        view["when"] = event_when(event)
        view["place"] = event.place or (_("Online") if event.online_url else "")
        view["link"] = _absolute(event_path(event))
    if block.kind == BlockKind.SHARED:
        view["attribution"] = block.attribution
        if block.source_block_id and block.source_block is not None:
            view["attribution_url"] = _absolute(block.source_block.issue.get_absolute_url())
    view["text"] = html_lib.unescape(strip_tags(view["body"])).strip()
    return view


@dataclass
class RenderedIssue:
    subject: str
    html: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def for_recipient(self, unsubscribe_url: str) -> tuple[str, str]:
        return (
            self.html.replace(UNSUBSCRIBE_PLACEHOLDER, html_lib.escape(unsubscribe_url)),
            self.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe_url),
        )


def issue_blocks(issue: Issue) -> list[dict[str, Any]]:
    blocks = issue.blocks.select_related("event", "source_block__issue__newsletter")
    return [block_view(b) for b in blocks]


def render_issue(issue: Issue) -> RenderedIssue:
    """The mail of an issue, once for all recipients: HTML with inlined CSS and plain text, with
    :data:`UNSUBSCRIBE_PLACEHOLDER` where each recipient's unsubscribe address goes."""
    blocks = issue_blocks(issue)
    context = {
        "issue": issue,
        "newsletter": issue.newsletter,
        "blocks": blocks,
        "intro_text": html_lib.unescape(strip_tags(issue.intro)).strip(),
        "archive_url": _absolute(issue.get_absolute_url()),
        "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string("newsletters/email/issue.html", context)
        text = render_to_string("newsletters/email/issue.txt", context)
    return RenderedIssue(
        subject=issue.subject, html=css_inline.inline(html), text=text, blocks=blocks
    )


def unsubscribe_url(subscription: Subscription) -> str:
    return _absolute(reverse("newsletters:unsubscribe", args=[subscription.token]))


def message_id(delivery: Delivery) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<issue-{delivery.issue_id}.delivery-{delivery.pk}@{host}>"


def build_message(
    *, issue: Issue, rendered: RenderedIssue, delivery: Delivery, connection: Any = None
) -> EmailMultiAlternatives:
    """The mail of one delivery, with RFC 8058 one-click unsubscribe headers."""
    subscription = delivery.subscription
    url = unsubscribe_url(subscription) if subscription else settings.SITE_URL
    html, text = rendered.for_recipient(url)
    headers = {"Message-ID": message_id(delivery)}
    if subscription is not None:
        mailto = f"mailto:{conf.unsubscribe_email()}?subject={quote('unsubscribe ' + subscription.token)}"
        headers["List-Unsubscribe"] = f"<{url}>, <{mailto}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    headers["List-Id"] = (
        f"<{issue.newsletter.slug}.{urlsplit(settings.SITE_URL).hostname or 'localhost'}>"
    )
    message = EmailMultiAlternatives(
        rendered.subject,
        text,
        to=[delivery.email],
        headers=headers,
        connection=connection,
        reply_to=[issue.newsletter.reply_to] if issue.newsletter.reply_to else None,
    )
    message.attach_alternative(html, "text/html")
    return message


def send_test(*, issue: Issue, to: str) -> None:
    """Mail the issue to ``to`` (the manager), marked as a test; no delivery is written."""
    if not to:
        raise ValidationError(_("Your account has no email address."))
    rendered = render_issue(issue)
    html, text = rendered.for_recipient(_absolute(issue.newsletter.get_absolute_url()))
    message = EmailMultiAlternatives(
        _("[Test] %(subject)s") % {"subject": rendered.subject}, text, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


# Sending --------------------------------------------------------------------------------------


def _sendable(now: Any) -> Q:
    stale = now - timedelta(seconds=conf.lease_seconds())
    return Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING, claimed_at__lt=stale)


def write_deliveries(issue: Issue) -> int:
    """One delivery per active subscriber (suppressed addresses: status SUPPRESSED); existing
    rows are kept. Returns how many rows were written."""
    suppressed = set(Suppression.objects.values_list("email", flat=True))
    before = issue.deliveries.count()
    rows = [
        Delivery(
            issue=issue,
            subscription_id=pk,
            email=email,
            status=(
                DeliveryStatus.SUPPRESSED
                if _normalise_email(email) in suppressed
                else DeliveryStatus.PENDING
            ),
        )
        for pk, email in issue.newsletter.subscriptions.filter(
            status=SubscriptionStatus.ACTIVE
        ).values_list("pk", "email")
    ]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return issue.deliveries.count() - before


def start_sending(*, issue: Issue, actor: Any, enqueue: bool = True) -> int:
    """Write the deliveries of a draft issue and mark it "sending" (one transaction), then
    enqueue the send task after commit. On an issue already sending nothing is written (its
    deliveries were written when it started) and the task is enqueued again. Raises
    ValidationError for a sent issue. Returns the number of deliveries written."""
    from samverka.newsletters.tasks import send_issue

    with transaction.atomic():
        issue = Issue.objects.select_for_update().select_related("newsletter").get(pk=issue.pk)
        if issue.status == IssueStatus.SENT:
            raise ValidationError(_("This issue has been sent already."))
        written = 0
        if issue.status == IssueStatus.DRAFT:
            written = write_deliveries(issue)
            issue.status = IssueStatus.SENDING
            issue.send_started_at = timezone.now()
            issue.save(update_fields=["status", "send_started_at", "updated"])
            audit.record(
                actor=actor,
                action="newsletter.issue_sending",
                obj=issue,
                changes={"deliveries": written},
            )
        if enqueue:
            issue_id = issue.pk
            transaction.on_commit(lambda: send_issue.enqueue(issue_id))
    return written


def _send_one(delivery_id: int, issue: Issue, rendered: RenderedIssue, connection: Any) -> str:
    """Claim, send and mark one delivery in one transaction; returns what happened."""
    with transaction.atomic():
        now = timezone.now()
        claimed = (
            Delivery.objects.filter(_sendable(now), pk=delivery_id).update(
                status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
            == 1
        )
        if not claimed:
            return "skipped"
        delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
        done = Delivery.objects.filter(pk=delivery_id)
        if Suppression.objects.filter(email=_normalise_email(delivery.email)).exists():
            done.update(status=DeliveryStatus.SUPPRESSED)
            return "suppressed"
        subscription = delivery.subscription
        if subscription is None or subscription.status != SubscriptionStatus.ACTIVE:
            done.update(status=DeliveryStatus.SUPPRESSED, error="unsubscribed")
            return "suppressed"
        message = build_message(
            issue=issue, rendered=rendered, delivery=delivery, connection=connection
        )
        try:
            message.send()
        except Exception as error:  # the mail server refused it: record, go on with the rest
            done.update(status=DeliveryStatus.FAILED, error=str(error)[:2000])
            return "failed"
        done.update(
            status=DeliveryStatus.SENT, sent_at=timezone.now(), message_id=message_id(delivery)
        )
        return "sent"


def send_pending(
    issue_id: int,
    *,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[Counter[str]], None] | None = None,
) -> Counter[str]:
    """Send the issue's pending deliveries in batches of ``SAMVERKA_NEWSLETTER_BATCH_SIZE``, at
    most ``SAMVERKA_NEWSLETTER_RATE`` per minute, then mark the issue sent when nothing is left.
    Safe to run in several workers at once and to run again after a crash. Returns counts of
    this run (sent, suppressed, failed, skipped)."""
    issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
    counts: Counter[str] = Counter()
    if issue.status != IssueStatus.SENDING:
        return counts
    rendered = render_issue(issue)
    size = conf.batch_size()
    rate = conf.rate_per_minute()
    while True:
        started = time.monotonic()
        ids = list(
            Delivery.objects.filter(_sendable(timezone.now()), issue_id=issue_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:size]
        )
        if not ids:
            break
        connection = get_connection()
        try:
            for delivery_id in ids:
                counts[_send_one(delivery_id, issue, rendered, connection)] += 1
        finally:
            connection.close()
        if progress:
            progress(counts)
        if rate and len(ids) == size:
            wait = size * 60 / rate - (time.monotonic() - started)
            if wait > 0:
                sleep(wait)
    finish_if_done(issue_id)
    return counts


def finish_if_done(issue_id: int) -> bool:
    """Mark a sending issue sent once no delivery is pending or being sent."""
    open_ = Delivery.objects.filter(
        issue_id=issue_id, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]
    )
    if open_.exists():
        return False
    return (
        Issue.objects.filter(pk=issue_id, status=IssueStatus.SENDING).update(
            status=IssueStatus.SENT, sent_at=timezone.now()
        )
        == 1
    )


def stalled_issue_ids(now: Any = None) -> list[int]:
    """Issues "sending" with work left and no progress within the lease (a dead worker)."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=conf.lease_seconds())
    ids = []
    for issue in Issue.objects.filter(status=IssueStatus.SENDING, send_started_at__lt=stale):
        last = issue.deliveries.aggregate(last=Max("claimed_at"))["last"]
        if last is None or last < stale:
            ids.append(issue.pk)
    return ids


def delivery_counts(issue: Issue) -> dict[str, int]:
    """Deliveries of an issue by status (every status present, zero when none)."""
    counts = Counter(issue.deliveries.values_list("status", flat=True))
    return {status.value: counts.get(status.value, 0) for status in DeliveryStatus}


def issue_status(issue: Issue) -> dict[str, Any]:
    return {
        "issue": issue.pk,
        "newsletter": issue.newsletter.slug,
        "subject": issue.subject,
        "status": issue.status,
        "send_started_at": issue.send_started_at.isoformat() if issue.send_started_at else None,
        "sent_at": issue.sent_at.isoformat() if issue.sent_at else None,
        "deliveries": delivery_counts(issue),
    }


def subscriber_rows(newsletter: Newsletter) -> Iterable[list[Any]]:
    for s in newsletter.subscriptions.order_by("email"):
        yield [
            s.email,
            s.name,
            s.get_status_display(),
            timezone.localtime(s.consent_at).strftime("%Y-%m-%d %H:%M") if s.consent_at else "",
            timezone.localtime(s.confirmed_at).strftime("%Y-%m-%d %H:%M") if s.confirmed_at else "",
            s.consent_text,
        ]
