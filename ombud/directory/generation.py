"""Per-process caches that every process stops trusting at once when what they hold changes.

The database keeps one number, the cache generation (`directory_cachegeneration`, one row).
Triggers on every table a cache reads add one to it in the same statement as any UPDATE, DELETE
or TRUNCATE of that table, whatever makes it: a service, a signal, the admin, a queryset
`.update()`, raw SQL, another process or machine. The new number therefore becomes visible to
every connection exactly when the change does (at its COMMIT), never before and never after.
Rows that are added need no bump: a cache holds only what was found, never a refusal, so nothing
cached can be contradicted by a new row (a new token, site or roster entry only grants more).

A request reads the number once (`read()`), and uses a cached entry only if it was stored under
that same number (`ProcessCache`). An entry is stored under the number read *before* the
database was asked, so a change committed in between makes the entry stale at once. The read
takes the place of the connection's health check (`CONN_HEALTH_CHECKS`' `SELECT 1` before a
request's first query): it is a round trip the request made anyway, and a connection found dead
is reopened as the check would have done.

Who watches what: `watch()` is called in the `ready()` of the app whose cache reads a table
(directory: tokens, users, organizations; intake: sites, campaigns and the place permissions).
`install()` (re)creates the row and the triggers after every `migrate` and `flush`
(`post_migrate`), so a table that SQLite rebuilds in a later migration (which drops its
triggers) gets them back; a process that finds a trigger missing does not cache at all.

Caches are filled only by API requests, which run in autocommit: an entry never holds a row of a
transaction that could still roll back (the test suite, which runs in one, clears the caches
between tests: ombud/testing.py).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, ProgrammingError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger("ombud.cache")

TABLE = "directory_cachegeneration"
TRIGGER_PREFIX = "ombud_cachegen_"
_READ = f"SELECT value FROM {TABLE} WHERE id = 1"  # noqa: S608 (a constant)
_BUMP = f"UPDATE {TABLE} SET value = value + 1 WHERE id = 1"  # noqa: S608 (a constant)


@dataclass(frozen=True)
class Watched:
    model: str  # "app_label.ModelName"
    fields: tuple[str, ...] = ()  # only UPDATEs of these columns bump (empty: any UPDATE)


_watched: dict[str, Watched] = {}


def watch(model: str, *, fields: tuple[str, ...] = ()) -> None:
    """Bump the generation when rows of `model` are updated (only `fields`, if given) or deleted.

    Called from an AppConfig.ready(); the triggers are made by `install()` (post_migrate)."""
    _watched[model] = Watched(model, tuple(fields))


def _tables(connection: BaseDatabaseWrapper) -> list[tuple[str, tuple[str, ...]]]:
    """(table, update columns) of each watched model whose table exists."""
    existing = set(connection.introspection.table_names())
    out = []
    for w in sorted(_watched.values(), key=lambda w: w.model):
        meta = apps.get_model(w.model)._meta
        if meta.db_table in existing:
            out.append((meta.db_table, tuple(meta.get_field(f).column for f in w.fields)))
    return out


def _trigger_statements(connection: BaseDatabaseWrapper, table: str, columns: tuple[str, ...]) -> list[str]:
    name = f"{TRIGGER_PREFIX}{table}"
    q = connection.ops.quote_name
    update = f"UPDATE OF {', '.join(q(c) for c in columns)}" if columns else "UPDATE"
    if connection.vendor == "postgresql":
        # One bump per statement, not per row; TRUNCATE (`flush`) too.
        return [
            f"DROP TRIGGER IF EXISTS {name} ON {q(table)}",
            f"CREATE TRIGGER {name} AFTER {update} OR DELETE OR TRUNCATE ON {q(table)} "
            "FOR EACH STATEMENT EXECUTE FUNCTION ombud_bump_cache_generation()",
        ]
    # SQLite: row triggers only, one per event.
    return [
        f"DROP TRIGGER IF EXISTS {name}_u",
        f"DROP TRIGGER IF EXISTS {name}_d",
        f"CREATE TRIGGER {name}_u AFTER {update} ON {q(table)} BEGIN {_BUMP}; END",
        f"CREATE TRIGGER {name}_d AFTER DELETE ON {q(table)} BEGIN {_BUMP}; END",
    ]


def install(using: str = DEFAULT_DB_ALIAS) -> int:
    """Create the generation row (at a random number, so that no value held before a `flush`
    comes back) and (re)create every watched table's triggers; how many tables are watched."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        return 0
    tables = _tables(connection)
    start = secrets.randbelow(2**62)
    with connection.cursor() as cur:
        if TABLE not in connection.introspection.table_names(cur):
            return 0
        if vendor == "postgresql":
            cur.execute(f"INSERT INTO {TABLE} (id, value) VALUES (1, %s) ON CONFLICT (id) DO NOTHING", [start])  # noqa: S608
            cur.execute(
                "CREATE OR REPLACE FUNCTION ombud_bump_cache_generation() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN {_BUMP}; RETURN NULL; END $$"
            )
        else:
            cur.execute(f"INSERT OR IGNORE INTO {TABLE} (id, value) VALUES (1, %s)", [start])  # noqa: S608
        for table, columns in tables:
            for sql in _trigger_statements(connection, table, columns):
                cur.execute(sql)
    _checked.clear()
    return len(tables)


