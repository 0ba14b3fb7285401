"""``samverka backup`` / ``samverka restore``: round trips that compare every table row by row,
within one database and across databases (SQLite ↔ PostgreSQL), and the refusals."""

from __future__ import annotations

import datetime
import decimal
import io
import json
import os
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.sql import emit_post_migrate_signal
from django.db import connection, models, transaction
from django.utils import timezone

from samverka.core.models import AuditEntry

ALL_MODELS = [
    m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy
]


def table_values() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as Python values, read through the ORM (independently of the
    backup code's own serialisation)."""
    return {
        m._meta.label_lower: list(
            m._base_manager.order_by("pk").values_list(
                *[f.attname for f in m._meta.local_concrete_fields]
            )
        )
        for m in ALL_MODELS
    }


def archive_values(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The rows held in an archive, turned back into Python values field by field."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        for label, spec in manifest["tables"].items():
            model = apps.get_model(label)
            fields = {f.attname: f for f in model._meta.local_concrete_fields}
            ordered = [fields[name] for name in spec["fields"]]
            rows = []
            with archive.open(spec["member"]) as member:
                for line in member:
                    values = json.loads(line)
                    rows.append(tuple(f.to_python(v) for f, v in zip(ordered, values, strict=True)))
            result[label] = rows
    return result


def _value_for(f: models.Field, n: int) -> Any:
    if f.choices:
        return f.choices[0][0]
    if isinstance(f, models.JSONField):
        return {"n": n}
    if isinstance(f, models.FileField):
        return f"backup-test/file-{n}.txt"
    if isinstance(f, (models.CharField, models.TextField)):
        text = f"h7-{n}-{uuid.uuid4().hex}"
        if isinstance(f, models.EmailField):
            text += "@example.se"
        if isinstance(f, models.URLField):
            text = f"https://example.se/{text}"
        return text[: f.max_length] if f.max_length else text
    if isinstance(f, models.BooleanField):
        return True
    if isinstance(f, models.DecimalField):
        return decimal.Decimal("1.5")
    if isinstance(f, models.FloatField):
        return 0.1
    if isinstance(f, models.DateTimeField):
        return timezone.now()
    if isinstance(f, models.DateField):
        return datetime.date(2026, 5, 17)
    if isinstance(f, models.UUIDField):
        return uuid.uuid4()
    if isinstance(f, models.IntegerField):
        return 1 + n % 5
    raise LookupError(type(f).__name__)


def fill_empty_tables() -> list[str]:
    """Give every empty table at least one row where a plain row can be made (the demo leaves
    some apps empty); returns the tables that stayed empty."""
    counter = iter(range(10_000))

    def make(model: type[models.Model], depth: int = 0) -> models.Model | None:
        existing = model._base_manager.order_by("pk").first()
        if existing is not None and depth:
            return existing
        if depth > 4:
            return None
        values: dict[str, Any] = {}
        for f in model._meta.local_concrete_fields:
            if f.primary_key and isinstance(f, models.AutoField):
                continue
            if f.is_relation:
                target = make(f.related_model, depth + 1)  # type: ignore[arg-type]
                if target is None:
                    if f.null:
                        continue
                    return None
                values[f.attname] = target.pk
            elif (
                f.has_default()
                or getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)
            ) or f.null:
                continue
            else:
                try:
                    values[f.attname] = _value_for(f, next(counter))
                except LookupError:
                    return None
        try:
            with transaction.atomic():
                return model._base_manager.create(**values)
        except Exception:
            return None

    for model in ALL_MODELS:
        if not model._base_manager.exists():
            make(model)
    return [m._meta.label_lower for m in ALL_MODELS if not m._base_manager.exists()]


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def full_database(db: Any, media_root: Path, make_user: Any, cluster_manager: Any) -> None:
    """The demo data, users with roles, an uploaded file and a row in (nearly) every table."""
    call_command("demo", verbosity=0)
    make_user("officer", role="programme_officer")
    make_user("root", role="platform_admin_superuser")
    AuditEntry.objects.create(
        action="test.changed",
        object_type="x.y",
        object_id="1",
        object_repr="Å",
        changes={"a": [1, 2]},
    )
    (media_root / "knowledge" / "2026").mkdir(parents=True)
    (media_root / "knowledge" / "2026" / "rapport.pdf").write_bytes(b"%PDF-1.4 \x00\xff sample")
    empty = fill_empty_tables()
    # only tables that cannot hold a plain row may stay empty
    assert len(empty) <= 8, empty


def run(*args: str) -> Any:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return json.loads(out.getvalue())


def test_backup_restore_round_trip_into_empty_database_equals_every_table(
    full_database: None, media_root: Path, tmp_path: Path
) -> None:
    before = table_values()
    archive = tmp_path / "backup.zip"
    made = run("backup", str(archive), "--format", "json")
    assert made["rows"] == sum(len(rows) for rows in before.values())
    assert set(made["tables"]) == {m._meta.label_lower for m in ALL_MODELS}
    assert archive_values(archive) == before

    # An empty, migrated database: every row removed, then the content types and permissions
    # recreated as migrate does (not flush: PostgreSQL refuses TRUNCATE inside the test's
    # transaction once rows are waiting for their deferred foreign-key checks).
    with connection.cursor() as cursor:
        for model in ALL_MODELS:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    assert ContentType.objects.exists()
    (media_root / "knowledge" / "2026" / "rapport.pdf").unlink()
    assert not User.objects.exists()

    restored = run("restore", str(archive), "--format", "json")

    assert restored["rows"] == made["rows"]
    assert restored["media_files"] == 1
    after = table_values()
    for label, rows in before.items():
        assert after[label] == rows, label
    assert (media_root / "knowledge" / "2026" / "rapport.pdf").read_bytes() == (
        b"%PDF-1.4 \x00\xff sample"
    )
    # New rows get fresh keys after the restored ones (PostgreSQL sequences reset).
    group = Group.objects.create(name="after-restore")
    assert group.pk > max(pk for pk, *_ in before["auth.group"])
    # The search index works on the restored data (SQLite: FTS5 tables rebuilt).
    from samverka.knowledge.search import search

    assert search("Jämtland").total > 0


def test_restore_into_non_empty_database_exits_2_and_changes_nothing(
    db: Any, media_root: Path, tmp_path: Path, make_user: Any
) -> None:
    make_user("before")
    archive = tmp_path / "b.zip"
    run("backup", str(archive), "--format", "json")
    make_user("after")
    before = table_values()

    with pytest.raises(CommandError, match="not empty") as refused:
        run("restore", str(archive), "--format", "json")

    assert refused.value.returncode == 2
    assert table_values() == before
    assert set(User.objects.values_list("username", flat=True)) == {"before", "after"}

    run("restore", str(archive), "--force", "--format", "json")
    assert list(User.objects.values_list("username", flat=True)) == ["before"]


def _rewrite(source: Path, target: Path, change: Any) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info.filename, change(info.filename, data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated", "not a readable zip"),
        ("row", "damaged"),
        ("migrations", "migrations differ"),
        ("manifest", "no manifest"),
    ],
)
def test_restore_refuses_bad_archive_exit_2_and_changes_nothing(
    db: Any, media_root: Path, tmp_path: Path, make_user: Any, damage: str, message: str
) -> None:
    make_user("kept")
    good = tmp_path / "good.zip"
    run("backup", str(good), "--format", "json")
    bad = tmp_path / "bad.zip"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[:-2000])
    elif damage == "row":

        def change(name: str, data: bytes) -> bytes:
            return data.replace(b'"kept"', b'"evil"') if name == "data/auth.user.jsonl" else data

        _rewrite(good, bad, change)
    elif damage == "migrations":

        def change(name: str, data: bytes) -> bytes:
            if name != "manifest.json":
                return data
            manifest = json.loads(data)
            manifest["migrations"].append(["core", "9999_from_the_future"])
            return json.dumps(manifest).encode()

        _rewrite(good, bad, change)
    else:
        with zipfile.ZipFile(good) as old, zipfile.ZipFile(bad, "w") as new:
            for info in old.infolist():
                if info.filename != "manifest.json":
                    new.writestr(info.filename, old.read(info.filename))
    before = table_values()

    with pytest.raises(CommandError, match=message) as refused:
        run("restore", str(bad), "--force", "--format", "json")

    assert refused.value.returncode == 2
    assert table_values() == before


