"""The deadline module against the official calendar (chinesecalendar, an independent copy of
the State Council notices), around Spring Festival and National Day, and past 2026."""

from datetime import date, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ombud.cases import deadlines
from ombud.cases.deadlines import add_days, due_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendar():
    deadlines.forget_cached_calendar()
    yield
    deadlines.forget_cached_calendar()


@pytest.mark.parametrize(
    ("received", "days", "unit", "due"),
    [
        # RULES.md's own example: 2026-10-05 is in the National Day break → next working day.
        ("2026-09-20", 15, "calendar", "2026-10-08"),
        # Spring Festival 2026 (2/15–2/23 off): 2026-02-05 + 15 = 2026-02-20 → 2026-02-24.
        ("2026-02-05", 15, "calendar", "2026-02-24"),
        # A make-up working day (Saturday 2026-10-10) is a working day: the deadline stays.
        ("2026-09-25", 15, "calendar", "2026-10-10"),
        # A plain weekend: Saturday 2026-11-28 → Monday 2026-11-30.
        ("2026-11-13", 15, "calendar", "2026-11-30"),
        # Working days skip the National Day week and count Sunday 2026-09-20 (make-up day).
        ("2026-09-18", 3, "working", "2026-09-22"),
        ("2026-09-29", 3, "working", "2026-10-09"),
        # Spring Festival 2026 with its make-up Saturdays 2/14 and 2/28.
        ("2026-02-12", 5, "working", "2026-02-26"),
        # The day of receipt is not counted (Civil Code art. 201).
        ("2026-03-02", 0, "calendar", "2026-03-02"),
        ("2026-03-02", 1, "calendar", "2026-03-03"),
    ],
)
def test_known_due_dates(received, days, unit, due):
    result = add_days(date.fromisoformat(received), days, unit, deadlines.calendar())
    assert result.date == date.fromisoformat(due)
    assert not result.provisional


def test_a_deadline_in_2027_is_provisional_and_counts_weekends():
    result = add_days(date(2026, 12, 20), 15, "calendar", deadlines.calendar())
    assert result.date == date(2027, 1, 4)  # 2027-01-04 is a Monday; holidays not yet known
    assert result.provisional


def test_loading_2027_makes_it_final():
    from ombud.cases.models import CalendarDay, CalendarYear

    CalendarYear.objects.create(year=2027, source="test notice")
    CalendarDay.objects.create(date=date(2027, 1, 4), kind="rest_day", holiday="元旦")
    result = add_days(date(2026, 12, 20), 15, "calendar", deadlines.calendar())
    assert result == deadlines.Due(date=date(2027, 1, 5), provisional=False)


def test_due_at_is_the_end_of_the_due_day_in_shanghai():
    due = deadlines.Due(date=date(2026, 10, 8), provisional=False)
    assert due.at.isoformat() == "2026-10-09T00:00:00+08:00"


def test_due_for_reads_the_rule_from_the_table():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    # Received late on 2026-09-19 UTC = 2026-09-20 in Shanghai: the local date counts.
    received = datetime(2026, 9, 19, 17, 0, tzinfo=ZoneInfo("UTC"))
    assert due_for("complaint.decision", received).date == date(2026, 10, 8)


DATES = st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 10, 1))


@settings(max_examples=300, deadline=None)
@given(start=DATES, days=st.integers(min_value=0, max_value=60))
def test_calendar_days_match_the_official_calendar(start, days):
    due = add_days(start, days, "calendar", deadlines.calendar())
    end = start + timedelta(days=days)
    while not chinese_calendar.is_workday(end):
        end += timedelta(days=1)
    assert due.date == end


@settings(max_examples=300, deadline=None)
@given(start=DATES, days=st.integers(min_value=1, max_value=30))
def test_working_days_match_the_official_calendar(start, days):
    due = add_days(start, days, "working", deadlines.calendar())
    assert chinese_calendar.is_workday(due.date)
    between = [start + timedelta(days=i) for i in range(1, (due.date - start).days + 1)]
    assert sum(chinese_calendar.is_workday(d) for d in between) == days
