"""`ombud backup DIR` and `ombud restore DIR` (docs/operations.md).

A backup directory holds:
- `database.sqlite3` (SQLite, copied with SQLite's online backup API) or `database.pgdump`
  (PostgreSQL, `pg_dump -Fc`): a consistent copy taken while the site runs;
- `keys/`: every file of `$OMBUD_DATA_DIR/keys` (personal-data key, old keys of a rotation, the
  blind-index key, Django's secret key, any other key kept there), and the values of those given
  in the environment instead; left out with `--no-keys`;
- `manifest.json`: Ombud's version, when, the database engine, the applied migrations, the row
  count of every table and the key fingerprints, all read in the same snapshot as the dump, and
  the SHA-256 of every file.
Evidence attachments are rows of the database (encrypted), so the dump holds them.

`restore` checks the manifest and the checksums, that the target database is empty and that
the keys read the backup's personal data *before* it writes anything; then it writes the keys,
loads the dump, compares every table's row count with the manifest and migrates forward.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils.translation import gettext as _

from ombud import keyring
from ombud.directory import generation
from ombud.errors import Conflict, InvalidInput

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_DUMP = "database.sqlite3"
PG_DUMP = "database.pgdump"
KEYS = "keys"
# Secrets that may come from the environment instead of a file in keys/ (env wins, as in settings).
ENV_SECRETS = {
    "OMBUD_ENCRYPTION_KEY": keyring.KEY_FILE,
    "OMBUD_SECRET_KEY": "secret_key",
    "OMBUD_AUDIT_KEY": "audit_key",
}


@dataclass
class BackupResult:
    directory: Path
    manifest: dict
    seconds: float
    bytes: int
    warning: str | None


@dataclass
class RestoreResult:
    manifest: dict
    seconds: float
    keys_written: list[str]
    migrated: bool


def _engine(alias: str = "default") -> str:
    vendor = connections[alias].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise InvalidInput(_("Backups support SQLite and PostgreSQL, not %(vendor)s.") % {"vendor": vendor})
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only, atomically (a temporary file, then rename)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _pg_params(alias: str = "default") -> dict[str, str]:
    db = settings.DATABASES[alias]
    params = {
        "dbname": db.get("NAME") or "",
        "user": db.get("USER") or "",
        "password": db.get("PASSWORD") or "",
        "host": db.get("HOST") or "",
        "port": str(db.get("PORT") or ""),
    }
    sslmode = (db.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        params["sslmode"] = sslmode
    return {k: v for k, v in params.items() if v}


def _pg_env(alias: str = "default") -> dict[str, str]:
    """libpq's environment for pg_dump/pg_restore: the password never on a command line."""
    names = {"dbname": "PGDATABASE", "user": "PGUSER", "password": "PGPASSWORD", "host": "PGHOST", "port": "PGPORT"}
    names["sslmode"] = "PGSSLMODE"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update({names[k]: v for k, v in _pg_params(alias).items()})
    return env


def _facts(cursor, tables: list[str]) -> dict:
    """Row counts, applied migrations and recorded key fingerprints, read through `cursor`
    (inside the snapshot the dump is taken from)."""

    def q(name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {q(table)}")  # noqa: S608 (table names from the catalogue)
        counts[table] = cursor.fetchone()[0]
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    fingerprints: list[dict] = []
    if "ombud_keyfingerprint" in tables:
        cursor.execute("SELECT kind, fingerprint, state FROM ombud_keyfingerprint ORDER BY created_at, id")
        fingerprints = [{"kind": k, "fingerprint": f, "state": s} for k, f, s in cursor.fetchall()]
    return {"row_counts": counts, "migrations": migrations, "key_fingerprints": fingerprints}


def _dump_sqlite(target: Path, alias: str) -> dict:
    source_path = settings.DATABASES[alias]["NAME"]
    source = sqlite3.connect(source_path)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)  # one step: a consistent copy, writers wait only for its duration
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        cur = dest.cursor()
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [r[0] for r in cur.fetchall()]
        return _facts(cur, tables)
    finally:
        dest.close()
        source.close()


