"""The vendor-specific SQL of oversight's draws, in one place: the spot-check draw ranks cases
by SHA-256 inside the database (spotchecks/queries.py `draw_sample`), the call-back build picks
rows by position inside it (callbacks/services.py). docs/spot-checks.md says why the SQL draw
equals the reference sampler (`spotchecks/sampling.py`).

- PostgreSQL has `sha256(bytea)`; the rank of a text is `sha256(convert_to(text, 'UTF8'))`, a
  32-byte `bytea`, which PostgreSQL compares byte by byte: the order of the hex digests the
  reference sorts (hex digits keep the order of the bytes they spell).
- SQLite has no SHA-256: `sha256_hex` is registered on every SQLite connection (the
  `connection_created` signal, connected in `OversightConfig.ready`), a deterministic function
  returning the hex digest, which SQLite's BINARY collation compares byte by byte as Python
  compares str.
- Texts that break ties compare in byte order: `COLLATE "C"` on PostgreSQL, BINARY on SQLite
  (both the order of Python's str comparison for UTF-8 text).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper


def sha256_hex(text: str | None) -> str | None:
    """The SQL function `sha256_hex(text)` of SQLite connections: the SHA-256 hex digest of the
    UTF-8 bytes of `text` (NULL for NULL), exactly `sampling.rank`'s digest."""
    if text is None:
        return None
    return hashlib.sha256(str(text).encode()).hexdigest()


def register_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """`connection_created` receiver: give each new SQLite connection `sha256_hex`."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("sha256_hex", 1, sha256_hex, deterministic=True)


def rank(connection: BaseDatabaseWrapper, text_sql: str) -> str:
    """An SQL expression whose order is the order of the SHA-256 hex digests of the text SQL
    `text_sql` (UTF-8): a bytea on PostgreSQL, the hex text on SQLite."""
    if connection.vendor == "postgresql":
        return f"sha256(convert_to({text_sql}, 'UTF8'))"
    return f"sha256_hex({text_sql})"


def rank_below(connection: BaseDatabaseWrapper, below: int) -> bytes | str:
    """The value (a query parameter) that a rank (above) is less than exactly when the first
    32 bits of its digest, read as an unsigned integer, are less than `below` (0 ≤ below <
    2^32): those 4 bytes (PostgreSQL's bytea) or 8 hex digits (SQLite's text); a longer value
    with the same start compares greater."""
    if connection.vendor == "postgresql":
        return below.to_bytes(4, "big")
    return f"{below:08x}"


def byte_order(connection: BaseDatabaseWrapper) -> str:
    """The collation clause that makes a text compare byte by byte (UTF-8), as Python's str."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else " COLLATE BINARY"


def materialized(connection: BaseDatabaseWrapper) -> str:
    """`MATERIALIZED` for a CTE read twice, so that it is computed once (PostgreSQL ≥ 12,
    SQLite ≥ 3.35; older SQLite materializes such a CTE anyway)."""
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 35):
        return ""
    return "MATERIALIZED"


def one_of(connection: BaseDatabaseWrapper, expression_sql: str, values: list[int]) -> tuple[str, list[Any]]:
    """An SQL condition "`expression_sql` is one of the integers `values`", as (SQL, params):
    one parameter whatever their number — on PostgreSQL `= ANY` of an array constant, which it
    checks by hashing; on SQLite `IN` a JSON array read by `json_each`, which it indexes."""
    if connection.vendor == "postgresql":
        return f"{expression_sql} = ANY(CAST(%s AS bigint[]))", [list(values)]
    return f"{expression_sql} IN (SELECT value FROM json_each(%s))", [json.dumps(list(values))]  # noqa: S608 (our SQL)
