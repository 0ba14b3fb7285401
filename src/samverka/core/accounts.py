"""django-allauth adapter: self sign-up only when the installation allows it."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.http import HttpRequest

from samverka.core.client import client_address


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.ACCOUNT_ALLOW_REGISTRATION)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The login and password-reset limits count per client behind trusted proxies."""
        return client_address(request)
