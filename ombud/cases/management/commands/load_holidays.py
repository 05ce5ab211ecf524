"""`ombud load-holidays YEAR FILE`: load one year's State Council holiday notice
(国务院办公厅关于部分节假日安排的通知) into CalendarYear/CalendarDay, whole or not at all.

The file is UTF-8 CSV with a header row; the columns `date` (YYYY-MM-DD) and `kind`
(`rest_day` or `adjusted_workday`) are required, `holiday` (or `holiday_zh`, as in
cases/data/cn_holidays.csv) is optional; other columns are ignored. Every day of the notice is
listed: each weekday off and each make-up working day; weekend days off may be listed too.
A file that is malformed, names another year, or lacks one of the holidays every notice has
(New Year's Day, Spring Festival, Labour Day, National Day) is refused with the reasons, exit
code 1, and nothing is written (docs/deadlines.md)."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ombud.audit.services import record
from ombud.cases import deadlines
from ombud.cases.models import CalendarDay, CalendarYear

KINDS = {choice.value for choice in CalendarDay.Kind}
HOLIDAY_MAX = CalendarDay._meta.get_field("holiday").max_length


def read_notice(year: int, path: Path) -> tuple[dict[date, tuple[str, str]], list[str]]:
    """The days of the file and the list of what is wrong with it (empty when it is whole)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}, [f"{path}: no such file"]
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [f"{path}: cannot be read as UTF-8 text ({exc})"]
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = {"date", "kind"} - set(header)
    if missing:
        return {}, [f"the header row must name the columns date and kind (missing: {', '.join(sorted(missing))})"]
    errors: list[str] = []
    days: dict[date, tuple[str, str]] = {}
    for line, row in enumerate(reader, start=2):
        raw_date, kind = (row.get("date") or "").strip(), (row.get("kind") or "").strip()
        holiday = (row.get("holiday") or row.get("holiday_zh") or "").strip()
        if not raw_date and not kind:
            continue
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(f"line {line}: {raw_date!r} is not a date (YYYY-MM-DD)")
            continue
        if day.year != year:
            errors.append(f"line {line}: {day} is not in {year}")
        if kind not in KINDS:
            errors.append(f"line {line}: kind {kind!r} is neither rest_day nor adjusted_workday")
        elif kind == CalendarDay.Kind.ADJUSTED_WORKDAY and day.weekday() < 5:
            errors.append(f"line {line}: {day} is a weekday, so it cannot be a make-up working day")
        if len(holiday) > HOLIDAY_MAX:
            errors.append(f"line {line}: the holiday name is longer than {HOLIDAY_MAX} characters")
        if day in days:
            errors.append(f"line {line}: {day} is listed twice")
        days[day] = (kind, holiday)
    if not errors:
        errors.extend(_missing_holidays(year, days))
    return days, errors


def _missing_holidays(year: int, days: dict[date, tuple[str, str]]) -> list[str]:
    """Every notice gives these days off; a file without them is partial."""

    def off(day: date) -> bool:
        kind = days.get(day, ("", ""))[0]
        return kind == CalendarDay.Kind.REST_DAY or (day.weekday() >= 5 and kind != CalendarDay.Kind.ADJUSTED_WORKDAY)

    def weekday_off(start: date, end: date) -> bool:
        return any(
            days.get(start + timedelta(n), ("", ""))[0] == CalendarDay.Kind.REST_DAY
            and (start + timedelta(n)).weekday() < 5
            for n in range((end - start).days + 1)
        )

    problems = []
    for label, day in (("New Year's Day", date(year, 1, 1)), ("Labour Day", date(year, 5, 1))):
        if not off(day):
            problems.append(f"partial file: {day} ({label}) is not a day off")
    if not all(off(date(year, 10, d)) for d in (1, 2, 3)):
        problems.append(f"partial file: {year}-10-01 to {year}-10-03 (National Day) are not all days off")
    if not weekday_off(date(year, 1, 20), date(year, 2, 28)):
        problems.append(f"partial file: no weekday off between {year}-01-20 and {year}-02-28 (Spring Festival)")
    return problems


class Command(BaseCommand):
    help = "Load a whole year of the State Council holiday notice from a CSV file (docs/deadlines.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--source",
            default="",
            help="where the days come from (default: the State Council notice for YEAR)",
        )
        parser.add_argument("--replace", action="store_true", help="replace a year that is already loaded")

    def handle(self, *args, year: int, file: Path, source: str, replace: bool, **options) -> None:
        if not 1949 < year < 2200:
            raise CommandError(f"{year} is not a plausible year")
        source = source.strip() or f"国务院办公厅关于{year}年部分节假日安排的通知"
        if len(source) > CalendarYear._meta.get_field("source").max_length:
            raise CommandError("the source is too long")
        days, errors = read_notice(year, file)
        if errors:
            raise CommandError(f"{file} is refused, nothing was loaded:\n  " + "\n  ".join(errors))
        if CalendarYear.objects.filter(year=year).exists() and not replace:
            raise CommandError(f"{year} is already loaded; pass --replace to load it again")
        with transaction.atomic():
            CalendarDay.objects.filter(date__year=year).delete()
            CalendarDay.objects.bulk_create(
                [CalendarDay(date=day, kind=kind, holiday=holiday) for day, (kind, holiday) in sorted(days.items())]
            )
            loaded, _created = CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
            record(None, "policy.load_holidays", loaded, days=len(days), source=source, replaced=not _created)
        # bulk_create sends no post_save: drop this process's cached calendar ourselves (other
        # processes re-read it within five minutes, cases/deadlines.py).
        deadlines.forget_cached_calendar()
        rest = sum(1 for kind, _ in days.values() if kind == CalendarDay.Kind.REST_DAY)
        self.stdout.write(f"{year}: {rest} rest days and {len(days) - rest} make-up working days loaded ({source})")
