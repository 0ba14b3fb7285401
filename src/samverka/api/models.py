"""Per-user API tokens. Only a hash is stored; the token is shown once when created."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "smv_"  # noqa: S105 - a public marker, not a secret
TOKEN_BYTES = 32
#: The length of every issued token: the marker and 32 random bytes in URL-safe base64.
TOKEN_LENGTH = len(TOKEN_PREFIX) + 43


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("starts with"), max_length=12, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(cls, *, user: object, name: str) -> tuple[ApiToken, str]:
        """Create a token for ``user``; returns the row and the plain token (shown only once)."""
        plain = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
        token = cls.objects.create(
            user=user, name=name, key_hash=hash_token(plain), prefix=plain[:10]
        )
        return token, plain

    def revoke(self) -> None:
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
