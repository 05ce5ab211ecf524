"""`ombud audit-verify [--expect SEQ:HASH]`: walk the audit log's hash chain (docs/audit.md).

It prints the head (`SEQ:HMAC`) to note somewhere the database's owner cannot write, and to
pass back with `--expect` later. Exit codes: 0 the chain verifies (and holds the expected
entry, if given); 1 it does not: the first broken entry is printed, or the append-only
triggers are missing; 2 the `--expect` value is malformed.
"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ombud.audit import triggers
from ombud.audit.services import verify

EXIT_BROKEN = 1
EXIT_USAGE = 2


def parse_expect(text: str) -> tuple[int, str]:
    match = re.fullmatch(r"(\d{1,18}):([0-9a-f]{64})", text.strip().lower())
    if not match:
        raise CommandError(
            _("--expect takes SEQ:HASH: the sequence number and the 64 hex digits an earlier run printed as its head."),
            returncode=EXIT_USAGE,
        )
    return int(match.group(1)), match.group(2)


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exit 1 at the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="a head printed by an earlier run: fail if that entry is gone or changed (detects a cut tail)",
        )

    def handle(self, *args, **opts):
        expect = parse_expect(opts["expect"]) if opts.get("expect") else None
        result = verify(expect=expect)
        if not result.ok:
            raise CommandError(
                _("The audit log does not verify: entry %(seq)s %(reason)s (%(checked)d entries read).")
                % {"seq": result.broken_seq, "reason": result.reason, "checked": result.checked},
                returncode=EXIT_BROKEN,
            )
        missing = triggers.missing()
        if missing:
            raise CommandError(
                _("The audit log's append-only triggers are missing or disabled: %(names)s (docs/audit.md).")
                % {"names": ", ".join(sorted(missing))},
                returncode=EXIT_BROKEN,
            )
        if result.head_seq is None:
            self.stdout.write(_("The audit log is empty."))
            return
        self.stdout.write(
            _("The audit log verifies: %(count)d entries. Head: %(seq)d:%(hash)s")
            % {"count": result.checked, "seq": result.head_seq, "hash": result.head_hash}
        )
