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

The chain is keyed: each entry's hash is an HMAC-SHA256 under `settings.AUDIT_KEY`, which
lives outside the database (an environment variable or `DATA_DIR/keys/audit_key`). Someone who
can write to the database but does not hold the key can change a row, but cannot compute the
hashes that would make the chain verify again. Entries written before the key existed keep
their plain SHA-256 (`alg = "sha256"`); migration 0002 sealed them with one keyed entry
("audit.keyed") whose HMAC covers the last of them, and `verify()` accepts plain entries only
in that sealed prefix (docs/audit.md, "Keyed chain").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.audit.models import Alg, AuditEntry
from ombud.directory.models import User
from ombud.logfilters import scrub

GENESIS_HASH = "0" * 64
# An arbitrary constant: the advisory-lock key of the audit chain (int64, fixed forever).
_LOCK_KEY = 0x0A0D17C4A1
MAX_DATA_BYTES = 4000
# The entry migration 0002 appended after the entries written before the chain was keyed.
SEAL_ACTION = "audit.keyed"


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
    alg: str = Alg.KEYED,
) -> bytes:
    """The bytes an entry's hash covers: sorted keys, no spaces, UTF-8, time in UTC to the µs.
    A keyed entry's bytes name the algorithm too; a legacy entry's are exactly as they were."""
    doc = {
        "seq": seq,
        "at": _at_text(at),
        "actor": actor_id,
        "action": action,
        "object": [object_type, object_id],
        "data": data,
        "prev_hash": prev_hash,
    }
    if alg != Alg.LEGACY:
        doc["alg"] = alg
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _audit_key() -> bytes:
    return settings.AUDIT_KEY.encode()


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry must carry: HMAC-SHA256 under the audit key, or plain SHA-256 for an
    entry written before the chain was keyed. Takes any object with the entry's attributes
    (migrations pass their historical model)."""
    payload = canonical(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        data=entry.data,
        prev_hash=entry.prev_hash,
        alg=entry.alg,
    )
    if entry.alg == Alg.KEYED:
        return hmac.new(_audit_key(), payload, hashlib.sha256).hexdigest()
    if entry.alg == Alg.LEGACY:
        return hashlib.sha256(payload).hexdigest()
    raise ValueError(f"unknown audit hash algorithm {entry.alg!r}")


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    # SQLite: the IMMEDIATE transaction already holds the write lock (see the module docstring).


def _append(
    model: type[AuditEntry], *, actor_id: int | None, action: str, object_type: str, object_id: str, data: Any
) -> AuditEntry:
    """Insert the next keyed entry of `model` (AuditEntry, or a migration's historical model,
    which has the same fields and is typed as AuditEntry here)."""
    _lock_chain()
    last = model._default_manager.order_by("-seq").values_list("seq", "hash").first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS_HASH)
    entry = model(
        seq=seq,
        at=timezone.now(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        data=data,
        prev_hash=prev_hash,
        alg=Alg.KEYED,
    )
    entry.hash = entry_hash(entry)
    entry.save(force_insert=True)
    return entry


def seal_legacy_entries(model: type[AuditEntry] = AuditEntry) -> AuditEntry | None:
    """Append the keyed entry that seals the plain SHA-256 entries written before the chain was
    keyed (migration 0002); None when there is nothing to seal. Its HMAC covers the last plain
    entry's hash, so none of them can be rewritten without breaking the seal's link."""
    with transaction.atomic():
        legacy = model._default_manager.filter(alg=Alg.LEGACY).count()
        if not legacy or model._default_manager.filter(alg=Alg.KEYED).exists():
            return None
        return _append(
            model, actor_id=None, action=SEAL_ACTION, object_type="", object_id="", data={"legacy_entries": legacy}
        )


def record(actor: User | None, action: str, obj: models.Model | None = None, **data: Any) -> AuditEntry:
    """Append one entry: `actor` did `action` (dotted, e.g. "personal_data.unmask") to `obj`,
    with `data` (JSON facts, never clear personal data). Runs in the caller's transaction (or
    its own); the chain lock is held until that transaction ends."""
    if not action or len(action) > 64:
        raise ValueError("an audit action is a dotted name of at most 64 characters")
    object_type, object_id = object_ref(obj)
    clean = _normalise(data)
    with transaction.atomic():
        return _append(
            AuditEntry,
            actor_id=actor.pk if actor is not None else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            data=clean,
        )


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
    its stored value under the audit key. A changed row breaks its own hash (or, if the hash
    was recomputed too, the next row's link); a removed row leaves a gap and a broken link.
    Plain SHA-256 entries (written before the chain was keyed) are accepted only as the chain's
    first entries, followed by the keyed seal: otherwise anyone could rewrite the tail as
    "legacy" entries without the key. Removing the *last* rows leaves a shorter chain that is
    still consistent: pass `expect=(seq, hash)`, a head noted earlier, to detect that too.
    """
    expected_seq, prev_hash, prev_alg = 1, GENESIS_HASH, Alg.LEGACY
    checked, last = 0, None
    anchor_seen = False

    def broken(seq: int, reason: str) -> Verification:
        return Verification(False, checked, None, None, seq, reason)

    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk):
        checked += 1
        if entry.seq != expected_seq:
            return broken(expected_seq, _("entry %(seq)d is missing") % {"seq": expected_seq})
        if entry.prev_hash != prev_hash:
            return broken(entry.seq, _("does not link to the previous entry"))
        if entry.alg == Alg.LEGACY and prev_alg != Alg.LEGACY:
            return broken(entry.seq, _("is not keyed, but follows keyed entries"))
        if entry.alg == Alg.KEYED and prev_alg == Alg.LEGACY and entry.seq > 1 and entry.action != SEAL_ACTION:
            return broken(entry.seq, _("follows unkeyed entries without sealing them"))
        try:
            valid = hmac.compare_digest(entry_hash(entry), entry.hash)
        except ValueError:
            return broken(entry.seq, _("names an unknown hash algorithm"))
        if not valid:
            if entry.alg == Alg.KEYED and prev_alg == Alg.LEGACY:
                # The first keyed entry: a wrong audit key fails here, before any tampering would.
                return broken(
                    entry.seq,
                    _("its content does not match its hash (or the audit key is not the one the log was written with)"),
                )
            return broken(entry.seq, _("its content does not match its hash"))
        if expect and entry.seq == expect[0]:
            if entry.hash != expect[1]:
                return broken(entry.seq, _("its hash differs from the expected one"))
            anchor_seen = True
        expected_seq, prev_hash, prev_alg, last = entry.seq + 1, entry.hash, entry.alg, entry
    if last is not None and last.alg == Alg.LEGACY:
        return broken(last.seq, _("ends the log unkeyed: the unkeyed entries are not sealed"))
    if expect and not anchor_seen:
        return broken(expect[0], _("entry %(seq)d is missing: the log was truncated") % {"seq": expect[0]})
    return Verification(True, checked, last.seq if last else None, last.hash if last else None)
