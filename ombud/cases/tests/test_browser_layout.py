"""Layout at two widths: the English header stays on one row at 1440 px, and the queue's
status filter shows its whole text (at 1440 px and on a 390 px phone). Screenshots go to
/tmp/ombud-shots/ for a human look.

Only transactional tests in this file (see test_browser_workspace.py)."""

import pytest
from django.conf import settings
from django.urls import reverse

from ombud.testing import PASSWORD, SHOTS, make_world

pytestmark = [pytest.mark.browser]


def _sign_in(page, base: str, language: str) -> None:
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}])
    page.goto(base + reverse("login"))
    page.locator("#id_username").fill("officer")
    page.locator("#id_password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: reverse("login") not in url)
    page.goto(base + reverse("cases:queue"))


def _select_fits(page, selector: str) -> bool:
    """A select's chosen option fits its box (nothing of the text is cut off)."""
    return page.eval_on_selector(
        selector,
        """el => {
            const c = document.createElement('canvas').getContext('2d');
            const s = getComputedStyle(el);
            c.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
            const longest = Math.max(...[...el.options].map(o => c.measureText(o.text).width));
            const room = el.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
            return longest <= room;
        }""",
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_english_header_is_one_row_at_1440_and_the_status_filter_is_not_cut_off(browser_page, live_server):
    make_world()
    page, errors = browser_page
    base = live_server.url
    page.set_viewport_size({"width": 1440, "height": 900})
    _sign_in(page, base, "en")
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=str(SHOTS / "layout-queue-en-1440.png"), full_page=True)
    inner = page.locator(".topbar-inner").bounding_box()
    brand = page.locator(".brand").bounding_box()
    nav = page.locator(".mainnav").bounding_box()
    tools = page.locator(".topbar-tools").bounding_box()
    assert inner["height"] <= max(brand["height"], nav["height"], tools["height"]) + 24, (inner, brand, nav, tools)
    assert abs(nav["y"] - brand["y"]) < brand["height"], (brand, nav)
    assert _select_fits(page, "#id_status")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base + reverse("cases:queue"))
    page.screenshot(path=str(SHOTS / "layout-queue-en-390.png"), full_page=True)
    assert _select_fits(page, "#id_status")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not errors
