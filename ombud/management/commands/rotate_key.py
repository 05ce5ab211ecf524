"""`ombud rotate-key [--batch N]`: a new personal-data key; every ciphertext (personal data and
evidence attachments) re-encrypted under it while the site serves (ombud/rotation.py;
docs/operations.md). Run again after an interruption: it finishes the rotation begun.
Exit code 0 done; 1 not done (the reason is printed)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ombud import rotation
from ombud.errors import DomainError


class Command(BaseCommand):
    help = "Re-encrypt personal data and attachments under a new key, without downtime (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (default 500)")
        parser.add_argument(
            "--settle",
            type=float,
            default=None,
            help="seconds to wait after the switch before the last pass (default: the key files' re-read interval + 1)",
        )

    def handle(self, *args, **opts):
        if opts["batch"] < 1:
            raise CommandError(_("--batch must be at least 1."))

        def progress(label: str, n: int) -> None:
            self.stdout.write(_("%(column)s: %(n)d values re-encrypted") % {"column": label, "n": n})

        try:
            result = rotation.rotate(batch=opts["batch"], settle=opts["settle"], progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            _(
                "%(what)s: %(n)d values re-encrypted under key fingerprint %(fp)s in %(seconds).1f s "
                "(%(passes)d passes). Old key fingerprints retired: %(old)s."
            )
            % {
                "what": _("Rotation finished") if result.resumed else _("Key rotated"),
                "n": sum(result.rewritten.values()),
                "fp": result.new_fingerprint,
                "seconds": result.seconds,
                "passes": result.passes,
                "old": ", ".join(result.old_fingerprints) or "—",
            }
        )
        for path in result.old_key_files:
            self.stdout.write(
                _(
                    "The old key is kept at %(path)s: the database no longer needs it, but backups taken before this "
                    "rotation do. Remove it when you no longer need those backups (and restart Ombud after backing up "
                    "the new key)."
                )
                % {"path": path}
            )