def _dump_postgresql(target: Path, alias: str) -> dict:
    import psycopg

    with psycopg.connect(**_pg_params(alias)) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cur:
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            tables = [r[0] for r in cur.fetchall()]
            facts = _facts(cur, tables)
            # pg_dump reads the very snapshot the counts above were read in.
            done = subprocess.run(  # noqa: S603
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", str(target)],  # noqa: S607
                env=_pg_env(alias),
                capture_output=True,
                text=True,
            )
        conn.rollback()
    if done.returncode != 0:
        raise InvalidInput(_("pg_dump failed: %(error)s") % {"error": done.stderr.strip()[-2000:]})
    return facts


def _key_material() -> dict[str, bytes]:
    """Every key file of the data directory, with the environment's values in their place."""
    found: dict[str, bytes] = {}
    directory = keyring.keys_dir()
    if directory.is_dir():
        for path in sorted(directory.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                found[path.name] = path.read_bytes()
    for env_name, file_name in ENV_SECRETS.items():
        value = os.environ.get(env_name)
        if value:
            found[file_name] = (value + "\n").encode()
    return found


def ombud_version() -> str:
    try:
        return metadata.version("ombud")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup(directory: Path, *, include_keys: bool = True, alias: str = "default") -> BackupResult:
    """Write a backup into `directory` (created; it must not exist or be empty)."""
    started = time.monotonic()
    engine = _engine(alias)
    directory = Path(directory)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise Conflict(
            _("%(dir)s is not empty: give a new directory for the backup.") % {"dir": directory}, code="not_empty"
        )
    warning = keyring.check_key(alias)
    old_umask = os.umask(0o077)
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        dump_name = SQLITE_DUMP if engine == "sqlite" else PG_DUMP
        dump_path = directory / dump_name
        try:
            facts = _dump_sqlite(dump_path, alias) if engine == "sqlite" else _dump_postgresql(dump_path, alias)
            os.chmod(dump_path, 0o600)
            files = [dump_name]
            if include_keys:
                for name, data in _key_material().items():
                    _write_private(directory / KEYS / name, data)
                    files.append(f"{KEYS}/{name}")
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # nothing half-written left behind
            raise
        current = keyring.ring()
        manifest = {
            "format": FORMAT,
            "ombud_version": ombud_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"engine": engine, "file": dump_name},
            "keys_included": include_keys,
            # Every key file by fingerprint (never its content), so a restore can tell which are missing.
            "key_files": {name: keyring.fingerprint(data.strip()) for name, data in _key_material().items()},
            "key_ring": {
                "current": current.current.fingerprint,
                "all": sorted(current.fingerprints),
                "index": current.index_fingerprint,
            },
            **facts,
            "files": {
                name: {"sha256": _sha256(directory / name), "bytes": (directory / name).stat().st_size}
                for name in files
            },
        }
        _write_private(directory / MANIFEST, (json.dumps(manifest, indent=2, ensure_ascii=False) + "\n").encode())
    finally:
        os.umask(old_umask)
    size = sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())
    return BackupResult(directory, manifest, time.monotonic() - started, size, warning)


# ---- restore ---------------------------------------------------------------------------------


def read_manifest(directory: Path) -> dict:
    """The manifest, with every file it lists checked against its SHA-256."""
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInput(
            _("%(dir)s holds no %(manifest)s: it is not an Ombud backup.") % {"dir": directory, "manifest": MANIFEST}
        ) from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput(_("%(path)s is not valid JSON.") % {"path": path}) from None
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("files"), dict)
    ):
        raise InvalidInput(_("%(path)s is not a manifest this version of Ombud reads.") % {"path": path})
    for name, info in manifest["files"].items():
        file = Path(directory) / name
        if ".." in Path(name).parts or Path(name).is_absolute():
            raise InvalidInput(_("The manifest names a file outside the backup: %(name)s.") % {"name": name})
        if not file.is_file():
            raise InvalidInput(_("The backup is incomplete: %(name)s is missing.") % {"name": name})
        if _sha256(file) != info.get("sha256"):
            raise InvalidInput(
                _("The backup is damaged: %(name)s does not match its checksum in the manifest.") % {"name": name}
            )
    return manifest


def _needed_fingerprints(manifest: dict) -> tuple[list[str], list[str]]:
    rows = manifest.get("key_fingerprints") or []
    enc = [r["fingerprint"] for r in rows if r.get("kind") == "encryption" and r.get("state") != "retired"]
    index = [r["fingerprint"] for r in rows if r.get("kind") == "index"]
    return enc, index


