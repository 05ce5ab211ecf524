"""The database triggers that keep the audit table append-only, whatever the client.

Created by migrations (0001: PostgreSQL UPDATE/DELETE; 0002: PostgreSQL TRUNCATE, SQLite
UPDATE/DELETE). Here: which of them a database has, and `suspended()`, which lifts them for
one transaction, for the two tools that must: Django's `flush` (it empties every table, the
audit log included; `ombud/management/commands/flush.py`) and tests that tamper with rows as
a database owner could.

Note for migrations: on SQLite, Django applies many schema changes (adding a column with a
default, changing a field) by copying the table into a new one, and the copy has no triggers.
A migration that alters `audit_auditentry` must create the SQLite triggers again afterwards;
`ombud/audit/tests/test_triggers.py` fails when they are missing after `migrate`, and
`ombud audit-verify` refuses to call such a log verified.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, transaction

TABLE = "audit_auditentry"
EXPECTED = {
    "postgresql": {"audit_append_only", "audit_append_only_truncate"},
    "sqlite": {"audit_append_only_update", "audit_append_only_delete"},
}


def present(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """The enabled append-only triggers on the audit table."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        else:
            return set()
        return {row[0] for row in cursor.fetchall()}


def missing(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """The append-only triggers this database should have and has not (or has disabled)."""
    return EXPECTED.get(connections[using].vendor, set()) - present(using)


@contextmanager
def suspended(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Lift the append-only triggers for one transaction, and put them back at its end.

    PostgreSQL disables and re-enables them (deferred foreign-key checks pending in the
    transaction are run first: PostgreSQL cannot alter a table with pending trigger events);
    SQLite has no such switch, so they are dropped and created again from their own stored
    definitions. Both are transactional: if the block fails, the rollback restores them too.
    """
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
            yield
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
            saved = cursor.fetchall()
            for name, _sql in saved:
                cursor.execute(f'DROP TRIGGER "{name}"')
            yield
            for _name, sql in saved:
                cursor.execute(sql)
        else:
            yield
