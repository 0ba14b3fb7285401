"""Create and revoke personal API tokens: ``samverka token create USERNAME`` / ``token revoke PREFIX``."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.api.models import ApiToken, hash_token


class Command(BaseCommand):
    help = "Create or revoke personal API tokens. A new token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token for a user and print it.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for (default: 'cli').")
        create.add_argument("--format", choices=["text", "json"], default="text")
        revoke = actions.add_parser("revoke", help="Revoke the token that starts with PREFIX.")
        revoke.add_argument(
            "prefix", help="The start of the token as shown when listed (smv_…), or the token."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self.create(options["username"], options["name"] or "cli", options["format"])
        else:
            self.revoke(options["prefix"])

    def create(self, username: str, name: str, fmt: str) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user called {username!r}.")
        if not user.is_active:
            raise CommandError(f"The user {username!r} is not active.")
        token, plain = ApiToken.issue(user=user, name=name)
        if fmt == "json":
            payload = {"token": plain, "prefix": token.prefix, "name": token.name, "user": username}
            self.stdout.write(json.dumps(payload))
            return
        self.stdout.write(plain)
        self.stderr.write(
            f"Token {token.prefix}… for {username} ({name}). It is shown only now; "
            f"revoke it with: samverka token revoke {token.prefix}"
        )

    def revoke(self, prefix: str) -> None:
        if len(prefix) < 6:
            raise CommandError(
                "Give at least the first 6 characters of the token (smv_ and two more)."
            )
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        matches = list(tokens.filter(key_hash=hash_token(prefix))) or list(
            tokens.filter(prefix__startswith=prefix[:12])
        )
        if not matches:
            raise CommandError(f"No active token starts with {prefix!r}.")
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} active tokens start with {prefix!r}; give more of it."
            )
        matches[0].revoke()
        self.stdout.write(f"Revoked {matches[0]}.")
