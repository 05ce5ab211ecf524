"""Appending to the audit log and checking its chain.

`record()` is the one way to write an entry. It appends inside the caller's transaction, so an
entry exists exactly when the audited change (or disclosure) committed, and it serialises
appenders so that the chain never forks:

- PostgreSQL: `pg_advisory_xact_lock` on one fixed key, taken before reading the last entry
  and held until the caller's transaction ends. An advisory lock rather than `SELECT … FOR
  UPDATE` of the last row because it also covers the very first entry (there is no row to lock
  yet) and does not block readers of the log. Under READ COMMITTED the read that follows the
  lock sees every entry committed before it.
- SQLite: the project opens write transactions with BEGIN IMMEDIATE (settings.py), so a
  transaction holds the database's single write lock from its start: writers are already
  serialised and the last entry read cannot change before the insert.

Whatever the engine, `seq` and `prev_hash` are unique: a writer that slipped past the lock
would fail with an IntegrityError rather than fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.audit.models import AuditEntry
from ombud.directory.models import User
from ombud.logfilters import scrub

GENESIS_HASH = "0" * 64
# An arbitrary constant: the advisory-lock key of the audit chain (int64, fixed forever).
_LOCK_KEY = 0x0A0D17C4A1
MAX_DATA_BYTES = 4000


def object_ref(obj: models.Model | None) -> tuple[str, str]:
    """("app_label.model", "pk") of a saved model instance, ("", "") for none."""
    if obj is None:
        return "", ""
    if obj.pk is None:
        raise ValueError("audit an object only once it is saved")
    return obj._meta.label_lower, str(obj.pk)


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    """The data as it reads back from a JSON column: dates and decimals as strings, keys as
    strings, no NaN. Hashing this form makes the hash computed at write time equal the one
    recomputed from the stored row on every engine."""
    text = json.dumps(data, cls=DjangoJSONEncoder, allow_nan=False, sort_keys=True, ensure_ascii=False)
    if len(text.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"audit data is for facts, not documents: keep it under {MAX_DATA_BYTES} bytes")
    if scrub(text) != text:
        # A mobile or ID-card number in the log would make it a second copy of personal data.
        raise ValueError("audit data must not hold clear personal data (phone or ID-card numbers)")
    return json.loads(text)


def _at_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    action: str,
    object_type: str,
    object_id: str,
    data: dict[str, Any],
    prev_hash: str,
) -> bytes:
    """The bytes an entry's hash covers: sorted keys, no spaces, UTF-8, time in UTC to the µs."""
    doc = {
        "seq": seq,
        "at": _at_text(at),
        "actor": actor_id,
        "action": action,
        "object": [object_type, object_id],
        "data": data,
        "prev_hash": prev_hash,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(
        canonical(
            seq=entry.seq,
            at=entry.at,
            actor_id=entry.actor_id,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            data=entry.data,
            prev_hash=entry.prev_hash,
        )
    ).hexdigest()


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    # SQLite: the IMMEDIATE transaction already holds the write lock (see the module docstring).


def record(actor: User | None, action: str, obj: models.Model | None = None, **data: Any) -> AuditEntry:
    """Append one entry: `actor` did `action` (dotted, e.g. "personal_data.unmask") to `obj`,
    with `data` (JSON facts, never clear personal data). Runs in the caller's transaction (or
    its own); the chain lock is held until that transaction ends."""
    if not action or len(action) > 64:
        raise ValueError("an audit action is a dotted name of at most 64 characters")
    object_type, object_id = object_ref(obj)
    clean = _normalise(data)
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
        entry = AuditEntry(
            seq=seq,
            at=timezone.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=clean,
            prev_hash=prev_hash,
        )
        entry.hash = entry_hash(entry)
        entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int  # entries read
    head_seq: int | None  # the last entry's sequence number and hash: note them elsewhere to
    head_hash: str | None  # detect a truncated tail later (`ombud audit-verify --expect`)
    broken_seq: int | None = None  # the first entry that does not verify
    reason: str = ""


def verify(*, expect: tuple[int, str] | None = None, chunk: int = 2000) -> Verification:
    """Walk the chain in order and report the first entry that does not verify.

    Each entry must carry the next sequence number, name the previous entry's hash and hash to
    its stored value. A changed row breaks its own hash (or, if the hash was recomputed too,
    the next row's link); a removed row leaves a gap and a broken link. Removing the *last*
    rows leaves a shorter chain that is still consistent: pass `expect=(seq, hash)`, a head
    noted earlier, to detect that too.
    """
    expected_seq, prev_hash = 1, GENESIS_HASH
    checked, last = 0, None
    anchor_seen = False
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk):
        checked += 1
        if entry.seq != expected_seq:
            return Verification(
                False, checked, None, None, expected_seq, _("entry %(seq)d is missing") % {"seq": expected_seq}
            )
        if entry.prev_hash != prev_hash:
            return Verification(False, checked, None, None, entry.seq, _("does not link to the previous entry"))
        if entry_hash(entry) != entry.hash:
            return Verification(False, checked, None, None, entry.seq, _("its content does not match its hash"))
        if expect and entry.seq == expect[0]:
            if entry.hash != expect[1]:
                return Verification(False, checked, None, None, entry.seq, _("its hash differs from the expected one"))
            anchor_seen = True
        expected_seq, prev_hash, last = entry.seq + 1, entry.hash, entry
    if expect and not anchor_seen:
        return Verification(
            False,
            checked,
            None,
            None,
            expect[0],
            _("entry %(seq)d is missing: the log was truncated") % {"seq": expect[0]},
        )
    return Verification(True, checked, last.seq if last else None, last.hash if last else None)
