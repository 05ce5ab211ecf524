"""The personal-data key ring and the key fingerprint the database keeps (docs/operations.md).

- The **current key** encrypts: `OMBUD_ENCRYPTION_KEY`, else `$OMBUD_DATA_DIR/keys/encryption_key`.
  Older keys still decrypt: every `keys/encryption_key.old-*` file (left by `ombud rotate-key`).
  Each ciphertext names the key that sealed it (`key id`, the first 8 hex digits of the key's
  fingerprint), so a reader finds the right key at once; ciphertexts written before key ids
  existed are tried against every key of the ring (AES-GCM refuses a wrong key).
- The **fingerprint** of a key is HMAC-SHA256(key, "ombud-key-fingerprint"), 16 hex digits: it
  names the key without revealing it. The database records the fingerprint of every key its
  ciphertexts may be under (`ombud.models.KeyFingerprint`); `check_key()` compares them with the
  ring, so a data directory that lost its key (a fresh one generates a new key) is refused
  instead of failing every read with `InvalidTag`.
- The **blind-index key** (keyed digests of phones for lookups) is derived from the first key
  and kept across rotations in `keys/index_key`, so lookups keep matching; its fingerprint is
  recorded and checked too.
- A running process re-reads the key files at most every `RELOAD_SECONDS` (and at once when it
  meets a key id it does not hold), so `rotate-key` in another process does not stop readers.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

ENV_KEY = "OMBUD_ENCRYPTION_KEY"
KEY_FILE = "encryption_key"
OLD_KEY_PREFIX = "encryption_key.old-"
INDEX_KEY_FILE = "index_key"
RELOAD_SECONDS = 5.0
MIN_KEY_CHARS = 32


def fingerprint(secret: str | bytes) -> str:
    """16 hex digits naming a key; computing the key back from it is infeasible."""
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"ombud-key-fingerprint", hashlib.sha256).hexdigest()[:16]


def derive_index_key(secret: str) -> bytes:
    return hashlib.sha256(b"ombud-idx-v1:" + secret.encode()).digest()


@dataclass(frozen=True)
class Key:
    secret: str = field(repr=False)
    fingerprint: str
    aes: AESGCM = field(repr=False, compare=False)

    @property
    def kid(self) -> str:
        return self.fingerprint[:8]

    @classmethod
    def of(cls, secret: str) -> Key:
        if len(secret) < MIN_KEY_CHARS:
            raise ImproperlyConfigured(f"{ENV_KEY} must be at least {MIN_KEY_CHARS} characters")
        # The cipher key is derived from the configured secret (as since the first release), so
        # a leak of blind-index values says nothing about it.
        return cls(secret, fingerprint(secret), AESGCM(hashlib.sha256(b"ombud-enc-v1:" + secret.encode()).digest()))


@dataclass(frozen=True)
class Ring:
    current: Key
    keys: tuple[Key, ...]  # current first, then the old ones
    index_key: bytes = field(repr=False)
    index_fingerprint: str
    source: str  # where the current key comes from, for messages

    def by_kid(self, kid: str) -> Key | None:
        return next((k for k in self.keys if k.kid == kid), None)

    @property
    def fingerprints(self) -> set[str]:
        return {k.fingerprint for k in self.keys}


def keys_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


def key_source() -> str:
    """The current key's origin, as an operator would look for it."""
    if os.environ.get(ENV_KEY):
        return _("the environment variable %(name)s") % {"name": ENV_KEY}
    return str(keys_dir() / KEY_FILE)


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        return None


def _load() -> Ring:
    directory = keys_dir()
    if os.environ.get(ENV_KEY):
        current_secret = settings.ENCRYPTION_KEY
    else:
        current_secret = _read(directory / KEY_FILE) or settings.ENCRYPTION_KEY
    current = Key.of(current_secret)
    keys = [current]
    if directory.is_dir():
        for path in sorted(directory.glob(OLD_KEY_PREFIX + "*")):
            secret = _read(path)
            if secret and len(secret) >= MIN_KEY_CHARS and fingerprint(secret) not in {k.fingerprint for k in keys}:
                keys.append(Key.of(secret))
    index_hex = _read(directory / INDEX_KEY_FILE)
    index_key = bytes.fromhex(index_hex) if index_hex else derive_index_key(current_secret)
    return Ring(current, tuple(keys), index_key, fingerprint(index_key), key_source())


