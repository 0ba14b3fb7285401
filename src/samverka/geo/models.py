"""Sweden's regional division: the nation ("00"), 21 counties (län) and 290 municipalities."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

NATION_CODE = "00"


class AreaKind(models.TextChoices):
    NATION = "nation", _("nation")
    COUNTY = "county", _("county")
    MUNICIPALITY = "municipality", _("municipality")


class AreaQuerySet(models.QuerySet["Area"]):
    def counties(self) -> AreaQuerySet:
        return self.filter(kind=AreaKind.COUNTY)

    def municipalities(self) -> AreaQuerySet:
        return self.filter(kind=AreaKind.MUNICIPALITY)

    def in_county(self, county_code: str) -> AreaQuerySet:
        return self.filter(kind=AreaKind.MUNICIPALITY, parent__code=county_code)


class Area(models.Model):
    """An official area identified by its SCB code: "00", "NN" (county) or "NNNN" (municipality)."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    objects = AreaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name

    @property
    def county(self) -> Area | None:
        """The county this area lies in (itself for a county, None for the nation)."""
        if self.kind == AreaKind.COUNTY:
            return self
        if self.kind == AreaKind.MUNICIPALITY:
            return self.parent
        return None
