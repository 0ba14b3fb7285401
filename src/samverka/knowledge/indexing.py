"""Keeping the search index in sync: a registry of indexed kinds, the signal handlers, and the
backend-specific writes (the FTS5 tables on SQLite; PostgreSQL computes its ``tsvector`` column).

Adding a kind is one line: ``register("kind", "app.Model", entry_function, m2m=("field",))``
where ``entry_function(obj)`` returns an :class:`Entry` or None (not searchable).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models.signals import m2m_changed, post_delete, post_save

from samverka.knowledge.models import SearchDocument, SearchTerm
from samverka.knowledge.text import START, STOP, plain, stemmed, words


@dataclass
class Entry:
    """What the index holds about one object."""

    title: str
    body: str = ""
    focus: list[str] = field(default_factory=list)
    url: str = ""
    visibility: str = "public"


@dataclass
class Registration:
    kind: str
    model: str
    build: Callable[[Any], Entry | None]
    m2m: tuple[str, ...] = ()
    queryset: Callable[[], Any] | None = None


REGISTRY: dict[str, Registration] = {}


def register(
    kind: str,
    model: str,
    build: Callable[[Any], Entry | None],
    *,
    m2m: tuple[str, ...] = (),
    queryset: Callable[[], Any] | None = None,
) -> None:
    """Index objects of ``model`` ("app_label.Model") as ``kind``; ``build`` makes their entry."""
    REGISTRY[kind] = Registration(kind, model, build, m2m, queryset)


def _clean(text: str) -> str:
    """Plain text with whitespace collapsed (HTML fields pass through ``plain`` first)."""
    for marker in (START, STOP, "\ue002", "\ue003"):
        text = (text or "").replace(marker, "")
    return " ".join(text.split())


def _focus_slugs(obj: Any, name: str = "focus_areas") -> list[str]:
    return sorted(obj_.slug for obj_ in getattr(obj, name).all())


# The indexed kinds -------------------------------------------------------------------------------


def _organisation(obj: Any) -> Entry:
    return Entry(obj.name, obj.description, _focus_slugs(obj), obj.get_absolute_url())


def _cluster(obj: Any) -> Entry:
    return Entry(
        obj.name,
        f"{obj.summary}\n{obj.description}",
        _focus_slugs(obj),
        obj.get_absolute_url(),
    )


def _event(obj: Any) -> Entry | None:
    from django.urls import reverse

    if obj.status not in {"published", "cancelled"} or obj.visibility != "public":
        return None
    return Entry(
        obj.title,
        f"{obj.place}\n{plain(obj.description)}",
        _focus_slugs(obj),
        reverse("events:detail", args=[obj.uid]),
    )


def _project(obj: Any) -> Entry | None:
    from samverka.core.roles import can_view_application

    if not can_view_application(None, obj):  # public, i.e. granted
        return None
    return Entry(f"{obj.reference} {obj.title}", obj.description, [], obj.get_absolute_url())


def _example(obj: Any) -> Entry | None:
    if not obj.published:
        return None
    return Entry(
        obj.title,
        f"{obj.summary}\n{plain(obj.body)}",
        _focus_slugs(obj),
        obj.get_absolute_url(),
    )


def _feed_item(obj: Any) -> Entry | None:
    # Items of a cluster's own sources are for its members: only national sources are public.
    source = getattr(obj, "source", None)
    if source is None or getattr(source, "cluster_id", None) is not None:
        return None
    return Entry(obj.title, plain(obj.summary), _focus_slugs(obj), obj.get_absolute_url())


register("organisation", "actors.Organisation", _organisation, m2m=("focus_areas",))
register("cluster", "clusters.Cluster", _cluster, m2m=("focus_areas",))
register("event", "events.Event", _event, m2m=("focus_areas",))
register("project", "programmes.Project", _project)
register("example", "knowledge.GoodExample", _example, m2m=("focus_areas",))
register("scanned", "scanning.FeedItem", _feed_item, m2m=("focus_areas",))


def active() -> list[Registration]:
    """The registrations whose model exists in this installation."""
    found = []
    for registration in REGISTRY.values():
        try:
            apps.get_model(registration.model)
        except (LookupError, ValueError):
            continue
        found.append(registration)
    return found


# Writing the index -------------------------------------------------------------------------------


def _fts_delete(doc_ids: Iterable[int]) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "DELETE FROM knowledge_search_fts WHERE rowid = %s", [(i,) for i in doc_ids]
        )


def _fts_insert(docs: Iterable[SearchDocument]) -> None:
    if connection.vendor != "sqlite":
        return
    rows = [(d.pk, stemmed(d.title), stemmed(d.body)) for d in docs]
    with connection.cursor() as cursor:
        # a row left behind by a flush that did not know the FTS table would collide
        cursor.executemany(
            "DELETE FROM knowledge_search_fts WHERE rowid = %s", [(r[0],) for r in rows]
        )
        cursor.executemany(
            "INSERT INTO knowledge_search_fts (rowid, title, body) VALUES (%s, %s, %s)", rows
        )


def add_terms(texts: Iterable[str]) -> None:
    """Add the words of the texts to the vocabulary (ignoring those already there)."""
    terms = {w for text in texts for w in words(text) if 3 <= len(w) <= 100 and not w.isdigit()}
    if not terms:
        return
    ordered = sorted(terms)
    existing: set[str] = set()
    for start in range(0, len(ordered), 5000):
        existing.update(
            SearchTerm.objects.filter(term__in=ordered[start : start + 5000]).values_list(
                "term", flat=True
            )
        )
    new = [t for t in ordered if t not in existing]
    if not new:
        return
    created = SearchTerm.objects.bulk_create(
        [SearchTerm(term=t) for t in new], batch_size=2000, ignore_conflicts=True
    )
    if connection.vendor == "sqlite":
        # ignore_conflicts leaves pks unset: read them back for the trigram table
        ids: dict[str, int] = {}
        for start in range(0, len(new), 5000):
            ids.update(
                SearchTerm.objects.filter(term__in=new[start : start + 5000]).values_list(
                    "term", "pk"
                )
            )
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR REPLACE INTO knowledge_term_trgm (rowid, term) VALUES (%s, %s)",
                [(ids[t.term], t.term) for t in created if t.term in ids],
            )


def store(kind: str, object_id: Any, entry: Entry | None) -> SearchDocument | None:
    """Write (or, with no entry, remove) the document of one object."""
    object_id = str(object_id)
    existing = SearchDocument.objects.filter(kind=kind, object_id=object_id).first()
    if entry is None:
        if existing is not None:
            _fts_delete([existing.pk])
            existing.delete()
        return None
    doc = existing or SearchDocument(kind=kind, object_id=object_id)
    doc.title = _clean(entry.title)[:400]
    doc.body = _clean(entry.body)
    doc.focus = (" " + " ".join(entry.focus) + " ") if entry.focus else ""
    doc.url = entry.url[:500]
    doc.visibility = entry.visibility
    doc.save()
    if existing is not None:
        _fts_delete([doc.pk])
    _fts_insert([doc])
    add_terms([doc.title, doc.body])
    return doc


def bulk_store(kind: str, items: Iterable[tuple[Any, Entry]], batch: int = 2000) -> int:
    """Add many new documents at once (reindexing, benchmarks); returns the number written."""
    count = 0
    chunk: list[SearchDocument] = []

    def flush() -> None:
        created = SearchDocument.objects.bulk_create(chunk)
        if connection.vendor == "sqlite" and created and created[0].pk is None:
            ids = dict(
                SearchDocument.objects.filter(
                    kind=kind, object_id__in=[d.object_id for d in created]
                ).values_list("object_id", "pk")
            )
            for d in created:
                d.pk = ids[d.object_id]
        _fts_insert(created)
        add_terms(t for d in created for t in (d.title, d.body))

    for object_id, entry in items:
        chunk.append(
            SearchDocument(
                kind=kind,
                object_id=str(object_id),
                title=_clean(entry.title)[:400],
                body=_clean(entry.body),
                focus=(" " + " ".join(entry.focus) + " ") if entry.focus else "",
                url=entry.url[:500],
                visibility=entry.visibility,
            )
        )
        count += 1
        if len(chunk) >= batch:
            flush()
            chunk = []
    if chunk:
        flush()
    if connection.vendor == "postgresql":
        # bulk inserts land in the GIN index's pending list, which every search would then scan
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list('knowledge_doc_fts'::regclass)")
    return count


def index_object(obj: models.Model) -> None:
    """Bring the index up to date for one object (of a registered model)."""
    label = obj._meta.label
    for registration in REGISTRY.values():
        if registration.model == label:
            store(registration.kind, obj.pk, registration.build(obj))


def unindex_object(obj: models.Model, pk: Any = None) -> None:
    label = obj._meta.label
    for registration in REGISTRY.values():
        if registration.model == label:
            store(registration.kind, pk if pk is not None else obj.pk, None)


def catch_up(kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Index the objects that have no document yet (those written with ``bulk_create``, which
    sends no signals, e.g. polled feed items); returns the number added per kind."""
    added: dict[str, int] = {}
    for registration in active():
        if kinds is not None and registration.kind not in kinds:
            continue
        model = apps.get_model(registration.model)
        indexed = set(
            SearchDocument.objects.filter(kind=registration.kind).values_list(
                "object_id", flat=True
            )
        )
        missing = [
            pk
            for pk in model._default_manager.values_list("pk", flat=True)
            if str(pk) not in indexed
        ]
        count = 0
        for start in range(0, len(missing), 500):
            for obj in model._default_manager.filter(pk__in=missing[start : start + 500]):
                if store(registration.kind, obj.pk, registration.build(obj)) is not None:
                    count += 1
        added[registration.kind] = count
    return added


