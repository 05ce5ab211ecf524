"""Roster spreadsheets: reading an .xlsx or .csv into rows, and the template officers fill in.

Reading only: `services.import_roster` validates the rows and stores them. A file that cannot
be read as a whole (empty, too big, neither an .xlsx nor a CSV, a header that is not the
template's, no data rows) raises `FileRejected`; each data row comes back with the number a
spreadsheet program shows for it (the header is row 1), so errors name the row the officer sees.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from ombud import spreadsheet
from ombud.spreadsheet import FileRejected

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # an .xlsx is a zip: refuse a zip bomb
MAX_ROWS = 10_000


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # as the template writes it (Chinese)
    aliases: tuple[str, ...]
    hint: Any  # a lazy translation, shown on the template's notes sheet


COLUMNS = (
    Column("site", "接待点", ("site", "接待点名称"), gettext_lazy("the site's name in this campaign")),
    Column(
        "kind",
        "类型",
        ("kind", "名单类型"),
        gettext_lazy("接访人员 (reception), 高管 (executive), 协调员 (coordinator) or 参与机构 (company)"),
    ),
    Column(
        "organization",
        "机构",
        ("organization", "单位", "公司"),
        gettext_lazy("the organization's full name (or its short name or number)"),
    ),
    Column("name", "姓名", ("name",), gettext_lazy("the person; empty on a company row")),
    Column("title", "职务", ("title",), gettext_lazy("optional")),
    Column(
        "rank",
        "级别",
        ("rank",),
        gettext_lazy("一把手 (head), 副职 (deputy) or 工作人员 (staff); an executive is a head or a deputy"),
    ),
    Column(
        "account",
        "登录账号",
        ("account", "username", "账号"),
        gettext_lazy("optional: the person's Ombud login; site staff record visits at the site with it"),
    ),
)
REQUIRED = ("kind", "organization")


def _norm(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip().rstrip("*").strip().lower()


_HEADER_NAMES = {_norm(n): c.key for c in COLUMNS for n in (c.key, c.header, *c.aliases)}


@dataclass(frozen=True)
class Sheet:
    headers: dict[str, str]  # column key -> the header as written in the file
    rows: list[tuple[int, dict[str, str]]]  # (row number, {column key: text}) of non-blank rows


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFC", str(value)).strip()


def read(data: bytes, filename: str = "") -> Sheet:
    """The rows of an .xlsx (first worksheet) or a .csv (UTF-8, or GB18030 as Excel saves it)."""
    if not data:
        raise FileRejected(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    if data.startswith(b"PK\x03\x04"):
        raw = _xlsx_rows(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(_("This is an old Excel .xls file: open it in Excel or WPS and save it as .xlsx."))
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise FileRejected(_("This is not an Excel workbook (.xlsx)."))
    else:
        raw = _csv_rows(data)
    return _sheet(raw)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    spreadsheet.check_workbook(data, max_uncompressed=MAX_UNCOMPRESSED_BYTES)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # an untrusted file: openpyxl and the XML parser raise many kinds
        raise FileRejected(_("The workbook could not be read; save it again as .xlsx.")) from exc
    try:
        if not workbook.worksheets:
            raise FileRejected(_("The workbook has no worksheet."))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size, which would cut rows short
        out = []
        rows: Iterator[tuple] = sheet.iter_rows(values_only=True)
        for values in rows:
            out.append([cell_text(v) for v in values])
            if len(out) > MAX_ROWS + 1:
                break
        return out
    except FileRejected:
        raise
    except Exception as exc:  # malformed sheet XML surfaces while iterating in read-only mode
        raise FileRejected(_("The workbook could not be read; save it again as .xlsx.")) from exc
    finally:
        workbook.close()


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes every byte string
        raise FileRejected(_("This is neither an Excel workbook (.xlsx) nor a CSV file."))
    if "\x00" in text:
        raise FileRejected(_("This is neither an Excel workbook (.xlsx) nor a CSV file."))
    try:
        out = []
        for values in csv.reader(io.StringIO(text, newline="")):
            out.append([cell_text(v) for v in values])
            if len(out) > MAX_ROWS + 1:
                break
        return out
    except csv.Error as exc:
        raise FileRejected(_("The CSV file could not be read.")) from exc


def _sheet(raw: list[list[str]]) -> Sheet:
    if not raw or not any(raw[0]):
        raise FileRejected(_("The first row must hold the column headers; the file is empty."))
    header = raw[0]
    keys: list[str | None] = []
    headers: dict[str, str] = {}
    unknown, twice = [], []
    for text in header:
        key = _HEADER_NAMES.get(_norm(text)) if text else None
        if text and key is None:
            unknown.append(text)
        elif key is not None and key in headers:
            twice.append(text)
            key = None
        elif key is not None:
            headers[key] = text
        keys.append(key)
    problems = []
    if unknown:
        problems.append(_("unknown columns: %(cols)s") % {"cols": ", ".join(unknown)})
    if twice:
        problems.append(_("columns given twice: %(cols)s") % {"cols": ", ".join(twice)})
    missing = [c.header for c in COLUMNS if c.key in REQUIRED and c.key not in headers]
    if missing:
        problems.append(_("missing required columns: %(cols)s") % {"cols": ", ".join(missing)})
    if problems:
        raise FileRejected(
            _("The header row does not match the template: %(problems)s.") % {"problems": "; ".join(problems)}
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(raw[1:], start=2):
        if not any(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise FileRejected(
                _("The file has more than %(max)s rows; split it into several files.") % {"max": MAX_ROWS}
            )
        rows.append((number, {k: v for k, v in zip(keys, values, strict=False) if k is not None}))
    if not rows:
        raise FileRejected(_("The file has a header but no data rows."))
    return Sheet(headers=headers, rows=rows)


def template_workbook(site_names: list[str]) -> bytes:
    """The template: the header row to fill in, and a sheet of notes with an example row of each
    kind and the campaign's sites (examples never sit where they would be imported)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "名单"
    spreadsheet.append(ws, [c.header for c in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (22, 12, 36, 12, 14, 10, 16), strict=True):
        ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("说明")
    spreadsheet.append(notes, [_("Column"), _("What to write")])
    for c in COLUMNS:
        spreadsheet.append(notes, [c.header, str(c.hint)])
    spreadsheet.append(notes, [])
    spreadsheet.append(notes, [_("Examples (one row each: a company, an executive, a receptionist)")])
    site = site_names[0] if site_names else "茂名市文化广场"
    spreadsheet.append(notes, [c.header for c in COLUMNS])
    for row in (
        [site, "参与机构", "中国人寿保险股份有限公司茂名分公司", "", "", "", ""],
        [site, "高管", "中国人寿保险股份有限公司茂名分公司", "张伟", "总经理", "一把手", ""],
        [site, "接访人员", "广东保监局", "李娜", "科员", "工作人员", "site_mm01"],
    ):
        spreadsheet.append(notes, row)
    spreadsheet.append(notes, [])
    spreadsheet.append(notes, [_("Sites of this campaign")])
    for name in site_names:
        spreadsheet.append(notes, [name])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
