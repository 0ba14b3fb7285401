"""Demo data of the newsletters app (loaded by ``samverka demo``; idempotent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import transaction

from samverka.actors.models import Person
from samverka.clusters.models import Cluster
from samverka.newsletters import services
from samverka.newsletters.models import (
    Block,
    BlockKind,
    Issue,
    IssueStatus,
    Newsletter,
    Subscription,
    SubscriptionStatus,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
CONSENT_TEXT = "Samtycke till nyhetsbrev registrerat på personen i Samverka (demo)."
PREFERRED_CLUSTERS = ["Grönt Center Jämtland Härjedalen", "Vreta Kluster"]


def _clusters() -> list[Cluster]:
    chosen = list(Cluster.objects.filter(name__in=PREFERRED_CLUSTERS).order_by("name"))
    if len(chosen) < 2:
        chosen += list(Cluster.objects.exclude(pk__in=[c.pk for c in chosen]).order_by("name"))
    return chosen[:2]


def _people(clusters: list[Cluster]) -> Any:
    return (
        Person.objects.filter(
            organisation__memberships__cluster__in=clusters, newsletter_consent=True
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def load_newsletters_demo(*, stdout: TextIO | None = None) -> dict[str, int]:
    """A national newsletter and two cluster newsletters, each with one sent issue (status SENT,
    no mail), a draft of the national one that shares a block from a cluster, and the consenting
    demo people of the clusters' members subscribed. A second run writes nothing. Returns
    counts of demo rows."""
    created = 0
    with transaction.atomic():
        clusters = _clusters()
        specs: list[tuple[Cluster | None, str, str, str]] = [
            (
                None,
                "samverka-nationellt",
                "Samverka – nationellt nyhetsbrev",
                "Nytt från det nationella nätverket av gröna kluster.",
            )
        ]
        specs += [
            (c, f"{c.slug}-nyhetsbrev", f"Nyhetsbrev från {c.name}", f"Nytt från {c.name}.")
            for c in clusters
        ]
        newsletters = []
        for number, (cluster, slug, name, description) in enumerate(specs):
            newsletter, made = Newsletter.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "cluster": cluster,
                    "description": description,
                    "is_demo": True,
                },
            )
            created += made
            newsletters.append(newsletter)
            issue, made = Issue.objects.get_or_create(
                newsletter=newsletter,
                subject=f"{name}: hösten 2026",
                defaults={
                    "status": IssueStatus.SENT,
                    "intro": "<p>Välkommen till höstens nyhetsbrev!</p>",
                    "send_started_at": datetime(2026, 9, 15 + number, 9, 0, tzinfo=STOCKHOLM),
                    "sent_at": datetime(2026, 9, 15 + number, 9, 5, tzinfo=STOCKHOLM),
                    "is_demo": True,
                },
            )
            created += made
            if made:
                created += _fill_sent_issue(issue)
            created += _subscribe(newsletter, clusters if cluster is None else [cluster])
        national = newsletters[0]
        draft, made = Issue.objects.get_or_create(
            newsletter=national,
            subject="Samverka: vintern 2026",
            defaults={"intro": "<p>Utkast till vinterns nummer.</p>", "is_demo": True},
        )
        created += made
        if made:
            Block.objects.create(
                issue=draft,
                kind=BlockKind.TEXT,
                title="Nätverksträff i januari",
                body="<p>Programmet kommer snart.</p>",
                position=0,
            )
            source = services.shareable_blocks(national).filter(kind=BlockKind.TEXT).first()
            if source is not None:
                services.share_block(issue=draft, actor=None, source=source)
            created += 2
    if stdout is not None and created:
        stdout.write(f"Newsletters demo: {created} rows created.\n")
    return {
        "newsletters": Newsletter.objects.filter(is_demo=True).count(),
        "issues": Issue.objects.filter(is_demo=True).count(),
        "subscriptions": Subscription.objects.filter(newsletter__is_demo=True).count(),
        "created": created,
    }


def _fill_sent_issue(issue: Issue) -> int:
    newsletter = issue.newsletter
    Block.objects.create(
        issue=issue,
        kind=BlockKind.TEXT,
        title="Ny utlysning för gröna innovationer",
        body="<p>Regionen öppnar en utlysning för samverkansprojekt inom de gröna näringarna. "
        "Sista ansökningsdag är den 31 januari.</p>",
        position=0,
    )
    Block.objects.create(
        issue=issue,
        kind=BlockKind.GOOD_EXAMPLE,
        title="Gott exempel: vallodling i samverkan",
        body="<p>Fem lantbrukare delar maskiner och kunskap om vall.</p>",
        position=1,
    )
    count = 2
    event = services.upcoming_events(newsletter).first()
    if event is not None:
        Block.objects.create(
            issue=issue, kind=BlockKind.EVENT, title=event.title, event=event, position=2
        )
        count += 1
    return count


def _subscribe(newsletter: Newsletter, clusters: list[Cluster]) -> int:
    made_count = 0
    for person in _people(clusters):
        _, made = Subscription.objects.get_or_create(
            newsletter=newsletter,
            email=person.email.strip().lower(),
            defaults={
                "name": person.name,
                "person": person,
                "status": SubscriptionStatus.ACTIVE,
                "consent_text": CONSENT_TEXT,
                "consent_at": person.newsletter_consent_at,
                "confirmed_at": person.newsletter_consent_at,
            },
        )
        made_count += made
    return made_count
