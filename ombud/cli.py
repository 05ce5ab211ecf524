"""The `ombud` command: Django's management commands plus the project's own
(`ombud demo`, `ombud serve`, `ombud worker`, `ombud import-cases`, `ombud backup`, ...).

Before any command runs, the personal-data key is checked against the fingerprint the
database records (ombud/keyring.py): on a mismatch the command is refused with a message that
says which key to restore, exit code 3 (docs/operations.md). Commands that must work whatever
the key (help, check, makemigrations, backup, restore, ...) are not checked."""

import contextlib
import os
import sys
from pathlib import Path

# Commands spelt with a hyphen on the command line; Django's command modules cannot be.
ALIASES = {
    "import-cases": "import_cases",
    "audit-verify": "audit_verify",
    "rotate-key": "rotate_key",
    "load-holidays": "load_holidays",
    "rebuild-rollups": "rebuild_rollups",
}
# Commands that run whatever the key: they read no personal data, or repair the key itself.
KEY_CHECK_EXEMPT = {
    "help",
    "version",
    "check",
    "makemigrations",
    "showmigrations",
    "sqlmigrate",
    "dbshell",
    "backup",
    "restore",
}
EXIT_KEY_MISMATCH = 3


def _key_files_now() -> tuple[Path, set[str]]:
    """The key files of the data directory before settings are read (reading them may
    generate a fresh key): lets a refusal remove the key this command had just generated."""
    data_dir = Path(os.environ.get("OMBUD_DATA_DIR", str(Path.cwd() / "var"))).resolve()
    keys = data_dir / "keys"
    return keys, ({p.name for p in keys.iterdir()} if keys.is_dir() else set())


def _refuse_on_key_mismatch(keys_before: Path, names_before: set[str]) -> None:
    import django

    django.setup()
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    from ombud import keyring

    try:
        message = keyring.check_key()
    except ImproperlyConfigured as exc:  # a key too short, a damaged key file
        sys.stderr.write(f"{exc}\n")
        sys.exit(EXIT_KEY_MISMATCH)
    if message is None:
        # Unreachable or read-only: the command itself will say so.
        with contextlib.suppress(DatabaseError):
            keyring.record_current_key()
        return
    if keyring.keys_dir() == keys_before and keys_before.is_dir():
        for path in keys_before.iterdir():
            if path.is_file() and path.name not in names_before:
                path.unlink()  # generated a moment ago by this command's settings; nothing used it
    sys.stderr.write(message + "\n")
    sys.exit(EXIT_KEY_MISMATCH)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ombud.settings")
    keys_before, names_before = _key_files_now()
    from django.core.management import execute_from_command_line

    from ombud import keyring

    keyring.PREEXISTING_KEY_FILES = (keys_before, frozenset(names_before))

    argv = list(sys.argv)
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    if len(argv) > 2 and argv[1] == "help":
        argv[2] = ALIASES.get(argv[2], argv[2])
    command = argv[1] if len(argv) > 1 else "help"
    if (
        not command.startswith("-")
        and command not in KEY_CHECK_EXEMPT
        and os.environ["DJANGO_SETTINGS_MODULE"] != "ombud.settings_test"
    ):
        _refuse_on_key_mismatch(keys_before, names_before)
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
