"""`ombud import-cases FILE.xlsx --user USERNAME [--all-or-nothing] [--dry-run]`: load old open
cases from a spreadsheet (ombud/cases/imports/; docs/import.md).

Exit codes: 0 every row was valid and imported (or, in a dry run, would be); 1 some rows have
errors (the summary says whether the valid ones were imported); 2 nothing could be checked: the
file (not an .xlsx, too big, wrong header, no rows), the user, or the user may not import.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ombud.cases.imports import reading, services
from ombud.cases.imports.validation import RowError
from ombud.directory.models import User
from ombud.errors import Forbidden

EXIT_ROW_ERRORS = 1
EXIT_NOT_CHECKED = 2


def _width(text: str) -> int:
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def error_table(errors: list[RowError]) -> str:
    head = (_("Row"), _("Column"), _("Message"))
    rows = [(str(e.row), e.where or "—", e.message) for e in errors]
    w_row = max(_width(r[0]) for r in [head, *rows])
    w_col = max(_width(r[1]) for r in [head, *rows])
    lines = [f"{_pad(r[0], w_row)}  {_pad(r[1], w_col)}  {r[2]}" for r in [head, *rows]]
    lines.insert(1, f"{'-' * w_row}  {'-' * w_col}  {'-' * max(_width(head[2]), 7)}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Import old open cases from an .xlsx spreadsheet (docs/import.md)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx workbook")
        parser.add_argument("--user", required=True, help="username of the regulator officer or company handler")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="import nothing if any row has an error (default: valid rows)"
        )
        parser.add_argument("--dry-run", action="store_true", help="check every row, import nothing")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        try:
            user = User.objects.select_related("organization").get(username=opts["user"])
        except User.DoesNotExist:
            raise CommandError(_("No user %(name)s.") % {"name": opts["user"]}, returncode=EXIT_NOT_CHECKED) from None
        try:
            size = path.stat().st_size
            if not path.is_file():
                raise OSError
        except OSError:
            raise CommandError(_("Cannot read %(path)s.") % {"path": path}, returncode=EXIT_NOT_CHECKED) from None
        if size > reading.MAX_FILE_BYTES:
            raise CommandError(
                _("The file is larger than %(mb)d MB.") % {"mb": reading.MAX_FILE_BYTES // (1024 * 1024)},
                returncode=EXIT_NOT_CHECKED,
            )
        try:
            result = services.import_cases(
                user,
                path.read_bytes(),
                source=path.name,
                all_or_nothing=opts["all_or_nothing"],
                dry_run=opts["dry_run"],
            )
        except (reading.FileRejected, Forbidden) as e:
            raise CommandError(str(e.message), returncode=EXIT_NOT_CHECKED) from None

        if result.errors:
            self.stdout.write(error_table(result.errors))
            self.stdout.write("")
        lines = services.summary_lines(result)
        for line in lines[:-1]:
            self.stdout.write(line)
        if result.errors:
            self.stdout.write(self.style.ERROR(lines[-1]))
            message = ngettext(
                "%(n)d row has errors (see the table above).",
                "%(n)d rows have errors (see the table above).",
                result.rejected_rows,
            ) % {"n": result.rejected_rows}
            raise CommandError(message, returncode=EXIT_ROW_ERRORS)
        self.stdout.write(self.style.SUCCESS(lines[-1]))
