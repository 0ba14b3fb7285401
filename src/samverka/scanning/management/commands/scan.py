"""``samverka scan add|list|poll|items``: feed sources of horizon scanning from the shell."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster
from samverka.scanning import services
from samverka.scanning.models import FeedItem, FeedSource


class Command(BaseCommand):
    help = "Add RSS/Atom sources, poll them and list scanned items."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add a feed source (idempotent).")
        add.add_argument("url", help="the http(s) address of the RSS or Atom feed")
        add.add_argument("--name", default="", help="a name for the source")
        add.add_argument("--cluster", metavar="SLUG", help="the owning cluster (default national)")
        add.add_argument("--interval", type=int, default=60, help="minutes between polls")
        add.add_argument("--format", choices=["text", "json"], default="text")
        listing = actions.add_parser("list", help="List the sources and their health.")
        listing.add_argument("--format", choices=["text", "json"], default="text")
        poll = actions.add_parser("poll", help="Poll the sources that are due, once.")
        poll.add_argument("--all", action="store_true", help="poll every active source now")
        poll.add_argument("--format", choices=["text", "json"], default="text")
        items = actions.add_parser("items", help="List scanned items.")
        items.add_argument("--focus", metavar="SLUG", help="only items tagged with this focus area")
        items.add_argument("--source", type=int, metavar="ID", help="only this source's items")
        items.add_argument("--deadline", action="store_true", help="only items with a deadline")
        items.add_argument("--limit", type=int, default=200, help="at most this many (200)")
        items.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"])(options)

    def _out(self, options: dict[str, Any], data: Any, text: str) -> None:
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(text)

    def do_add(self, options: dict[str, Any]) -> None:
        cluster = None
        if options["cluster"]:
            cluster = Cluster.objects.filter(slug=options["cluster"]).first()
            if cluster is None:
                raise CommandError(f"no cluster with the slug {options['cluster']!r}", returncode=2)
        try:
            with translation.override("en"):  # CLI messages are in English
                source, created = services.save_source(
                    actor=None,
                    url=options["url"],
                    name=options["name"],
                    cluster=cluster,
                    interval_minutes=options["interval"],
                )
        except ValidationError as exc:
            raise CommandError(
                f"{options['url']!r}: {' '.join(exc.messages)}", returncode=2
            ) from None
        data = {"created": created, **_source_dict(source)}
        verb = "Added" if created else "Already present:"
        self._out(options, data, f"{verb} {source.name} ({source.url}) as #{source.pk}")

    def do_list(self, options: dict[str, Any]) -> None:
        data = [
            _source_dict(s) for s in FeedSource.objects.select_related("cluster").order_by("pk")
        ]
        lines = [
            f"#{d['id']} {d['name']} [{d['cluster'] or 'national'}] {d['url']} "
            f"(last success {d['last_success'] or 'never'}"
            + (
                f", {d['consecutive_failures']} failures: {d['last_error']}"
                if d["last_error"]
                else ""
            )
            + ")"
            for d in data
        ]
        self._out(options, data, "\n".join(lines) or "No feed sources.")

    def do_poll(self, options: dict[str, Any]) -> None:
        if options["all"]:
            sources = list(FeedSource.objects.filter(active=True).order_by("pk"))
        else:
            sources = services.due_sources()
        results = services.poll_sources(sources)
        lines = [
            f"{r.source}: {r.new} new, {r.seen} seen"
            + (" (not modified)" if r.status == "not_modified" else "")
            + (" (skipped: polled by another worker)" if r.status == "skipped" else "")
            + (f", error: {r.error}" if r.error else "")
            for r in results
        ]
        self._out(
            options, [r.as_dict() for r in results], "\n".join(lines) or "No sources are due."
        )

    def do_items(self, options: dict[str, Any]) -> None:
        params: dict[str, Any] = {"deadline": options["deadline"], "source": options["source"]}
        if options["focus"]:
            if not FocusArea.objects.filter(slug=options["focus"]).exists():
                raise CommandError(
                    f"no focus area with the slug {options['focus']!r}", returncode=2
                )
            params["focus"] = options["focus"]
        if options["limit"] < 1:
            raise CommandError("--limit must be at least 1", returncode=2)
        items = services.with_related(services.filtered_items(FeedItem.objects.all(), params))[
            : options["limit"]
        ]
        data = [services.item_dict(i) for i in items]
        lines = [
            f"{d['published'] or '-'} {d['title']} {d['url']}"
            + (f" [{', '.join(d['tags'])}]" if d["tags"] else "")
            + (f" deadline {d['deadline']}" if d["deadline"] else "")
            for d in data
        ]
        self._out(options, data, "\n".join(lines) or "No items.")


def _source_dict(source: FeedSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "name": source.name,
        "url": source.url,
        "cluster": source.cluster.slug if source.cluster else None,
        "interval_minutes": source.interval_minutes,
        "active": source.active,
        "last_polled": source.last_polled.isoformat() if source.last_polled else None,
        "last_success": source.last_success.isoformat() if source.last_success else None,
        "last_error": source.last_error,
        "consecutive_failures": source.consecutive_failures,
    }
