"""Backlog import from .xlsx: every row checked through the one complaint service, a precise
row-level report, and nothing imported half-way (cases/imports/, `ombud import-cases`,
/cases/import/)."""

import io
import sys
from datetime import date, datetime, timedelta

import pytest
from django import db
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from ombud import cli
from ombud.cases.imports import columns, reading, services
from ombud.cases.models import Case, CaseEvent, Notification
from ombud.directory.models import User
from ombud.errors import Forbidden
from ombud.intake.models import Visit
from ombud.testing import SHANGHAI

pytestmark = pytest.mark.django_db

HEADERS = [
    "投诉人姓名",
    "联系电话",
    "身份证号",
    "被投诉公司",
    "城市",
    "渠道",
    "收到时间",
    "类别",
    "投诉内容",
    "状态",
    "原编号",
]
LIFE = "中国人寿保险股份有限公司"
PINGAN = "中国平安财产保险股份有限公司"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    if headers is not None:
        ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row(**kw):
    """A valid row (columns of HEADERS), with overrides by English key."""
    values = {
        "name": "陈建华",
        "phone": "13900001111",
        "id_number": "",
        "company": LIFE,
        "city": "茂名市",
        "channel": "电话",
        "received_at": datetime(2026, 9, 20, 10, 0),  # naive, as Excel gives it: Beijing time
        "category": "claims.timeliness",
        "summary": "车险理赔拖延超过30日",
        "status": "已收到",
        "reference": "",
    }
    values.update(kw)
    keys = ["name", "phone", "id_number", "company", "city", "channel", "received_at", "category", "summary"]
    return [values[k] for k in [*keys, "status", "reference"]]


def counts():
    return (Case.objects.count(), Visit.objects.count(), CaseEvent.objects.count(), Notification.objects.count())


def run(actor, rows, **kw):
    return services.import_cases(actor, xlsx(rows), source="backlog.xlsx", **kw)


def report(result):
    return [(e.row, e.where, e.message) for e in result.errors]


# ---- a good file ----------------------------------------------------------------------------------


def test_a_good_file_imports_every_row_routed_due_from_receipt_and_on_the_timeline(world):
    yesterday = (timezone.localtime() - timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    rows = [
        row(reference="GD-1"),
        # A suspected violation is the regulator's: the officer imports it already in progress.
        row(
            company=world.company_b.pk,
            city="440100",
            channel="online",
            received_at="2026-09-21T09:00:00+08:00",
            summary="涉嫌销售误导",
            status="in_progress",
            reference="GD-2",
        ),
        row(channel="信函", received_at=date(2026, 11, 2), id_number="440902198503150028", status=""),
        row(name="王芳", phone="13800002222", received_at=yesterday),  # recent: would be texted if not muted
    ]
    headers = [*HEADERS, "性质"]
    rows = [[*r, "涉嫌违法违规" if i == 1 else ""] for i, r in enumerate(rows)]
    before = counts()

    result = services.import_cases(world.officer, xlsx(rows, headers), source="backlog.xlsx")

    assert report(result) == []
    assert (result.rows, result.valid, result.imported) == (4, 4, 4)
    assert Case.objects.count() == before[0] + 4
    first, second, third, fourth = (Case.objects.get(pk=pk) for pk in result.case_ids)
    # Routed to the Maoming branch; received 2026-09-20 → due 2026-10-08 24:00 (National Day).
    assert (first.status, first.handled_by, first.company_id) == ("received", "company", world.company_a_maoming.pk)
    assert first.opened_at == datetime(2026, 9, 20, 10, 0, tzinfo=SHANGHAI)
    assert first.due_at == datetime(2026, 10, 9, 0, 0, tzinfo=SHANGHAI)
    assert [e.type for e in first.events.all()] == ["received", "imported"]
    imported = first.events.get(type="imported")
    assert imported.data == {"source": "backlog.xlsx", "row": 2} and imported.actor == world.officer
    # In progress: accepted (at receipt, no acceptance time given), handled by the regulator.
    assert (second.status, second.handled_by, second.city_id) == ("in_progress", "regulator", "440100")
    assert [e.type for e in second.events.all()] == ["received", "accepted", "imported"]
    assert second.events.get(type="accepted").created_at == datetime(2026, 9, 21, 9, 0, tzinfo=SHANGHAI)
    # A date cell without a time is midnight, Beijing time; an empty status is "received".
    assert (third.opened_at, third.status, third.visit.channel) == (
        datetime(2026, 11, 2, tzinfo=SHANGHAI),
        "received",
        "letter",
    )
    assert third.visit.visitor_id_number == "440902198503150028"
    assert fourth.category == "claims.timeliness"
    # Old complainants are not texted about a backlog being loaded.
    assert Notification.objects.count() == before[3]
    # Personal data is encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT visitor_name, visitor_phone, visitor_id_number FROM intake_visit WHERE id = %s", [third.visit_id]
        )
        name, phone, id_number = cursor.fetchone()
    assert all(v.startswith("v1:") for v in (name, phone, id_number))
    assert "陈建华" not in name and "13900001111" not in phone and "440902" not in id_number


