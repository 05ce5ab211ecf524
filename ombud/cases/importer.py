"""Backlog import: old open cases from an Excel workbook (.xlsx), row by row through the one
service that records a complaint arriving without a site visit (`services.register_complaint`).

How a file goes in:

1. File-level checks, before anything touches the database: size, that it is an .xlsx (not an
   old .xls, a CSV renamed, or a zip bomb), the header row (Chinese names, English keys as
   aliases; unknown, duplicate or missing required columns are refused), the row limit.
2. Every row is parsed into a `ComplaintInput` (dates, company by id or exact name, city by
   GB/T 2260 code or name, channel and status labels) and recorded inside its own savepoint:
   `register_complaint` validates it exactly as the API does, routes it and sets its legal due
   date from `received_at`; an "in progress" row is then accepted through
   `services.take_action`; an IMPORTED event records the file and the row. Any error rolls the
   savepoint back and becomes a row error (row as Excel numbers it, column letter + header,
   message); the importer never re-implements the service's validation, it only maps the
   service's field names to spreadsheet columns.
3. The mode decides what is kept: by default every valid row (committed in chunks, so that a
   long import never holds SQLite's write lock for minutes); with `all_or_nothing` the whole
   file is one transaction, rolled back if any row failed; a dry run always rolls back.

Consumer notifications are muted during an import (`notify.muted()`): old complainants are not
texted about a backlog being loaded.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ombud import spreadsheet
from ombud.cases import events, notify, services
from ombud.cases.models import Case, Nature
from ombud.directory.access import REGULATOR_ROLES, has_role, require_role, scope_for
from ombud.directory.models import Organization, Region, User
from ombud.errors import DomainError, Forbidden, InvalidInput
from ombud.intake.models import Visit

logger = logging.getLogger("ombud.import")
SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_FILE_BYTES = 10 * 1024 * 1024
# An .xlsx is a zip: refuse one that would inflate to more than this (a zip bomb).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_ROWS = 20_000
# Rows per transaction in the default mode: commits often enough that reception sites keep
# recording visits on SQLite while a backlog loads; one transaction per row would cost a
# commit (an fsync) per row.
CHUNK_ROWS = 200
COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)

# ---- columns ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # English key, also accepted as a header
    header: str  # the Chinese header of the template
    required: bool
    aliases: tuple[str, ...]
    example: str
    help: Any  # lazy translation


COLUMNS: tuple[Column, ...] = (
    Column("name", "投诉人姓名", True, ("姓名", "投诉人"), "李秀英", gettext_lazy("the complainant's name")),
    Column(
        "phone",
        "联系电话",
        False,
        ("电话", "手机", "手机号"),
        "13812345678",
        gettext_lazy("a mobile number or a landline with area code"),
    ),
    Column(
        "id_number",
        "身份证号",
        False,
        ("身份证号码",),
        "440902198503150028",
        gettext_lazy("18 characters; format the column as text"),
    ),
    Column(
        "company",
        "被投诉公司",
        True,
        ("被投诉机构", "保险公司"),
        "中国人寿保险股份有限公司茂名分公司",
        gettext_lazy("the organization's id in Ombud or its exact registered name (head office or branch)"),
    ),
    Column(
        "city",
        "城市",
        False,
        ("地市", "城市代码"),
        "茂名市",
        gettext_lazy(
            "the consumer's prefecture-level city: GB/T 2260 code or name; empty = the city of the branch named"
        ),
    ),
    Column(
        "channel",
        "渠道",
        True,
        ("投诉渠道",),
        "电话",
        gettext_lazy("how the complaint arrived: see the sheet of allowed values"),
    ),
    Column(
        "received_at",
        "收到时间",
        True,
        ("收到日期", "投诉时间"),
        "2026-09-20 10:00",
        gettext_lazy("an Excel date or date and time, or ISO text; without a time zone: Beijing time"),
    ),
    Column(
        "category", "类别", False, ("投诉类别",), "claims.timeliness", gettext_lazy("optional, at most 48 characters")
    ),
    Column("nature", "性质", False, ("投诉性质",), "合同纠纷", gettext_lazy("optional; decides who handles the case")),
    Column(
        "summary",
        "投诉内容",
        True,
        ("内容", "投诉事项"),
        "车险理赔拖延超过30日",
        gettext_lazy("what the consumer complains about"),
    ),
    Column(
        "status",
        "状态",
        False,
        ("案件状态",),
        "已受理",
        gettext_lazy("received or in progress; empty = received"),
    ),
    Column(
        "accepted_at",
        "受理时间",
        False,
        ("受理日期",),
        "2026-09-21",
        gettext_lazy("in-progress cases only; empty = the time received"),
    ),
    Column(
        "reference",
        "原编号",
        False,
        ("source_reference", "原案件编号"),
        "GD-2026-000123",
        gettext_lazy("optional: the case number in the old system; must be unique in the file"),
    ),
)
_BY_KEY = {c.key: c for c in COLUMNS}


def _norm_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text.rstrip("*").strip().lower()


_HEADER_NAMES: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.key, _c.header, *_c.aliases):
        _HEADER_NAMES[_norm_header(_name)] = _c.key

# Labels accepted for coded values, besides the codes themselves.
CHANNEL_LABELS = {
    "电话": Visit.Channel.PHONE,
    "热线": Visit.Channel.PHONE,
    "12378": Visit.Channel.PHONE,
    "网络": Visit.Channel.ONLINE,
    "网上": Visit.Channel.ONLINE,
    "在线": Visit.Channel.ONLINE,
    "信函": Visit.Channel.LETTER,
    "来信": Visit.Channel.LETTER,
    "局长接待日": Visit.Channel.RECEPTION_DAY,
    "现场": Visit.Channel.ON_SITE,
}
STATUS_LABELS = {
    "已收到": Case.Status.RECEIVED,
    "待受理": Case.Status.RECEIVED,
    "处理中": Case.Status.IN_PROGRESS,
    "已受理": Case.Status.IN_PROGRESS,
}
IMPORTABLE_STATUSES = (Case.Status.RECEIVED, Case.Status.IN_PROGRESS)
NATURE_LABELS = {
    "合同纠纷": Nature.CONTRACT_DISPUTE,
    "服务": Nature.SERVICE,
    "服务态度或质量": Nature.SERVICE,
    "涉嫌违法违规": Nature.SUSPECTED_VIOLATION,
    "反映监管部门": Nature.ABOUT_REGULATOR,
}

# The service's field names → the spreadsheet column that holds the value.
FIELD_COLUMNS = {
    "visitor.name": "name",
    "visitor.phone": "phone",
    "visitor.id_number": "id_number",
    "company_id": "company",
    "city_code": "city",
    "channel": "channel",
    "received_at": "received_at",
    "category": "category",
    "nature": "nature",
    "summary": "summary",
    "action": "status",
}


# ---- results ------------------------------------------------------------------------------------


class FileRejected(InvalidInput):
    """The file as a whole cannot be imported (not an .xlsx, too big, bad header, no rows)."""

    code = "invalid_file"


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


# ---- who may import -----------------------------------------------------------------------------


def may_import(user: User) -> bool:
    """Regulator officers and admins (for their jurisdiction) and company complaint handlers
    (for their own company) import backlogs; executives, site staff and others do not."""
    return has_role(user, *REGULATOR_ROLES, User.Role.COMPANY_HANDLER)


def check_may_import(user: User) -> None:
    require_role(
        user,
        *REGULATOR_ROLES,
        User.Role.COMPANY_HANDLER,
        message=_("Only regulator staff and company complaint handlers may import cases."),
    )


# ---- reading the workbook -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    headers: list[str]  # as written, one per column position
    keys: list[str | None]  # the column key at each position, None for an unnamed column
    rows: list[tuple[int, tuple]]  # (Excel row number, values) of non-blank data rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_container(data: bytes) -> None:
    if not data:
        raise FileRejected(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise FileRejected(_("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
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
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise FileRejected(_("The workbook is too large once uncompressed."))


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
                if all(_blank(v) for v in values):
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
    if header is None or all(_blank(v) for v in header):
        raise FileRejected(_("The first row must hold the column headers; the file is empty."))
    headers = ["" if _blank(v) else str(v).strip() for v in header]
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
        key = _HEADER_NAMES.get(_norm_header(text))
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


# ---- parsing cells ------------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def _id_number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _CellError(
            _("Excel stored this ID-card number as a number and may have changed its digits.")
            + " "
            + _("Format the column as text and enter the number again.")
        )
    return _text(value)


_DATE_TEXT = re.compile(r"^(\d{4})[/.年-](\d{1,2})[/.月-](\d{1,2})日?(?:[ T](.*))?$")


def _when(value: Any, *, required: bool) -> datetime | None:
    """An Excel date or datetime, or ISO-like text; naive values are Beijing time."""
    if _blank(value):
        if required:
            raise _CellError(_("Give the date (and time) the complaint was received."))
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    elif isinstance(value, str):
        moment = _parse_text_when(value.strip())
    else:
        raise _CellError(_("Give a date such as 2026-09-20 or 2026-09-20 10:30 (a date cell or text)."))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


def _parse_text_when(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _DATE_TEXT.match(text)
    if match:
        year, month, day, rest = match.groups()
        try:
            base = datetime(int(year), int(month), int(day))  # noqa: DTZ001 - naive = Beijing time, set by the caller
            if rest:
                clock = time.fromisoformat(rest.strip())
                base = base.replace(hour=clock.hour, minute=clock.minute, second=clock.second)
            return base
        except ValueError:
            pass
    raise _CellError(_("Give a date such as 2026-09-20 or 2026-09-20 10:30 (a date cell or text)."))


def _coded(value: Any, labels: dict[str, str]) -> str:
    text = _text(value)
    return labels.get(text, text.lower() if text.isascii() else text)


# ---- lookups done once per file -----------------------------------------------------------------


class _Lookups:
    """Companies by name and cities by name, each one query for the whole file."""

    def __init__(self, sheet: Sheet):
        company_at = sheet.keys.index("company")
        city_at = sheet.keys.index("city") if "city" in sheet.keys else None
        names = {_text(values[company_at]) for _n, values in sheet.rows if company_at < len(values)}
        names = {n for n in names if n and not n.isdigit()}
        self.companies: dict[str, list[int]] = {}
        for pk, name in Organization.objects.filter(name__in=sorted(names), kind__in=COMPANY_KINDS).values_list(
            "pk", "name"
        ):
            self.companies.setdefault(name, []).append(pk)
        self.cities: dict[str, list[str]] = {}
        if city_at is not None:
            wanted = {_text(values[city_at]) for _n, values in sheet.rows if city_at < len(values)}
            wanted = {w for w in wanted if w and not w.isdigit()}
            candidates = wanted | {w + "市" for w in wanted}
            for code, name in Region.objects.filter(
                level=Region.Level.PREFECTURE, name__in=sorted(candidates)
            ).values_list("code", "name"):
                self.cities.setdefault(name, []).append(code)

    def company_id(self, value: Any) -> int:
        if _blank(value):
            raise _CellError(_("Name the company complained about."))
        text = _text(value)
        if text.isdigit():
            return int(text)
        found = self.companies.get(text, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise _CellError(_("Several organizations have this name; give the id instead."))
        raise _CellError(_("Unknown company: give its id or its exact registered name."))

    def city_code(self, value: Any) -> str:
        text = _text(value)
        if not text or text.isdigit():
            return text
        found = self.cities.get(text) or self.cities.get(text + "市") or []
        if len(found) == 1:
            return found[0]
        if found:
            raise _CellError(_("Several cities have this name; give the six-digit code instead."))
        raise _CellError(_("Unknown city: give its six-digit GB/T 2260 code or its name, e.g. 茂名市."))


# ---- importing ----------------------------------------------------------------------------------


class _RowRejected(Exception):
    """Rolls back one row's savepoint."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors


