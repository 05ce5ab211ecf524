"""The audit log: a chain that verifies, tampering that is found, rows that cannot be changed
through Ombud, and concurrent appenders that never fork the chain."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import translation

from ombud.audit import triggers
from ombud.audit.models import AppendOnly, AuditEntry
from ombud.audit.services import GENESIS_HASH, entry_hash, record, verify

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; services speak the active language (Chinese by default)."""
    with translation.override("en"):
        yield


def _three(world):
    a = record(world.officer, "personal_data.unmask", world.site_mm, field="phone", case="2403241234567890")
    b = record(world.admin, "callbacks.build", None, added=12, seed="abc")
    c = record(None, "demo.step", world.company_a, n=3)
    return a, b, c


def _tamper(sql: str, params: list) -> None:
    """Change the table behind Ombud's back, as someone with database access could. The
    append-only trigger refuses first (PostgreSQL and SQLite); the table's owner can lift it
    (disable it on PostgreSQL, drop it on SQLite), and does."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    with triggers.suspended(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        assert cursor.rowcount == 1


def test_entries_form_a_chain_that_verifies(world):
    a, b, c = _three(world)
    assert [a.seq, b.seq, c.seq] == [1, 2, 3]
    assert a.prev_hash == GENESIS_HASH and b.prev_hash == a.hash and c.prev_hash == b.hash
    stored = AuditEntry.objects.get(seq=1)
    assert stored.actor_id == world.officer.pk
    assert (stored.action, stored.object_type, stored.object_id) == (
        "personal_data.unmask",
        "campaigns.site",
        str(world.site_mm.pk),
    )
    assert stored.data == {"field": "phone", "case": "2403241234567890"}
    # What was stored (read back through the database) hashes to what was computed at write time.
    assert [entry_hash(e) for e in AuditEntry.objects.all()] == [a.hash, b.hash, c.hash]
    result = verify()
    assert result.ok and result.checked == 3 and result.broken_seq is None
    assert (result.head_seq, result.head_hash) == (3, c.hash)


def test_an_empty_log_verifies(db):
    result = verify()
    assert result.ok and result.checked == 0 and result.head_seq is None


def test_an_entry_is_written_in_the_callers_transaction(world):
    record(world.officer, "first.action")
    with pytest.raises(RuntimeError), transaction.atomic():
        record(world.officer, "rolled.back")
        raise RuntimeError("the audited change failed")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["first.action"]
    assert record(world.officer, "next.action").seq == 2
    assert verify().ok


@pytest.mark.parametrize(
    "data",
    [{"phone": "13812345678"}, {"note": "身份证 440902198503150028"}, {"nested": {"x": ["13912345678"]}}],
)
def test_clear_personal_data_is_refused(world, data):
    with pytest.raises(ValueError, match="personal data"):
        record(world.officer, "personal_data.unmask", **data)
    assert not AuditEntry.objects.exists()


def test_a_bad_action_name_is_refused(world):
    for action in ["", "x" * 65]:
        with pytest.raises(ValueError):
            record(world.officer, action)
    assert not AuditEntry.objects.exists()


def test_changing_an_entrys_data_is_detected(world):
    _three(world)
    _tamper("UPDATE audit_auditentry SET data = %s WHERE seq = 2", ['{"added": 13, "seed": "abc"}'])
    result = verify()
    assert not result.ok and result.broken_seq == 2 and result.checked == 2
    assert "hash" in result.reason


def test_changing_an_entry_and_its_hash_breaks_the_next_link(world):
    _three(world)
    forged = AuditEntry.objects.get(seq=2)
    forged.data = {"added": 13, "seed": "abc"}
    _tamper(
        "UPDATE audit_auditentry SET data = %s, hash = %s WHERE seq = 2",
        ['{"added": 13, "seed": "abc"}', entry_hash(forged)],
    )
    result = verify()
    assert not result.ok and result.broken_seq == 3


def test_changing_the_actor_is_detected(world):
    _three(world)
    _tamper("UPDATE audit_auditentry SET actor_id = %s WHERE seq = 1", [world.admin.pk])
    assert verify().broken_seq == 1


def test_deleting_an_entry_is_detected(world):
    _three(world)
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [2])
    result = verify()
    assert not result.ok and result.broken_seq == 2 and "missing" in result.reason


def test_cutting_the_tail_is_detected_against_a_noted_head(world):
    _, b, c = _three(world)
    head = (verify().head_seq, verify().head_hash)
    assert head == (3, c.hash)
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [3])
    assert verify().ok  # a shorter chain is still consistent on its own...
    result = verify(expect=head)  # ...but not with the head noted earlier
    assert not result.ok and result.broken_seq == 3
    assert verify(expect=(2, b.hash)).ok
    assert verify(expect=(2, c.hash)).broken_seq == 2


def test_the_orm_refuses_to_change_or_delete_an_entry(world):
    _three(world)
    entry = AuditEntry.objects.get(seq=1)
    entry.action = "something.else"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(seq=1).update(action="something.else")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 3
    assert AuditEntry.objects.get(seq=1).action == "personal_data.unmask"
    assert verify().ok


def test_a_user_in_the_log_cannot_be_deleted(world):
    from django.db.models import ProtectedError

    record(world.officer, "personal_data.unmask", field="phone")
    with pytest.raises(ProtectedError):
        world.officer.delete()


def test_the_admin_shows_entries_read_only(world):
    a, _, _ = _three(world)
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    listing = client.get("/admin/audit/auditentry/")
    assert listing.status_code == 200 and "personal_data.unmask" in listing.content.decode()
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    view = client.get(f"/admin/audit/auditentry/{a.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()
    assert client.post(f"/admin/audit/auditentry/{a.pk}/change/", {"action": "x"}).status_code == 403
    assert client.post(f"/admin/audit/auditentry/{a.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post("/admin/audit/auditentry/", {"action": "delete_selected", "_selected_action": [a.pk]})
    assert bulk.status_code in (200, 302)
    assert AuditEntry.objects.count() == 3 and verify().ok


def test_the_command_exits_0_on_a_good_chain_and_1_at_the_first_break(world, capsys):
    _, _, c = _three(world)
    call_command("audit_verify")
    out = capsys.readouterr().out
    assert f"3:{c.hash}" in out
    call_command("audit_verify", expect=f"3:{c.hash}")
    _tamper("UPDATE audit_auditentry SET action = %s WHERE seq = 2", ["callbacks.rebuild"])
    with pytest.raises(CommandError) as broken:
        call_command("audit_verify")
    assert broken.value.returncode == 1 and "2" in str(broken.value)


def test_the_command_rejects_a_malformed_expect(db):
    with pytest.raises(CommandError) as bad:
        call_command("audit_verify", expect="three:abc")
    assert bad.value.returncode == 2


def test_the_command_fails_when_the_noted_head_is_gone(world):
    _, _, c = _three(world)
    _tamper("DELETE FROM audit_auditentry WHERE seq = %s", [3])
    with pytest.raises(CommandError) as cut:
        call_command("audit_verify", expect=f"3:{c.hash}")
    assert cut.value.returncode == 1
