"""`ombud rotate-key`: a new personal-data key, every ciphertext re-encrypted under it, while
the site keeps serving (docs/operations.md).

1. The current key is copied to `keys/encryption_key.old-<fingerprint>`, the blind-index key is
   written to `keys/index_key` (phone lookups keep matching), and a new key replaces
   `keys/encryption_key` (written to a temporary file, then renamed). The database records the
   new key as `current` and the old one as `retiring`.
   Other processes re-read the key files within `keyring.RELOAD_SECONDS` (at once when they
   meet a ciphertext of the new key), so readers never stop: old ciphertexts decrypt with the
   old key, new ones with the new.
2. Every column holding ciphertexts (every `EncryptedTextField` and Ombud-sealed `BinaryField`
   of every model, found through the model registry) is walked in primary-key order, in batches;
   each batch is one transaction that rewrites a value only if it is still the one read (a
   concurrent write wins and is picked up by the next pass).
3. Passes repeat until one finds nothing under an old key, at least `settle` seconds after the
   switch (so no process still writes with the old key); then the old keys are `retired`.
Killed at any point, running it again resumes: a database with `retiring` keys is finished
first, not rotated again.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud import keyring, personal_data
from ombud.errors import Conflict
from ombud.models import KeyFingerprint

MAX_PASSES = 8


@dataclass
class RotationResult:
    new_fingerprint: str
    old_fingerprints: list[str]
    resumed: bool
    rewritten: dict[str, int] = field(default_factory=dict)
    passes: int = 0
    seconds: float = 0.0
    old_key_files: list[str] = field(default_factory=list)


def _write_key_file(path, text: str) -> None:
    from ombud.backup import _write_private

    _write_private(path, (text + "\n").encode())


def _retiring(alias: str) -> list[KeyFingerprint]:
    return list(
        KeyFingerprint.objects.using(alias).filter(
            kind=KeyFingerprint.Kind.ENCRYPTION, state=KeyFingerprint.State.RETIRING
        )
    )


def switch_key(alias: str = "default") -> tuple[str, str]:
    """Step 1: a new current key; the old one stays in the ring. Returns (old, new) fingerprints."""
    ring = keyring.ring(reload=True)
    directory = keyring.keys_dir()
    index_file = directory / keyring.INDEX_KEY_FILE
    if not index_file.exists():
        _write_key_file(index_file, ring.index_key.hex())
    old_file = directory / f"{keyring.OLD_KEY_PREFIX}{ring.current.fingerprint}"
    if not old_file.exists():
        _write_key_file(old_file, ring.current.secret)
    new_secret = secrets.token_urlsafe(32)
    _write_key_file(directory / keyring.KEY_FILE, new_secret)
    new = keyring.ring(reload=True)
    if new.current.fingerprint != keyring.fingerprint(new_secret) or ring.current.fingerprint not in new.fingerprints:
        raise RuntimeError("the key ring did not pick up the new key")  # a bug, not an operator error
    keyring.record_current_key(alias)
    return ring.current.fingerprint, new.current.fingerprint


def _rewrite_column(col: keyring.Column, kid: str, batch: int, alias: str) -> tuple[int, int]:
    """One pass over a column: re-encrypt every value not under key `kid`. Returns how many
    were found under another key and how many were rewritten (a value changed by a concurrent
    write since it was read is left to the next pass)."""
    connection = connections[alias]
    q = connection.ops.quote_name
    pk = col.model._meta.pk.column
    table, column = q(col.table), q(col.column)
    where = f"{column} IS NOT NULL"
    params: list = []
    if not col.binary:
        where += f" AND {column} <> '' AND {column} NOT LIKE %s"
        params = [f"v1:{kid}:%"]
    first = f"SELECT {q(pk)}, {column} FROM {table} WHERE {where} ORDER BY {q(pk)} LIMIT {int(batch)}"  # noqa: S608
    after = f"SELECT {q(pk)}, {column} FROM {table} WHERE {q(pk)} > %s AND {where} ORDER BY {q(pk)} LIMIT {int(batch)}"  # noqa: S608
    update = f"UPDATE {table} SET {column} = %s WHERE {q(pk)} = %s AND {column} = %s"  # noqa: S608
    last = None
    found = rewritten = 0
    while True:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            if last is None:
                cursor.execute(first, params)
            else:
                cursor.execute(after, [last, *params])
            rows = cursor.fetchall()
            if not rows:
                return found, rewritten
            changes = []
            for pk_value, value in rows:
                last = pk_value
                if col.binary:
                    value = bytes(value)
                    if not personal_data.is_sealed_bytes(value) or personal_data.key_id_of_bytes(value) == kid:
                        continue
                    fresh = personal_data.encrypt_bytes(personal_data.decrypt_bytes(value))
                else:
                    fresh = personal_data.encrypt(personal_data.decrypt(value))
                changes.append([fresh, pk_value, value])
            found += len(changes)
            if changes:
                # One round trip per batch (psycopg pipelines executemany); rowcount is the total.
                cursor.executemany(update, changes)
                rewritten += max(cursor.rowcount, 0)
        if len(rows) < batch:
            return found, rewritten


def rotate(*, batch: int = 500, settle: float | None = None, alias: str = "default", progress=None) -> RotationResult:
    """Rotate (or finish a rotation that was interrupted). See the module's docstring."""
    started = time.monotonic()
    if os.environ.get(keyring.ENV_KEY):
        raise Conflict(
            _(
                "The key comes from the environment variable %(env)s: rotate-key writes keys to %(dir)s, which every "
                "Ombud process re-reads. Move the key into %(file)s, unset %(env)s everywhere, "
                "and run rotate-key again."
            )
            % {"env": keyring.ENV_KEY, "dir": keyring.keys_dir(), "file": keyring.keys_dir() / keyring.KEY_FILE},
            code="key_in_environment",
        )
    settle = keyring.RELOAD_SECONDS + 1 if settle is None else settle
    keyring.record_current_key(alias)
    retiring = _retiring(alias)
    resumed = bool(retiring)
    if resumed:
        new_fp = keyring.ring(reload=True).current.fingerprint
        switched_at = time.monotonic()
    else:
        _old, new_fp = switch_key(alias)
        switched_at = time.monotonic()
        retiring = _retiring(alias)
    result = RotationResult(new_fp, [r.fingerprint for r in retiring], resumed)
    kid = new_fp[:8]
    columns = keyring.encrypted_columns()
    tables = set(connections[alias].introspection.table_names())
    columns = [c for c in columns if c.table in tables]
    while True:
        result.passes += 1
        found = 0
        for col in columns:
            seen, n = _rewrite_column(col, kid, batch, alias)
            found += seen
            if n:
                result.rewritten[col.label] = result.rewritten.get(col.label, 0) + n
                if progress:
                    progress(col.label, n)
        if found == 0 and time.monotonic() - switched_at >= settle:
            break
        if result.passes >= MAX_PASSES:
            raise Conflict(
                _(
                    "Values are still being written under an old key after %(n)d passes: a process does not re-read "
                    "%(dir)s (is %(env)s set for it?). Restart every Ombud process and run rotate-key again."
                )
                % {"n": result.passes, "dir": keyring.keys_dir(), "env": keyring.ENV_KEY},
                code="still_old",
            )
        if found == 0:
            time.sleep(max(0.0, settle - (time.monotonic() - switched_at)))
    now = timezone.now()
    with transaction.atomic(using=alias):
        for r in retiring:
            r.state, r.retired_at = KeyFingerprint.State.RETIRED, now
            r.save(using=alias, update_fields=["state", "retired_at"])
    result.old_key_files = [
        str(keyring.keys_dir() / f"{keyring.OLD_KEY_PREFIX}{fp}")
        for fp in result.old_fingerprints
        if (keyring.keys_dir() / f"{keyring.OLD_KEY_PREFIX}{fp}").exists()
    ]
    result.seconds = time.monotonic() - started
    return result