def _check_migrations_known(manifest: dict, alias: str) -> None:
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    unknown = [
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in loader.disk_migrations and app in loader.migrated_apps
    ]
    if unknown:
        raise InvalidInput(
            _(
                "This backup was written by a newer Ombud (%(version)s): this version does not know its "
                "migrations %(names)s. Restore it with that version or a later one."
            )
            % {"version": manifest.get("ombud_version", "?"), "names": ", ".join(unknown[:5])}
        )


def _was_there_before(name: str) -> bool:
    """Whether keys/<name> existed before this command started (else this very command's
    settings generated it). Without `ombud.cli`'s record, assume it was there (the safe side)."""
    before = keyring.PREEXISTING_KEY_FILES
    if before is None or before[0] != keyring.keys_dir():
        return True
    return name in before[1]


def _is_empty(alias: str) -> list[str]:
    return connections[alias].introspection.table_names()


def _generated_by_this_command() -> list[Path]:
    """Key files this command's settings generated (a fresh data directory gets new keys)."""
    before = keyring.PREEXISTING_KEY_FILES
    directory = keyring.keys_dir()
    if before is None or before[0] != directory or not directory.is_dir():
        return []
    return [p for p in directory.iterdir() if p.is_file() and p.name not in before[1]]


def restore(directory: Path, *, alias: str = "default") -> RestoreResult:
    """Restore a backup into this (empty) database and data directory. Until the dump is
    loaded, a failure leaves the data directory as it was found (keys written are undone, keys
    this command generated are removed); the database is loaded in one transaction (PostgreSQL)
    or one backup step (SQLite)."""
    from django.core.management import call_command

    started = time.monotonic()
    directory = Path(directory)
    generated = _generated_by_this_command()
    written: list[tuple[Path, bytes | None]] = []

    def undo_keys() -> None:
        for path, previous in reversed(written):
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                _write_private(path, previous)
        for path in generated:
            path.unlink(missing_ok=True)  # this command's own fresh keys: leave the directory as found
        keyring.ring(reload=True)

    try:
        manifest = _restore_keys_and_database(directory, alias, written)
    except BaseException:
        undo_keys()
        raise
    _check_counts(manifest, alias)
    behind = bool(_pending_migrations(alias))
    if behind:
        call_command("migrate", interactive=False, verbosity=0, database=alias)
    problem = keyring.check_key(alias)
    if problem:  # checked before loading; a database that disagrees with its own manifest
        raise InvalidInput(problem, code="key_mismatch")
    keyring.record_current_key(alias)
    # The backup's cache generation is the number of the moment it was taken: a fresh one, so
    # that no process keeps trusting what it cached since (directory/generation.py).
    generation.renew(alias)
    return RestoreResult(manifest, time.monotonic() - started, [str(p) for p, _prev in written], behind)