@dataclass
class _Row:
    number: int
    cells: dict[str, Any]
    errors: dict[str, str]  # column key (or "" for the row) → message


def _parse_row(
    number: int, values: tuple, sheet: Sheet, lookups: _Lookups, refs: dict[str, int], now: datetime
) -> tuple[_Row, dict]:
    """The row's cells by column key, its parsing errors, and the ComplaintInput arguments."""
    cells: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for position, value in enumerate(values):
        key = sheet.keys[position] if position < len(sheet.keys) else None
        if key is not None:
            cells[key] = value
        elif not _blank(value):
            errors.setdefault(f"#{position}", _("This cell is in a column without a header; its value would be lost."))
    row = _Row(number=number, cells=cells, errors=errors)

    def parse(key: str, fn, default):
        try:
            return fn(cells.get(key))
        except _CellError as e:
            errors[key] = str(e)
            return default

    company_id = parse("company", lookups.company_id, 0)
    received_at = parse("received_at", lambda v: _when(v, required=True), None)
    args = {
        "company_id": company_id,
        "complainant_name": _text(cells.get("name")),
        "complainant_phone": _text(cells.get("phone")),
        "complainant_id_number": parse("id_number", _id_number, ""),
        "summary": _text(cells.get("summary")),
        "channel": _coded(cells.get("channel"), CHANNEL_LABELS),
        "received_at": received_at,
        "category": _text(cells.get("category")),
        "city_code": parse("city", lookups.city_code, ""),
        "nature": _coded(cells.get("nature"), NATURE_LABELS),
    }
    status = _coded(cells.get("status"), STATUS_LABELS) or Case.Status.RECEIVED
    if status not in IMPORTABLE_STATUSES:
        errors["status"] = _(
            "Only open cases that are received (已收到) or in progress (已受理) can be imported; "
            "decided or closed cases are not imported."
        )
    accepted_at = parse("accepted_at", lambda v: _when(v, required=False), None)
    if accepted_at is not None:
        if status != Case.Status.IN_PROGRESS:
            errors["accepted_at"] = _("Only an in-progress case has an acceptance time.")
        elif received_at is not None and accepted_at < received_at:
            errors["accepted_at"] = _("A case cannot be accepted before it was received.")
        elif accepted_at > now:
            errors["accepted_at"] = _("The acceptance time cannot be in the future.")
    reference = _text(cells.get("reference"))
    if reference:
        if reference in refs:
            errors["reference"] = _("The same original number is already on row %(row)d.") % {"row": refs[reference]}
        else:
            refs[reference] = number
    row.cells["_status"] = status
    row.cells["_accepted_at"] = accepted_at
    return row, args


