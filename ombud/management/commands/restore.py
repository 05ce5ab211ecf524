"""`ombud restore DIR`: restore an `ombud backup` into an empty database and a fresh data
directory (ombud/backup.py; docs/operations.md). Exit code 0 restored; 1 nothing restored
(the reason is printed: damaged backup, database not empty, keys that do not match, ...)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ombud import backup
from ombud.errors import DomainError


class Command(BaseCommand):
    help = "Restore an ombud backup into an empty database and a fresh data directory (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="a directory written by ombud backup")

    def handle(self, *args, **opts):
        try:
            result = backup.restore(Path(opts["directory"]))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        m = result.manifest
        self.stdout.write(
            _(
                "Restored the backup of %(created)s (Ombud %(version)s): %(rows)d rows in %(tables)d tables, "
                "checked against the manifest, in %(seconds).1f s%(migrated)s. Key fingerprint %(fp)s."
            )
            % {
                "created": m.get("created_at"),
                "version": m.get("ombud_version"),
                "rows": sum(m["row_counts"].values()),
                "tables": len(m["row_counts"]),
                "seconds": result.seconds,
                "migrated": _("; migrated forward to this version") if result.migrated else "",
                "fp": backup.keyring.ring().current.fingerprint,
            }
        )
