"""Models of the knowledge hub (good examples, methods, documents) and the one search over everything."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverka.core.models import TimeStampedModel


class Kind(models.TextChoices):
    EXAMPLE = "example", _("good example")
    METHOD = "method", _("method")
    DOCUMENT = "document", _("document")


class GoodExampleQuerySet(models.QuerySet["GoodExample"]):
    def published(self) -> GoodExampleQuerySet:
        return self.filter(published=True)


class GoodExample(TimeStampedModel):
    """A good example, a method or a document in the knowledge hub."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.EXAMPLE)
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Sanitised HTML."))
    link = models.URLField(_("link"), max_length=1000, blank=True)
    focus_areas = models.ManyToManyField(
        "actors.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="good_examples"
    )
    organisations = models.ManyToManyField(
        "actors.Organisation",
        verbose_name=_("organisations involved"),
        blank=True,
        related_name="good_examples",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_examples",
    )
    cluster = models.ForeignKey(
        "clusters.Cluster",
        verbose_name=_("cluster"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="good_examples",
        help_text=_("The cluster that owns it; none for the national network."),
    )
    published = models.BooleanField(_("published"), default=False, db_index=True)

    objects = GoodExampleQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "pk"]
        verbose_name = _("good example")
        verbose_name_plural = _("good examples")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:detail", args=[self.slug])


class Attachment(models.Model):
    """A file attached to a knowledge item; its type is sniffed from its content on upload."""

    example = models.ForeignKey(
        GoodExample,
        verbose_name=_("knowledge item"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="knowledge/%Y/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("knowledge:attachment", args=[self.pk])


class SearchDocument(models.Model):
    """One searchable object (of any kind) in the search index. Kept in sync by signals
    (``knowledge.indexing``); the full-text structures next to it are backend-specific: a stored
    ``tsvector`` column on PostgreSQL, FTS5 tables on SQLite (see the migrations)."""

    kind = models.CharField(_("kind"), max_length=30)
    object_id = models.CharField(_("object id"), max_length=64)
    title = models.CharField(_("title"), max_length=400)
    body = models.TextField(_("text"), blank=True)
    focus = models.CharField(
        _("focus areas"), max_length=1000, blank=True, help_text="' slug1 slug2 '"
    )
    url = models.CharField(_("address"), max_length=500, blank=True)
    visibility = models.CharField(_("visibility"), max_length=10, default="public")
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="knowledge_doc_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"


class SearchTerm(models.Model):
    """The vocabulary of the index (every word once), for compound and typo expansion."""

    term = models.CharField(max_length=100, unique=True)

    class Meta:
        verbose_name = _("search term")
        verbose_name_plural = _("search terms")

    def __str__(self) -> str:
        return self.term
