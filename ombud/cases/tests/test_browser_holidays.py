"""Journey of the regulator admin in headless Chromium against a live server: a complaint
received on 2026-12-20 runs into 2027, whose holidays are not loaded, so its due date is shown
provisional; the admin signs in to the Django admin, loads the 2027 holiday calendar there (the
year, then each of its days), and a complaint received on 2026-12-20 then gets a due date that
is not provisional. Screenshots go to /tmp/ombud-shots/ for a human look.

The days loaded are NOTICE_2027 of test_load_holidays.py: a test calendar shaped like a State
Council notice for 2027, not a transcription of the published notice. No 2027 notice is in the
repository or in ../shared/data/ (cn_holidays/PROVENANCE.md: 2004–2026 only).

Only transactional tests in this file (see test_browser_workspace.py).
"""

import csv
from datetime import date, datetime
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from ombud.audit.models import AuditEntry
from ombud.cases import deadlines
from ombud.cases.models import CalendarDay, CalendarYear, Case
from ombud.cases.services import ComplaintInput, register_complaint
from ombud.cases.tests.test_load_holidays import NOTICE_2027
from ombud.testing import MAOMING, PASSWORD, SHOTS, make_world

pytestmark = [pytest.mark.browser]

SHANGHAI = timezone.get_default_timezone()
RECEIVED = datetime(2026, 12, 20, 10, 0, tzinfo=SHANGHAI)
# 15 calendar days after 2026-12-20 (complaint.decision): Monday 2027-01-04.
DUE = date(2027, 1, 4)
SOURCE = "国务院办公厅关于2027年部分节假日安排的通知（测试日历）"


def register(world, monkeypatch) -> Case:
    """A complaint by phone received on 2026-12-20, registered an hour later (the intake checks
    the clock, so the clock says so while the service runs)."""
    later = datetime(2026, 12, 20, 11, 0, tzinfo=SHANGHAI)
    with monkeypatch.context() as m:
        m.setattr("django.utils.timezone.now", lambda: later)
        return register_complaint(
            world.admin,
            ComplaintInput(
                company_id=world.company_a_maoming.pk,
                complainant_name="李秀英",
                complainant_phone="13800138000",
                summary="重疾险理赔被拒，消费者不认可。",
                channel="phone",
                received_at=RECEIVED,
                city_code=MAOMING,
            ),
            now=later,
        )


def may_edit_the_calendar(user) -> None:
    """What a superuser grants the regulator admin once: the admin site, and the calendar's pages."""
    codenames = [f"{verb}_{model}" for verb in ("view", "add", "change") for model in ("calendaryear", "calendarday")]
    perms = Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
    assert perms.count() == len(codenames)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*perms)


def due_shown(page, base: str, case: Case) -> tuple[str, int]:
    """The due date the case page shows, and how many 'provisional' badges it carries."""
    page.goto(base + reverse("cases:detail", args=[case.pk]))
    due = page.locator("#case-due [data-due]")
    assert due.locator(".due-date").inner_text().strip() == due.get_attribute("data-due")
    return due.get_attribute("data-due"), page.locator("#case-due .badge-provisional").count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_regulator_admin_loads_2027_in_the_admin_and_a_december_complaint_is_then_due_firmly(
    live_server, browser_page, monkeypatch
):
    deadlines.forget_cached_calendar()
    world = make_world()
    assert world.admin.nationwide and world.admin.role == "regulator_admin"
    may_edit_the_calendar(world.admin)
    assert not CalendarYear.objects.filter(year=2027).exists()
    days = list(csv.DictReader(StringIO(NOTICE_2027)))
    assert len(days) == 24 and all(row["date"].startswith("2027-") for row in days)

    page, errors = browser_page
    base = live_server.url

    # Before: 2027 is not loaded, so the due date is counted with weekends only, provisional.
    before = register(world, monkeypatch)
    assert (before.due_date, before.due_provisional) == (DUE, True)
    page.goto(base + reverse("login"))
    page.locator("#id_username").fill("admin")
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: reverse("login") not in url)
    assert due_shown(page, base, before) == (DUE.isoformat(), 1)
    assert page.locator("#case-due .badge-provisional").inner_text().strip() == "暂定"
    page.screenshot(path=str(SHOTS / "holidays-1-provisional.png"), full_page=True)

    # The admin site (same sign-in): the calendar years' page, and the year 2027 with its source.
    page.goto(base + reverse("admin:index"))
    add_year = reverse("admin:cases_calendaryear_add")
    page.locator(f'a[href="{add_year}"]').first.click()
    page.wait_for_url(base + add_year)
    page.locator("#id_year").fill("2027")
    page.locator("#id_source").fill(SOURCE)
    page.locator('input[name="_save"]').click()
    page.wait_for_url(base + reverse("admin:cases_calendaryear_changelist"))
    assert page.locator(".errornote").count() == 0
    assert SOURCE in page.locator("#result_list").inner_text()

    # Its days, one add form each ("save and add another").
    add_day = reverse("admin:cases_calendarday_add")
    page.goto(base + add_day)
    for row in days:
        page.locator("#id_date").fill(row["date"])
        page.select_option("#id_kind", row["kind"])
        page.locator("#id_holiday").fill(row["holiday"])
        page.locator('input[name="_addanother"]').click()
        page.wait_for_load_state()
        assert page.locator(".errornote").count() == 0, (row, page.locator("#content").inner_text())
        assert page.url == base + add_day
    page.goto(base + reverse("admin:cases_calendarday_changelist") + "?date__year=2027")
    page.screenshot(path=str(SHOTS / "holidays-2-days-2027.png"), full_page=True)
    loaded = dict(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind"))
    assert loaded == {date.fromisoformat(row["date"]): row["kind"] for row in days}
    assert CalendarYear.objects.get(year=2027).source == SOURCE
    # Who changed what: one audit entry per row added, under the regulator admin's name.
    assert AuditEntry.objects.filter(action="policy.add", actor_id=world.admin.pk).count() == 1 + len(days)

    # After: the same complaint, received on 2026-12-20, is due firmly (the admin's edits
    # dropped the calendar this process had cached when the first complaint was registered).
    after = register(world, monkeypatch)
    assert (after.due_date, after.due_provisional) == (DUE, False)
    assert due_shown(page, base, after) == (DUE.isoformat(), 0)
    page.screenshot(path=str(SHOTS / "holidays-3-firm.png"), full_page=True)
    assert not errors
