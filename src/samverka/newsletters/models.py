"""Newsletters, their issues composed from blocks, subscriptions and per-recipient deliveries.

Sending writes one :class:`Delivery` per recipient before the first mail goes; the worker then
claims and sends deliveries in batches, so a worker killed mid-send resumes where it stopped and
every recipient gets the issue exactly once.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from samverka.core.models import TimeStampedModel


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Newsletter(TimeStampedModel):
    """A cluster's newsletter, or the national network's (no cluster)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="newsletters",
        help_text=_("Empty for the national network's newsletter."),
    )
    description = models.TextField(_("description"), blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsletters:newsletter", args=[self.slug])


class SubscriptionStatus(models.TextChoices):
    PENDING = "pending", _("awaiting confirmation")
    ACTIVE = "active", pgettext_lazy("subscription status", "active")
    UNSUBSCRIBED = "unsubscribed", _("unsubscribed")


class Subscription(TimeStampedModel):
    """One address subscribed to one newsletter (double opt-in, with a per-subscriber token)."""

    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    email = models.EmailField(_("email"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    person = models.ForeignKey(
        "actors.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.PENDING,
        db_index=True,
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    consent_text = models.TextField(_("consent text"), blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["newsletter", "email"], name="newsletters_subscription_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} – {self.newsletter}"


class Suppression(models.Model):
    """An address no newsletter is sent to: a hard bounce or complaint reported by the provider."""

    email = models.EmailField(_("email"), unique=True)
    reason = models.CharField(_("reason"), max_length=200)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self) -> str:
        return self.email


class IssueStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("issue status", "draft")
    SENDING = "sending", _("sending")
    SENT = "sent", pgettext_lazy("issue status", "sent")


class Issue(TimeStampedModel):
    """One issue of a newsletter."""

    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="issues")
    subject = models.CharField(_("subject"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True, help_text=_("Sanitised HTML."))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=IssueStatus.choices,
        default=IssueStatus.DRAFT,
        db_index=True,
    )
    send_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["-sent_at", "-created"]
        verbose_name = _("issue")
        verbose_name_plural = _("issues")

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("newsletters:issue", args=[self.newsletter.slug, self.pk])


class BlockKind(models.TextChoices):
    TEXT = "text", _("text")
    EVENT = "event", _("event")
    FEED_ITEM = "feed_item", _("item from horizon scanning")
    GOOD_EXAMPLE = "good_example", _("good example")
    SHARED = "shared", _("item from another newsletter")


class Block(models.Model):
    """One block of an issue. Event blocks point at the calendar; shared blocks copy another
    cluster's published block and keep the attribution."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=BlockKind.choices)
    title = models.CharField(_("title"), max_length=300, blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Sanitised HTML."))
    link = models.URLField(_("link"), max_length=1000, blank=True)
    event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Horizon-scanning items and good examples arrive with issue #7; their ids are kept here.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    source_block = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reuses"
    )
    attribution = models.CharField(_("attribution"), max_length=300, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")

    def __str__(self) -> str:
        return self.title or self.get_kind_display()


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", pgettext_lazy("delivery status", "sent")
    FAILED = "failed", _("failed")
    SUPPRESSED = "suppressed", _("suppressed")


class Delivery(models.Model):
    """One issue to one recipient; written before sending starts."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscription = models.ForeignKey(
        Subscription, null=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    email = models.EmailField(_("email"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DeliveryStatus.choices,
        default=DeliveryStatus.PENDING,
        db_index=True,
    )
    message_id = models.CharField(max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["issue", "email"], name="newsletters_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.email}"
