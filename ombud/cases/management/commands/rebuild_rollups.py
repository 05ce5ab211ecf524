"""`ombud rebuild-rollups [--check]`: the case rollups (cases/rollups.py) from scratch, or
compared with the cases.

Without `--check`: every rollup is emptied and filled again from the cases in one
transaction (INSERT … SELECT … GROUP BY); on PostgreSQL writers wait meanwhile, readers go on.
Run it after anything that wrote cases without the case services (a bulk SQL load such as
bench/scale.py, a repair by hand).

With `--check`: nothing is written; every tuple whose stored count differs from the count over
the cases is printed, and the exit code is 1 when there is one (0 when they agree). A change
committed while the check reads may show as a difference: run it again on a quiet database.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ombud.cases import rollups

EXIT_DIFFERENT = 1
SHOWN_MAX = 200


class Command(BaseCommand):
    help = "Rebuild the case rollups from the cases, or (--check) compare them; exit 1 on a difference."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare the rollups with the cases; write nothing")

    def handle(self, *args, **opts):
        if not opts["check"]:
            rebuilt = rollups.rebuild()
            self.stdout.write(
                _(
                    "The rollups were rebuilt: %(tallies)d case tuples, %(months)d month tuples, "
                    "%(decisions)d decision tuples, %(tenths)d + %(days)d histogram tuples."
                )
                % {
                    "tallies": rebuilt.tallies,
                    "months": rebuilt.months,
                    "decisions": rebuilt.decisions,
                    "tenths": rebuilt.tenths,
                    "days": rebuilt.days,
                }
            )
            return
        found = rollups.differences()
        if not found:
            self.stdout.write(_("The rollups agree with the cases."))
            return
        for difference in found[:SHOWN_MAX]:
            self.stdout.write(str(difference))
        if len(found) > SHOWN_MAX:
            self.stdout.write(_("… and %(more)d more.") % {"more": len(found) - SHOWN_MAX})
        raise CommandError(
            _("%(count)d rollup tuples differ from the cases: run `ombud rebuild-rollups`.") % {"count": len(found)},
            returncode=EXIT_DIFFERENT,
        )
