"""Keys, backup and restore (docs/operations.md), run as an operator runs them: each `ombud`
command is a process of its own with its own data directory and database, on SQLite or, when
the suite runs with DATABASE_URL=postgres://…, on PostgreSQL databases created for the test.

Guards issue 8's finding "restoring a backup without the key file silently makes personal data
unreadable: a fresh data directory generates a new key, every visitor read raises InvalidTag"."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import pytest

from ombud import keyring

CLI = [sys.executable, "-m", "ombud.cli"]
SOURCE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = SOURCE_URL.startswith(("postgres://", "postgresql://"))

PEOPLE = [
    ("李秀英", "13812345678", "440902198503150028"),
    ("欧阳建华", "13987654321", ""),
    ("张三丰", "020-83331234", ""),
]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

SEED = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from ombud.testing import make_world, complaint
from ombud.cases import attachments
from ombud.cases.models import Case
w = make_world()
api = w.api(w.staff_mm)
for name, phone, idn in {PEOPLE!r}:
    visitor = {{"name": name, "phone": phone}} | ({{"id_number": idn}} if idn else {{}})
    r = api.post("/api/v1/visits", complaint(w, visitor=visitor))
    assert r.status_code == 201, r.content
case = Case.objects.order_by("id").first()
attachments.add_attachment(w.officer, case.pk, SimpleUploadedFile("policy.pdf", {PDF!r}))
"""

READ = """
import hashlib, json
from ombud.intake.models import Visit
from ombud.cases.models import Attachment
from ombud.cases.attachments import content_of
visits = [[v.tracking_no, v.visitor_name, v.visitor_phone, v.visitor_id_number, v.secret_code]
          for v in Visit.objects.order_by("tracking_no")]
files = [[a.filename, hashlib.sha256(content_of(a)).hexdigest()] for a in Attachment.objects.order_by("id")]
print("JSON" + json.dumps({"visits": visits, "attachments": files}, ensure_ascii=False))
"""

RAW = """
import json
from django.db import connection
with connection.cursor() as c:
    c.execute("SELECT visitor_name, visitor_phone, secret_code FROM intake_visit ORDER BY tracking_no")
    texts = [v for row in c.fetchall() for v in row if v]
    c.execute("SELECT content FROM cases_attachment ORDER BY id")
    blobs = [bytes(r[0]).hex() for r in c.fetchall()]
print("JSON" + json.dumps({"texts": texts, "blobs": blobs}))
"""


def _env(data_dir: Path, db_url: str | None) -> dict[str, str]:
    drop = {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "OMBUD_ENCRYPTION_KEY", "OMBUD_SECRET_KEY", "OMBUD_AUDIT_KEY"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env |= {"OMBUD_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "ombud.settings"}
    if db_url:
        env["DATABASE_URL"] = db_url
    return env


def ombud(data_dir: Path, db_url: str | None, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, *args], env=_env(data_dir, db_url), capture_output=True, text=True, timeout=timeout, check=False
    )


def ok(data_dir: Path, db_url: str | None, *args: str) -> str:
    done = ombud(data_dir, db_url, *args)
    assert done.returncode == 0, f"ombud {' '.join(args)}: {done.stdout}\n{done.stderr}"
    return done.stdout


def shell_json(data_dir: Path, db_url: str | None, script: str) -> dict:
    out = ok(data_dir, db_url, "shell", "-c", script)
    return json.loads(next(line for line in out.splitlines() if line.startswith("JSON"))[4:])


class Databases:
    """Fresh, empty databases: a new SQLite file in each data directory, or a new PostgreSQL
    database with a unique name (dropped at the end)."""

    def __init__(self):
        self.created: list[str] = []

    def _admin(self):
        import psycopg

        db = dj_database_url.parse(SOURCE_URL)
        params = {"user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"], "port": db["PORT"]}
        return psycopg.connect(dbname="postgres", autocommit=True, **{k: v for k, v in params.items() if v})

    def new(self) -> str | None:
        if not ON_POSTGRES:
            return None  # the data directory's own ombud.sqlite3
        name = f"ombud_h4_bk_{secrets.token_hex(4)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        base = SOURCE_URL.rsplit("/", 1)[0]
        return f"{base}/{name}"

    def drop_all(self) -> None:
        if not self.created:
            return
        with self._admin() as conn:
            for name in self.created:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases():
    dbs = Databases()
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="module")
def source(tmp_path_factory, databases):
    """A deployment with three visits (names, phones, an ID number) and an encrypted attachment,
    and its backup."""
    root = tmp_path_factory.mktemp("backup")
    data, url = root / "source", databases.new()
    ok(data, url, "migrate", "-v0")
    ok(data, url, "shell", "-c", SEED)
    expected = shell_json(data, url, READ)
    assert [v[1:4] for v in sorted(expected["visits"], key=lambda v: v[1])] == sorted(
        [list(p) for p in PEOPLE], key=lambda p: p[0]
    )
    out = ok(data, url, "backup", str(root / "backup"))
    assert "Backup written to" in out or "备份" in out
    return {"root": root, "data": data, "url": url, "expected": expected, "backup": root / "backup"}


