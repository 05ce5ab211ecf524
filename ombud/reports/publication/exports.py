"""A report snapshot as a Word document (python-docx) and an Excel workbook (openpyxl).

Both are rendered from the snapshot alone (reports/publication/snapshot.py), so the files of a
published report say exactly what its page says, however the data changed since. The few
words the files add themselves (headings such as "Press release") are translated into the
snapshot's language.
"""

from __future__ import annotations

import io
import unicodedata
from decimal import Decimal
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ombud import spreadsheet
from ombud.reports.publication.formatting import format_cell

BODY_FONT = "Times New Roman"
BODY_FONT_CJK = "SimSun"  # 宋体: the body face of Chinese official documents
HEADING_FONT_CJK = "SimHei"  # 黑体
_SHEET_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


# ---- Word -----------------------------------------------------------------------------------


def _set_fonts(style, latin: str, east_asia: str) -> None:
    style.font.name = latin
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    for attr in ("w:ascii", "w:hAnsi"):
        fonts.set(qn(attr), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    # A theme font would override the names above in Word: drop it.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]


def _styled_document(language: str):
    doc = Document()
    normal = doc.styles["Normal"]
    _set_fonts(normal, BODY_FONT, BODY_FONT_CJK)
    normal.font.size = Pt(11)
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        _set_fonts(doc.styles[name], BODY_FONT, HEADING_FONT_CJK)
    lang = "zh-CN" if language.startswith("zh") else "en-US"
    rpr = normal.element.get_or_add_rPr()
    lang_el = rpr.makeelement(qn("w:lang"), {qn("w:val"): "en-US", qn("w:eastAsia"): lang})
    rpr.append(lang_el)
    return doc


def _landscape(doc) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    if section.page_width < section.page_height:
        section.page_width, section.page_height = section.page_height, section.page_width


def _docx_table(doc, table: dict) -> None:
    columns = table["columns"]
    types = [c["type"] for c in columns]
    rows = [[format_cell(v, t) for v, t in zip(row, types, strict=True)] for row in table["rows"]]
    footer = [format_cell(v, t) for v, t in zip(table["footer"], types, strict=True)] if table.get("footer") else None
    grid = doc.add_table(rows=1, cols=len(columns))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, column in zip(grid.rows[0].cells, columns, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(column["label"])
        run.bold = True
        run.font.size = Pt(9)
    for values, bold in [*((r, False) for r in rows), *(((footer, True),) if footer else ())]:
        cells = grid.add_row().cells
        for cell, value, type_ in zip(cells, values, types, strict=True):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(9)
            run.bold = bold
            if type_ != "text":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if table.get("note"):
        note = doc.add_paragraph()
        run = note.add_run(table["note"])
        run.italic = True
        run.font.size = Pt(8)


def report_docx(snapshot: dict, *, url: str = "", published_at: str = "") -> bytes:
    """The report as a .docx: title, press text, key figures, one table per section, the
    ranking, typical cases, and where it was published."""
    with translation.override(snapshot["language"]):
        doc = _styled_document(snapshot["language"])
        doc.core_properties.title = snapshot["title"]
        doc.core_properties.author = snapshot["publisher"] or "Ombud"
        doc.add_heading(snapshot["title"], level=0)
        doc.add_paragraph(snapshot["subtitle"])

        doc.add_heading(snapshot["press"]["title"], level=1)
        for p in snapshot["press"]["paragraphs"]:
            if p["heading"]:
                doc.add_heading(p["heading"], level=3)
            doc.add_paragraph(p["text"])

        typical = snapshot.get("typical_cases")
        if typical:
            doc.add_heading(typical["title"], level=1)
            for case in typical["items"]:
                doc.add_heading(case["title"], level=2)
                if case["company"] or case["published_at"]:
                    meta = doc.add_paragraph()
                    meta.add_run(" · ".join(x for x in (case["company"], case["published_at"]) if x)).italic = True
                for line in case["text"].splitlines():
                    if line.strip():
                        doc.add_paragraph(line)
                if case["lesson"]:
                    lesson = doc.add_paragraph()
                    lesson.add_run(_("Lesson for consumers") + _(": ")).bold = True
                    lesson.add_run(case["lesson"])

        _landscape(doc)
        for table in snapshot["tables"]:
            if table["key"] == "typical_cases":
                continue
            doc.add_heading(table["title"], level=1)
            _docx_table(doc, table)

        closing = doc.add_paragraph()
        parts = []
        if snapshot["publisher"]:
            parts.append(_("Published by %(publisher)s") % {"publisher": snapshot["publisher"]})
        if published_at:
            parts.append(_("published on %(date)s") % {"date": published_at})
        if url:
            parts.append(url)
        closing.add_run(" · ".join(parts) or "Ombud").italic = True
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


# ---- Excel ----------------------------------------------------------------------------------


def _xlsx_value(value: Any, type_: str) -> Any:
    if value is None:
        return None
    if type_ == "int":
        return int(Decimal(str(value)))
    if type_ == "decimal":
        return Decimal(str(value))
    if type_ == "percent":
        return float(Decimal(str(value)))
    return str(value)


def _width(value: Any) -> int:
    text = format_cell(value, "text") if not isinstance(value, str) else value
    longest = max((line for line in text.splitlines()), key=len, default="")
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def _sheet_title(name: str, used: set[str]) -> str:
    base = (name.translate(_SHEET_FORBIDDEN).strip("'") or "Sheet")[:31]
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


BOLD = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
NUMBER_FORMATS = {"int": "#,##0", "decimal": "0.0###", "percent": "0.0%"}


def report_xlsx(snapshot: dict, *, url: str = "", published_at: str = "") -> bytes:
    """The report as a .xlsx: one sheet per table (headers in bold on row 1, numbers as
    numbers), then a sheet with the title, where it was published and the press text. Every
    cell goes through `ombud.spreadsheet`: text is never a formula."""
    with translation.override(snapshot["language"]):
        wb = Workbook()
        wb.remove(wb.active)
        wb.properties.title = snapshot["title"]
        wb.properties.creator = snapshot["publisher"] or "Ombud"
        used: set[str] = set()
        for table in snapshot["tables"]:
            ws = wb.create_sheet(_sheet_title(table["sheet"], used))
            columns = table["columns"]
            types = [c["type"] for c in columns]
            spreadsheet.append(ws, [c["label"] for c in columns])
            for cell in ws[1]:
                cell.font, cell.fill = BOLD, HEADER_FILL
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            widths = [_width(c["label"]) for c in columns]
            body = list(table["rows"]) + ([table["footer"]] if table.get("footer") else [])
            for row in body:
                spreadsheet.append(ws, [_xlsx_value(v, t) for v, t in zip(row, types, strict=True)])
                widths = [max(w, _width(format_cell(v, t))) for w, v, t in zip(widths, row, types, strict=True)]
            for row_cells in ws.iter_rows(min_row=2):
                for cell, type_ in zip(row_cells, types, strict=True):
                    if type_ in NUMBER_FORMATS:
                        cell.number_format = NUMBER_FORMATS[type_]
                    else:
                        cell.alignment = Alignment(vertical="top", wrap_text=True)
            if table.get("footer"):
                for cell in ws[ws.max_row]:
                    cell.font = BOLD
            for i, width in enumerate(widths, 1):
                ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
            ws.freeze_panes = "B2"
            if table.get("note"):
                spreadsheet.append(ws, [])
                spreadsheet.append(ws, [table["note"]])

        about = wb.create_sheet(_sheet_title(_("About this report"), used))
        rows = [
            (_("Title"), snapshot["title"]),
            (_("Covers"), snapshot["covers"]),
            (_("Published by"), snapshot["publisher"]),
            (_("Published on"), published_at),
            (_("Address"), url),
        ]
        for label, value in rows:
            spreadsheet.append(about, [label, value])
            about.cell(row=about.max_row, column=1).font = BOLD
        spreadsheet.append(about, [])
        spreadsheet.append(about, [snapshot["press"]["title"]])
        about.cell(row=about.max_row, column=1).font = BOLD
        for p in snapshot["press"]["paragraphs"]:
            spreadsheet.append(about, [p["heading"], p["text"]])
            about.cell(row=about.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
        about.column_dimensions["A"].width = 16
        about.column_dimensions["B"].width = 100
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