def _record(actor: User, row: _Row, args: dict, *, source: str, now: datetime) -> Case:
    """One row inside its own savepoint; raises _RowRejected with every error found."""
    errors = dict(row.errors)
    # A value that could not be parsed is replaced by a harmless one so that the service still
    # checks the other cells of the row; the row is rolled back whatever the service says.
    placeholders = {**args, "received_at": args["received_at"] or now}
    with transaction.atomic():
        try:
            case = services.register_complaint(actor, services.ComplaintInput(**placeholders), now=now)
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
                case = services.take_action(
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
    max_rows: int = MAX_ROWS,
) -> ImportResult:
    """Validate every row of the workbook and import per the mode (see the module doc).

    Raises Forbidden (the user may not import) or FileRejected (a file-level error) before
    anything is written; row errors are in the result.
    """
    check_may_import(actor)
    sheet = read_sheet(data, max_rows=max_rows)
    now = now or timezone.now()
    source = source[:200]
    result = ImportResult(source=source, rows=len(sheet.rows), all_or_nothing=all_or_nothing, dry_run=dry_run)
    lookups = _Lookups(sheet)
    refs: dict[str, int] = {}
    parsed = [_parse_row(number, values, sheet, lookups, refs, now) for number, values in sheet.rows]
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
                        result.errors.extend(_row_errors(row.number, e.errors, sheet))
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