def test_the_backup_holds_dump_keys_and_a_manifest_readable_by_the_owner_only(source):
    backup = source["backup"]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["engine"] == ("postgresql" if ON_POSTGRES else "sqlite")
    assert manifest["row_counts"]["intake_visit"] == len(PEOPLE)
    assert manifest["row_counts"]["cases_attachment"] == 1
    assert "intake" in manifest["migrations"] and "ombud" in manifest["migrations"]
    key = (source["data"] / "keys" / "encryption_key").read_text().strip()
    assert manifest["key_ring"]["current"] == keyring.fingerprint(key)
    assert {"kind": "encryption", "fingerprint": keyring.fingerprint(key), "state": "current"} in manifest[
        "key_fingerprints"
    ]
    assert key not in (backup / "manifest.json").read_text()  # a fingerprint, never the key
    assert (backup / "keys" / "encryption_key").read_text().strip() == key
    assert "keys/secret_key" in manifest["files"]
    for path in [backup, *backup.rglob("*")]:
        assert path.stat().st_mode & 0o077 == 0, path


GENERATION = """
import json
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SELECT value FROM directory_cachegeneration WHERE id = 1")
    print("JSON" + json.dumps({"generation": cursor.fetchone()[0]}))
"""


def test_restore_into_a_fresh_data_directory_serves_the_same_visits_decrypted(source, databases):
    target, url = source["root"] / "restored", databases.new()
    out = ok(target, url, "restore", str(source["backup"]))
    assert "Restored" in out or "恢复" in out
    assert shell_json(target, url, READ) == source["expected"]
    # A new cache generation: a process that cached rows since the backup (a token created
    # after it, which the restored database does not have) trusts none of them.
    restored = shell_json(target, url, GENERATION)["generation"]
    assert restored != shell_json(source["data"], source["url"], GENERATION)["generation"]
    # The restored deployment starts: the key check passes for every command.
    ok(target, url, "migrate", "-v0")


def test_a_fresh_data_directory_on_the_database_refuses_to_start_and_keeps_no_new_key(source):
    """The finding itself: the data directory lost its key, the next start generates one."""
    if ON_POSTGRES:
        data = source["root"] / "no-key"
        data.mkdir()
    else:
        data = source["root"] / "no-key"
        shutil.copytree(source["data"], data)
        (data / "keys" / "encryption_key").unlink()
    fingerprint = keyring.fingerprint((source["data"] / "keys" / "encryption_key").read_text().strip())
    for command in (["migrate"], ["shell", "-c", READ], ["serve", "--port", "1", "--no-worker"], ["audit-verify"]):
        done = ombud(data, source["url"], *command, timeout=120)
        assert done.returncode == 3, (command, done.stdout, done.stderr)
        assert fingerprint in done.stderr and "ombud backup" in done.stderr, done.stderr
        assert str(data / "keys" / "encryption_key") in done.stderr
        assert "Traceback" not in done.stderr and "JSON" not in done.stdout
        assert not (data / "keys" / "encryption_key").exists()  # the key it had just generated is gone


def test_a_wrong_key_refuses_with_both_fingerprints(source):
    data = source["root"] / "wrong-key"
    (data / "keys").mkdir(parents=True)
    if not ON_POSTGRES:
        shutil.copy(source["data"] / "ombud.sqlite3", data / "ombud.sqlite3")
    wrong = secrets.token_urlsafe(32)
    (data / "keys" / "encryption_key").write_text(wrong + "\n")
    done = ombud(data, source["url"], "migrate")
    assert done.returncode == 3
    assert keyring.fingerprint(wrong) in done.stderr
    assert keyring.fingerprint((source["data"] / "keys" / "encryption_key").read_text().strip()) in done.stderr
    assert (data / "keys" / "encryption_key").read_text().strip() == wrong  # an operator's file is never removed
    # `check` and `help` still run, so the operator can look around.
    assert ombud(data, source["url"], "help").returncode == 0


