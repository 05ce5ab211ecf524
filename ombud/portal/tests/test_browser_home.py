"""The public pages in Chromium, on a phone (390 × 844) and at a desk: axe-core finds no serious
or critical WCAG 2.1 A/AA violation, nothing scrolls sideways, the keyboard reaches the main
actions, and the language switch turns the home into English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ombud.directory.models import User
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.typical import services as typical
from ombud.reports.publication import services as publication
from ombud.testing import PASSWORD, SHOTS, accessibility_violations, horizontal_overflow, make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def published_pages(world) -> dict[str, str]:
    """A published report and a published typical case, made through their services."""
    rec = record_visit(
        world.staff_mm,
        VisitInput(
            site_id=world.site_mm.pk,
            kind="complaint",
            visitor_name="李秀英",
            visitor_phone="13812345678",
            company_id=world.company_a_maoming.pk,
            product_line="health_illness",
            summary="重疾险理赔被拒，现场协调后公司同意赔付。",
            outcome="resolved_on_site",
        ),
    )
    officer2 = User.objects.create_user(
        username="officer2", password=PASSWORD, role="regulator_officer", organization=world.gd_bureau
    )
    tc = typical.create_typical_case(
        world.officer,
        rec.case_id,
        typical.TypicalInput(title="重疾险拒赔案", narrative="消费者投诉理赔被拒，经协调赔付。", lesson="如实告知"),
    )
    typical.confirm_spans(world.officer, tc.pk)
    typical.submit_typical_case(world.officer, tc.pk)
    typical.publish_typical_case(officer2, tc.pk)
    report = publication.publish(world.officer, campaign_id=world.campaign.pk, title="广东保险服务大接访情况通报")
    return {
        "home": "/",
        "track": reverse("portal:track"),
        "login": reverse("login"),
        "reports": reverse("publication:public-list"),
        "report": reverse("publication:public", args=[report.public_id]),
        "typical": reverse("oversight:typical-public-detail", args=[tc.public_id]),
        "typicals": reverse("oversight:typical-public-list"),
    }


def check_pages(page, errors, base: str, pages: dict[str, str], viewport: str) -> None:
    problems = []
    for name, path in pages.items():
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SHOTS / f"public-{viewport}-{name}.png"), full_page=True)
        problems += [f"{path}: {v}" for v in accessibility_violations(page)]
        overflow = horizontal_overflow(page)
        if overflow:
            problems.append(f"{path}: {overflow}px wider than the {viewport} viewport")
    assert problems == []
    assert errors == []


def test_public_pages_pass_axe_and_fit_a_phone(live_server, phone_page):
    world = make_world()
    page, errors = phone_page
    check_pages(page, errors, live_server.url, published_pages(world), "phone")


def test_public_pages_pass_axe_at_a_desk(live_server, browser_page):
    world = make_world()
    page, errors = browser_page
    check_pages(page, errors, live_server.url, published_pages(world), "desk")


def test_the_keyboard_reaches_the_main_actions_and_english_is_one_switch_away(live_server, phone_page):
    from playwright.sync_api import expect

    page, errors = phone_page
    base = live_server.url
    page.goto(base + "/")

    # The first Tab shows the skip link; following it lands in the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["x"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    # Tabbing on from the top reaches the three offers, the tracking page and the hotline.
    page.goto(base + "/")
    wanted = {"offer-complaint", "offer-consultation", "offer-suggestion", "hotline-link"}
    reached, track_reached = set(), False
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => ({id: document.activeElement.id, href: document.activeElement.getAttribute('href'),"
            " outline: getComputedStyle(document.activeElement).outlineStyle})"
        )
        if focused["id"] in wanted:
            assert focused["outline"] != "none", f"{focused['id']} has no visible focus"
            reached.add(focused["id"])
        track_reached |= focused["href"] == reverse("portal:track")
        if reached == wanted and track_reached:
            break
    assert reached == wanted and track_reached

    # The offers lead to the filing form of their kind; the hotline is a phone call.
    assert page.locator("#offer-complaint").get_attribute("href").endswith("/file/?kind=complaint")
    assert page.locator("#hotline-link").get_attribute("href") == "tel:12378"

    # The language switch: English, same page, and back.
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.locator('.langswitch button[value="en"]').click()
    page.wait_for_url(base + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    expect(page.locator("#offer-complaint")).to_contain_text("File a complaint")
    expect(page.locator("#home-reception-day")).to_contain_text("Coming later")
    assert horizontal_overflow(page) == 0
    page.screenshot(path=str(SHOTS / "public-phone-home-en.png"), full_page=True)
    page.locator('.langswitch button[value="zh-hans"]').click()
    page.wait_for_url(base + "/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert errors == []


def test_staff_sign_in_from_the_public_home_and_land_on_their_work(live_server, browser_page):
    world = make_world()
    page, errors = browser_page
    base = live_server.url
    page.goto(base + "/")
    assert page.locator("nav.publicnav").count() == 1 and page.locator("#nav-cases").count() == 0
    page.locator("a.staff-login").click()
    page.wait_for_url(base + reverse("login"))
    page.locator("#id_username").fill(world.handler_a.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(base + reverse("cases:queue"))
    assert page.locator("nav.publicnav").count() == 0
    assert errors == []
