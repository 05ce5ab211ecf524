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

import io
import zipfile
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

from ombud.errors import InvalidInput

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


# Reading: an uploaded workbook is untrusted. Both importers (the backlog, cases/imports/
# reading.py; rosters, campaigns/rosterfile.py) check its container here before openpyxl sees it.


class FileRejected(InvalidInput):
    """The file as a whole cannot be read (not an .xlsx, too big, bad header, no rows)."""

    code = "invalid_file"


def check_workbook(data: bytes, *, max_uncompressed: int) -> None:
    """Refuse what is not an .xlsx container, or one that inflates beyond `max_uncompressed`
    bytes (a zip bomb), before openpyxl parses it. Raises FileRejected."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(_("This is an old Excel .xls file: open it in Excel or WPS and save it as .xlsx."))
    if not data.startswith(b"PK\x03\x04"):
        raise FileRejected(_("This is not an Excel workbook (.xlsx)."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            inflated = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise FileRejected(_("This is not an Excel workbook (.xlsx).")) from None
    if "xl/workbook.xml" not in names:
        raise FileRejected(_("This is not an Excel workbook (.xlsx)."))
    if inflated > max_uncompressed:
        raise FileRejected(_("The workbook is too large once uncompressed."))