def _signature() -> tuple:
    directory = keys_dir()
    try:
        entries = tuple(
            sorted((e.name, e.stat().st_mtime_ns, e.stat().st_ino) for e in os.scandir(directory) if e.is_file())
        )
    except FileNotFoundError:
        entries = ()
    return (os.environ.get(ENV_KEY, ""), settings.ENCRYPTION_KEY, entries)


_lock = threading.Lock()
_state: dict = {"ring": None, "signature": None, "checked_at": 0.0}


def ring(*, reload: bool = False) -> Ring:
    """The key ring, re-read when the key files changed (checked at most every RELOAD_SECONDS)."""
    now = time.monotonic()
    cached = _state["ring"]
    if cached is not None and not reload and now - _state["checked_at"] < RELOAD_SECONDS:
        return cached
    with _lock:
        signature = _signature()
        if _state["ring"] is None or signature != _state["signature"]:
            _state["ring"] = _load()
            _state["signature"] = signature
        _state["checked_at"] = now
        return _state["ring"]


def key_for(kid: str) -> Key:
    """The key with this id, re-reading the key files once if it is not in the ring."""
    key = ring().by_kid(kid)
    if key is None:
        key = ring(reload=True).by_kid(kid)
    if key is None:
        raise KeyNotInRing(kid)
    return key


class KeyNotInRing(InvalidTag):
    """A ciphertext names a key this process does not hold."""

    def __init__(self, kid: str):
        super().__init__(f"no key with id {kid} in the key ring")
        self.kid = kid


# ---- what is encrypted where -----------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    model: type
    field_name: str
    column: str
    binary: bool

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field_name}"


def encrypted_columns() -> list[Column]:
    """Every column that holds Ombud ciphertexts, found through the model registry: each
    `EncryptedTextField`, and each `BinaryField` (its values are re-encrypted only when they
    carry the Ombud binary ciphertext prefix)."""
    from django.apps import apps
    from django.db import models

    from ombud.personal_data import EncryptedTextField

    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, EncryptedTextField):
                found.append(Column(model, f.name, f.column, False))
            elif isinstance(f, models.BinaryField):
                found.append(Column(model, f.name, f.column, True))
    return found


def _sample_decrypts(using: str = "default") -> bool:
    """True if one stored value of every encrypted column (that has any) decrypts with the
    ring, or nothing is stored yet: the check for a database that records no fingerprint."""
    from django.db import connections

    from ombud import personal_data

    connection = connections[using]
    tables = set(connection.introspection.table_names())
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        for col in encrypted_columns():
            if col.table not in tables:
                continue
            condition = f"{q(col.column)} IS NOT NULL" + ("" if col.binary else f" AND {q(col.column)} <> ''")
            cursor.execute(f"SELECT {q(col.column)} FROM {q(col.table)} WHERE {condition} LIMIT 1")  # noqa: S608
            row = cursor.fetchone()
            if row is None:
                continue
            try:
                if col.binary:
                    value = bytes(row[0])
                    if personal_data.is_sealed_bytes(value):
                        personal_data.decrypt_bytes(value)
                else:
                    personal_data.decrypt(row[0])
            except (InvalidTag, ValueError):
                return False
    return True


# ---- the fingerprint check -------------------------------------------------------------------


def _fingerprint_table_exists(using: str = "default") -> bool:
    from django.db import connections

    from ombud.models import KeyFingerprint

    return KeyFingerprint._meta.db_table in connections[using].introspection.table_names()