def _row_errors(number: int, errors: dict[str, str], sheet: Sheet) -> list[RowError]:
    out = []
    for key, message in errors.items():
        if key.startswith("#"):
            position = int(key[1:])
        elif key and key in sheet.keys:
            position = sheet.keys.index(key)
        else:
            column = _BY_KEY.get(key)
            header = column.header if column else ""
            out.append(RowError(row=number, column="", header=header, message=str(message)))
            continue
        header = sheet.headers[position] if position < len(sheet.headers) else ""
        out.append(RowError(row=number, column=get_column_letter(position + 1), header=header, message=str(message)))
    return sorted(out, key=lambda e: (e.column == "", len(e.column), e.column))


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


# ---- the template workbook ----------------------------------------------------------------------


def template_workbook(user: User) -> bytes:
    """An .xlsx with the header row, an example row and a sheet of allowed values (channels,
    statuses, natures, the companies and cities the user may import for)."""
    companies, cities = _companies_for(user), _cities_for(user)
    # The example row is one this user could import as it stands: a company and a city they
    # may name, and "in progress" only for a company handler (the regulator does not accept a
    # company's case).
    example = {c.key: c.example for c in COLUMNS}
    if companies:
        example["company"] = companies[0][1]
    if cities:
        example["city"] = cities[0][1]
    if not user.is_company_user:
        example["status"], example["accepted_at"] = "已收到", ""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "投诉"
    bold = Font(bold=True)
    required_fill = PatternFill("solid", fgColor="FDE9D9")
    for position, column in enumerate(COLUMNS, start=1):
        cell = spreadsheet.put(sheet.cell(row=1, column=position), column.header + ("*" if column.required else ""))
        cell.font = bold
        if column.required:
            cell.fill = required_fill
        spreadsheet.put(sheet.cell(row=2, column=position), example[column.key] or None)
        sheet.column_dimensions[get_column_letter(position)].width = max(14, min(40, len(column.example) * 2))
    for position in (2, 3):  # phone and ID number: text, so Excel keeps every digit
        for row in (2, 3):
            sheet.cell(row=row, column=position).number_format = "@"
    sheet.freeze_panes = "A2"

    values = workbook.create_sheet("可选值")
    spreadsheet.append(values, [_("Column"), _("English key"), _("Required"), _("What to enter")])
    for column in COLUMNS:
        spreadsheet.append(
            values, [column.header, column.key, _("yes") if column.required else _("no"), str(column.help)]
        )
    spreadsheet.append(values, [])
    spreadsheet.append(values, [_("Channel"), _("code"), _("Chinese label")])
    labels = {code: [k for k, v in CHANNEL_LABELS.items() if v == code] for code in Visit.Channel.values}
    for code, label in Visit.Channel.choices:
        if code != Visit.Channel.ON_SITE:
            spreadsheet.append(values, [str(label), code, " / ".join(labels[code])])
    spreadsheet.append(values, [])
    spreadsheet.append(values, [_("Status"), _("code"), _("Chinese label")])
    for code in IMPORTABLE_STATUSES:
        spreadsheet.append(
            values, [str(Case.Status(code).label), code, " / ".join(k for k, v in STATUS_LABELS.items() if v == code)]
        )
    spreadsheet.append(values, [])
    spreadsheet.append(values, [_("Nature"), _("code"), _("Chinese label")])
    for code, label in Nature.choices:
        spreadsheet.append(values, [str(label), code, " / ".join(k for k, v in NATURE_LABELS.items() if v == code)])
    spreadsheet.append(values, [])
    spreadsheet.append(values, [_("Company"), _("id"), _("head office")])
    for pk, name, head in companies:
        spreadsheet.append(values, [name, pk, head])
    spreadsheet.append(values, [])
    spreadsheet.append(values, [_("City"), _("code")])
    for code, name in cities:
        spreadsheet.append(values, [name, code])
    for cell in values[1]:
        cell.font = bold
    values.column_dimensions["A"].width = 40
    values.column_dimensions["D"].width = 60
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _companies_for(user: User) -> list[tuple[int, str, str]]:
    qs = Organization.objects.filter(kind__in=COMPANY_KINDS, is_active=True)
    if user.is_company_user:
        org = user.organization
        head = (org.head_office_id or org.pk) if org else None
        qs = qs.filter(head_office_id=head)
    elif not user.is_regulator:
        qs = qs.none()
    return list(qs.order_by("head_office__name", "parent_id", "name").values_list("pk", "name", "head_office__name"))


def _cities_for(user: User) -> list[tuple[str, str]]:
    scope = scope_for(user)
    qs = Region.objects.filter(level=Region.Level.PREFECTURE)
    if scope.city_codes is not None:
        qs = qs.filter(code__in=sorted(scope.city_codes))
    elif scope.company_city_codes is not None:
        qs = qs.filter(code__in=sorted(scope.company_city_codes))
    elif not scope.everything and scope.company_id is None:
        qs = qs.filter(Q(pk__in=[]))
    return list(qs.order_by("code").values_list("code", "name"))
