"""Needs and offers (each owned by an organisation, with an expiry date), expressions of
interest between a need and an offer, and the outcome of the introduction that follows."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverka.core.models import TimeStampedModel


class Kind(models.TextChoices):
    TESTBED = "testbed", _("testbed")
    EXPERTISE = "expertise", _("expertise")
    PARTNER = "partner", _("partner")
    CAPITAL = "capital", _("capital")
    MARKET = "market", _("market")
    OTHER = "other", _("other")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    MEMBERS = "members", _("members only")


class Outcome(models.TextChoices):
    PENDING = "pending", _("not yet known")
    MEETING = "meeting", _("meeting held")
    AGREEMENT = "agreement", _("agreement")
    NOTHING = "nothing", _("nothing came of it")


def add_months(day: date, months: int) -> date:
    """``day`` moved ``months`` calendar months on (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def default_expiry() -> date:
    return add_months(timezone.localdate(), 12)


def kind_key(kind: str) -> str:
    return f"zzk{kind}"


def county_key(kind: str, county_id: int) -> str:
    return f"zzk{kind}c{county_id}"


def focus_key(kind: str, focus_id: int) -> str:
    return f"zzk{kind}f{focus_id}"


def retrieval_keys(kind: str, county_id: int | None, focus_ids: list[int]) -> str:
    """Words that let the full-text index filter by kind, and by kind with county or focus area
    (combined words keep their posting lists short)."""
    words = [kind_key(kind)]
    if county_id:
        words.append(county_key(kind, county_id))
    words += [focus_key(kind, f) for f in sorted(focus_ids)]
    return " ".join(words)


class ListingQuerySet(models.QuerySet):
    def active(self, today: date | None = None) -> ListingQuerySet:
        """Not expired (expired listings are kept but hidden from lists and matching)."""
        return self.filter(expires_on__gte=today or timezone.localdate())

    def public(self) -> ListingQuerySet:
        return self.filter(visibility=Visibility.PUBLIC)

    def with_related(self) -> ListingQuerySet:
        return self.select_related("owner", "county").prefetch_related("focus_areas")


class Listing(TimeStampedModel):
    """What a need and an offer share. ``stems`` holds the Swedish-stemmed tokens of title and
    description (space separated, in text order), the input of lexical matching."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    focus_areas = models.ManyToManyField(
        "actors.FocusArea", verbose_name=_("focus areas"), blank=True, related_name="+"
    )
    county = models.ForeignKey(
        "geo.Area",
        verbose_name=_("county"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "county"},
    )
    owner = models.ForeignKey(
        "actors.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    expires_on = models.DateField(_("expires on"), default=default_expiry, db_index=True)
    visibility = models.CharField(
        _("visible to"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    stems = models.TextField(editable=False, blank=True)
    # Retrieval keys (kind, county, focus areas) as words, indexed with the stems on PostgreSQL
    # so that one full-text index narrows candidates by kind, place and focus as well as text.
    keys = models.TextField(editable=False, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    objects = ListingQuerySet.as_manager()

    side = ""

    class Meta:
        abstract = True
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: object, **kwargs: object) -> None:
        from samverka.matchmaking import lexical

        self.stems = " ".join(lexical.stems(f"{self.title} {self.description}"))
        focus = list(self.focus_areas.values_list("pk", flat=True)) if self.pk else []
        self.keys = retrieval_keys(self.kind, self.county_id, focus)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "stems", "keys"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        lexical.forget_statistics(type(self))

    def refresh_keys(self) -> None:
        """Store the retrieval keys again (after the focus areas changed)."""
        focus = list(self.focus_areas.values_list("pk", flat=True))
        self.keys = retrieval_keys(self.kind, self.county_id, focus)
        type(self).objects.filter(pk=self.pk).update(keys=self.keys)

    @property
    def is_expired(self) -> bool:
        return self.expires_on < timezone.localdate()

    def get_absolute_url(self) -> str:
        return reverse(f"matchmaking:{self.side}-detail", args=[self.pk])


class Need(Listing):
    """Something an organisation looks for: a testbed, expertise, a partner, capital, a market."""

    side = "need"

    class Meta(Listing.Meta):
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        indexes = [models.Index(fields=["kind", "expires_on"], name="mm_need_kind_expiry")]


class Offer(Listing):
    """Something an organisation offers to others."""

    side = "offer"

    class Meta(Listing.Meta):
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        indexes = [models.Index(fields=["kind", "expires_on"], name="mm_offer_kind_expiry")]


class Interest(TimeStampedModel):
    """An expression of interest in bringing a need and an offer together; the introduction
    email goes to both sides, and the outcome is recorded later."""

    need = models.ForeignKey(
        Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="interests"
    )
    offer = models.ForeignKey(
        Offer, verbose_name=_("offer"), on_delete=models.CASCADE, related_name="interests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expressed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    message = models.TextField(_("message"), blank=True)
    score = models.FloatField(_("match score"), null=True, blank=True)
    introduced_at = models.DateTimeField(_("introduced"), null=True, blank=True)
    recipients = models.JSONField(_("introduction sent to"), default=list, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.PENDING
    )
    outcome_at = models.DateTimeField(_("outcome recorded"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo data"), default=False, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        constraints = [
            models.UniqueConstraint(fields=["need", "offer"], name="mm_unique_interest"),
            models.CheckConstraint(
                condition=Q(outcome="pending") | Q(outcome_at__isnull=False),
                name="mm_outcome_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.need} ↔ {self.offer}"
