"""Due dates from legal time limits and the official holiday calendar — the one place that
knows how days are counted (RULES.md "Counting days").

- "日" are calendar days, "工作日" working days.
- Civil Code art. 201: the day of receipt is not counted; the period starts the next day.
- Civil Code art. 203: a period whose last day is a rest day (a weekend or public holiday that
  is not a make-up working day) ends on the next working day; it ends at 24:00.
- Working days follow the State Council's holiday arrangement, including make-up working
  days (调休上班): Saturday 2026-10-10 is a working day, so a deadline landing on it stays.
- The calendar is data (`CalendarYear`, `CalendarDay`), seeded for 2004–2026 and extended by
  an admin each year. A date in a year not loaded counts weekends only and makes the due
  date *provisional*.

Days are counted in Asia/Shanghai, the project's `TIME_ZONE` (`timezone.localdate` and
`timezone.make_aware` in the default time zone, whatever time zone a request may activate).

Example: received 2026-09-20, 15 days → 2026-10-05 is in the National Day break → due
2026-10-08, i.e. before 2026-10-09 00:00 Asia/Shanghai.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone

from ombud.cases.models import CalendarDay, CalendarYear, DeadlineRule

_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class Due:
    date: date
    provisional: bool  # a day of the period lies in a year whose holidays are not loaded

    @property
    def at(self) -> datetime:
        """The end of the due day: 24:00 Asia/Shanghai (the next day's 00:00), aware."""
        end = datetime.combine(self.date + timedelta(days=1), datetime.min.time())
        return timezone.make_aware(end, timezone.get_default_timezone())


@dataclass(frozen=True)
class Calendar:
    years: frozenset[int]
    exceptions: dict[date, str]  # date → CalendarDay.Kind

    def is_working_day(self, day: date) -> bool:
        kind = self.exceptions.get(day)
        if kind == CalendarDay.Kind.ADJUSTED_WORKDAY:
            return True
        if kind == CalendarDay.Kind.REST_DAY:
            return False
        return day.weekday() < 5

    def knows(self, day: date) -> bool:
        return day.year in self.years


_cached: tuple[float, Calendar] | None = None


def calendar() -> Calendar:
    """The whole calendar (a few dozen rows a year), cached in the process for five minutes
    and dropped at once when an admin edits it in this process (signals in cases/apps.py)."""
    global _cached
    now = time.monotonic()
    if _cached is None or now - _cached[0] > _TTL_SECONDS:
        cal = Calendar(
            years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
            exceptions=dict(CalendarDay.objects.values_list("date", "kind")),
        )
        _cached = (now, cal)
    return _cached[1]


def forget_cached_calendar() -> None:
    global _cached
    _cached = None


def add_days(start: date, days: int, unit: str, cal: Calendar, *, roll_to_working_day: bool = True) -> Due:
    """The due date `days` days (calendar or working) after `start`, which is not counted."""
    if days < 0:
        raise ValueError("a time limit is not negative")
    provisional = False
    day = start
    if unit == DeadlineRule.Unit.WORKING:
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            provisional |= not cal.knows(day)
            if cal.is_working_day(day):
                counted += 1
    elif unit == DeadlineRule.Unit.CALENDAR:
        day = start + timedelta(days=days)
        provisional |= not cal.knows(day)
        if roll_to_working_day:
            while not cal.is_working_day(day):
                day += timedelta(days=1)
                provisional |= not cal.knows(day)
    else:
        raise ValueError(f"unknown unit {unit!r}")
    return Due(date=day, provisional=provisional)


def local_date(moment: datetime) -> date:
    """The day `moment` (aware) falls on in Asia/Shanghai."""
    return timezone.localdate(moment, timezone.get_default_timezone())


def due_for(rule: DeadlineRule | str, received_at: datetime, *, extra_days: int = 0) -> Due:
    """The due date of `rule` for something received at `received_at` (aware)."""
    if isinstance(rule, str):
        rule = DeadlineRule.objects.get(code=rule)
    return add_days(
        local_date(received_at),
        rule.days + extra_days,
        rule.unit,
        calendar(),
        roll_to_working_day=rule.roll_to_working_day,
    )


def remaining(due_at: datetime, now: datetime) -> timedelta:
    """Time left until `due_at`; negative when overdue."""
    return due_at - now
