"""Two-factor authentication required for the powerful roles.

With ``SAMVERKA_MFA_REQUIRED`` on, a platform admin or programme officer who has not activated an
authenticator app (TOTP) is sent to the set-up page for every page except the account pages
(login, logout, re-authentication, the set-up itself), static files and the health check. The
API answers such a user 403, both for a browser session and for a personal API token.

The TOTP secrets and recovery-code seeds are stored encrypted (:class:`MFAAdapter`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from samverka.core.roles import is_programme_officer

#: Paths a user without the required second factor may still open.
EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/jsi18n/", "/favicon")


def mfa_missing(user: Any) -> bool:
    """True when ``user`` must have an authenticator app (their role and the setting say so) but
    has not activated one."""
    if not settings.SAMVERKA_MFA_REQUIRED:
        return False
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    # is_programme_officer() is also true for platform admins.
    if not is_programme_officer(user):
        return False
    return not Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def mfa_missing_message() -> str:
    return _(
        "Your role requires two-factor authentication: set up an authenticator app under "
        "Two-factor authentication before using the site or the API."
    )


class MFARequiredMiddleware:
    """Redirect (pages) or refuse with 403 (API) a logged-in user whose role requires MFA."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.SAMVERKA_MFA_REQUIRED
            and not request.path.startswith(EXEMPT_PREFIXES)
            and mfa_missing(getattr(request, "user", None))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": mfa_missing_message()}, status=403)
            messages.warning(request, mfa_missing_message())
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _fernet() -> MultiFernet:
    """Keys derived from SECRET_KEY, then SECRET_KEY_FALLBACKS (so a rotated key still decrypts)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(hashlib.sha256(f"samverka.mfa:{key}".encode()).digest())
            )
            for key in keys
        ]
    )


class MFAAdapter(DefaultMFAAdapter):
    """allauth's adapter, but the second-factor secrets are not stored in the clear: a copy of
    the database alone does not let anyone generate codes."""

    def encrypt(self, text: str) -> str:
        return _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        return _fernet().decrypt(encrypted_text.encode()).decode()