def test_english_headers_are_accepted_as_aliases(world):
    keys = ["name", "phone", "id_number", "company", "city", "channel", "received_at", "category", "summary"]
    result = services.import_cases(
        world.officer, xlsx([row()], [*keys, "status", "source_reference"]), source="en.xlsx"
    )
    assert result.imported == 1 and not result.errors


def test_a_company_handler_imports_in_progress_cases_of_its_own_company(world):
    headers = [*HEADERS, "受理时间"]
    result = services.import_cases(
        world.handler_a, xlsx([[*row(status="已受理"), "2026-09-22 15:30"]], headers), source="a.xlsx"
    )
    assert not result.errors
    case = Case.objects.get(pk=result.case_ids[0])
    assert case.status == "in_progress" and case.company_id == world.company_a_maoming.pk
    accepted = case.events.get(type="accepted")
    assert accepted.actor == world.handler_a
    assert accepted.created_at == datetime(2026, 9, 22, 15, 30, tzinfo=SHANGHAI)


# ---- bad rows -------------------------------------------------------------------------------------


BAD_ROWS_REPORT = [
    (3, "B 联系电话", "Enter an 11-digit mobile number or a landline with area code."),
    (4, "D 被投诉公司", "Unknown company: give its id or its exact registered name."),
    (5, "G 收到时间", "The complaint cannot be received in the future."),
    (6, "A 投诉人姓名", "Enter the visitor's name."),
    (
        7,
        "J 状态",
        "Only open cases that are received (已收到) or in progress (已受理) can be imported; "
        "decided or closed cases are not imported.",
    ),
    (8, "D 被投诉公司", "You may record visits only about your own company."),
]


def bad_rows():
    return [
        row(reference="OK-1"),
        row(phone="12345"),
        row(company="不存在的保险公司"),
        row(received_at="2099-01-01 09:00"),
        row(name=""),
        row(status="已办结"),
        row(company=PINGAN),  # another insurer's case, for company A's handler
        row(name="刘洋", reference="OK-2"),
    ]


def test_a_file_with_bad_rows_gets_the_exact_row_column_message_report(world):
    before = counts()
    result = run(world.handler_a, bad_rows())
    assert report(result) == BAD_ROWS_REPORT
    assert (result.rows, result.valid, result.rejected_rows) == (8, 2, 6)
    # Default mode: the valid rows (2 and 9) are imported, the others not.
    assert result.imported == 2
    assert counts()[0] == before[0] + 2
    rows = sorted(CaseEvent.objects.filter(type="imported").values_list("data__row", flat=True))
    assert rows == [2, 9]


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(world):
    before = counts()
    result = run(world.handler_a, bad_rows(), all_or_nothing=True)
    assert report(result) == BAD_ROWS_REPORT
    assert (result.valid, result.imported, result.case_ids) == (2, 0, [])
    assert counts() == before


