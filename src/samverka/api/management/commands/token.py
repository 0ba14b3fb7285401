"""Create and revoke personal API tokens: ``samverka token create USERNAME`` / ``token revoke PREFIX``."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.api.models import TOKEN_LENGTH, ApiToken, hash_token

MIN_PREFIX = 6  # "smv_" and two random characters


class Command(BaseCommand):
    help = "Create or revoke personal API tokens. A new token is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Create a token for a user and print it.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for (default: 'cli').")
        create.add_argument("--format", choices=["text", "json"], default="text")
        revoke = actions.add_parser(
            "revoke",
            help="Revoke the active token that PREFIX identifies; exit status 2 when no token "
            "or several match.",
        )
        revoke.add_argument(
            "prefix",
            help="The whole token, or its start: at least 6 characters (smv_ and two more), "
            "for example the prefix shown when it was created. Only the first 10 characters "
            "and a hash are stored, so characters after the 10th are checked only when the "
            "whole token is given; a shorter or longer start must match exactly one active "
            "token.",
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

    def revoke(self, given: str) -> None:
        """Revoke the one active token that ``given`` identifies (see the argument's help)."""
        given = given.strip()
        if len(given) < MIN_PREFIX:
            raise CommandError(
                "Give at least the first 6 characters of the token (smv_ and two more).",
                returncode=2,
            )
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        matches = list(tokens.filter(key_hash=hash_token(given)))
        if not matches and len(given) >= TOKEN_LENGTH:
            # As long as a whole token but not one: its start must not revoke another.
            raise CommandError(
                f"{given[:10]}… is not an active token (a whole token is revoked only when it "
                "is exact).",
                returncode=2,
            )
        if not matches:
            # Only the stored prefix can be compared; the rest is checked by the hash above.
            matches = [
                token
                for token in tokens.filter(prefix__startswith=given[:MIN_PREFIX])
                if token.prefix.startswith(given) or given.startswith(token.prefix)
            ]
        if not matches:
            raise CommandError(f"No active token starts with {given!r}.", returncode=2)
        if len(matches) > 1:
            raise CommandError(
                f"{len(matches)} active tokens start with {given!r}; give more of it or the "
                "whole token.",
                returncode=2,
            )
        matches[0].revoke()
        self.stdout.write(f"Revoked {matches[0]}.")