def test_a_different_audit_key_refuses_too(source, databases):
    """A fresh audit key would make every earlier audit entry fail to verify."""
    target, url = source["root"] / "wrong-audit-key", databases.new()
    ok(target, url, "restore", str(source["backup"]))
    audit = target / "keys" / "audit_key"
    assert audit.exists()
    audit.write_text(secrets.token_urlsafe(32) + "\n")
    done = ombud(target, url, "migrate")
    assert done.returncode == 3
    assert str(audit) in done.stderr and "OMBUD_AUDIT_KEY" in done.stderr


def test_restore_into_a_database_that_is_not_empty_is_refused(source):
    data = source["root"] / "into-source"
    if ON_POSTGRES:
        shutil.copytree(source["data"] / "keys", data / "keys")
    else:
        shutil.copytree(source["data"], data)
    done = ombud(data, source["url"], "restore", str(source["backup"]))
    assert done.returncode == 1
    assert "not empty" in done.stderr or "不是空" in done.stderr
    assert "Traceback" not in done.stderr
    assert shell_json(source["data"], source["url"], READ) == source["expected"]  # untouched


def test_restore_refuses_to_replace_a_different_key_already_there(source, databases):
    target, url = source["root"] / "other-key", databases.new()
    (target / "keys").mkdir(parents=True)
    theirs = secrets.token_urlsafe(32)
    (target / "keys" / "encryption_key").write_text(theirs + "\n")
    done = ombud(target, url, "restore", str(source["backup"]))
    assert done.returncode == 1
    assert str(target / "keys" / "encryption_key") in done.stderr
    assert (target / "keys" / "encryption_key").read_text().strip() == theirs


