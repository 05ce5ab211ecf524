"""Journey on a phone: an anonymous consumer files a complaint online (docs/portal.md).

Opens /file/?kind=complaint, proves the mobile number with the SMS code (read from the memory
backend), finds the company by typing two characters, files with one evidence file and gets
the receipt. Each step: no serious or critical axe-core violation, no sideways scrolling. The
time to file is printed (not asserted).
"""

from __future__ import annotations

import re
import time

import pytest

from ombud.cases import notify_backends
from ombud.intake.models import Visit
from ombud.testing import MAOMING, SHOTS, accessibility_violations, horizontal_overflow, make_world

pytestmark = [pytest.mark.browser]
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


def check(page, step: str) -> None:
    page.screenshot(path=str(SHOTS / f"filing-{step}.png"), full_page=True)
    found = accessibility_violations(page)
    assert found == [], (step, found)
    assert horizontal_overflow(page) == 0, step


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_file_a_complaint_on_a_phone(live_server, phone_page, settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    notify_backends.outbox.clear()
    world = make_world()
    page, errors = phone_page
    base = live_server.url

    started = time.monotonic()
    page.goto(base + "/file/?kind=complaint")
    check(page, "1-phone")
    page.locator("#id_phone").fill("13800138000")
    page.locator(".filing-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"code=1"))
    check(page, "2-code")
    code = re.search(r"\b(\d{6})\b", notify_backends.outbox[-1].body).group(1)
    page.locator("#id_otp").fill(code)
    page.locator(".filing-form button[type=submit]").click()
    page.locator("#filing-form").wait_for()
    assert page.locator("input[name=kind][value=complaint]").is_checked()
    check(page, "3-form")

    page.locator("#id_name").fill("王小明")
    page.locator("#id_company").press_sequentially("人寿", delay=50)
    option = page.locator("[role=option]", has_text="茂名")
    option.wait_for()
    assert page.locator("#id_company").get_attribute("aria-expanded") == "true"
    check(page, "4-company-list")
    option.click()
    assert page.locator("#id_company").input_value() == world.company_a_maoming.name
    assert page.locator("input[name=company_id]").input_value() == str(world.company_a_maoming.pk)
    page.locator("#id_city").select_option(MAOMING)
    page.locator("#id_summary").fill("今年三月住院，向保险公司申请理赔已超过三十日，至今未赔付。")
    page.locator("#id_request").fill("按合同赔付住院医疗费用。")
    page.locator("#id_evidence").set_input_files(
        files=[{"name": "住院发票.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.locator("#id_consent").check()
    # the draft is kept in the browser: text, never the code
    draft = page.evaluate("localStorage.getItem('ombud.filing.draft')")
    assert "今年三月住院" in draft and code not in draft
    page.locator("[data-submit]").click()
    page.wait_for_url(base + "/file/done/")
    seconds = time.monotonic() - started
    check(page, "5-receipt")

    visit = Visit.objects.get()
    assert visit.channel == "online" and visit.company_id == world.company_a_maoming.pk
    assert visit.case.attachments.count() == 1 and visit.case.due_at is not None
    assert visit.secret_code in page.locator("[data-filing-done]").inner_text()
    assert page.evaluate("localStorage.getItem('ombud.filing.draft')") is None
    assert errors == []
    print(f"\ntime to file on the phone viewport: {seconds:.1f} s")