def test_all_or_nothing_imports_everything_when_every_row_is_good(world):
    before = counts()
    result = run(world.handler_a, [row(), row(name="刘洋")], all_or_nothing=True)
    assert not result.errors and result.imported == 2
    assert counts()[:3] == (before[0] + 2, before[1] + 2, before[2] + 4)


def test_a_dry_run_checks_every_row_and_imports_nothing(world):
    before = counts()
    result = run(world.handler_a, bad_rows(), dry_run=True)
    assert report(result) == BAD_ROWS_REPORT
    assert (result.valid, result.imported) == (2, 0)
    good = run(world.handler_a, [row(), row()], dry_run=True)
    assert (good.valid, good.imported, good.errors) == (2, 0, [])
    assert counts() == before


def test_every_bad_cell_of_a_row_is_reported_at_once(world):
    result = run(world.officer, [row(name="", phone="123", received_at="yesterday", id_number=1)])
    assert report(result) == [
        (2, "A 投诉人姓名", "Enter the visitor's name."),
        (2, "B 联系电话", "Enter an 11-digit mobile number or a landline with area code."),
        (
            2,
            "C 身份证号",
            "Excel stored this ID-card number as a number and may have changed its digits. "
            "Format the column as text and enter the number again.",
        ),
        (2, "G 收到时间", "Give a date such as 2026-09-20 or 2026-09-20 10:30 (a date cell or text)."),
    ]
    assert result.imported == 0


@pytest.mark.parametrize(
    ("override", "where", "message"),
    [
        ({"id_number": 440902198503150028}, "C 身份证号", "Excel stored this ID-card number as a number"),
        ({"id_number": "440902198503150029"}, "C 身份证号", "This is not a valid 18-character ID-card number."),
        ({"company": 999999}, "D 被投诉公司", "Unknown company."),
        ({"city": "999999"}, "E 城市", "Unknown prefecture-level city code."),
        ({"city": "火星市"}, "E 城市", "Unknown city: give its six-digit GB/T 2260 code or its name, e.g. 茂名市."),
        ({"channel": "现场"}, "F 渠道", "On-site complaints are recorded as visits at their site."),
        ({"channel": "pigeon"}, "F 渠道", "Unknown channel"),
        ({"received_at": None}, "G 收到时间", "Give the date (and time) the complaint was received."),
        ({"received_at": 46000}, "G 收到时间", "Give a date such as"),
        ({"category": "x" * 49}, "H 类别", "A category has at most 48 characters."),
        ({"summary": " "}, "I 投诉内容", "Write what the visitor brought."),
    ],
)
def test_each_kind_of_bad_cell(world, override, where, message):
    result = run(world.officer, [row(**override)])
    assert [(e.row, e.where) for e in result.errors] == [(2, where)]
    assert result.errors[0].message.startswith(message)
    assert result.imported == 0


def test_a_repeated_original_number_is_reported_on_the_later_row(world):
    result = run(world.officer, [row(reference="X-1"), row(reference="X-2"), row(reference="X-1")])
    assert report(result) == [(4, "K 原编号", "The same original number is already on row 2.")]
    assert result.imported == 2


def test_a_value_in_a_column_without_header_is_reported(world):
    result = run(world.officer, [[*row(), "", "stray"]])
    assert report(result) == [(2, "M", "This cell is in a column without a header; its value would be lost.")]


def test_blank_rows_are_skipped_and_rows_keep_their_excel_numbers(world):
    result = run(world.officer, [row(), [None] * 11, row(phone="1")])
    assert result.rows == 2 and [e.row for e in result.errors] == [4]


def test_an_acceptance_time_needs_an_in_progress_case_and_a_sane_time(world):
    headers = [*HEADERS, "受理时间"]
    rows = [
        [*row(status="已收到"), "2026-09-22"],
        [*row(status="已受理"), "2026-09-19"],
        [*row(status="已受理"), "2099-01-01"],
    ]
    result = services.import_cases(world.handler_a, xlsx(rows, headers), source="a.xlsx")
    assert report(result) == [
        (2, "L 受理时间", "Only an in-progress case has an acceptance time."),
        (3, "L 受理时间", "A case cannot be accepted before it was received."),
        (4, "L 受理时间", "The acceptance time cannot be in the future."),
    ]


