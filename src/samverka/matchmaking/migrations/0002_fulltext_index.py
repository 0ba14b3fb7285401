"""GIN full-text indexes over the stored stems (PostgreSQL only; SQLite scans the candidates)."""

from django.db import migrations

TABLES = ("matchmaking_need", "matchmaking_offer")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_stems_fts ON {table} "
            f"USING gin (to_tsvector('simple', stems))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_stems_fts")


class Migration(migrations.Migration):
    dependencies = [("matchmaking", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
