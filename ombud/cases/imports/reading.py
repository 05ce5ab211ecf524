"""Reading an uploaded workbook: the file-level checks made before anything touches the
database (size, that it is an .xlsx and not an old .xls, a CSV renamed or a zip bomb, the
header row, the row limit) and the first worksheet's header and non-blank rows.

Any failure is a `FileRejected`: the file as a whole is not imported.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from ombud.cases.imports.columns import COLUMNS, HEADER_NAMES, norm_header
from ombud.spreadsheet import FileRejected, check_workbook

MAX_FILE_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: refuse one that would inflate to more than this (a zip bomb).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Sheet:
    headers: list[str]  # as written, one per column position
    keys: list[str | None]  # the column key at each position, None for an unnamed column
    rows: list[tuple[int, tuple]]  # (Excel row number, values) of non-blank data rows


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_container(data: bytes) -> None:
    if not data:
        raise FileRejected(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    check_workbook(data, max_uncompressed=MAX_UNCOMPRESSED_BYTES)


def read_sheet(data: bytes, *, max_rows: int = MAX_ROWS) -> Sheet:
    """The first worksheet: its header and non-blank rows. Raises FileRejected."""
    _check_container(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # an untrusted file: openpyxl and the XML parser raise many kinds
        raise FileRejected(_("The workbook could not be read; save it again as .xlsx.")) from exc
    try:
        if not workbook.worksheets:
            raise FileRejected(_("The workbook has no worksheet."))
        worksheet = workbook.worksheets[0]
        try:
            # Some writers record a wrong sheet size, which would cut rows or columns short.
            worksheet.reset_dimensions()
            rows_iter: Iterator[tuple] = worksheet.iter_rows(values_only=True)
            header = next(rows_iter, None)
            rows: list[tuple[int, tuple]] = []
            for number, values in enumerate(rows_iter, start=2):
                if all(blank(v) for v in values):
                    continue
                if len(rows) >= max_rows:
                    raise FileRejected(
                        _("The file has more than %(max)s rows; split it into several files.") % {"max": max_rows}
                        + (
                            " " + _("The command line import takes up to %(max)s.") % {"max": MAX_ROWS}
                            if max_rows < MAX_ROWS
                            else ""
                        )
                    )
                rows.append((number, values))
        except FileRejected:
            raise
        except Exception as exc:  # malformed sheet XML surfaces while iterating in read-only mode
            raise FileRejected(_("The workbook could not be read; save it again as .xlsx.")) from exc
    finally:
        workbook.close()
    if header is None or all(blank(v) for v in header):
        raise FileRejected(_("The first row must hold the column headers; the file is empty."))
    headers = ["" if blank(v) else str(v).strip() for v in header]
    keys = _header_keys(headers)
    if not rows:
        raise FileRejected(_("The file has a header but no data rows."))
    return Sheet(headers=headers, keys=keys, rows=rows)


def _header_keys(headers: list[str]) -> list[str | None]:
    keys: list[str | None] = []
    unknown: list[str] = []
    seen: dict[str, str] = {}
    duplicates: list[str] = []
    for position, text in enumerate(headers, start=1):
        if not text:
            keys.append(None)
            continue
        key = HEADER_NAMES.get(norm_header(text))
        keys.append(key)
        if key is None:
            unknown.append(f"{get_column_letter(position)} {text}")
        elif key in seen:
            duplicates.append(f"{get_column_letter(position)} {text} = {seen[key]}")
        else:
            seen[key] = f"{get_column_letter(position)} {text}"
    problems = []
    if unknown:
        problems.append(_("unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})
    if duplicates:
        problems.append(_("columns given twice: %(cols)s") % {"cols": "; ".join(duplicates)})
    missing = [f"{c.header} ({c.key})" for c in COLUMNS if c.required and c.key not in seen]
    if missing:
        problems.append(_("missing required columns: %(cols)s") % {"cols": ", ".join(missing)})
    if problems:
        raise FileRejected(
            _("The header row does not match the template: %(problems)s.") % {"problems": "; ".join(problems)}
        )
    return keys
