"""Domain operations of horizon scanning: who sees what, sources, polling, and team features
(notes, folders, curation, newsletter, good examples)."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from samverka.actors.models import FocusArea
from samverka.clusters.models import Cluster, Membership
from samverka.core import audit, roles
from samverka.core.fetch import FetchError, fetch
from samverka.core.sanitise import clean_html
from samverka.scanning import feeds, tagging
from samverka.scanning.deadlines import is_funding_call, parse_deadline
from samverka.scanning.models import (
    CuratedItem,
    FeedItem,
    FeedSource,
    Folder,
    ItemNote,
    TagRule,
)

MAX_BACKOFF = timedelta(days=1)


def max_bytes() -> int:
    return int(settings.SAMVERKA_FEEDS_MAX_BYTES)


def fetch_timeout() -> float:
    return float(settings.SAMVERKA_FEEDS_TIMEOUT)


# Who sees and changes what ----------------------------------------------------------------------


def user_cluster_ids(user: Any) -> set[int]:
    """Clusters a user belongs to: those they manage and those their organisation is a member
    of."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached = getattr(user, "_samverka_scanning_clusters", None)
    if cached is None:
        cached = set(roles.managed_cluster_ids(user))
        person = roles.person_of(user)
        if person and person.organisation_id:
            cached |= set(
                Membership.objects.filter(organisation_id=person.organisation_id).values_list(
                    "cluster_id", flat=True
                )
            )
        user._samverka_scanning_clusters = cached
    return cached


def visible_sources(user: Any) -> QuerySet[FeedSource]:
    """National sources for everyone; a cluster's sources for the members of the clusters that
    own them or share them; all for platform admins."""
    sources = FeedSource.objects.all()
    if roles.is_platform_admin(user):
        return sources
    clusters = user_cluster_ids(user)
    condition = Q(cluster__isnull=True)
    if clusters:
        condition |= Q(cluster_id__in=clusters) | Q(shared_with__in=clusters)
    return sources.filter(pk__in=FeedSource.objects.filter(condition).values("pk"))


def visible_items(user: Any) -> QuerySet[FeedItem]:
    return FeedItem.objects.filter(source__in=visible_sources(user))


def can_read_item(user: Any, item: FeedItem) -> bool:
    return visible_items(user).filter(pk=item.pk).exists()


def can_manage_source(user: Any, source: FeedSource) -> bool:
    """Platform admins manage national sources; cluster managers their clusters' sources."""
    if roles.is_platform_admin(user):
        return True
    return source.cluster_id is not None and source.cluster_id in roles.managed_cluster_ids(user)


def can_manage_folder(user: Any, folder: Folder) -> bool:
    return roles.can_manage_cluster(user, folder.cluster)


def can_create_source(user: Any) -> bool:
    return roles.is_platform_admin(user) or bool(roles.managed_cluster_ids(user))


def managed_clusters(user: Any) -> QuerySet[Cluster]:
    """Clusters whose sources, folders and curated feed the user may change."""
    if roles.is_platform_admin(user):
        return Cluster.objects.all()
    return Cluster.objects.filter(pk__in=roles.managed_cluster_ids(user))


def item_clusters(item: FeedItem) -> QuerySet[Cluster]:
    """The clusters an item belongs to (its source's owner and the clusters it is shared with)."""
    source = item.source
    return Cluster.objects.filter(
        Q(pk=source.cluster_id) | Q(pk__in=source.shared_with.values("pk"))
    ).distinct()


def clusters_for_item_actions(user: Any, item: FeedItem) -> QuerySet[Cluster]:
    """Clusters the user manages into which the item can be filed, curated or newslettered:
    the item's own clusters, or any managed cluster for national items."""
    managed = managed_clusters(user)
    if item.source.cluster_id is None:
        return managed
    return managed.filter(pk__in=item_clusters(item).values("pk"))


