"""API authentication: per-user bearer tokens, or the browser session (with CSRF on writes)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from samverka.api.models import TOKEN_PREFIX, ApiToken, hash_token
from samverka.core.mfa import mfa_missing, mfa_missing_message


class TokenAuth(HttpBearer):
    """``Authorization: Bearer smv_…``; a revoked token, or one of an inactive user, is refused;
    so is the token of a user whose role requires two-factor authentication they lack (403)."""

    openapi_description = "A personal API token (`samverka token create USERNAME`)."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        if not token.startswith(TOKEN_PREFIX):
            return None
        api_token = (
            ApiToken.objects.active()
            .select_related("user")
            .filter(key_hash=hash_token(token))
            .first()
        )
        if api_token is None:
            return None
        if mfa_missing(api_token.user):
            # A token must not be a way around the second factor the user's role requires.
            raise PermissionDenied(mfa_missing_message())
        # An UPDATE rather than save(): two concurrent requests with one token must not race.
        now = timezone.now()
        ApiToken.objects.filter(pk=api_token.pk).update(last_used=now)
        api_token.last_used = now
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class BrowserSessionAuth(SessionAuth):
    """A logged-in browser user; Django's CSRF check applies to unsafe methods."""

    openapi_description = (
        "The session cookie of a logged-in user; unsafe methods need the CSRF token."
    )

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a logged-in session there is nothing to protect: answer 401, not a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super()._get_key(request)


#: Authentication for every write endpoint.
write_auth = [TokenAuth(), BrowserSessionAuth()]