def _restore_keys_and_database(directory: Path, alias: str, written: list[tuple[Path, bytes | None]]) -> dict:
    manifest = read_manifest(directory)
    engine = _engine(alias)
    if manifest["database"].get("engine") != engine:
        raise InvalidInput(
            _(
                "This is a %(theirs)s backup; the configured database is %(ours)s. "
                "Restore it into a %(theirs)s database."
            )
            % {"theirs": manifest["database"].get("engine"), "ours": engine}
        )
    tables = _is_empty(alias)
    if tables:
        raise Conflict(
            _(
                "The target database is not empty (%(count)d tables, e.g. %(names)s). Restore needs an empty "
                "database: create a new one (or a new data directory for SQLite) and point DATABASE_URL at it."
            )
            % {"count": len(tables), "names": ", ".join(sorted(tables)[:3])},
            code="not_empty",
        )
    _check_migrations_known(manifest, alias)

    # Keys: refuse to replace a different key that was there; a key this command's settings
    # generated a moment ago holds nothing and is replaced.
    key_files = {
        name.removeprefix(KEYS + "/"): directory / name for name in manifest["files"] if name.startswith(KEYS + "/")
    }
    target_dir = keyring.keys_dir()
    for name, source in key_files.items():
        target = target_dir / name
        if target.exists() and target.read_bytes().strip() != source.read_bytes().strip() and _was_there_before(name):
            raise Conflict(
                _(
                    "The data directory already holds a different %(name)s (%(path)s). Restore into a fresh data "
                    "directory, or move that file away if you are sure no database needs it."
                )
                % {"name": name, "path": target},
                code="key_exists",
            )
    for name, source in key_files.items():
        target = target_dir / name
        previous = target.read_bytes() if target.exists() else None
        if previous is None or previous.strip() != source.read_bytes().strip():
            written.append((target, previous))
            _write_private(target, source.read_bytes())
    current = keyring.ring(reload=True)
    enc, index = _needed_fingerprints(manifest)
    missing = [fp for fp in enc if fp not in current.fingerprints]
    if missing or (index and current.index_fingerprint not in index):
        if missing:
            message = _(
                "The backup's personal data is under key fingerprint %(wanted)s, but the key in %(source)s has "
                "fingerprint %(fp)s%(nokeys)s. Put the matching key file at %(path)s (or point %(env)s at it) "
                "and restore again. Nothing was restored."
            ) % {
                "wanted": ", ".join(missing),
                "source": keyring.key_source(),
                "fp": current.current.fingerprint,
                "nokeys": "" if manifest.get("keys_included") else _(" (the backup was written with --no-keys)"),
                "path": target_dir / keyring.KEY_FILE,
                "env": keyring.ENV_KEY,
            }
        else:
            message = _(
                "The backup's phone lookups use blind-index key fingerprint %(wanted)s; the keys here give "
                "%(fp)s. Put the backup's index_key file at %(path)s and restore again. Nothing was restored."
            ) % {
                "wanted": ", ".join(index),
                "fp": current.index_fingerprint,
                "path": target_dir / keyring.INDEX_KEY_FILE,
            }
        raise InvalidInput(message, code="key_mismatch")
    have = {name: keyring.fingerprint(data.strip()) for name, data in _key_material().items()}
    lacking = sorted(
        name
        for name, fp in (manifest.get("key_files") or {}).items()
        if have.get(name) != fp and name != "secret_key" and not name.startswith(keyring.OLD_KEY_PREFIX)
    )
    if lacking:
        raise InvalidInput(
            _(
                "The backup was taken with key files this data directory does not have, or has different: "
                "%(names)s. Copy them from where you keep the keys to %(dir)s and restore again. Nothing was restored."
            )
            % {"names": ", ".join(lacking), "dir": target_dir},
            code="key_mismatch",
        )

    dump = directory / manifest["database"]["file"]
    if engine == "sqlite":
        _load_sqlite(dump, alias)
    else:
        _load_postgresql(dump, alias)
    return manifest


def _load_sqlite(dump: Path, alias: str) -> None:
    connections[alias].close()
    target_path = Path(settings.DATABASES[alias]["NAME"])
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    dest = sqlite3.connect(target_path)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")
    finally:
        dest.close()
        source.close()
    os.chmod(target_path, 0o600)


def _load_postgresql(dump: Path, alias: str) -> None:
    connections[alias].close()
    done = subprocess.run(  # noqa: S603
        [  # noqa: S607
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            "--dbname",
            _pg_params(alias)["dbname"],
            str(dump),
        ],
        env=_pg_env(alias),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise InvalidInput(_("pg_restore failed: %(error)s") % {"error": done.stderr.strip()[-2000:]})


def _check_counts(manifest: dict, alias: str) -> None:
    connection = connections[alias]
    q = connection.ops.quote_name
    wrong = []
    with connection.cursor() as cursor:
        for table, expected in (manifest.get("row_counts") or {}).items():
            cursor.execute(f"SELECT COUNT(*) FROM {q(table)}")  # noqa: S608 (names from the verified manifest)
            got = cursor.fetchone()[0]
            if got != expected:
                wrong.append(f"{table}: {got} ≠ {expected}")
    if wrong:
        raise InvalidInput(
            _("The restored database does not match the manifest's row counts: %(wrong)s.")
            % {"wrong": "; ".join(wrong[:5])}
        )


def _pending_migrations(alias: str) -> list:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[alias])
    return executor.migration_plan(executor.loader.graph.leaf_nodes())
