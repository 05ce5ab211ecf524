"""The downloadable template workbook: the header row, an example row this user could import
as it stands, and a sheet of allowed values (channels, statuses, natures, the companies and
cities the user may import for). Cells are written through `ombud.spreadsheet` (no formula)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from ombud import spreadsheet
from ombud.cases.imports import queries
from ombud.cases.imports.columns import CHANNEL_LABELS, COLUMNS, IMPORTABLE_STATUSES, NATURE_LABELS, STATUS_LABELS
from ombud.cases.models import Case, Nature
from ombud.directory.models import User
from ombud.intake.models import Visit


def template_workbook(user: User) -> bytes:
    """An .xlsx with the header row, an example row and a sheet of allowed values (channels,
    statuses, natures, the companies and cities the user may import for)."""
    companies, cities = queries.companies_for(user), queries.cities_for(user)
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
