"""Recording a backlog: the import's one write (see the package's doc for how a file goes in).

`import_cases` reads the file (`reading`), validates every row (`validation`), then records each
valid row through the complaint service inside its own savepoint, in the mode asked for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ombud.cases import events, notify
from ombud.cases import services as case_services
from ombud.cases.imports import queries, reading
from ombud.cases.imports.columns import FIELD_COLUMNS
from ombud.cases.imports.parsing import Lookups
from ombud.cases.imports.validation import Row, RowError, parse_row, row_errors
from ombud.cases.models import Case
from ombud.directory.access import require_role
from ombud.directory.models import User
from ombud.errors import DomainError, Forbidden

logger = logging.getLogger("ombud.import")
# Rows per transaction in the default mode: commits often enough that reception sites keep
# recording visits on SQLite while a backlog loads; one transaction per row would cost a
# commit (an fsync) per row.
CHUNK_ROWS = 200


@dataclass
class ImportResult:
    source: str
    rows: int = 0  # data rows read (blank rows are skipped)
    imported: int = 0  # cases created and kept
    valid: int = 0  # rows that passed every check (imported, or would be)
    errors: list[RowError] = field(default_factory=list)
    all_or_nothing: bool = False
    dry_run: bool = False
    case_ids: list[int] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.errors


def check_may_import(user: User) -> None:
    require_role(
        user,
        *queries.IMPORT_ROLES,
        message=_("Only regulator staff and company complaint handlers may import cases."),
    )


class _RowRejected(Exception):
    """Rolls back one row's savepoint."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors


def _record(actor: User, row: Row, args: dict, *, source: str, now: datetime) -> Case:
    """One row inside its own savepoint; raises _RowRejected with every error found."""
    errors = dict(row.errors)
    # A value that could not be parsed is replaced by a harmless one so that the service still
    # checks the other cells of the row; the row is rolled back whatever the service says.
    placeholders = {**args, "received_at": args["received_at"] or now}
    with transaction.atomic():
        try:
            case = case_services.register_complaint(actor, case_services.ComplaintInput(**placeholders), now=now)
        except DomainError as e:
            for name, message in (e.fields or {"": e.message}).items():
                key = FIELD_COLUMNS.get(name, "")
                if key in errors:  # our own parsing message is the more precise one
                    continue
                text = str(e.message) if isinstance(e, Forbidden) else str(message)
                errors[key] = text if key or not name else f"{name}: {text}"
            raise _RowRejected(errors) from None
        if errors:
            raise _RowRejected(errors)
        if row.cells["_status"] == Case.Status.IN_PROGRESS:
            try:
                case = case_services.take_action(
                    actor, case.pk, "accept", {}, now=row.cells["_accepted_at"] or case.opened_at
                )
            except Forbidden:
                raise _RowRejected(
                    {
                        "status": _(
                            "Only the company handling this case can import it as in progress; "
                            "import it as received, or let the company import it."
                        )
                    }
                ) from None
            except DomainError as e:
                raise _RowRejected({"status": str(e.message)}) from None
        events.case_imported_event(case, actor, now, source=source, row=row.number)
        return case


def import_cases(
    actor: User,
    data: bytes,
    *,
    source: str,
    all_or_nothing: bool = False,
    dry_run: bool = False,
    now: datetime | None = None,
    max_rows: int = reading.MAX_ROWS,
) -> ImportResult:
    """Validate every row of the workbook and import per the mode (see the package's doc).

    Raises Forbidden (the user may not import) or FileRejected (a file-level error) before
    anything is written; row errors are in the result.
    """
    check_may_import(actor)
    sheet = reading.read_sheet(data, max_rows=max_rows)
    now = now or timezone.now()
    source = source[:200]
    result = ImportResult(source=source, rows=len(sheet.rows), all_or_nothing=all_or_nothing, dry_run=dry_run)
    lookups = Lookups(sheet)
    refs: dict[str, int] = {}
    parsed = [parse_row(number, values, sheet, lookups, refs, now) for number, values in sheet.rows]
    # A branch's handler records only in its own cities: record_visit checks it for every
    # row (directory/access.py require_city), as for any other visit.

    one_transaction = all_or_nothing or dry_run
    chunk = len(parsed) if one_transaction else CHUNK_ROWS
    with notify.muted():
        for start in range(0, len(parsed), chunk):
            with transaction.atomic():
                created = []
                for row, args in parsed[start : start + chunk]:
                    try:
                        case = _record(actor, row, args, source=source, now=now)
                    except _RowRejected as e:
                        result.errors.extend(row_errors(row.number, e.errors, sheet))
                    except DatabaseError:
                        # The row's savepoint is rolled back and the connection usable: report the
                        # row instead of losing the whole file (the log has the details).
                        logger.exception("backlog import: row %s of %s could not be saved", row.number, source)
                        message = _("This row could not be saved (database error); try it again.")
                        result.errors.append(RowError(row=row.number, column="", header="", message=message))
                    else:
                        created.append(case.pk)
                result.valid += len(created)
                if dry_run or (all_or_nothing and result.errors):
                    transaction.set_rollback(True)
                else:
                    result.case_ids.extend(created)
    result.imported = len(result.case_ids)
    return result


def summary_lines(result: ImportResult) -> list[str]:
    """What happened, in two sentences: what was checked, what was imported."""
    checked = ngettext(
        "Checked %(rows)d row of %(source)s: %(valid)d valid, %(bad)d with errors.",
        "Checked %(rows)d rows of %(source)s: %(valid)d valid, %(bad)d with errors.",
        result.rows,
    ) % {"rows": result.rows, "source": result.source, "valid": result.valid, "bad": result.rejected_rows}
    imported = ngettext("Imported %(n)d case.", "Imported %(n)d cases.", result.imported) % {"n": result.imported}
    if result.dry_run and (not result.all_or_nothing or not result.errors):
        outcome = ngettext(
            "Check only: nothing was imported; %(n)d row would be imported.",
            "Check only: nothing was imported; %(n)d rows would be imported.",
            result.valid,
        ) % {"n": result.valid}
    elif result.dry_run:
        outcome = _("Check only: nothing was imported; all or nothing, no row would be, because of the errors.")
    elif result.errors and result.all_or_nothing:
        outcome = _("Nothing was imported (all or nothing): correct the rows listed and import the file again.")
    elif result.errors:
        outcome = (
            imported
            + " "
            + ngettext(
                "The row with errors was not imported: import only that row again once corrected.",
                "The %(n)d rows with errors were not imported: import only those rows again once corrected.",
                result.rejected_rows,
            )
            % {"n": result.rejected_rows}
        )
    else:
        outcome = imported
    return [checked, outcome]