# ---- who may import what --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["staff_mm", "nobody"])
def test_only_regulators_and_company_handlers_may_import(world, persona):
    before = counts()
    with pytest.raises(Forbidden):
        run(getattr(world, persona), [row()])
    assert counts() == before


def test_an_executive_may_not_import(world):
    executive = User.objects.create_user(username="exec_a", role="executive", organization=world.company_a)
    with pytest.raises(Forbidden):
        run(executive, [row()])


def test_a_regulator_imports_only_in_its_jurisdiction(world):
    result = run(world.sz_officer, [row(), row(city="440300")])
    assert report(result) == [(2, "E 城市", "This city is outside your jurisdiction.")]
    assert result.imported == 1


def test_a_branch_handler_imports_only_in_its_own_cities(world):
    branch_handler = User.objects.create_user(
        username="handler_mm", role="company_handler", organization=world.company_a_maoming
    )
    result = run(branch_handler, [row(), row(city="广州")])
    assert report(result) == [(3, "E 城市", "This city is outside your branch's area.")]
    assert result.imported == 1


def test_a_regulator_cannot_import_a_companys_case_as_in_progress(world):
    result = run(world.officer, [row(status="已受理")])
    assert report(result) == [
        (
            2,
            "J 状态",
            "Only the company handling this case can import it as in progress; import it as received, "
            "or let the company import it.",
        )
    ]
    assert result.imported == 0


# ---- file-level errors ----------------------------------------------------------------------------


def _workbook_without_rows():
    return xlsx([], HEADERS)


def _empty_workbook():
    return xlsx([], None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        ("投诉人姓名,联系电话\n陈建华,13900001111\n".encode(), "This is not an Excel workbook (.xlsx)."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "This is an old Excel .xls file"),
        (b"PK\x03\x04 not really a zip", "This is not an Excel workbook (.xlsx)."),
        (_empty_workbook, "The first row must hold the column headers; the file is empty."),
        (_workbook_without_rows, "The file has a header but no data rows."),
        (
            lambda: xlsx([["陈建华"]], ["投诉人姓名"]),
            "The header row does not match the template: missing required columns: 被投诉公司 (company), "
            "渠道 (channel), 收到时间 (received_at), 投诉内容 (summary).",
        ),
        (
            lambda: xlsx([[*row(), "x"]], [*HEADERS, "备注"]),
            "The header row does not match the template: unknown columns: L 备注.",
        ),
        (
            lambda: xlsx([[*row(), "陈"]], [*HEADERS, "name"]),
            "The header row does not match the template: columns given twice: L name = A 投诉人姓名.",
        ),
    ],
)
def test_file_level_errors_import_nothing(world, data, message):
    before = counts()
    with pytest.raises(reading.FileRejected) as caught:
        services.import_cases(world.officer, data() if callable(data) else data, source="f.xlsx")
    assert str(caught.value.message).startswith(message)
    assert counts() == before


def test_a_docx_is_not_a_workbook(world, tmp_path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("投诉")
    path = tmp_path / "letter.docx"
    doc.save(path)
    with pytest.raises(reading.FileRejected, match=r"not an Excel workbook"):
        services.import_cases(world.officer, path.read_bytes(), source="letter.xlsx")


def test_too_many_rows_or_bytes_is_a_file_level_error(world, monkeypatch):
    with pytest.raises(reading.FileRejected, match="more than 3 rows"):
        services.import_cases(world.officer, xlsx([row()] * 4), source="f.xlsx", max_rows=3)
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 1000)
    with pytest.raises(reading.FileRejected, match="larger than"):
        services.import_cases(world.officer, xlsx([row()]), source="f.xlsx")
    assert Case.objects.count() == 0


# ---- the command line -----------------------------------------------------------------------------


