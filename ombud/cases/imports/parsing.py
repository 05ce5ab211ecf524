"""Parsing cells: what a spreadsheet cell holds → the value the complaint service takes (text,
an ID-card number kept as text, a date and time in Beijing time, a coded value from its label,
a company or a city from its name). A cell that cannot be parsed raises `CellError`, which the
row turns into that column's error (`validation`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases.imports import queries
from ombud.cases.imports.reading import Sheet, blank


class CellError(Exception):
    pass


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).strip()


def parse_id_number(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise CellError(
            _("Excel stored this ID-card number as a number and may have changed its digits.")
            + " "
            + _("Format the column as text and enter the number again.")
        )
    return cell_text(value)


_DATE_TEXT = re.compile(r"^(\d{4})[/.年-](\d{1,2})[/.月-](\d{1,2})日?(?:[ T](.*))?$")


def parse_when(value: Any, *, required: bool) -> datetime | None:
    """An Excel date or datetime, or ISO-like text; naive values are Beijing time."""
    if blank(value):
        if required:
            raise CellError(_("Give the date (and time) the complaint was received."))
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    elif isinstance(value, str):
        moment = _parse_text_when(value.strip())
    else:
        raise CellError(_("Give a date such as 2026-09-20 or 2026-09-20 10:30 (a date cell or text)."))
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)  # settings.TIME_ZONE: Beijing time
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
    raise CellError(_("Give a date such as 2026-09-20 or 2026-09-20 10:30 (a date cell or text)."))


def parse_coded(value: Any, labels: dict[str, str]) -> str:
    text = cell_text(value)
    return labels.get(text, text.lower() if text.isascii() else text)


class Lookups:
    """Companies by name and cities by name, each one query for the whole file."""

    def __init__(self, sheet: Sheet):
        company_at = sheet.keys.index("company")
        city_at = sheet.keys.index("city") if "city" in sheet.keys else None
        names = {cell_text(values[company_at]) for _n, values in sheet.rows if company_at < len(values)}
        self.companies = queries.companies_named({n for n in names if n and not n.isdigit()})
        self.cities: dict[str, list[str]] = {}
        if city_at is not None:
            wanted = {cell_text(values[city_at]) for _n, values in sheet.rows if city_at < len(values)}
            wanted = {w for w in wanted if w and not w.isdigit()}
            self.cities = queries.cities_named(wanted | {w + "市" for w in wanted})

    def company_id(self, value: Any) -> int:
        if blank(value):
            raise CellError(_("Name the company complained about."))
        text = cell_text(value)
        if text.isdigit():
            return int(text)
        found = self.companies.get(text, [])
        if len(found) == 1:
            return found[0]
        if found:
            raise CellError(_("Several organizations have this name; give the id instead."))
        raise CellError(_("Unknown company: give its id or its exact registered name."))

    def city_code(self, value: Any) -> str:
        text = cell_text(value)
        if not text or text.isdigit():
            return text
        found = self.cities.get(text) or self.cities.get(text + "市") or []
        if len(found) == 1:
            return found[0]
        if found:
            raise CellError(_("Several cities have this name; give the six-digit code instead."))
        raise CellError(_("Unknown city: give its six-digit GB/T 2260 code or its name, e.g. 茂名市."))