def renew(using: str = DEFAULT_DB_ALIAS) -> None:
    """Give the generation a fresh random number. A restored backup brings back the number of
    the moment it was taken, and a running process may hold, under that number, rows added
    since (a new token: additions do not bump) that the restored database no longer has; a new
    number makes every process's cache stale at once (`ombud restore` calls this)."""
    with connections[using].cursor() as cur:
        cur.execute(f"UPDATE {TABLE} SET value = %s WHERE id = 1", [secrets.randbelow(2**62)])  # noqa: S608


def installed_triggers(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    connection = connections[using]
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE %s", [f"{TRIGGER_PREFIX}%"]
            )
        else:
            cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s", [f"{TRIGGER_PREFIX}%"]
            )
        return {row[0] for row in cur.fetchall()}


def _expected_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    names = set()
    for table, _columns in _tables(connection):
        base = f"{TRIGGER_PREFIX}{table}"
        names |= {base} if connection.vendor == "postgresql" else {f"{base}_u", f"{base}_d"}
    return names


_checked: dict[str, bool] = {}  # alias → the triggers were all there when this process looked


def _triggers_in_place(connection: BaseDatabaseWrapper) -> bool:
    ok = _checked.get(connection.alias)
    if ok is None:
        missing = _expected_triggers(connection) - installed_triggers(connection.alias)
        ok = _checked[connection.alias] = not missing
        if missing:
            logger.warning(
                "cache generation triggers missing (%s): caching is off; run `ombud migrate`", sorted(missing)
            )
    return ok


def read(using: str = DEFAULT_DB_ALIAS) -> int | None:
    """The current generation, or None (no caching) when the database has none or lacks a
    trigger. One query, which doubles as the connection's health check."""
    connection = connections[using]
    if connection.vendor not in ("postgresql", "sqlite"):
        return None
    # The check Django would run before this request's first query (`close_if_health_check_failed`):
    # this query is it. A persistent connection that died while idle (a database restart)
    # fails here once, is closed, and the query runs again on a new connection.
    # (django-stubs does not declare the health-check attributes; Django 4.1+ has them.)
    conn: Any = connection
    probe = conn.connection is not None and conn.health_check_enabled and not conn.health_check_done
    if probe:
        conn.health_check_done = True
    try:
        try:
            value = _select(connection)
        except (OperationalError, InterfaceError) as exc:
            if not probe or connection.in_atomic_block or _no_table(exc):
                raise
            connection.close()
            value = _select(connection)
    except (ProgrammingError, OperationalError) as exc:
        # Code newer than the database (`ombud migrate` not yet run): serve, without caching.
        if not _no_table(exc) or connection.in_atomic_block:
            raise
        logger.warning("no %s table: caching is off; run `ombud migrate`", TABLE)
        return None
    if value is None or not _triggers_in_place(connection):
        return None
    return value


def _no_table(exc: Exception) -> bool:
    text = str(exc)
    return TABLE in text and ("does not exist" in text or "no such table" in text)


def _select(connection: BaseDatabaseWrapper) -> int | None:
    with connection.cursor() as cur:
        cur.execute(_READ)
        row = cur.fetchone()
    return row[0] if row else None


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_caches: list[ProcessCache[Any, Any]] = []


class ProcessCache(Generic[K, V]):
    """A dict for one process whose entries count only under the generation they were stored
    with. Bounded: past `max_entries` it starts again empty. Safe to share between threads
    (every operation is one dict operation; a lost race only costs a database read)."""

    def __init__(self, name: str, max_entries: int = 10_000):
        self.name, self.max_entries = name, max_entries
        self._entries: dict[K, tuple[int, V]] = {}
        self._generation: int | None = None  # of the last entry stored
        self._lock = threading.Lock()
        _caches.append(self)

    def get(self, key: K, generation: int | None) -> V | None:
        if generation is None:
            return None
        entry = self._entries.get(key)
        if entry is None or entry[0] != generation:
            return None
        return entry[1]

    def put(self, key: K, value: V, generation: int | None) -> None:
        if generation is None:
            return
        with self._lock:
            if generation != self._generation or len(self._entries) >= self.max_entries:
                self._entries.clear()  # entries of another generation are dead weight
                self._generation = generation
            self._entries[key] = (generation, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


def clear_all() -> None:
    """Empty every process cache (the tests, between two tests)."""
    for cache in _caches:
        cache.clear()
