"""`ombud load-holidays YEAR FILE`: a year's holiday notice is loaded whole or not at all, and a
deadline that runs into it is no longer provisional (docs/deadlines.md)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ombud.cases import deadlines
from ombud.cases.models import CalendarDay, CalendarYear
from ombud.cases.services import ComplaintInput, register_complaint
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db

# A test calendar shaped like a State Council notice for 2027 (not a transcription of the
# published notice): the weekdays off and the make-up working days of each holiday.
NOTICE_2027 = """date,kind,holiday
2027-01-01,rest_day,元旦
2027-02-06,rest_day,春节
2027-02-07,rest_day,春节
2027-02-08,rest_day,春节
2027-02-09,rest_day,春节
2027-02-10,rest_day,春节
2027-02-11,rest_day,春节
2027-02-12,rest_day,春节
2027-02-13,rest_day,春节
2027-02-14,rest_day,春节
2027-02-20,adjusted_workday,春节
2027-04-05,rest_day,清明
2027-05-03,rest_day,劳动节
2027-05-04,rest_day,劳动节
2027-05-05,rest_day,劳动节
2027-05-08,adjusted_workday,劳动节
2027-06-09,rest_day,端午
2027-09-15,rest_day,中秋
2027-10-01,rest_day,国庆节
2027-10-04,rest_day,国庆节
2027-10-05,rest_day,国庆节
2027-10-06,rest_day,国庆节
2027-10-07,rest_day,国庆节
2027-10-09,adjusted_workday,国庆节
"""
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_calendar():
    deadlines.forget_cached_calendar()
    yield
    deadlines.forget_cached_calendar()


@pytest.fixture
def notice(tmp_path):
    def write(text: str):
        path = tmp_path / "notice.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def refused(*args) -> CommandError:
    with pytest.raises(CommandError) as caught:
        call_command("load_holidays", *args)
    assert caught.value.returncode != 0
    return caught.value


def test_a_complaint_received_before_a_loaded_year_gets_a_firm_due_date(world, notice, monkeypatch):
    received = datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)
    later = datetime(2026, 12, 20, 11, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)  # the intake checks the clock
    assert deadlines.due_for("complaint.decision", received).provisional  # 2027 is not loaded
    deadlines.calendar()  # cached before the load: the command must drop it

    call_command("load_holidays", "2027", str(notice(NOTICE_2027)))

    assert CalendarYear.objects.get(year=2027).source == "国务院办公厅关于2027年部分节假日安排的通知"
    assert CalendarDay.objects.filter(date__year=2027).count() == 24
    data = ComplaintInput(
        company_id=world.company_a_maoming.pk,
        complainant_name="李秀英",
        summary="重疾险理赔被拒",
        channel="phone",
        received_at=received,
        complainant_phone="13800138000",
        city_code=MAOMING,
    )
    case = register_complaint(world.admin, data, now=later)
    # 15 calendar days: 2027-01-04, a Monday and a working day of the loaded notice.
    assert case.due_date == date(2027, 1, 4)
    assert case.due_provisional is False


def test_a_partial_file_is_refused_and_nothing_is_written(notice):
    without_national_day = "\n".join(line for line in NOTICE_2027.splitlines() if "国庆节" not in line)
    error = refused("2027", str(notice(without_national_day)))
    assert "National Day" in str(error) and "nothing was loaded" in str(error)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_malformed_file_is_refused_with_every_reason(notice):
    bad = (
        NOTICE_2027 + "2027-13-01,rest_day,\n2028-01-03,rest_day,\n2027-03-03,adjusted_workday,\n2027-03-04,day_off,\n"
    )
    error = str(refused("2027", str(notice(bad))))
    assert "'2027-13-01' is not a date" in error
    assert "2028-01-03 is not in 2027" in error
    assert "2027-03-03 is a weekday" in error
    assert "'day_off'" in error
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_a_file_without_the_columns_or_missing_is_refused(notice, tmp_path):
    assert "header row" in str(refused("2027", str(notice("day;type\n2027-01-01;rest_day\n"))))
    assert "no such file" in str(refused("2027", str(tmp_path / "absent.csv")))
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_a_loaded_year_is_replaced_only_when_asked(notice):
    path = str(notice(NOTICE_2027))
    call_command("load_holidays", "2027", path)
    assert "already loaded" in str(refused("2027", path))
    call_command("load_holidays", "2027", path, "--replace", "--source", "国办发明电〔2026〕测试")
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕测试"
    assert CalendarDay.objects.filter(date__year=2027).count() == 24


def test_the_seed_file_format_is_accepted(notice):
    # The columns of cases/data/cn_holidays.csv (holiday_zh, extra columns) load as well.
    rows = ["date,weekday,kind,holiday_en,holiday_zh,in_lieu"]
    for line in NOTICE_2027.splitlines()[1:]:
        day, kind, name = line.split(",")
        rows.append(f"{day},{date.fromisoformat(day).isoweekday()},{kind},,{name},0")
    call_command("load_holidays", "2027", str(notice("\n".join(rows) + "\n")))
    assert CalendarDay.objects.get(date=date(2027, 10, 4)).holiday == "国庆节"


def test_a_load_is_in_the_audit_log(notice):
    from ombud.audit.models import AuditEntry

    call_command("load_holidays", "2027", str(notice(NOTICE_2027)))
    entry = AuditEntry.objects.filter(action="policy.load_holidays").latest("seq")
    assert (entry.object_type, entry.object_id) == ("cases.calendaryear", "2027")
    assert entry.data["days"] == 24 and entry.data["replaced"] is False