# Sources ------------------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    from samverka.core.links import validate_web_link

    url = url.strip()
    try:
        validate_web_link(url)
    except ValidationError:
        raise ValidationError({"url": _("Enter an http or https address.")}) from None
    return url


def save_source(
    *,
    actor: Any,
    url: str,
    name: str = "",
    cluster: Cluster | None = None,
    shared_with: Iterable[Cluster] = (),
    focus_areas: Iterable[FocusArea] = (),
    interval_minutes: int = 60,
) -> tuple[FeedSource, bool]:
    """Add a source (or update the one with the same owner and address); returns it and whether
    it was created."""
    url = _check_url(url)
    if interval_minutes < 5:
        raise ValidationError({"interval_minutes": _("Poll at most every five minutes.")})
    source = FeedSource.objects.filter(cluster=cluster, url=url).first()
    created = source is None
    with transaction.atomic():
        if source is None:
            source = FeedSource.objects.create(
                url=url,
                name=(name or url)[:200],
                cluster=cluster,
                interval_minutes=interval_minutes,
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        else:
            if name:
                source.name = name[:200]
            source.interval_minutes = interval_minutes
            source.save(update_fields=["name", "interval_minutes", "updated"])
        if shared_with:
            source.shared_with.add(*[c for c in shared_with if c.pk != source.cluster_id])
        if focus_areas:
            source.focus_areas.add(*focus_areas)
        audit.record(
            actor=actor,
            action="scanning.source_added" if created else "scanning.source_changed",
            obj=source,
            changes={"url": url, "cluster": str(cluster or "")},
        )
    return source, created


def delete_source(*, source: FeedSource, actor: Any) -> None:
    audit.record(actor=actor, action="scanning.source_deleted", obj=source)
    source.delete()


# Polling ------------------------------------------------------------------------------------------


@dataclass
class PollResult:
    source: str
    source_id: int
    url: str
    status: str  # "ok", "not_modified", "skipped" or "error"
    new: int = 0
    seen: int = 0
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def poll_wait(source: FeedSource) -> timedelta:
    """How long after a poll the source is due again: its interval, doubled per failure, up to
    a day."""
    interval = timedelta(minutes=max(1, source.interval_minutes))
    backoff = min(interval * (2 ** min(source.consecutive_failures, 10)), MAX_BACKOFF)
    return max(interval, backoff)


def poll_lease() -> timedelta:
    """How long a poll in progress holds its source (twice the fetch timeout and ten seconds): a
    poll that never finishes (its worker killed) leaves the source due again after this, not
    after a whole interval."""
    return timedelta(seconds=2 * fetch_timeout() + 10)


def next_poll(source: FeedSource) -> datetime | None:
    """When the source is next due (``None``: now); see :func:`poll_wait`."""
    if source.last_polled is None:
        return None
    return source.last_polled + poll_wait(source)


def due_sources(now: datetime | None = None) -> list[FeedSource]:
    now = now or timezone.now()
    return [
        s
        for s in FeedSource.objects.filter(active=True).order_by("pk")
        if (when := next_poll(s)) is None or when <= now
    ]


def compiled_rules() -> list[tagging.CompiledRule]:
    return tagging.compile_rules(
        [(r.focus_area_id, r.keyword_list()) for r in TagRule.objects.all()]
    )


def classify(
    title: str, summary: str, rules: list[tagging.CompiledRule]
) -> tuple[set[int], bool, date | None]:
    """Focus areas, whether it is a funding call, and its deadline."""
    text = f"{title}\n{summary}"
    funding = is_funding_call(text)
    return tagging.match(text, rules), funding, parse_deadline(text) if funding else None


def store_entries(
    source: FeedSource,
    entries: list[feeds.Entry],
    rules: list[tagging.CompiledRule] | None = None,
) -> tuple[int, int]:
    """Save the entries not seen before (by GUID, then normalised URL, then content hash);
    returns (new, seen)."""
    if rules is None:
        rules = compiled_rules()
    existing = source.items.all()
    guids = set(
        existing.filter(guid__in=[e.guid for e in entries if e.guid]).values_list("guid", flat=True)
    )
    urls = set(
        existing.filter(
            normalised_url__in=[e.normalised_url for e in entries if e.normalised_url]
        ).values_list("normalised_url", flat=True)
    )
    hashes = set(
        existing.filter(content_hash__in=[e.content_hash for e in entries]).values_list(
            "content_hash", flat=True
        )
    )
    fresh: list[tuple[FeedItem, set[int]]] = []
    seen = 0
    for entry in entries:
        if (
            (entry.guid and entry.guid in guids)
            or (entry.normalised_url and entry.normalised_url in urls)
            or entry.content_hash in hashes
        ):
            seen += 1
            continue
        guids.add(entry.guid)
        urls.add(entry.normalised_url)
        hashes.add(entry.content_hash)
        tags, funding, deadline = classify(entry.title, entry.summary, rules)
        item = FeedItem(
            source=source,
            guid=entry.guid,
            url=entry.url,
            normalised_url=entry.normalised_url[:1000],
            content_hash=entry.content_hash,
            title=entry.title,
            summary=entry.summary,
            published=entry.published,
            is_funding_call=funding,
            deadline=deadline,
        )
        fresh.append((item, tags))
    if fresh:
        with transaction.atomic():
            created = FeedItem.objects.bulk_create([item for item, _tags in fresh])
            through = FeedItem.focus_areas.through
            through.objects.bulk_create(
                [
                    through(feeditem_id=item.pk, focusarea_id=tag)
                    for item, (_unsaved, tags) in zip(created, fresh, strict=True)
                    for tag in tags
                ]
            )
    return len(fresh), seen


def _claim(source: FeedSource, now: datetime) -> bool:
    """Hold the source for a poll starting ``now`` (due again after :func:`poll_lease` unless
    the poll finishes); False when another worker got there first."""
    held = now + poll_lease() - poll_wait(source)
    claimed = FeedSource.objects.filter(pk=source.pk, last_polled=source.last_polled).update(
        last_polled=held
    )
    source.last_polled = held
    return claimed == 1


def _failed(source: FeedSource, error: str) -> None:
    source.last_error = error[:2000]
    source.consecutive_failures += 1
    FeedSource.objects.filter(pk=source.pk).update(
        last_error=source.last_error, consecutive_failures=source.consecutive_failures
    )


def poll_source(source: FeedSource, rules: list[tagging.CompiledRule] | None = None) -> PollResult:
    """Fetch one source conditionally, store its new items and record its health. A 304 stores
    nothing; a broken document records the error on the source and raises nothing."""
    now = timezone.now()
    result = PollResult(source=source.name, source_id=source.pk, url=source.url, status="error")
    if not _claim(source, now):
        result.status = "skipped"
        return result
    held = source.last_polled
    try:
        _fetch_and_store(source, rules, result, now)
    finally:
        # A poll that finished, whatever its outcome, holds the source for its whole interval;
        # unless it outlived its lease and another poll has claimed the source since.
        FeedSource.objects.filter(pk=source.pk, last_polled=held).update(last_polled=now)
        source.last_polled = now
    return result


def _fetch_and_store(
    source: FeedSource, rules: list[tagging.CompiledRule] | None, result: PollResult, now: datetime
) -> None:
    try:
        fetched = fetch(
            source.url,
            etag=source.etag,
            last_modified=source.last_modified_header,
            max_bytes=max_bytes(),
            timeout=fetch_timeout(),
        )
    except FetchError as exc:
        result.error = str(exc)
        _failed(source, result.error)
        return
    if fetched.not_modified:
        result.status = "not_modified"
        FeedSource.objects.filter(pk=source.pk).update(
            last_success=now, last_error="", consecutive_failures=0
        )
        return
    parsed = feeds.parse(fetched.content, content_type=fetched.content_type)
    if parsed.error:
        result.error = parsed.error
        _failed(source, result.error)
        return
    result.new, result.seen = store_entries(source, parsed.entries, rules)
    result.status = "ok"
    FeedSource.objects.filter(pk=source.pk).update(
        last_success=now,
        last_error="",
        consecutive_failures=0,
        etag=fetched.etag[:300],
        last_modified_header=fetched.last_modified[:100],
    )


def poll_sources(sources: Iterable[FeedSource]) -> list[PollResult]:
    rules = compiled_rules()
    return [poll_source(source, rules) for source in sources]


# Listing ------------------------------------------------------------------------------------------


def filtered_items(items: QuerySet[FeedItem], params: dict[str, Any]) -> QuerySet[FeedItem]:
    """Items filtered by ``focus`` (slug; the item's tags or its source's focus areas),
    ``source`` (id), ``folder`` (id), ``deadline`` (only items with a deadline),
    ``deadline_after`` (date) and ``q``; ``order="deadline"`` puts upcoming deadlines first."""
    if focus := params.get("focus"):
        slug = getattr(focus, "slug", focus)
        items = items.filter(Q(focus_areas__slug=slug) | Q(source__focus_areas__slug=slug))
    if source := params.get("source"):
        items = items.filter(source_id=getattr(source, "pk", source))
    if folder := params.get("folder"):
        items = items.filter(folders=folder)
    if params.get("deadline"):
        items = items.filter(deadline__isnull=False)
    if after := params.get("deadline_after"):
        items = items.filter(deadline__gte=after)
    if q := (params.get("q") or "").strip():
        items = items.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    items = items.distinct()
    if params.get("order") == "deadline":
        today = timezone.localdate()
        return items.filter(deadline__gte=today).order_by("deadline", "-pk")
    return items.order_by("-published", "-pk")


def with_related(items: QuerySet[FeedItem]) -> QuerySet[FeedItem]:
    return items.select_related("source", "source__cluster").prefetch_related("focus_areas")


def item_rows(items: Iterable[FeedItem]) -> Iterable[list[Any]]:
    for item in items:
        yield [
            item.title,
            item.url,
            item.source.name,
            item.published,
            ", ".join(f.name for f in item.focus_areas.all()),
            item.deadline,
        ]


def item_dict(item: FeedItem) -> dict[str, Any]:
    """An item as plain data (CLI and API)."""
    return {
        "id": item.pk,
        "title": item.title,
        "url": item.url,
        "source": item.source.name,
        "published": item.published.isoformat() if item.published else None,
        "tags": sorted(f.slug for f in item.focus_areas.all()),
        "funding_call": item.is_funding_call,
        "deadline": item.deadline.isoformat() if item.deadline else None,
    }


def rating_summary(item: FeedItem) -> dict[str, Any]:
    return item.notes.filter(rating__isnull=False).aggregate(
        average=Avg("rating"), count=Count("pk")
    )


# Team features ------------------------------------------------------------------------------------


def save_note(*, item: FeedItem, user: Any, rating: int | None, note: str) -> ItemNote:
    """Set the user's rating (1–5, or none) and note on an item."""
    if not can_read_item(user, item):
        raise ValidationError(_("You cannot see this item."))
    if rating is not None and not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Rate from 1 to 5.")})
    obj, _created = ItemNote.objects.update_or_create(
        item=item, user=user, defaults={"rating": rating, "note": note.strip()}
    )
    return obj


def create_folder(*, cluster: Cluster, name: str, actor: Any) -> Folder:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the folder a name.")})
    folder, created = Folder.objects.get_or_create(cluster=cluster, name=name[:200])
    if created:
        audit.record(actor=actor, action="scanning.folder_created", obj=folder)
    return folder


def add_to_folder(*, folder: Folder, item: FeedItem, actor: Any) -> None:
    """File an item in a folder; the item must belong to the folder's cluster or be national."""
    source = item.source
    if not (
        source.cluster_id is None
        or source.cluster_id == folder.cluster_id
        or source.shared_with.filter(pk=folder.cluster_id).exists()
    ):
        raise ValidationError(_("This item does not belong to the folder's cluster."))
    folder.items.add(item)
    audit.record(
        actor=actor, action="scanning.folder_item_added", obj=folder, changes={"item": item.pk}
    )


def remove_from_folder(*, folder: Folder, item: FeedItem, actor: Any) -> None:
    folder.items.remove(item)
    audit.record(
        actor=actor, action="scanning.folder_item_removed", obj=folder, changes={"item": item.pk}
    )


def set_curated(*, cluster: Cluster, item: FeedItem, actor: Any, curated: bool) -> None:
    """Put an item into (or take it out of) a cluster's curated feed."""
    if curated:
        CuratedItem.objects.get_or_create(
            cluster=cluster,
            item=item,
            defaults={"added_by": actor if getattr(actor, "is_authenticated", False) else None},
        )
    else:
        CuratedItem.objects.filter(cluster=cluster, item=item).delete()
    audit.record(
        actor=actor,
        action="scanning.curated" if curated else "scanning.uncurated",
        obj=item,
        changes={"cluster": cluster.slug},
    )


def curated_items(cluster: Cluster, limit: int = 50) -> QuerySet[FeedItem]:
    return (
        FeedItem.objects.filter(curations__cluster=cluster)
        .select_related("source")
        .order_by("-curations__created", "-pk")[:limit]
    )


def add_to_newsletter(*, item: FeedItem, cluster: Cluster, actor: Any) -> Any:
    """Append the item as a block to the newest draft issue of the cluster's newsletter (a new
    draft when there is none); an item already in that draft is not added twice. Returns the
    block."""
    from samverka.newsletters import services as newsletters
    from samverka.newsletters.models import Block, BlockKind, IssueStatus, Newsletter

    newsletter = Newsletter.objects.filter(cluster=cluster).order_by("pk").first()
    if newsletter is None:
        raise ValidationError(
            _("The cluster %(cluster)s has no newsletter.") % {"cluster": cluster.name}
        )
    if not roles.can_manage_newsletter(actor, newsletter):
        raise ValidationError(_("You may not change this newsletter."))
    with transaction.atomic():
        issue = (
            newsletter.issues.filter(status=IssueStatus.DRAFT).order_by("-created", "-pk").first()
        )
        if issue is None:
            issue = newsletters.create_issue(
                newsletter=newsletter,
                actor=actor,
                subject=_("%(name)s – draft") % {"name": newsletter.name},
            )
        existing = issue.blocks.filter(kind=BlockKind.FEED_ITEM, object_id=item.pk).first()
        if existing:
            return existing
        block = newsletters.add_block(
            issue=issue,
            actor=actor,
            kind=BlockKind.FEED_ITEM,
            title=item.title[:300],
            body=clean_html(item.summary),
            link=item.url,
        )
        Block.objects.filter(pk=block.pk).update(object_id=item.pk)
        block.object_id = item.pk
    return block


def good_example_available() -> bool:
    try:
        module = importlib.import_module("samverka.knowledge.services")
    except ImportError:
        return False
    return callable(getattr(module, "create_from_item", None))


def save_as_example(*, item: FeedItem, actor: Any, cluster: Cluster | None = None) -> Any:
    """Create a draft good example in the knowledge hub from the item."""
    if not good_example_available():
        raise ValidationError(_("The knowledge hub cannot take good examples yet."))
    module = importlib.import_module("samverka.knowledge.services")
    example = module.create_from_item(
        title=item.title,
        summary=re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item.summary)).strip()[:1000],
        link=item.url,
        focus_areas=list(item.focus_areas.all()),
        user=actor,
        cluster=cluster,
    )
    audit.record(
        actor=actor, action="scanning.saved_as_example", obj=item, changes={"example": example.pk}
    )
    return example