def test_a_damaged_backup_is_refused_before_anything_is_written(source, databases):
    damaged = source["root"] / "damaged"
    shutil.copytree(source["backup"], damaged)
    dump = next(p for p in damaged.iterdir() if p.name.startswith("database."))
    with dump.open("r+b") as fh:
        fh.seek(dump.stat().st_size // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0xFF]))
    target, url = source["root"] / "from-damaged", databases.new()
    done = ombud(target, url, "restore", str(damaged))
    assert done.returncode == 1
    assert dump.name in done.stderr
    assert not (target / "keys" / "encryption_key").exists()  # nothing left behind, not even a new key


def test_a_backup_without_keys_restores_only_with_the_matching_key(source, databases):
    data = source["data"]
    nokeys = source["root"] / "backup-no-keys"
    ok(data, source["url"], "backup", str(nokeys), "--no-keys")
    assert not (nokeys / "keys").exists()
    target, url = source["root"] / "nokeys-target", databases.new()
    done = ombud(target, url, "restore", str(nokeys))
    assert done.returncode == 1
    assert "--no-keys" in done.stderr
    assert not (target / "keys" / "encryption_key").exists()
    # The operator brings the keys kept elsewhere: the encryption key alone is not all of them
    # when other keys (the audit key) exist; with the whole keys directory the restore runs.
    shutil.copy(data / "keys" / "encryption_key", target / "keys" / "encryption_key")
    others = sorted(p.name for p in (data / "keys").iterdir() if p.name not in ("encryption_key", "secret_key"))
    if others:
        done = ombud(target, url, "restore", str(nokeys))
        assert done.returncode == 1 and others[0] in done.stderr, done.stderr
    shutil.copytree(data / "keys", target / "keys", dirs_exist_ok=True)
    ok(target, url, "restore", str(nokeys))
    assert shell_json(target, url, READ) == source["expected"]


READER = """
import os, sys, time
from ombud.intake.models import Visit
from ombud.cases.models import Attachment
from ombud.cases.attachments import content_of
print("READY", flush=True)
reads = errors = 0
while not os.path.exists({stop!r}):
    try:
        assert all(v.visitor_name for v in Visit.objects.all())
        assert all(content_of(a) for a in Attachment.objects.all())
        reads += 1
    except Exception as exc:
        errors += 1
        print("ERROR", type(exc).__name__, flush=True)
    time.sleep(0.05)
print("READS", reads, "ERRORS", errors, flush=True)
"""

WRITER = """
import os, time
from ombud.intake.models import Visit
visit = Visit.objects.order_by("id").first()
print("READY", flush=True)
writes = 0
while not os.path.exists({stop!r}):
    # The same clear value, a fresh ciphertext under whatever key this process holds as current.
    Visit.objects.filter(pk=visit.pk).update(visitor_phone=visit.visitor_phone)
    writes += 1
    time.sleep(0.05)
print("WRITES", writes, flush=True)
"""


def _start(data: Path, url: str | None, script: str) -> subprocess.Popen:
    proc = subprocess.Popen(
        [*CLI, "shell", "-c", script], env=_env(data, url), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in proc.stdout:
        if line.startswith("READY"):
            return proc
    raise AssertionError(f"the helper process did not start: rc {proc.wait()}")


def test_rotate_key_re_encrypts_everything_while_readers_and_writers_keep_working(source, databases):
    target, url = source["root"] / "rotated", databases.new()
    ok(target, url, "restore", str(source["backup"]))
    before = shell_json(target, url, RAW)
    old_key = (target / "keys" / "encryption_key").read_text().strip()
    stop = source["root"] / "stop-rotation-helpers"
    reader = _start(target, url, READER.format(stop=str(stop)))
    writer = _start(target, url, WRITER.format(stop=str(stop)))
    try:
        started = time.monotonic()
        out = ok(target, url, "rotate-key", "--batch", "1")
        seconds = time.monotonic() - started
        time.sleep(0.5)
    finally:
        stop.touch()
        reader_out, _ = reader.communicate(timeout=60)
        writer_out, _ = writer.communicate(timeout=60)
    assert "ERRORS 0" in reader_out, reader_out
    assert "READS" in reader_out and "WRITES" in writer_out, (reader_out, writer_out)
    new_key = (target / "keys" / "encryption_key").read_text().strip()
    old_file = target / "keys" / f"encryption_key.old-{keyring.fingerprint(old_key)}"
    assert new_key != old_key and old_file.read_text().strip() == old_key
    assert str(old_file) in out
    assert seconds < 120
    # Every ciphertext, written before or during the rotation, is now under the new key.
    after = shell_json(target, url, RAW)
    kid = keyring.fingerprint(new_key)[:8]
    assert after["texts"] and all(t.startswith(f"v1:{kid}:") for t in after["texts"]), after["texts"]
    assert all(bytes.fromhex(b)[:12] == b"OMB2" + kid.encode() for b in after["blobs"])
    assert not set(after["texts"]) & set(before["texts"]) and not set(after["blobs"]) & set(before["blobs"])
    # The old key is no longer needed: without it the data reads the same and every command starts.
    old_file.unlink()
    assert shell_json(target, url, READ) == source["expected"]
    ok(target, url, "migrate", "-v0")
    # The backup taken before the rotation still restores (it carries its own key).
    again, url2 = source["root"] / "restored-after-rotation", databases.new()
    ok(again, url2, "restore", str(source["backup"]))
    assert shell_json(again, url2, READ) == source["expected"]


INTERRUPTED = """
from ombud import keyring, rotation
old, new = rotation.switch_key()
visit_name = next(c for c in keyring.encrypted_columns() if c.label == "intake.Visit.visitor_name")
rotation._rewrite_column(visit_name, new[:8], 1, "default")
print("JSON" + __import__("json").dumps([old, new]))
"""


def test_rotate_key_killed_midway_resumes_without_a_second_new_key(source, databases):
    target, url = source["root"] / "interrupted", databases.new()
    ok(target, url, "restore", str(source["backup"]))
    # What a kill leaves: the new key in place, one column re-encrypted, the others not.
    old, new = shell_json(target, url, INTERRUPTED)
    assert shell_json(target, url, READ) == source["expected"]  # readers meanwhile: old and new both read
    mixed = shell_json(target, url, RAW)["texts"]
    assert any(t.startswith(f"v1:{new[:8]}:") for t in mixed) and any(t.startswith(f"v1:{old[:8]}:") for t in mixed)
    out = ok(target, url, "rotate-key", "--settle", "0")
    assert keyring.fingerprint((target / "keys" / "encryption_key").read_text().strip()) == new  # no third key
    assert new in out and old in out
    after = shell_json(target, url, RAW)
    assert all(t.startswith(f"v1:{new[:8]}:") for t in after["texts"])
    (target / "keys" / f"encryption_key.old-{old}").unlink()
    assert shell_json(target, url, READ) == source["expected"]


def test_rotate_key_refuses_a_key_from_the_environment(source, databases):
    target, url = source["root"] / "env-key", databases.new()
    ok(target, url, "restore", str(source["backup"]))
    env = _env(target, url) | {"OMBUD_ENCRYPTION_KEY": (target / "keys" / "encryption_key").read_text().strip()}
    done = subprocess.run([*CLI, "rotate-key"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "OMBUD_ENCRYPTION_KEY" in done.stderr and "Traceback" not in done.stderr
