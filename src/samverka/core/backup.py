"""Backups that do not depend on the database: ``samverka backup FILE`` / ``samverka restore FILE``.

The archive is a zip file holding

- ``data/<app_label>.<model>.jsonl``: one JSON list of column values per row, for every table of
  every installed model (including the automatic many-to-many tables), in primary-key order;
  values are written as Django's serializers write them (``Field.value_to_string``) and read back
  with ``Field.to_python``, so a SQLite backup restores into PostgreSQL and back;
- ``media/…``: the uploaded files under ``MEDIA_ROOT``;
- ``manifest.json``: the format, the Samverka version, the applied migrations (the schema), the
  time it was made, each table's columns and row count, and the sha256 of every member.

Rows are streamed in both directions (``iterator()`` out, batches in), so a backup never holds a
whole table in memory. A restore replaces everything in the database in one transaction: a failure
anywhere leaves the database as it was. It writes the rows with their own primary keys, without
signals and without ``auto_now``, so the restored tables equal the saved ones value for value;
the tables that migrations fill (content types, permissions, geography, the default staircase)
are replaced too, so that their keys match the rows that point at them.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import samverka

FORMAT = "samverka-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
_CHUNK = 1024 * 1024

# Tables that ``migrate`` fills by itself; a database holding only these counts as empty.
SEEDED = {
    "contenttypes.contenttype",
    "auth.permission",
    "clusters.maturitystep",
    "clusters.maturitycriterion",
}
SEEDED_APPS = {"geo"}


class BackupError(Exception):
    """The archive or the target database is not fit for a restore (nothing was changed)."""


@dataclass
class RestoreReport:
    tables: dict[str, int] = field(default_factory=dict)
    media_files: int = 0
    wiped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "tables": self.tables,
            "rows": sum(self.tables.values()),
            "media_files": self.media_files,
            "wiped": self.wiped,
        }


# The tables ----------------------------------------------------------------------------------------


def backed_up_models() -> list[type[models.Model]]:
    """Every model with its own table, parents before the tables that point at them."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and not m._meta.swapped
    ]
    return _dependency_order(found)


def _dependency_order(found: list[type[models.Model]]) -> list[type[models.Model]]:
    by_label = {m._meta.label_lower: m for m in found}
    order: list[type[models.Model]] = []
    state: dict[str, int] = {}  # 1 visiting, 2 done; cycles are broken where they are met

    def visit(model: type[models.Model]) -> None:
        label = model._meta.label_lower
        if state.get(label):
            return
        state[label] = 1
        for f in model._meta.local_concrete_fields:
            target = f.related_model if f.is_relation else None
            if target is not None and target is not model:
                other = by_label.get(target._meta.concrete_model._meta.label_lower)
                if other is not None:
                    visit(other)
        state[label] = 2
        order.append(model)

    for model in sorted(found, key=lambda m: m._meta.label_lower):
        visit(model)
    return order


def _fields(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.local_concrete_fields)


def applied_migrations() -> list[list[str]]:
    """The applied migrations of this database, sorted, as ``[app, name]`` pairs."""
    recorder = MigrationRecorder(connection)
    return sorted([app, name] for app, name in recorder.applied_migrations())


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _cell(f: models.Field, obj: models.Model) -> Any:
    # As Django's serializers do: plain types as they are, everything else as its string form
    # (files by name, binary as base64, UUIDs and durations as text); JSON fields as their data.
    value = f.value_from_object(obj)
    if value is None or isinstance(
        value, (bool, int, float, decimal.Decimal, datetime.date, datetime.time)
    ):
        return _plain(value)
    if isinstance(f, models.JSONField):
        return value
    return f.value_to_string(obj)


def table_rows(model: type[models.Model]) -> Iterator[list[Any]]:
    """The rows of one table as lists of JSON-ready values, in primary-key order, streamed."""
    fields = _fields(model)
    queryset = model._base_manager.order_by("pk").only(*[f.attname for f in fields])
    for obj in queryset.iterator(chunk_size=BATCH):
        yield [_cell(f, obj) for f in fields]


# Writing ---------------------------------------------------------------------------------------------


class _Hashing:
    """A writable stream that counts and hashes what passes through it."""

    def __init__(self, target: IO[bytes]) -> None:
        self.target = target
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self.target.write(data)


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path, path.relative_to(root).as_posix()


