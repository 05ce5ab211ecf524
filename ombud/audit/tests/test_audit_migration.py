"""Migration 0002 on a log written before the chain was keyed: the old entries keep their
plain SHA-256 and still verify, sealed by one keyed entry; the triggers are in place. A
transactional test, alone in its file (it empties the database when it ends)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from ombud.audit import triggers
from ombud.audit.models import Alg, AuditEntry
from ombud.audit.services import GENESIS_HASH, SEAL_ACTION, canonical, record, verify


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migration_0002_seals_the_entries_written_before_it():
    executor = MigrationExecutor(connection)
    executor.migrate([("audit", "0001_initial")])
    Old = executor.loader.project_state([("audit", "0001_initial")]).apps.get_model("audit", "AuditEntry")
    prev_hash, start = GENESIS_HASH, timezone.now() - timedelta(days=7)
    for seq in (1, 2, 3):  # as 0001's code wrote them: SHA-256 over the canonical JSON
        entry = Old(
            seq=seq,
            at=start + timedelta(hours=seq),
            action="callbacks.build",
            data={"added": seq},
            prev_hash=prev_hash,
        )
        entry.hash = hashlib.sha256(
            canonical(
                seq=seq,
                at=entry.at,
                actor_id=None,
                action=entry.action,
                object_type="",
                object_id="",
                data=entry.data,
                prev_hash=prev_hash,
                alg=Alg.LEGACY,
            )
        ).hexdigest()
        entry.save(force_insert=True)
        prev_hash = entry.hash

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = list(AuditEntry.objects.order_by("seq").values_list("seq", "alg", "action", "prev_hash"))
    assert [r[:2] for r in rows] == [(1, "sha256"), (2, "sha256"), (3, "sha256"), (4, "hmac-sha256")]
    assert rows[3][2:] == (SEAL_ACTION, prev_hash)
    assert triggers.missing() == set()
    record(None, "callbacks.build", added=4)
    result = verify()
    assert result.ok and result.checked == 5 and result.head_seq == 5
