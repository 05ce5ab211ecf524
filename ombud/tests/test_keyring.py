"""The key ring and the key check, in-process (the commands are tested in test_backup.py)."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.test import override_settings
from django.utils import translation

from ombud import keyring
from ombud.models import KeyFingerprint
from ombud.personal_data import decrypt, decrypt_bytes, encrypt, encrypt_bytes, key_id_of

OTHER = "another-key-not-the-tests-0123456789abcdef"


@pytest.fixture
def fresh_ring():
    keyring.ring(reload=True)
    yield
    keyring.ring(reload=True)


def test_a_ciphertext_names_its_key_and_legacy_ones_still_decrypt():
    current = keyring.ring().current
    token = encrypt("李秀英")
    assert key_id_of(token) == current.kid and token.startswith(f"v1:{current.kid}:")
    nonce = os.urandom(12)
    legacy = "v1:" + base64.urlsafe_b64encode(nonce + current.aes.encrypt(nonce, "李秀英".encode(), None)).decode()
    assert key_id_of(legacy) is None and decrypt(legacy) == "李秀英"
    legacy_bytes = b"OMB1" + nonce + current.aes.encrypt(nonce, b"evidence", None)
    assert decrypt_bytes(legacy_bytes) == b"evidence"
    assert encrypt_bytes(b"evidence")[:12] == b"OMB2" + current.kid.encode()


def test_a_ciphertext_of_a_key_not_in_the_ring_is_refused(fresh_ring):
    with override_settings(ENCRYPTION_KEY=OTHER):
        keyring.ring(reload=True)
        foreign = encrypt("李秀英")
    keyring.ring(reload=True)
    with pytest.raises(InvalidTag):
        decrypt(foreign)


def test_old_key_files_still_decrypt_after_the_key_changed(tmp_path, fresh_ring):
    with override_settings(ENCRYPTION_KEY=OTHER, DATA_DIR=tmp_path):
        keyring.ring(reload=True)
        old = encrypt("13812345678")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / f"encryption_key.old-{keyring.fingerprint(OTHER)}").write_text(OTHER + "\n")
    with override_settings(DATA_DIR=tmp_path):
        ring = keyring.ring(reload=True)
        assert keyring.fingerprint(OTHER) in ring.fingerprints and ring.current.secret != OTHER
        assert decrypt(old) == "13812345678"
        assert key_id_of(encrypt("x")) == ring.current.kid  # the current key encrypts


def test_fingerprints_name_keys_without_revealing_them():
    fp = keyring.fingerprint(OTHER)
    assert len(fp) == 16 and fp == keyring.fingerprint(OTHER) and fp != keyring.fingerprint(OTHER + "x")
    assert fp not in OTHER and OTHER not in fp


@pytest.mark.django_db
def test_migrate_recorded_the_key_and_the_check_passes():
    current = keyring.ring()
    assert KeyFingerprint.objects.filter(
        kind="encryption", fingerprint=current.current.fingerprint, state="current"
    ).exists()
    assert keyring.check_key() is None


@pytest.mark.django_db
def test_the_check_says_which_key_the_database_needs(fresh_ring):
    KeyFingerprint.objects.all().delete()
    KeyFingerprint.objects.create(kind="encryption", fingerprint=keyring.fingerprint(OTHER), state="current")
    message = keyring.check_key()
    assert message is not None
    assert keyring.fingerprint(OTHER) in message and keyring.ring().current.fingerprint in message
    assert "OMBUD_ENCRYPTION_KEY" in message and "ombud backup" in message
    # A retired key is not needed any more.
    KeyFingerprint.objects.update(state="retired")
    assert keyring.check_key() is None


@pytest.mark.django_db
def test_a_database_without_fingerprints_is_checked_by_decrypting_what_it_holds(world, fresh_ring):
    from ombud.testing import complaint

    assert world.api(world.staff_mm).post("/api/v1/visits", complaint(world)).status_code == 201
    KeyFingerprint.objects.all().delete()
    assert keyring.check_key() is None  # the data decrypts: the key is the right one
    with override_settings(ENCRYPTION_KEY=OTHER), translation.override("en"):
        keyring.ring(reload=True)
        message = keyring.check_key()
        assert message is not None and "records no key fingerprint" in message
        keyring.record_current_key()  # never records a key that cannot read the data
        assert not KeyFingerprint.objects.exists()
    keyring.ring(reload=True)
    keyring.record_current_key()
    assert KeyFingerprint.objects.filter(fingerprint=keyring.ring().current.fingerprint).exists()


def test_every_encrypted_column_is_found_through_the_model_registry():
    labels = {c.label for c in keyring.encrypted_columns()}
    assert {
        "intake.Visit.visitor_name",
        "intake.Visit.visitor_phone",
        "intake.Visit.visitor_id_number",
        "intake.Visit.secret_code",
        "cases.Attachment.content",
    } <= labels
