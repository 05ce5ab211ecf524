"""The public consultation journey in headless Chromium against a live server.

An anonymous visitor on a phone opens the list of consultations, verifies a mobile number with
the SMS code (read from the memory backend) and answers an open consultation; the officer, in a
second browser context at a desk's width, signs in by typing, reads the answer, tags it
「理赔慢」 and sees the count. The public pages have no serious or critical axe-core violation
and no sideways scrolling at 390 px. Screenshots go to /tmp/ombud-shots/.

Only transactional tests in this file (see ombud/testing.py, browser_page).
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ombud.cases import notify_backends
from ombud.portal.consultations import services
from ombud.portal.models import ConsultationResponse
from ombud.portal.tests.consultation_world import make_consultation
from ombud.testing import (
    CHROMIUM_ARGS,
    PASSWORD,
    SHOTS,
    accessibility_violations,
    horizontal_overflow,
    make_world,
    watch,
)

pytestmark = [pytest.mark.browser]


def public_page_is_sound(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"consult-{name}.png"), full_page=True)
    violations = accessibility_violations(page)
    assert not violations, f"{name}:\n" + "\n".join(violations)
    assert horizontal_overflow(page) == 0, name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_visitor_answers_and_the_officer_tags_and_counts(live_server, phone_page, settings):
    from playwright.sync_api import expect

    settings.OMBUD_SMS_BACKEND = "memory"
    notify_backends.outbox.clear()
    world = make_world()
    c = make_consultation(world.officer, "open", title="车险理赔服务征求意见")
    closed = make_consultation(world.officer, "closed", title="去年的寿险服务征求意见")
    services.save_summary(world.officer, closed.pk, "公众最关心理赔时效与销售误导。", publish=True)
    page, errors = phone_page
    base = live_server.url

    # The list: open consultations and closed ones with their results.
    page.goto(base + reverse("portal:consultations"))
    assert page.url == base + "/consultations/"  # no login
    expect(page.locator(f"[data-consultation='{c.pk}']")).to_be_visible()
    public_page_is_sound(page, "1-list")

    # The closed one shows the summary and the counts, never an answer.
    page.goto(base + reverse("portal:consultation", args=[closed.pk]))
    expect(page.locator("#consult-summary")).to_contain_text("公众最关心理赔时效与销售误导。")
    public_page_is_sound(page, "2-summary")

    # The open one: verify a mobile number (optional), then answer.
    page.goto(base + "/consultations/")
    page.locator(f"[data-consultation='{c.pk}'] a").click()
    page.wait_for_url(base + reverse("portal:consultation", args=[c.pk]))
    public_page_is_sound(page, "3-form")
    page.locator("#id_phone").type("13800138000")
    page.locator("#consult-send-code").click()
    expect(page.locator("#consult-code-sent")).to_be_visible()
    code = re.search(r"\d{6}", notify_backends.outbox[-1].body).group(0)
    page.locator("#id_code").type(code)
    page.locator("#consult-check-code").click()
    expect(page.locator("#consult-proven")).to_contain_text("138****8000")
    public_page_is_sound(page, "4-verified")

    q1, q2 = c.questions.order_by("position")
    page.locator(f"#field-q{q1.pk} label", has_text="不满意").click()
    page.locator(f"#id_q{q2.pk}").type("定损等了一个月，理赔太慢。")
    page.locator("#id_city").select_option("440900")  # 茂名
    page.locator("#answer-submit").click()
    expect(page.locator("#consult-thanks")).to_be_visible()
    public_page_is_sound(page, "5-thanks")
    response = ConsultationResponse.objects.get()
    assert response.city_id == "440900" and response.phone_index

    # The officer, in another browser context, signs in by typing.
    browser = page.context.browser
    desk = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900})
    officer = desk.new_page()
    officer_errors: list[str] = []
    watch(officer, officer_errors)
    officer.goto(base + reverse("portal:consultations-manage"))
    assert officer.url.startswith(base + reverse("login"))
    officer.locator("#id_username").type("officer")
    officer.keyboard.press("Tab")
    officer.keyboard.type(PASSWORD)
    officer.keyboard.press("Enter")
    officer.wait_for_url(base + reverse("portal:consultations-manage"))
    row = officer.locator(f"tr[data-consultation='{c.pk}']")
    expect(row.locator("[data-count=responses]")).to_have_text("1")
    expect(row.locator("[data-count=unread]")).to_have_text("1")
    row.locator("a").click()
    officer.locator("#consult-answers-link").click()

    answer_card = officer.locator(f"[data-response='{response.pk}']")
    expect(answer_card).to_contain_text("定损等了一个月，理赔太慢。")
    answer_card.locator("input[name$='-tags']").type("理赔慢")
    answer_card.locator("[data-action=tag]").click()
    expect(officer.locator(".message-success")).to_be_visible()
    expect(officer.locator("[data-tag-filter='理赔慢']")).to_contain_text("1")
    officer.screenshot(path=str(SHOTS / "consult-6-answers.png"), full_page=True)

    officer.goto(base + reverse("portal:consultation-manage", args=[c.pk]))
    expect(officer.locator("#counts-by-tag tr[data-tag='理赔慢'] td")).to_have_text("1")
    expect(officer.locator("#counts-by-city tr[data-city='440900'] td")).to_have_text("1")
    expect(officer.locator("[data-kpi=unread]")).to_have_text("0")
    officer.screenshot(path=str(SHOTS / "consult-7-counts.png"), full_page=True)
    desk.close()

    assert errors == [] and officer_errors == []
    assert CHROMIUM_ARGS  # the journey ran in Debian's Chromium (ombud/testing.py)