def create_backup(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Write the whole database and the uploaded files to a zip archive at ``path``.

    Reads in one transaction (a consistent snapshot on PostgreSQL); returns the manifest.
    The archive is written beside the target and renamed into place, so a failed backup never
    leaves a half-written file under the requested name.
    """
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    checksums: dict[str, str] = {}
    tables: dict[str, Any] = {}
    media_root = Path(settings.MEDIA_ROOT)
    media: list[str] = []
    # One snapshot of the whole database, when this is the outermost transaction.
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    try:
        with (
            zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive,
            transaction.atomic(),
        ):
            if snapshot:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            migrations = applied_migrations()
            for model in backed_up_models():
                label = model._meta.label_lower
                member = f"data/{label}.jsonl"
                rows = 0
                with archive.open(member, "w", force_zip64=True) as raw:
                    out = _Hashing(raw)
                    for row in table_rows(model):
                        out.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
                        rows += 1
                checksums[member] = out.sha256.hexdigest()
                tables[label] = {
                    "table": model._meta.db_table,
                    "fields": [f.attname for f in _fields(model)],
                    "rows": rows,
                    "member": member,
                }
            for source, relative in _media_files(media_root):
                member = f"media/{relative}"
                with (
                    source.open("rb") as infile,
                    archive.open(member, "w", force_zip64=True) as raw,
                ):
                    out = _Hashing(raw)
                    shutil.copyfileobj(infile, out, _CHUNK)  # type: ignore[misc]
                checksums[member] = out.sha256.hexdigest()
                media.append(relative)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "samverka_version": samverka.__version__,
                "created_at": timezone.now().isoformat(),
                "database": connection.vendor,
                "migrations": migrations,
                "tables": tables,
                "media_files": len(media),
                "sha256": checksums,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return manifest


# Reading ---------------------------------------------------------------------------------------------


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The archive's manifest, checked for form; raises :class:`BackupError`."""
    try:
        manifest = json.loads(archive.read(MANIFEST))
    except KeyError:
        raise BackupError("not a Samverka backup: the archive has no manifest.json") from None
    except (ValueError, zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"the manifest cannot be read: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a Samverka backup: the manifest names another format")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')} is not supported "
            f"(this Samverka reads version {FORMAT_VERSION})"
        )
    return manifest


