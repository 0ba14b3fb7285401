from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Helix(models.TextChoices):
    """The quintuple-helix type of an actor."""

    COMPANY = "company", _("company")
    ACADEMIA = "academia", _("academia")
    PUBLIC = "public", _("public sector")
    CIVIL_SOCIETY = "civil_society", _("civil society")
    OTHER = "other", pgettext_lazy("helix type", "other")


class Gender(models.TextChoices):
    WOMAN = "woman", _("woman")
    MAN = "man", _("man")
    OTHER = "other", pgettext_lazy("gender", "other")
    NOT_STATED = "not_stated", _("not stated")


class RelationKind(models.TextChoices):
    PARTNERSHIP = "partnership", _("partnership")
    OWNERSHIP = "ownership", _("owner of")
    SUPPLIER = "supplier", _("supplier to")
    FUNDING = "funding", _("funds")
    MEMBERSHIP = "membership", _("member of")
    OTHER = "other", pgettext_lazy("relation kind", "other")
