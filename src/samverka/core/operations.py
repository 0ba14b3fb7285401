"""Migration operations that only PostgreSQL needs, safe to load on SQLite.

``django.contrib.postgres.operations`` imports psycopg at import time, so a migration importing it
cannot even be loaded by ``pip install samverka`` without the ``postgres`` extra (the SQLite
default). These operations import the PostgreSQL code only when they run on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

from django.db.migrations.operations.base import Operation


class PostgresExtension(Operation):
    """``CREATE EXTENSION IF NOT EXISTS`` on PostgreSQL (Django's own ``CreateExtension``, which
    also registers the type handlers); nothing on any other database."""

    reversible = True

    def __init__(self, name: str) -> None:
        self.name = name

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        return (f"{__name__}.{self.__class__.__qualname__}", [self.name], {})

    def state_forwards(self, app_label: str, state: Any) -> None:
        """An extension is not part of the model state."""

    def _django_operation(self, schema_editor: Any) -> Any:
        if schema_editor.connection.vendor != "postgresql":
            return None
        from django.contrib.postgres.operations import CreateExtension

        return CreateExtension(self.name)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if operation := self._django_operation(schema_editor):
            operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if operation := self._django_operation(schema_editor):
            operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self) -> str:
        return f"Creates extension {self.name} (PostgreSQL only)"

    @property
    def migration_name_fragment(self) -> str:
        return f"create_extension_{self.name}"