def command(tmp_path, rows, *args, headers=HEADERS, name="backlog.xlsx"):
    path = tmp_path / name
    path.write_bytes(rows if isinstance(rows, bytes) else xlsx(rows, headers))
    out = io.StringIO()
    try:
        call_command("import_cases", str(path), *args, stdout=out)
    except CommandError as e:
        return e.returncode, out.getvalue(), str(e)
    return 0, out.getvalue(), ""


def test_cli_imports_a_good_file_with_exit_code_0(world, tmp_path):
    code, out, _err = command(tmp_path, [row(), row()], "--user", "officer")
    assert code == 0
    assert "Checked 2 rows of backlog.xlsx: 2 valid, 0 with errors." in out and "Imported 2 cases." in out
    assert Case.objects.count() == 2


def test_cli_reports_row_errors_as_a_table_with_exit_code_1(world, tmp_path):
    code, out, err = command(tmp_path, bad_rows(), "--user", "handler_a")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == ["Row", "Column", "Message"]
    assert any(line.split()[:3] == ["3", "B", "联系电话"] and "11-digit" in line for line in lines)
    assert "Imported 2 cases. The 6 rows with errors were not imported" in out
    assert err == "6 rows have errors (see the table above)."
    assert Case.objects.count() == 2


def test_cli_all_or_nothing_and_dry_run_import_nothing(world, tmp_path):
    before = counts()
    code, out, _err = command(tmp_path, bad_rows(), "--user", "handler_a", "--all-or-nothing")
    assert code == 1 and "Nothing was imported (all or nothing)" in out
    code, out, _err = command(tmp_path, [row()], "--user", "handler_a", "--dry-run")
    assert code == 0 and "nothing was imported; 1 row would be imported." in out
    assert counts() == before


@pytest.mark.parametrize(
    ("content", "user", "message"),
    [
        (b"not a workbook", "officer", "This is not an Excel workbook (.xlsx)."),
        (None, "ghost", "No user ghost."),
        (None, "staff_mm", "Only regulator staff and company complaint handlers may import cases."),
    ],
)
def test_cli_file_and_user_errors_exit_with_2(world, tmp_path, content, user, message):
    code, _out, err = command(tmp_path, content or [row()], "--user", user)
    assert (code, err) == (2, message)
    assert Case.objects.count() == 0


def test_cli_missing_file_exits_with_2(world, tmp_path):
    with pytest.raises(CommandError) as caught:
        call_command("import_cases", str(tmp_path / "nope.xlsx"), "--user", "officer")
    assert caught.value.returncode == 2


