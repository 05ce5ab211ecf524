"""Cells of every spreadsheet Ombud writes: text can never become a formula.

A text cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one, or
their full-width forms `＝＋－＠`, which Excel and WPS also read as operators) is a live formula
when a spreadsheet program opens the file or a CSV made from it: `=HYPERLINK("http://evil",
"click")` in a company name or a report title would run in the reader's spreadsheet (CSV/
formula injection). Following OWASP's advice, such text is written with a leading single quote
(`'=HYPERLINK(…)`), and in an .xlsx every text cell is also stored with the string type (`s`),
so it is shown as the text it is and never evaluated. Numbers, dates and booleans stay what
they are. Characters the XML of an .xlsx cannot hold (control characters) are dropped rather
than failing the whole export.

Every writer uses `append` (a row) or `put` (one cell): `reports/publication/exports.py` (the
public .xlsx of a report to the media) and `cases/imports/template.py` (the import template). A CSV writer, if one
is added, writes `value(v)` for each cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_LEADS = frozenset("=+-@\t\r\n＝＋－＠")
_KEPT = (bool, int, float, Decimal, datetime, date, time)


def text(value: Any) -> str:
    """`value` as text that no spreadsheet program reads as a formula."""
    s = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + s if s[:1] in FORMULA_LEADS else s


def value(v: Any) -> Any:
    """A cell's value: None, a number, a date or a boolean as it is; anything else as safe text."""
    if v is None or isinstance(v, _KEPT):
        return v
    return text(v)


def put(cell: Cell, v: Any) -> Cell:
    """Write `v` into `cell`; text is stored with the string type."""
    cell.value = value(v)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def append(ws: Worksheet, values: Iterable[Any]) -> None:
    """Append a row to `ws`, each value written through `put`."""
    ws.append([put(Cell(ws), v) for v in values])
