"""`ombud backup DIR [--no-keys]`: a consistent copy of the database, the keys and a manifest
(ombud/backup.py; docs/operations.md). Exit code 0 written; 1 not written (the reason is printed)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ombud import backup
from ombud.errors import DomainError


class Command(BaseCommand):
    help = "Back up the database, the keys and a manifest into a new directory (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a new (or empty) directory to write the backup into")
        parser.add_argument(
            "--no-keys",
            action="store_true",
            help="leave the keys out (keep them elsewhere: without the encryption key the personal data is unreadable)",
        )

    def handle(self, *args, **opts):
        try:
            result = backup.backup(Path(opts["directory"]), include_keys=not opts["no_keys"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if result.warning:
            self.stderr.write(_("Warning: %(problem)s") % {"problem": result.warning})
        m = result.manifest
        self.stdout.write(
            _(
                "Backup written to %(dir)s: %(engine)s database, %(rows)d rows in %(tables)d tables, %(mb).1f MB, "
                "%(seconds).1f s. Key fingerprint %(fp)s."
            )
            % {
                "dir": result.directory,
                "engine": m["database"]["engine"],
                "rows": sum(m["row_counts"].values()),
                "tables": len(m["row_counts"]),
                "mb": result.bytes / 1e6,
                "seconds": result.seconds,
                "fp": m["key_ring"]["current"],
            }
        )
        if m["keys_included"]:
            self.stdout.write(
                _("The backup holds the keys (keys/): whoever reads it reads the personal data. Keep it protected.")
            )
        else:
            self.stdout.write(
                _("The keys are not in this backup: keep %(dir)s (fingerprint %(fp)s) safe elsewhere.")
                % {"dir": backup.keyring.keys_dir(), "fp": m["key_ring"]["current"]}
            )
