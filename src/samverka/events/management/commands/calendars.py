"""``samverka calendars add|list|poll|remove``: subscriptions to remote iCalendar feeds."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverka.clusters.models import Cluster
from samverka.core.links import validate_web_link
from samverka.events.models import CalendarSource
from samverka.events.tasks import due_sources, normalise_url, poll_sources


class Command(BaseCommand):
    help = "Subscribe clusters to remote iCalendar feeds and poll them."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Subscribe a cluster to a calendar URL.")
        add.add_argument("url", help="the http(s) address of the .ics feed (webcal:// works)")
        add.add_argument("--cluster", required=True, metavar="SLUG", help="the cluster's slug")
        add.add_argument("--name", default="", help="a name for the subscription")
        add.add_argument(
            "--interval", type=int, default=60, help="minutes between polls (default 60)"
        )
        add.add_argument("--format", choices=["text", "json"], default="text")
        listing = actions.add_parser("list", help="List the subscriptions and their health.")
        listing.add_argument("--cluster", metavar="SLUG", help="only this cluster's")
        listing.add_argument("--format", choices=["text", "json"], default="text")
        poll = actions.add_parser("poll", help="Poll the subscriptions that are due.")
        poll.add_argument("--all", action="store_true", help="poll every active subscription now")
        poll.add_argument("--cluster", metavar="SLUG", help="only this cluster's")
        poll.add_argument("--format", choices=["text", "json"], default="text")
        remove = actions.add_parser("remove", help="Remove a subscription (keeps its events).")
        remove.add_argument("id", type=int, help="the subscription's id (see list)")
        remove.add_argument("--format", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"])(options)

    def _cluster(self, slug: str | None) -> Cluster | None:
        if not slug:
            return None
        try:
            return Cluster.objects.get(slug=slug)
        except Cluster.DoesNotExist:
            raise CommandError(f"no cluster with the slug {slug!r}", returncode=2) from None

    def _out(self, options: dict[str, Any], data: Any, text: str) -> None:
        if options["format"] == "json":
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write(text)

    def do_add(self, options: dict[str, Any]) -> None:
        cluster = self._cluster(options["cluster"])
        url = normalise_url(options["url"])
        try:
            validate_web_link(url)
        except ValidationError:
            raise CommandError(
                f"not an http(s) address: {options['url']!r}", returncode=2
            ) from None
        if options["interval"] < 5:
            raise CommandError("--interval must be at least 5 minutes", returncode=2)
        source, created = CalendarSource.objects.get_or_create(
            cluster=cluster,
            url=url,
            defaults={"name": options["name"] or url, "interval_minutes": options["interval"]},
        )
        if not created:
            changed = []
            if options["name"] and source.name != options["name"]:
                source.name = options["name"]
                changed.append("name")
            if source.interval_minutes != options["interval"]:
                source.interval_minutes = options["interval"]
                changed.append("interval_minutes")
            if changed:
                source.save(update_fields=[*changed, "updated"])
        data = {"id": source.pk, "created": created, **_source_dict(source)}
        verb = "Added" if created else "Already subscribed:"
        self._out(options, data, f"{verb} {source.name} ({source.url}) as #{source.pk}")

    def do_list(self, options: dict[str, Any]) -> None:
        sources = CalendarSource.objects.select_related("cluster").order_by("pk")
        cluster = self._cluster(options["cluster"])
        if cluster:
            sources = sources.filter(cluster=cluster)
        data = [_source_dict(s) for s in sources]
        lines = [
            f"#{d['id']} {d['name']} [{d['cluster'] or '-'}] {d['url']} "
            f"(last success {d['last_success'] or 'never'}"
            + (
                f", {d['consecutive_failures']} failures: {d['last_error']}"
                if d["last_error"]
                else ""
            )
            + ")"
            for d in data
        ]
        self._out(options, data, "\n".join(lines) or "No calendar subscriptions.")

    def do_poll(self, options: dict[str, Any]) -> None:
        cluster = self._cluster(options["cluster"])
        if options["all"]:
            sources = list(CalendarSource.objects.filter(active=True).select_related("cluster"))
        else:
            sources = due_sources()
        if cluster:
            sources = [s for s in sources if s.cluster_id == cluster.pk]
        results = poll_sources(sources)
        lines = [
            f"{r.source}: {r.status}"
            + (
                f" ({r.created} created, {r.updated} updated, {r.unchanged} unchanged)"
                if r.status == "imported"
                else ""
            )
            + (f": {r.error}" if r.error else "")
            for r in results
        ]
        self._out(options, [r.as_dict() for r in results], "\n".join(lines) or "Nothing to poll.")
        if any(r.status == "error" for r in results) and options["format"] == "text":
            self.stderr.write(f"{sum(r.status == 'error' for r in results)} subscription(s) failed")

    def do_remove(self, options: dict[str, Any]) -> None:
        try:
            source = CalendarSource.objects.get(pk=options["id"])
        except CalendarSource.DoesNotExist:
            raise CommandError(f"no subscription #{options['id']}", returncode=2) from None
        data = _source_dict(source)
        source.delete()
        self._out(options, {"removed": data}, f"Removed {data['name']} ({data['url']})")


def _source_dict(source: CalendarSource) -> dict[str, Any]:
    return {
        "id": source.pk,
        "name": source.name,
        "url": source.url,
        "cluster": source.cluster.slug if source.cluster else None,
        "interval_minutes": source.interval_minutes,
        "active": source.active,
        "last_polled": source.last_polled.isoformat() if source.last_polled else None,
        "last_success": source.last_success.isoformat() if source.last_success else None,
        "consecutive_failures": source.consecutive_failures,
        "last_error": source.last_error,
    }
