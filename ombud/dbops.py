"""Migration operations for tables that are large in production.

`AddIndexOnline` builds an index without blocking writes on PostgreSQL (CREATE INDEX
CONCURRENTLY: intake keeps recording while a million-row table is indexed) and as a plain
CREATE INDEX elsewhere (SQLite, where a database is one office's). A migration using it must set
`atomic = False`, because PostgreSQL refuses a concurrent build inside a transaction. If the
build fails half-way PostgreSQL leaves an INVALID index behind; running the migration again
drops it first (`DROP INDEX IF EXISTS`), so a retry is safe.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


class AddIndexOnline(migrations.AddIndex):
    def describe(self) -> str:
        return f"Create index {self.index.name} online on {self.model_name}"

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor != "postgresql":
            schema_editor.add_index(model, self.index)
            return
        if schema_editor.connection.in_atomic_block:
            raise RuntimeError(f"{self.index.name}: a migration building an index online needs atomic = False")
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(self.index.name)}")
        schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql" and not schema_editor.connection.in_atomic_block:
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)
