"""The spreadsheet's columns (the template's Chinese headers, English keys as aliases) and the
labels accepted for coded values: what the reader, the row parser and the template share."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from ombud.cases.models import Case, Nature
from ombud.intake.models import Visit


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
BY_KEY = {c.key: c for c in COLUMNS}


def norm_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return text.rstrip("*").strip().lower()


HEADER_NAMES: dict[str, str] = {}
for _c in COLUMNS:
    for _name in (_c.key, _c.header, *_c.aliases):
        HEADER_NAMES[norm_header(_name)] = _c.key

# Labels accepted for coded values, besides the codes themselves.
CHANNEL_LABELS: dict[str, str] = {
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
STATUS_LABELS: dict[str, str] = {
    "已收到": Case.Status.RECEIVED,
    "待受理": Case.Status.RECEIVED,
    "处理中": Case.Status.IN_PROGRESS,
    "已受理": Case.Status.IN_PROGRESS,
}
IMPORTABLE_STATUSES = (Case.Status.RECEIVED, Case.Status.IN_PROGRESS)
NATURE_LABELS: dict[str, str] = {
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