def clear() -> None:
    """Empty the whole index (not the vocabulary tables' structure)."""
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM knowledge_search_fts")
            cursor.execute("DELETE FROM knowledge_term_trgm")


def refill_full_text() -> None:
    """Refill the SQLite FTS5 tables (not Django models) from the search tables as they are
    (after a restore wrote those rows directly)."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knowledge_search_fts")
        cursor.execute("DELETE FROM knowledge_term_trgm")
        batch: list[tuple[int, str, str]] = []
        documents = SearchDocument.objects.order_by("pk").only("pk", "title", "body")
        for doc in documents.iterator(chunk_size=1000):
            batch.append((doc.pk, stemmed(doc.title), stemmed(doc.body)))
            if len(batch) >= 1000:
                cursor.executemany(
                    "INSERT INTO knowledge_search_fts (rowid, title, body) VALUES (%s, %s, %s)",
                    batch,
                )
                batch = []
        if batch:
            cursor.executemany(
                "INSERT INTO knowledge_search_fts (rowid, title, body) VALUES (%s, %s, %s)", batch
            )
        cursor.execute(
            "INSERT INTO knowledge_term_trgm (rowid, term) SELECT id, term FROM knowledge_searchterm"
        )


def reindex() -> dict[str, int]:
    """Rebuild the index from scratch; returns the number of documents per kind."""
    from django.db import transaction

    counts: dict[str, int] = {}
    with transaction.atomic():
        clear()
        for registration in active():
            model = apps.get_model(registration.model)
            queryset = registration.queryset() if registration.queryset else model._default_manager
            entries = (
                (obj.pk, entry)
                for obj in queryset.all().iterator(chunk_size=1000)
                if (entry := registration.build(obj)) is not None
            )
            counts[registration.kind] = bulk_store(registration.kind, entries)
    return counts


# Signals -----------------------------------------------------------------------------------------


def _on_save(sender: Any, instance: models.Model, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        index_object(instance)


def _on_delete(sender: Any, instance: models.Model, **kwargs: Any) -> None:
    unindex_object(instance)


def _on_m2m(sender: Any, instance: models.Model, action: str, **kwargs: Any) -> None:
    labels = {r.model for r in REGISTRY.values()}
    if action in {"post_add", "post_remove", "post_clear"} and type(instance)._meta.label in labels:
        index_object(instance)


def connect() -> None:
    """Connect the signal handlers of every registered model (from ``AppConfig.ready``)."""
    for registration in active():
        model = apps.get_model(registration.model)
        uid = f"knowledge-index-{registration.kind}"
        post_save.connect(_on_save, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=uid + "-delete")
        for name in registration.m2m:
            try:
                through = model._meta.get_field(name).remote_field.through
            except FieldDoesNotExist:
                continue
            m2m_changed.connect(_on_m2m, sender=through, dispatch_uid=f"{uid}-m2m-{name}")
