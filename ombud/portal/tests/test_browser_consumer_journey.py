"""The consumer's whole journey, on a phone (issue 10, "done when"):

an anonymous consumer opens `/`, files a complaint against a company found by typing two
characters, enters the SMS code (read from the memory backend), gets the receipt; the company's
handler sees the case in the queue with its legal due date, decides and notifies; the consumer
reads the letter, rates it 4 and then asks for a review; the officer sees the rating in the
company's three rates on the case statistics page. The time to file is printed, not asserted.
"""

from __future__ import annotations

import re
import time

import pytest

from ombud.cases import notify_backends
from ombud.cases.models import Case, CaseEvent
from ombud.intake.models import Visit
from ombud.testing import (
    MAOMING,
    PASSWORD,
    SHOTS,
    accessibility_violations,
    horizontal_overflow,
    make_world,
)

pytestmark = [pytest.mark.browser]
REPLY = "经核实，您的住院医疗费用属于保险责任，我司同意按合同赔付，款项将于五个工作日内到账。"


def check(page, step: str) -> None:
    page.screenshot(path=str(SHOTS / f"journey-{step}.png"), full_page=True)
    assert accessibility_violations(page) == [], step
    assert horizontal_overflow(page) == 0, step


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.locator("#id_username").type(username)
    page.locator("#id_password").type(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_consumer_files_online_the_company_decides_the_consumer_rates_and_asks_for_review(
    live_server, phone_page, settings
):
    settings.OMBUD_SMS_BACKEND = "memory"
    notify_backends.outbox.clear()
    world = make_world()
    page, errors = phone_page
    base = live_server.url

    # 1. The public home, then the filing flow.
    started = time.monotonic()
    page.goto(base + "/")
    check(page, "1-home")
    page.locator("a[href^='/file/?kind=complaint']").first.click()
    page.locator("#id_phone").fill("13800138000")
    page.locator(".filing-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"code=1"))
    code = re.search(r"\b(\d{6})\b", notify_backends.outbox[-1].body).group(1)
    page.locator("#id_otp").fill(code)
    page.locator(".filing-form button[type=submit]").click()
    page.locator("#filing-form").wait_for()
    page.locator("#id_name").fill("王小明")
    page.locator("#id_company").press_sequentially("人寿", delay=50)
    page.locator("[role=option]", has_text="茂名").click()
    page.locator("#id_city").select_option(MAOMING)
    page.locator("#id_summary").fill("今年三月住院，向保险公司申请理赔已超过三十日，至今未赔付。")
    page.locator("#id_request").fill("按合同赔付住院医疗费用。")
    page.locator("#id_consent").check()
    page.locator("[data-submit]").click()
    page.wait_for_url(base + "/file/done/")
    seconds = time.monotonic() - started
    check(page, "2-receipt")
    visit = Visit.objects.get()
    case = Case.objects.get(visit=visit)
    tracking_no, secret = visit.tracking_no, visit.secret_code
    assert secret in page.locator("[data-filing-done]").inner_text()
    assert page.locator("[data-filing-qr] svg").count() == 1  # the QR code of the tracking address
    assert case.status == Case.Status.RECEIVED and case.due_at is not None
    sms = [m for m in notify_backends.outbox if tracking_no in m.body]
    assert sms and secret in sms[-1].body and f"/track/?no={tracking_no}" in sms[-1].body

    # 2. The company's handler, in a browser of their own: the queue, then accept, decide, notify.
    staff = page.context.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    desk = staff.new_page()
    sign_in(desk, base, "handler_a")
    desk.goto(base + "/cases/")
    row = desk.locator(f'#queue tr.queue-row[data-case-id="{case.pk}"]')
    row.wait_for()
    assert case.due_date.strftime("%Y-%m-%d") in row.inner_text() or row.locator("[data-due]").count() == 1
    row.locator("a.case-link").click()
    desk.locator("#case-head").wait_for()
    desk.locator("#action-accept [data-submit-action=accept]").click()
    desk.wait_for_load_state()
    desk.locator("#action-decide").wait_for()
    desk.locator('input[name="decide-decision"][value="upheld"]').check()
    desk.locator("#id_decide-reply").fill(REPLY)
    desk.locator("#action-decide [data-submit-action=decide]").click()
    desk.wait_for_load_state()
    desk.locator("#action-notify [data-submit-action=notify]").click()
    desk.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == Case.Status.INFORMED, case.status

    # 3. The consumer opens the tracking link, reads the letter, rates 4, then asks for review.
    page.goto(base + f"/track/?no={tracking_no}")
    page.locator("#id_code").fill(secret)
    page.locator("#id_code").press("Enter")
    page.locator("[data-letter]").wait_for()
    assert REPLY in page.locator("[data-letter]").inner_text()
    check(page, "3-letter")
    page.locator("#action-rate summary").click()
    page.locator("#action-rate input[name=rate-solved][value=yes]").check()
    page.locator("#action-rate input[name=rate-satisfaction][value='4']").check()
    page.locator("#action-rate button[type=submit]").click()
    page.locator("[data-rating]").wait_for()
    check(page, "4-rated")
    page.locator("#action-request_review summary").click()
    page.locator("#action-request_review textarea").fill("赔付金额少算了一次门诊费用，请复核。")
    page.locator("#action-request_review button[type=submit]").click()
    page.wait_for_load_state()
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW
    assert case.rating.satisfaction == 4 and case.rating.solved is True
    types = list(case.events.values_list("type", flat=True))
    assert CaseEvent.Type.RATED in types and CaseEvent.Type.REVIEW_REQUESTED in types
    check(page, "5-review")

    # 4. The officer sees the rating in the company's three rates.
    office = page.context.browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    desk2 = office.new_page()
    sign_in(desk2, base, "officer")
    desk2.goto(base + "/reports/cases/")
    rates = desk2.locator(f'[data-table="case-rates"] tr[data-company="{world.company_a.pk}"]')
    rates.wait_for()
    assert rates.locator('[data-rate="ratings_answers"]').inner_text().strip() == "1"
    assert "100.0%" in rates.locator('[data-rate="satisfaction_rate"]').inner_text()
    desk2.screenshot(path=str(SHOTS / "journey-6-rates.png"), full_page=True)
    staff.close()
    office.close()
    assert errors == []
    print(f"\ntime to file on the phone viewport (from the home page): {seconds:.1f} s")
