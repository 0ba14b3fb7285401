"""PostgreSQL: a GiST trigram index on the vocabulary, for nearest-word (typo) lookups ordered by
trigram distance (``ORDER BY term <-> word LIMIT n``)."""

from django.db import migrations


def _run(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_fulltext")]

    operations = [
        migrations.RunPython(
            _run(
                "CREATE INDEX knowledge_term_gist ON knowledge_searchterm "
                "USING gist (term gist_trgm_ops)"
            ),
            _run("DROP INDEX IF EXISTS knowledge_term_gist"),
        )
    ]
