"""``samverka newsletter send|status|suppress``: sending newsletters from the shell."""

from __future__ import annotations

import json
import sys
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from samverka.newsletters import services
from samverka.newsletters.models import DeliveryStatus, Issue


class Command(BaseCommand):
    help = "Send an issue in the foreground, show its delivery status, or suppress an address."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        send = actions.add_parser(
            "send",
            help="Write the deliveries of an issue and send them now (resumable: running it "
            "again after an interruption sends only what is left).",
        )
        send.add_argument("issue_id", type=int)
        send.add_argument("--format", choices=["json", "text"], default="text")
        status = actions.add_parser("status", help="Delivery counts of an issue.")
        status.add_argument("issue_id", type=int)
        status.add_argument("--format", choices=["json", "text"], default="text")
        suppress = actions.add_parser("suppress", help="Never send newsletters to an address.")
        suppress.add_argument("email")
        suppress.add_argument("--reason", default="manual")
        suppress.add_argument("--format", choices=["json", "text"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        as_json = options["format"] == "json"
        if action == "suppress":
            result = self._suppress(options["email"], options["reason"])
        else:
            issue = (
                Issue.objects.select_related("newsletter").filter(pk=options["issue_id"]).first()
            )
            if issue is None:
                raise CommandError(f"No issue with the id {options['issue_id']}.", returncode=2)
            result = self._send(issue) if action == "send" else services.issue_status(issue)
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                "\n".join(f"{key}: {value}" for key, value in result.items() if key != "deliveries")
            )
            for key, value in result.get("deliveries", {}).items():
                self.stdout.write(f"  {key}: {value}")

    def _suppress(self, email: str, reason: str) -> dict[str, Any]:
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"Not an email address: {email}", returncode=2) from error
        suppression, created = services.suppress(email=email, reason=reason)
        return {"email": suppression.email, "suppressed": True, "created": created}

    def _send(self, issue: Issue) -> dict[str, Any]:
        before = services.delivery_counts(issue)
        try:
            written = services.start_sending(issue=issue, actor=None, enqueue=False)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages), returncode=2) from error

        def progress(counts: Counter[str]) -> None:
            print(f"sent {counts['sent']} so far", file=sys.stderr, flush=True)

        counts = services.send_pending(issue.pk, progress=progress)
        issue.refresh_from_db()
        after = services.delivery_counts(issue)
        # skipped: sent by an earlier run (or by another worker meanwhile); suppressed: every
        # delivery of the issue that was not mailed because the address is suppressed.
        return {
            "issue": issue.pk,
            "status": issue.status,
            "deliveries_written": written,
            "sent": counts["sent"],
            "skipped": before[DeliveryStatus.SENT] + counts["skipped"],
            "suppressed": after[DeliveryStatus.SUPPRESSED],
            "failed": counts["failed"],
            "deliveries": after,
        }