def verify_archive(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Check every member against the manifest's sha256; raises :class:`BackupError`."""
    checksums: dict[str, str] = manifest.get("sha256") or {}
    names = set(archive.namelist()) - {MANIFEST}
    if missing := sorted(set(checksums) - names):
        raise BackupError(f"the archive lacks {len(missing)} member(s), e.g. {missing[0]}")
    if extra := sorted(names - set(checksums)):
        raise BackupError(f"the archive holds member(s) the manifest does not list: {extra[0]}")
    for name, expected in checksums.items():
        digest = hashlib.sha256()
        try:
            with archive.open(name) as member:
                while chunk := member.read(_CHUNK):
                    digest.update(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise BackupError(f"{name} cannot be read: {exc}") from None
        if digest.hexdigest() != expected:
            raise BackupError(f"{name} is damaged: its sha256 does not match the manifest")


def check_schema(manifest: dict[str, Any]) -> None:
    """The backup's migrations must be exactly this database's; raises :class:`BackupError`."""
    theirs = {tuple(m) for m in manifest.get("migrations", [])}
    ours = {tuple(m) for m in applied_migrations()}
    if theirs != ours:
        only_backup = sorted(theirs - ours)
        only_here = sorted(ours - theirs)
        detail = []
        if only_backup:
            detail.append(
                f"{len(only_backup)} applied in the backup only (e.g. {'.'.join(only_backup[0])})"
            )
        if only_here:
            detail.append(f"{len(only_here)} applied here only (e.g. {'.'.join(only_here[0])})")
        raise BackupError(
            "the backup's migrations differ from this database's: "
            + "; ".join(detail)
            + ". Restore with the Samverka version that made the backup, or migrate first."
        )
    models_here = {m._meta.label_lower for m in backed_up_models()}
    tables = set(manifest.get("tables", {}))
    if tables != models_here:
        odd = sorted(tables ^ models_here)
        raise BackupError(f"the backup's tables differ from this installation's (e.g. {odd[0]})")


def occupied_tables() -> dict[str, int]:
    """Tables holding rows that ``migrate`` did not put there (empty for a fresh database)."""
    found: dict[str, int] = {}
    for model in backed_up_models():
        label = model._meta.label_lower
        if label in SEEDED or model._meta.app_label in SEEDED_APPS:
            continue
        if model._base_manager.exists():
            found[label] = model._base_manager.count()
    return found


def _wipe(order: list[type[models.Model]]) -> None:
    # Raw DELETEs: no cascades in Python and no signals; the foreign keys are deferred, so the
    # order does not matter inside the transaction (children first all the same).
    with connection.cursor() as cursor:
        for model in reversed(order):
            table = connection.ops.quote_name(model._meta.db_table)  # a model's, not input
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608


def _load_table(archive: zipfile.ZipFile, model: type[models.Model], spec: dict[str, Any]) -> int:
    fields_by_name = {f.attname: f for f in _fields(model)}
    names = spec["fields"]
    if set(names) != set(fields_by_name):
        raise BackupError(f"{spec['member']}: the columns differ from this installation's")
    fields = [fields_by_name[n] for n in names]
    manager = model._base_manager
    rows = 0
    batch: list[models.Model] = []
    size = max(1, min(BATCH, connection.ops.bulk_batch_size(fields, [None] * BATCH) or BATCH))

    def flush() -> None:
        # raw=True: store the values as they are (no auto_now, no pre_save), like loaddata.
        manager._insert(batch, fields=fields, raw=True, using=connection.alias)  # type: ignore[attr-defined]
        batch.clear()

    with archive.open(spec["member"]) as member:
        for number, line in enumerate(member, start=1):
            try:
                values = json.loads(line)
                obj = model(
                    **{f.attname: f.to_python(v) for f, v in zip(fields, values, strict=True)}
                )
            except (ValueError, TypeError) as exc:
                raise BackupError(f"{spec['member']} line {number}: {exc}") from None
            batch.append(obj)
            rows += 1
            if len(batch) >= size:
                flush()
    if batch:
        flush()
    if rows != spec.get("rows"):
        raise BackupError(f"{spec['member']}: {rows} rows, the manifest says {spec.get('rows')}")
    return rows


def _reset_sequences(order: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), order)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _media_target(root: Path, relative: str) -> Path:
    parts = PurePosixPath(relative).parts
    if (
        not parts
        or any(p in {"", ".", ".."} for p in parts)
        or PurePosixPath(relative).is_absolute()
    ):
        raise BackupError(f"refusing an unsafe file name in the archive: media/{relative}")
    return root.joinpath(*parts)


def restore_backup(path: str | os.PathLike[str], *, force: bool = False) -> RestoreReport:
    """Restore an archive made by :func:`create_backup` into this (migrated) database.

    Checks first, changes nothing on failure (raises :class:`BackupError`): the archive's members
    against their sha256, the migrations against this database's, and that the database is
    empty (or ``force``: everything in it is replaced). Then, in one transaction, replaces every
    table with the archive's rows, resets the PostgreSQL sequences and refills the SQLite
    full-text tables; after the commit refreshes the planner's statistics (ANALYZE) and writes
    the uploaded files under ``MEDIA_ROOT``.
    """
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"no such file: {path}") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path} is not a readable zip archive: {exc}") from None
    from samverka.knowledge.indexing import refill_full_text

    report = RestoreReport()
    with archive:
        manifest = read_manifest(archive)
        verify_archive(archive, manifest)
        check_schema(manifest)
        occupied = occupied_tables()
        if occupied and not force:
            label, rows = next(iter(occupied.items()))
            raise BackupError(
                f"the database is not empty ({len(occupied)} tables hold data, e.g. {label}: "
                f"{rows} rows); restore into a freshly migrated database, or use --force to "
                "replace everything in it"
            )
        report.wiped = bool(occupied)
        media_root = Path(settings.MEDIA_ROOT)
        media = [
            (name, _media_target(media_root, name.removeprefix("media/")))
            for name in manifest["sha256"]
            if name.startswith("media/")
        ]
        order = backed_up_models()
        tables = manifest["tables"]
        with transaction.atomic():
            _wipe(order)
            for model in order:
                label = model._meta.label_lower
                report.tables[label] = _load_table(archive, model, tables[label])
            connection.check_constraints(table_names=[m._meta.db_table for m in order])
            _reset_sequences(order)
            refill_full_text()
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.clear_cache()
        # Fresh planner statistics for the rows just written (autovacuum may be off or slow).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for name, destination in media:
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(name) as source, destination.open("wb") as out:
                shutil.copyfileobj(source, out, _CHUNK)
            report.media_files += 1
    return report