def check_key(using: str = "default") -> str | None:
    """None when the configured keys can read this database's personal data (or the database
    is unreachable, not migrated or holds nothing encrypted yet); else a message saying what
    to restore. Reads only; `/readyz` and `ombud`'s start-up call it."""
    from django.db import DatabaseError

    from ombud.models import KeyFingerprint

    try:
        current = ring()
        if not _fingerprint_table_exists(using):
            has_rows = False
        else:
            rows = list(KeyFingerprint.objects.using(using).exclude(state=KeyFingerprint.State.RETIRED))
            has_rows = bool(rows)
        if not has_rows:
            if _sample_decrypts(using):
                return None
            return _(
                "The personal data in this database cannot be decrypted with the key in %(source)s "
                "(fingerprint %(fp)s), and the database records no key fingerprint. Restore the key file "
                "that belongs to this database (ombud backup writes it) to %(path)s, or point %(env)s at it."
            ) % {
                "source": current.source,
                "fp": current.current.fingerprint,
                "path": keys_dir() / KEY_FILE,
                "env": ENV_KEY,
            }
    except DatabaseError:
        return None  # unreachable: /readyz reports the database itself; migrate must still run
    wanted = sorted(r.fingerprint for r in rows if r.kind == KeyFingerprint.Kind.ENCRYPTION)
    missing = [fp for fp in wanted if fp not in current.fingerprints]
    if missing:
        return _(
            "This database's personal data was encrypted with key fingerprint %(wanted)s; the key in "
            "%(source)s has fingerprint %(fp)s. Restore the key file from the backup that matches this "
            "database (ombud backup writes it) to %(path)s, or point %(env)s at it. Nothing was changed."
        ) % {
            "wanted": ", ".join(missing),
            "source": current.source,
            "fp": current.current.fingerprint,
            "path": keys_dir() / KEY_FILE,
            "env": ENV_KEY,
        }
    index = [r.fingerprint for r in rows if r.kind == KeyFingerprint.Kind.INDEX]
    if index and current.index_fingerprint not in index:
        return _(
            "This database's phone lookups use blind-index key fingerprint %(wanted)s; the keys in %(dir)s "
            "give %(fp)s. Restore %(path)s from the backup that matches this database (ombud backup writes it)."
        ) % {
            "wanted": ", ".join(index),
            "dir": keys_dir(),
            "fp": current.index_fingerprint,
            "path": keys_dir() / INDEX_KEY_FILE,
        }
    return None


def record_current_key(using: str = "default") -> None:
    """Record the ring's current key (and the blind-index key) in the database, once the check
    has passed: on `migrate` (post_migrate), at a command's start and by `rotate-key`. A current
    key the database does not know yet, while the old keys are still in the ring, is taken as a
    rotation begun by hand: the old one becomes `retiring` until `rotate-key` re-encrypts."""
    from django.db import transaction
    from django.utils import timezone

    from ombud.models import KeyFingerprint

    if not _fingerprint_table_exists(using) or check_key(using) is not None:
        return
    current = ring()
    K, S = KeyFingerprint.Kind, KeyFingerprint.State
    with transaction.atomic(using=using):
        rows = {(r.kind, r.fingerprint): r for r in KeyFingerprint.objects.using(using).select_for_update().all()}
        mine = rows.get((K.ENCRYPTION, current.current.fingerprint))
        if mine is None or mine.state != S.CURRENT:
            for r in rows.values():
                if r.kind == K.ENCRYPTION and r.state == S.CURRENT:
                    r.state = S.RETIRING
                    r.save(using=using, update_fields=["state"])
            if mine is None:
                KeyFingerprint.objects.using(using).create(
                    kind=K.ENCRYPTION,
                    fingerprint=current.current.fingerprint,
                    state=S.CURRENT,
                    created_at=timezone.now(),
                )
            else:
                mine.state, mine.retired_at = S.CURRENT, None
                mine.save(using=using, update_fields=["state", "retired_at"])
        if not any(kind == K.INDEX for kind, _fp in rows):
            KeyFingerprint.objects.using(using).create(
                kind=K.INDEX, fingerprint=current.index_fingerprint, state=S.CURRENT, created_at=timezone.now()
            )


def recorded_fingerprints(using: str = "default") -> dict[str, list[str]]:
    """{state: [fingerprints]} of the encryption keys the database knows (for the manifest)."""
    from ombud.models import KeyFingerprint

    if not _fingerprint_table_exists(using):
        return {}
    out: dict[str, list[str]] = {}
    for r in KeyFingerprint.objects.using(using).filter(kind=KeyFingerprint.Kind.ENCRYPTION).order_by("created_at"):
        out.setdefault(r.state, []).append(r.fingerprint)
    return out
