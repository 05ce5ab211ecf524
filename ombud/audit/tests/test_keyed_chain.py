"""The audit chain is keyed and append-only in the database (issue 8, item 10): someone who can
write to the database but does not hold the audit key cannot rewrite history so that it still
verifies, and the database itself refuses UPDATE, DELETE and TRUNCATE of audit rows."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from ombud.audit import triggers
from ombud.audit.models import Alg, AuditEntry
from ombud.audit.services import GENESIS_HASH, SEAL_ACTION, canonical, record, seal_legacy_entries, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _payload(entry: AuditEntry, alg: str) -> bytes:
    return canonical(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        data=entry.data,
        prev_hash=entry.prev_hash,
        alg=alg,
    )


def _plain_sha256(entry: AuditEntry, alg: str) -> str:
    """What someone without the key can compute."""
    return hashlib.sha256(_payload(entry, alg)).hexdigest()


def _rewrite(seq: int, **columns) -> None:
    """Rewrite one row as a database owner would: lift the triggers, UPDATE."""
    sets = ", ".join(f"{name} = %s" for name in columns)
    with triggers.suspended(), connection.cursor() as cursor:
        # The column names are this module's own keywords, never input.
        cursor.execute(f"UPDATE audit_auditentry SET {sets} WHERE seq = %s", [*columns.values(), seq])  # noqa: S608
        assert cursor.rowcount == 1


def _forge_from(seq: int, alg: str, upto: int | None = None, **changes) -> None:
    """Change entry `seq` and recompute, with plain SHA-256, its hash and every later link (up
    to entry `upto`)."""
    prev_hash = AuditEntry.objects.get(seq=seq - 1).hash if seq > 1 else GENESIS_HASH
    forged = AuditEntry.objects.filter(seq__gte=seq).order_by("seq")
    for entry in forged.filter(seq__lte=upto) if upto else forged:
        if entry.seq == seq:
            for name, value in changes.items():
                setattr(entry, name, value)
        entry.prev_hash, entry.alg = prev_hash, alg
        new_hash = _plain_sha256(entry, alg)
        # Unique columns: move the old values out of the way first, as a forger would have to.
        _rewrite(entry.seq, hash=f"x{entry.seq}".ljust(64, "x"), prev_hash=f"y{entry.seq}".ljust(64, "y"))
        _rewrite(entry.seq, data=json.dumps(entry.data), prev_hash=prev_hash, hash=new_hash, alg=alg)
        prev_hash = new_hash


def _three(world):
    return (
        record(world.officer, "personal_data.unmask", world.site_mm, field="phone"),
        record(world.admin, "callbacks.build", None, added=12, seed="abc"),
        record(None, "demo.step", world.company_a, n=3),
    )


def test_an_entrys_hash_is_an_hmac_under_the_audit_key(world, settings):
    a, b, c = _three(world)
    for entry in (a, b, c):
        assert entry.alg == Alg.KEYED
        expected = hmac.new(settings.AUDIT_KEY.encode(), _payload(entry, Alg.KEYED), hashlib.sha256).hexdigest()
        assert entry.hash == expected != _plain_sha256(entry, Alg.KEYED)
    assert verify().ok


def test_a_different_audit_key_does_not_verify_and_says_so(world, settings):
    _three(world)
    settings.AUDIT_KEY = "another-audit-key-0123456789abcdef-0123456789"
    result = verify()
    assert not result.ok and result.broken_seq == 1 and "audit key" in result.reason


def test_rewriting_an_entry_with_a_recomputed_plain_sha256_does_not_verify(world):
    """The finding: the chain could be rewritten by recomputing plain SHA-256 hashes."""
    _three(world)
    _forge_from(2, Alg.KEYED, data={"added": 13, "seed": "abc"})
    result = verify()
    assert not result.ok and result.broken_seq == 2 and "does not match its hash" in result.reason


def test_rewriting_the_tail_as_unkeyed_entries_does_not_verify(world):
    _three(world)
    _forge_from(2, Alg.LEGACY, data={"added": 13, "seed": "abc"})
    result = verify()
    assert not result.ok and result.broken_seq == 2 and "not keyed" in result.reason


def test_rewriting_the_whole_log_as_unkeyed_entries_does_not_verify(world):
    _three(world)
    _forge_from(1, Alg.LEGACY, data={"field": "id_number"})
    result = verify()
    assert not result.ok and result.broken_seq == 3 and "not sealed" in result.reason
    # Nor does it once Ombud appends its next (keyed) entry after the forged ones.
    record(world.officer, "personal_data.unmask", world.site_mm, field="phone")
    result = verify()
    assert not result.ok and result.broken_seq == 4 and "without sealing" in result.reason


def _legacy_log(n: int) -> list[AuditEntry]:
    """Entries as Ombud wrote them before the chain was keyed: plain SHA-256, no key."""
    prev_hash, entries = GENESIS_HASH, []
    start = timezone.now() - timedelta(days=30)
    for seq in range(1, n + 1):
        entry = AuditEntry(
            seq=seq,
            at=start + timedelta(minutes=seq),
            action="personal_data.unmask",
            object_type="oversight.callback",
            object_id=str(seq),
            data={"field": "phone"},
            prev_hash=prev_hash,
            alg=Alg.LEGACY,
        )
        entry.hash = _plain_sha256(entry, Alg.LEGACY)
        entry.save(force_insert=True)
        prev_hash = entry.hash
        entries.append(entry)
    return entries


def test_entries_written_before_the_key_verify_once_sealed(world):
    legacy = _legacy_log(4)
    unsealed = verify()
    assert not unsealed.ok and unsealed.broken_seq == 4 and "not sealed" in unsealed.reason
    seal = seal_legacy_entries()
    assert (seal.seq, seal.action, seal.alg, seal.prev_hash) == (5, SEAL_ACTION, Alg.KEYED, legacy[-1].hash)
    assert seal.data == {"legacy_entries": 4} and seal.actor_id is None
    assert seal_legacy_entries() is None  # sealed once
    later = record(world.officer, "personal_data.unmask", world.site_mm, field="phone")
    result = verify()
    assert result.ok and result.checked == 6 and (result.head_seq, result.head_hash) == (6, later.hash)


def test_a_sealed_legacy_entry_cannot_be_rewritten(world):
    _legacy_log(4)
    seal_legacy_entries()
    # Rewrite entry 2 and recompute the plain chain up to the last legacy entry: the seal's
    # HMAC names the old last hash, and nobody without the key can write a new seal.
    _forge_from(2, Alg.LEGACY, upto=4, data={"field": "id_number"})
    result = verify()
    assert not result.ok and result.broken_seq == 5 and "does not link" in result.reason
    # Rewriting the seal too, as an unkeyed entry, leaves the log ending unsealed.
    _forge_from(2, Alg.LEGACY, data={"field": "id_number"})
    assert verify().broken_seq == 5


def test_an_empty_log_needs_no_seal(db):
    assert seal_legacy_entries() is None
    assert not AuditEntry.objects.exists()


# --- the database refuses changes, whatever the client ---------------------------------------


def test_the_migrated_database_has_the_append_only_triggers(db):
    assert triggers.missing() == set()
    assert triggers.present() >= triggers.EXPECTED[connection.vendor]


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x' WHERE seq = 1",
        "UPDATE audit_auditentry SET data = '{}'",
        "DELETE FROM audit_auditentry WHERE seq = 2",
        "DELETE FROM audit_auditentry",
    ],
)
def test_the_database_refuses_update_and_delete_of_audit_rows(world, sql):
    _three(world)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 3 and verify().ok


def test_postgresql_refuses_truncate_of_the_audit_table(world):
    """TRUNCATE fires no row triggers: PostgreSQL has a statement trigger for it. SQLite has
    no TRUNCATE (its `DELETE FROM t` is refused above)."""
    _three(world)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:  # TRUNCATE waits for no deferred foreign-key check: run them now
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            cursor.execute("TRUNCATE audit_auditentry" if postgres else "DELETE FROM audit_auditentry")
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    assert AuditEntry.objects.count() == 3


def test_suspending_the_triggers_lasts_one_transaction(world):
    _three(world)
    with triggers.suspended():
        assert triggers.missing() == triggers.EXPECTED[connection.vendor]
    assert triggers.missing() == set()
    with pytest.raises(RuntimeError), triggers.suspended():
        raise RuntimeError("a failed tampering")
    assert triggers.missing() == set()


def test_audit_verify_prints_the_head_to_anchor(world, capsys):
    _, _, c = _three(world)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert "verifies: 3 entries" in out and f"Head: 3:{c.hash}" in out
    call_command("audit_verify", expect=f"3:{c.hash}")


def test_audit_verify_fails_when_the_triggers_are_gone(world):
    _three(world)
    with triggers.suspended(), pytest.raises(CommandError) as gone:
        call_command("audit_verify")
    assert gone.value.returncode == 1 and "triggers" in str(gone.value)