def test_backup_writes_manifest_with_checksums_and_schema(
    db: Any, media_root: Path, tmp_path: Path, make_user: Any
) -> None:
    make_user("someone")
    (media_root / "a.txt").write_text("hej")
    archive = tmp_path / "m.zip"
    run("backup", str(archive), "--format", "json")
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        import hashlib

        for name, digest in manifest["sha256"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == digest
    assert manifest["tables"]["auth.user"]["rows"] == 1
    assert manifest["media_files"] == 1
    assert ["core", "0001_initial"] in manifest["migrations"]
    assert manifest["samverka_version"]


# Across databases ------------------------------------------------------------------------------------

PG_URL = os.environ.get("SAMVERKA_H7_PG_URL", "postgresql://postgres@127.0.0.1:5432/")


def _pg_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_URL + "postgres", connect_timeout=3):
            return True
    except Exception:
        return False


def _other_database(tmp_path: Path) -> str:
    """A URL for an empty PostgreSQL database (the tests run on SQLite)."""
    if connection.vendor != "sqlite":
        # Migrating a second database costs minutes; the SQLite run covers SQLite → PostgreSQL.
        pytest.skip("runs when the tests run on SQLite")
    if connection.vendor == "sqlite":
        if not _pg_reachable():
            pytest.skip("PostgreSQL is not reachable")
        import psycopg

        name = f"samverka_h7_restore_{os.getpid()}"
        with psycopg.connect(PG_URL + "postgres", autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}"')
            pg.execute(f'CREATE DATABASE "{name}"')
        return PG_URL + name
    return f"sqlite:///{tmp_path / 'other.sqlite3'}"


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        import psycopg

        name = url.rsplit("/", 1)[1]
        with psycopg.connect(PG_URL + "postgres", autocommit=True) as pg:
            pg.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restores_into_the_other_database_kind(
    db: Any, media_root: Path, tmp_path: Path, make_user: Any, cluster_manager: Any
) -> None:
    # A smaller data set than the demo (the other database must be migrated first), but one
    # with every kind of column: JSON, decimals, dates, times with microseconds, files, m2m.
    from samverka.programmes.demo import load_programme_demo

    load_programme_demo()
    make_user("officer", role="programme_officer")
    AuditEntry.objects.create(
        action="x", object_type="a.b", object_id="1", object_repr="ö", changes={"z": 1, "a": [None]}
    )
    (media_root / "f.bin").write_bytes(bytes(range(256)))
    empty = fill_empty_tables()
    assert len(empty) <= 8, empty
    before = table_values()
    archive = tmp_path / "cross.zip"
    run("backup", str(archive), "--format", "json")

    url = _other_database(tmp_path)
    var = tmp_path / "var"
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("SAMVERKA_", "DJANGO_", "PYTEST_"))
    }
    environ.update(SAMVERKA_VAR_DIR=str(var), SAMVERKA_DATABASE_URL=url)
    try:

        def samverka(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "samverka", *args],
                env=environ,
                capture_output=True,
                text=True,
                timeout=300,
            )

        migrated = samverka("migrate", "--verbosity", "0")
        assert migrated.returncode == 0, migrated.stderr
        restored = samverka("restore", str(archive), "--format", "json")
        assert restored.returncode == 0, restored.stderr
        assert json.loads(restored.stdout)["media_files"] == 1
        again = tmp_path / "again.zip"
        backed_up = samverka("backup", str(again), "--format", "json")
        assert backed_up.returncode == 0, backed_up.stderr
        # a second restore into the now filled database is refused
        refused = samverka("restore", str(archive))
        assert refused.returncode == 2
        assert "not empty" in refused.stderr
    finally:
        _drop(url)

    assert (var / "media" / "f.bin").read_bytes() == bytes(range(256))
    theirs = archive_values(again)
    for label, rows in before.items():
        assert theirs[label] == rows, label


def test_backup_into_missing_directory_exits_2(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such directory") as refused:
        run("backup", str(tmp_path / "absent" / "b.zip"), "--format", "json")
    assert refused.value.returncode == 2
    assert not (tmp_path / "absent").exists()


def test_restore_missing_file_exits_2(db: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file") as refused:
        run("restore", str(tmp_path / "nothing.zip"))
    assert refused.value.returncode == 2
