"""Backend-specific full-text structures beside the search tables.

PostgreSQL: pg_trgm; a stored ``tsvector`` column (Swedish configuration, title weighted A and
text B) with a GIN index; a trigram GIN index on the vocabulary.
SQLite: an FTS5 table over the Swedish-stemmed title and text (rowid = the document's id) and an
FTS5 ``trigram`` table over the vocabulary (rowid = the term's id).
"""

from django.db import migrations

from samverka.core.operations import PostgresExtension

PG_FORWARD = [
    """ALTER TABLE knowledge_searchdocument ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish'::regconfig, coalesce(title, '')), 'A')
        || setweight(to_tsvector('swedish'::regconfig, coalesce(body, '')), 'B')
    ) STORED""",
    "CREATE INDEX knowledge_doc_fts ON knowledge_searchdocument USING gin (search_vector)",
    "CREATE INDEX knowledge_term_trgm ON knowledge_searchterm USING gin (term gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS knowledge_term_trgm",
    "DROP INDEX IF EXISTS knowledge_doc_fts",
    "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS search_vector",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE knowledge_search_fts USING fts5(title, body, "
    "tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE knowledge_term_trgm USING fts5(term, tokenize = 'trigram')",
]
SQLITE_BACKWARD = [
    "DROP TABLE IF EXISTS knowledge_term_trgm",
    "DROP TABLE IF EXISTS knowledge_search_fts",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        PostgresExtension("pg_trgm"),  # imports nothing PostgreSQL-only on SQLite
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