def test_ombud_import_cases_with_a_hyphen_works_as_written(world, tmp_path, monkeypatch, capsys):
    path = tmp_path / "backlog.xlsx"
    path.write_bytes(xlsx([row(), row(phone="12")]))
    monkeypatch.setattr(sys, "argv", ["ombud", "import-cases", str(path), "--user", "officer"])
    # A command run from argv closes every connection at the end; keep the test's open.
    monkeypatch.setattr(db.connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as caught:
        cli.main()
    assert caught.value.code == 1
    out = capsys.readouterr()
    assert "Imported 1 case. The row with errors was not imported" in out.out
    assert "1 row has errors (see the table above)." in out.err
    assert Case.objects.count() == 1


# ---- the upload page ------------------------------------------------------------------------------

UPLOAD = "/cases/import/"


def browser(user):
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def upload(client, data, **fields):
    f = io.BytesIO(data)
    f.name = "backlog.xlsx"
    return client.post(UPLOAD, {"file": f, "mode": "check", **fields})


def test_the_page_shows_the_form_and_the_template_link(world):
    assert reverse("cases_import:upload") == UPLOAD
    r = browser(world.officer).get(UPLOAD)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'enctype="multipart/form-data"' in html and reverse("cases_import:template") in html
    assert "<script>" not in html and "style=" not in html  # strict CSP: no inline script or style


def test_checking_on_the_page_shows_the_report_and_imports_nothing(world):
    before = counts()
    r = upload(browser(world.handler_a), xlsx(bad_rows()))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-row="3" data-column="B"' in html and "11-digit mobile number" in html
    assert 'data-row="8" data-column="D"' in html
    assert "Check only: nothing was imported; 2 rows would be imported." in html
    assert counts() == before


def test_importing_on_the_page_imports_the_valid_rows_or_none(world):
    client = browser(world.handler_a)
    r = upload(client, xlsx(bad_rows()), mode="import", all_or_nothing="on")
    assert "Nothing was imported (all or nothing)" in r.content.decode()
    assert Case.objects.count() == 0
    r = upload(client, xlsx(bad_rows()), mode="import")
    assert r.status_code == 200 and "Imported 2 cases. The 6 rows with errors were not imported" in r.content.decode()
    assert Case.objects.count() == 2


def test_the_page_shows_a_file_level_error(world):
    r = upload(browser(world.officer), b"a,b,c\n")
    assert r.status_code == 400 and "This is not an Excel workbook (.xlsx)." in r.content.decode()


def test_the_page_refuses_an_oversized_upload_before_reading_it(world, monkeypatch):
    monkeypatch.setattr(reading, "MAX_FILE_BYTES", 2000)
    r = upload(browser(world.officer), xlsx([row()] * 50))
    assert r.status_code == 413 and "The file is larger than" in r.content.decode()
    assert Case.objects.count() == 0


def test_the_page_refuses_users_who_may_not_import(world):
    r = browser(world.staff_mm).get(UPLOAD)
    assert r.status_code == 403
    assert upload(browser(world.staff_mm), xlsx([row()])).status_code == 403
    assert browser(world.staff_mm).get(reverse("cases_import:template")).status_code == 403
    assert Case.objects.count() == 0


def test_the_page_needs_a_login_and_a_csrf_token(world):
    assert Client().get(UPLOAD).status_code == 302
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.officer)
    f = io.BytesIO(xlsx([row()]))
    f.name = "a.xlsx"
    assert client.post(UPLOAD, {"file": f, "mode": "import"}).status_code == 403
    assert Case.objects.count() == 0
    # With the token from the form, the same upload goes through.
    token = client.get(UPLOAD).context["csrf_token"]
    f.seek(0)
    r = client.post(UPLOAD, {"file": f, "mode": "import", "csrfmiddlewaretoken": str(token)})
    assert r.status_code == 200 and Case.objects.count() == 1


def test_the_template_workbook_has_the_columns_an_example_and_the_allowed_values_and_passes_a_check(world):
    r = browser(world.handler_a).get(reverse("cases_import:template"))
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(r.content))
    main, allowed = wb.worksheets
    headers = [c.value for c in main[1]]
    assert headers == [c.header + ("*" if c.required else "") for c in columns.COLUMNS]
    values = {row[0] for row in allowed.iter_rows(values_only=True) if row and row[0]}
    assert {LIFE, "中国人寿保险股份有限公司茂名分公司", "茂名市"} <= values
    assert PINGAN not in values  # only the handler's own company
    # The example row, as downloaded, is a valid row for its user.
    result = services.import_cases(world.handler_a, r.content, source="template.xlsx", dry_run=True)
    assert (result.valid, result.errors) == (1, [])
    for_officer = browser(world.officer).get(reverse("cases_import:template")).content
    result = services.import_cases(world.officer, for_officer, source="template.xlsx", dry_run=True)
    assert (result.valid, result.errors) == (1, [])


def test_the_page_takes_fewer_rows_than_the_command_line(world, monkeypatch):
    from ombud.cases.imports import views as import_views

    monkeypatch.setattr(import_views, "PAGE_MAX_ROWS", 2)
    r = upload(browser(world.officer), xlsx([row()] * 3), mode="import")
    assert r.status_code == 400
    assert "The file has more than 2 rows; split it into several files. The command line import takes up to 20000." in (
        r.content.decode()
    )
    assert Case.objects.count() == 0
