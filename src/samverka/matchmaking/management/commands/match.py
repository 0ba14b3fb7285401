"""``samverka match NEED_ID|offer:ID [--top 10] [--format json]``: ranked matches with reasons."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from samverka.matchmaking.matching import find_matches
from samverka.matchmaking.models import Listing, Need, Offer


def _parse(reference: str) -> tuple[type[Listing], int]:
    side, _sep, number = reference.rpartition(":")
    model = {"": Need, "need": Need, "offer": Offer}.get(side.lower())
    if model is None or not number.isdigit():
        raise CommandError(
            f"Give a need id (12 or need:12) or an offer id (offer:12), not {reference!r}.",
            returncode=2,
        )
    return model, int(number)


class Command(BaseCommand):
    help = (
        "Rank the offers matching a need (NEED_ID or need:ID) or the needs matching an offer "
        "(offer:ID), with score and reasons. Includes members-only listings (an operator's view)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference", help="NEED_ID, need:ID or offer:ID")
        parser.add_argument("--top", type=int, default=10, help="How many matches (default 10).")
        parser.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        model, pk = _parse(options["reference"])
        if options["top"] < 1:
            raise CommandError("--top must be at least 1.", returncode=2)
        source = model.objects.filter(pk=pk).first()
        if source is None:
            raise CommandError(f"No {model.side} with the id {pk}.", returncode=2)
        if source.is_expired:
            raise CommandError(f"The {model.side} {pk} has expired.", returncode=2)
        with translation.override("en"):
            result = find_matches(source, top=options["top"], members_only=True)
            data = {
                "source": {"type": model.side, "id": source.pk, "title": source.title},
                "method": result.method,
                "candidates": result.candidates,
                "matches": [
                    {
                        "type": m.listing.side,
                        "id": m.listing.pk,
                        "title": m.listing.title,
                        "organisation": m.listing.owner.name,
                        "score": m.score,
                        "reasons": [
                            {"code": r.code, "text": r.text, "points": r.points} for r in m.reasons
                        ],
                    }
                    for m in result.matches
                ],
            }
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{source.title} ({result.method}, {result.candidates} candidates)")
        for rank, match in enumerate(data["matches"], 1):
            self.stdout.write(f"{rank:>3}. {match['score']:5.1f}  {match['title']}")
            for reason in match["reasons"]:
                self.stdout.write(f"         - {reason['text']}")
