"""Models of horizon scanning: feed sources, items, tagging, funding calls with deadlines, digests."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.core.models import TimeStampedModel


class FeedSource(TimeStampedModel):
    """An RSS or Atom feed polled by the worker. Owned by a cluster, or by the national network
    (no cluster); it may be shared with other clusters."""

    url = models.URLField(_("feed address"), max_length=1000)
    name = models.CharField(_("name"), max_length=200)
    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="feed_sources",
        help_text=_("Empty for a source of the national network."),
    )
    shared_with = models.ManyToManyField(
        "clusters.Cluster",
        verbose_name=_("shared with"),
        blank=True,
        related_name="shared_feed_sources",
    )
    focus_areas = models.ManyToManyField(
        "actors.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="+"
    )
    interval_minutes = models.PositiveIntegerField(
        _("polling interval (minutes)"),
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(7 * 24 * 60)],
    )
    active = models.BooleanField(_("active"), default=True)
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified_header = models.CharField(max_length=100, blank=True, editable=False)
    last_polled = models.DateTimeField(_("last polled"), null=True, blank=True, editable=False)
    last_success = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(
        _("consecutive failures"), default=0, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("feed source")
        verbose_name_plural = _("feed sources")

    def __str__(self) -> str:
        return self.name

    @property
    def healthy(self) -> bool:
        return self.consecutive_failures == 0


class FeedItem(TimeStampedModel):
    """One entry of a feed. Deduplicated per source by GUID, normalised URL or content hash."""

    source = models.ForeignKey(
        FeedSource, verbose_name=_("source"), on_delete=models.CASCADE, related_name="items"
    )
    guid = models.CharField(_("GUID"), max_length=500, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    normalised_url = models.CharField(max_length=1000, blank=True, db_index=True, editable=False)
    content_hash = models.CharField(max_length=64, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=500)
    summary = models.TextField(_("summary"), blank=True, help_text=_("Sanitised HTML."))
    published = models.DateTimeField(_("published"), null=True, blank=True, db_index=True)
    focus_areas = models.ManyToManyField(
        "actors.FocusArea", verbose_name=_("tags"), blank=True, related_name="feed_items"
    )
    is_funding_call = models.BooleanField(_("funding call"), default=False)
    deadline = models.DateField(_("deadline"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-published", "-pk"]
        verbose_name = _("scanned item")
        verbose_name_plural = _("scanned items")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "guid"], condition=~Q(guid=""), name="scanning_item_guid_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("scanning:item", args=[self.pk])


class TagRule(models.Model):
    """Keywords that tag an item with a focus area. Keywords are compared by their Swedish stem,
    so "skog" also matches "skogen" and "skogar"."""

    focus_area = models.OneToOneField(
        "actors.FocusArea",
        verbose_name=_("focus area"),
        on_delete=models.CASCADE,
        related_name="tag_rule",
    )
    keywords = models.TextField(
        _("keywords"), help_text=_("One keyword or phrase per line, or separated by commas.")
    )

    class Meta:
        ordering = ["focus_area__name_sv"]
        verbose_name = _("tagging rule")
        verbose_name_plural = _("tagging rules")

    def __str__(self) -> str:
        return str(self.focus_area)

    def keyword_list(self) -> list[str]:
        return [k.strip() for k in self.keywords.replace("\n", ",").split(",") if k.strip()]


class Folder(TimeStampedModel):
    """A cluster's shared folder of saved items."""

    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        on_delete=models.CASCADE,
        related_name="scanning_folders",
    )
    name = models.CharField(_("name"), max_length=200)
    items = models.ManyToManyField(FeedItem, blank=True, related_name="folders")

    class Meta:
        ordering = ["cluster__name", "name"]
        verbose_name = _("folder")
        verbose_name_plural = _("folders")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "name"], name="scanning_folder_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.cluster})"


class ItemNote(TimeStampedModel):
    """One user's relevance rating (1–5) and note on an item."""

    item = models.ForeignKey(FeedItem, on_delete=models.CASCADE, related_name="notes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scanning_notes"
    )
    rating = models.PositiveSmallIntegerField(
        _("relevance"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-updated"]
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.UniqueConstraint(fields=["item", "user"], name="scanning_note_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.item}"


class CuratedItem(models.Model):
    """An item a cluster chose for its curated RSS feed."""

    cluster = models.ForeignKey(
        "clusters.Cluster", on_delete=models.CASCADE, related_name="curated_items"
    )
    item = models.ForeignKey(FeedItem, on_delete=models.CASCADE, related_name="curations")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("curated item")
        verbose_name_plural = _("curated items")
        constraints = [
            models.UniqueConstraint(fields=["cluster", "item"], name="scanning_curated_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.cluster})"


class DigestSubscription(TimeStampedModel):
    """A user's opt-in to the weekly digest of their clusters' items."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scanning_digest"
    )
    active = models.BooleanField(_("active"), default=True)
    last_sent = models.DateTimeField(_("last sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return str(self.user)


class ClusterDigest(models.Model):
    """When a cluster's managers last got the weekly digest of the cluster's items."""

    cluster = models.OneToOneField(
        "clusters.Cluster", on_delete=models.CASCADE, related_name="scanning_digest"
    )
    last_sent = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return str(self.cluster)
