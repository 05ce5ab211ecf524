"""Validating a row: its cells by column, parsed into the complaint service's input, with every
error the import itself can see (a cell that does not parse, a status that cannot be imported,
an acceptance time that makes no sense, an original number given twice); and the row errors as
the report shows them (row as Excel numbers it, column letter and header, message).

The complaint service checks the rest when the row is recorded (`services`); the import never
re-implements its validation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from ombud.cases.imports.columns import BY_KEY, CHANNEL_LABELS, IMPORTABLE_STATUSES, NATURE_LABELS, STATUS_LABELS
from ombud.cases.imports.parsing import CellError, Lookups, cell_text, parse_coded, parse_id_number, parse_when
from ombud.cases.imports.reading import Sheet, blank
from ombud.cases.models import Case


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it (the header is row 1)
    column: str  # the column letter, "" when the error concerns the whole row
    header: str  # the header of that column as written in the file
    message: str

    @property
    def where(self) -> str:
        return f"{self.column} {self.header}".strip()


@dataclass
class Row:
    number: int
    cells: dict[str, Any]
    errors: dict[str, str]  # column key (or "" for the row) → message


def parse_row(
    number: int, values: tuple, sheet: Sheet, lookups: Lookups, refs: dict[str, int], now: datetime
) -> tuple[Row, dict]:
    """The row's cells by column key, its parsing errors, and the ComplaintInput arguments."""
    cells: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for position, value in enumerate(values):
        key = sheet.keys[position] if position < len(sheet.keys) else None
        if key is not None:
            cells[key] = value
        elif not blank(value):
            errors.setdefault(f"#{position}", _("This cell is in a column without a header; its value would be lost."))
    row = Row(number=number, cells=cells, errors=errors)

    def parse(key: str, fn: Callable[[Any], Any], default: Any) -> Any:
        try:
            return fn(cells.get(key))
        except CellError as e:
            errors[key] = str(e)
            return default

    company_id = parse("company", lookups.company_id, 0)
    received_at = parse("received_at", lambda v: parse_when(v, required=True), None)
    args = {
        "company_id": company_id,
        "complainant_name": cell_text(cells.get("name")),
        "complainant_phone": cell_text(cells.get("phone")),
        "complainant_id_number": parse("id_number", parse_id_number, ""),
        "summary": cell_text(cells.get("summary")),
        "channel": parse_coded(cells.get("channel"), CHANNEL_LABELS),
        "received_at": received_at,
        "category": cell_text(cells.get("category")),
        "city_code": parse("city", lookups.city_code, ""),
        "nature": parse_coded(cells.get("nature"), NATURE_LABELS),
    }
    status = parse_coded(cells.get("status"), STATUS_LABELS) or Case.Status.RECEIVED
    if status not in IMPORTABLE_STATUSES:
        errors["status"] = _(
            "Only open cases that are received (已收到) or in progress (已受理) can be imported; "
            "decided or closed cases are not imported."
        )
    accepted_at = parse("accepted_at", lambda v: parse_when(v, required=False), None)
    if accepted_at is not None:
        if status != Case.Status.IN_PROGRESS:
            errors["accepted_at"] = _("Only an in-progress case has an acceptance time.")
        elif received_at is not None and accepted_at < received_at:
            errors["accepted_at"] = _("A case cannot be accepted before it was received.")
        elif accepted_at > now:
            errors["accepted_at"] = _("The acceptance time cannot be in the future.")
    reference = cell_text(cells.get("reference"))
    if reference:
        if reference in refs:
            errors["reference"] = _("The same original number is already on row %(row)d.") % {"row": refs[reference]}
        else:
            refs[reference] = number
    row.cells["_status"] = status
    row.cells["_accepted_at"] = accepted_at
    return row, args


def row_errors(number: int, errors: dict[str, str], sheet: Sheet) -> list[RowError]:
    """A row's errors by column key (or `#position` for a column without a header, "" for the
    row) → the report's entries, in column order, whole-row ones last."""
    out = []
    for key, message in errors.items():
        if key.startswith("#"):
            position = int(key[1:])
        elif key and key in sheet.keys:
            position = sheet.keys.index(key)
        else:
            column = BY_KEY.get(key)
            header = column.header if column else ""
            out.append(RowError(row=number, column="", header=header, message=str(message)))
            continue
        header = sheet.headers[position] if position < len(sheet.headers) else ""
        out.append(RowError(row=number, column=get_column_letter(position + 1), header=header, message=str(message)))
    return sorted(out, key=lambda e: (e.column == "", len(e.column), e.column))
