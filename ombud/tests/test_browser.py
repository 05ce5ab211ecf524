"""End-to-end journey in headless Chromium (Debian's /usr/bin/chromium) against a live server.

A receptionist signs in by typing, reads the cases count on the dashboard, records a complaint
resolved on site with the keyboard alone, gets the receipt, and sees the count one higher on
the dashboard after its htmx refresh. Screenshots go to /tmp/ombud-shots/ for a human look.
"""

import re

import pytest
from django.urls import reverse

from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.testing import PASSWORD, SHOTS, make_world

# Never skipped: a journey that silently does not run would count as passing. `make test`
# installs Chromium when it can (root); otherwise this fails and says what to install.
pytestmark = [pytest.mark.browser]


def cases_on_dashboard(page) -> int:
    return int(page.locator('[data-kpi="cases"]').get_attribute("data-value"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reception_journey_with_the_keyboard(live_server, browser_page):
    from playwright.sync_api import expect

    world = make_world()
    page, errors = browser_page
    base = live_server.url
    dashboard = base + reverse("reports:dashboard", args=[world.campaign.pk])

    # Sign in by typing.
    page.goto(base + "/")  # the public home: staff sign in from its top bar
    page.locator("a.staff-login").click()
    page.wait_for_url(base + reverse("login"))
    assert page.locator("h1").inner_text() == "登录"
    page.screenshot(path=str(SHOTS / "0-login.png"))
    page.locator("#id_username").type("staff_mm")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + reverse("intake:new"))

    # The dashboard: read the cases count; the charts are drawn.
    page.goto(dashboard)
    before = cases_on_dashboard(page)
    # (Locator waits, not wait_for_function: the page's CSP forbids the eval that one needs.)
    page.locator("#chart-cities canvas").wait_for()
    page.locator("#chart-outcomes canvas").wait_for()
    page.locator("#chart-hours canvas").wait_for()

    # The intake form, keyboard only. The site is preselected and the kind group has the focus.
    page.goto(base + reverse("intake:new"))
    expect(page.locator("input[name=kind][value=complaint]")).to_be_focused()
    page.keyboard.press("1")  # 1 = complaint
    assert page.locator("input[name=kind][value=complaint]").is_checked()
    assert page.locator("input[name=outcome]").first.is_visible()  # complaint-only part revealed
    assert not page.locator("#id_due_date").is_visible()
    page.keyboard.press("Tab")
    page.keyboard.type("李秀英")  # visitor name
    page.keyboard.press("Tab")
    page.keyboard.type("13812345678")
    page.keyboard.press("Tab")
    page.keyboard.type("440902198503150028")
    page.keyboard.press("Tab")
    page.keyboard.type(world.company_a_maoming.name)  # the datalist offers it; the full name is typed
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "product_line"
    page.keyboard.press("Tab")
    page.keyboard.type("王建国")  # practitioner
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # no licence number
    assert page.evaluate("document.activeElement.name") == "summary"
    page.keyboard.type("重疾险理赔被拒，现场解释条款后消费者接受。")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "outcome"
    page.keyboard.press("1")  # 1 = resolved on site
    assert page.locator("input[name=outcome][value=resolved_on_site]").is_checked()
    assert not page.locator("#id_due_date").is_visible()
    page.screenshot(path=str(SHOTS / "1-form.png"), full_page=True)
    page.keyboard.press("Enter")

    # The receipt.
    page.wait_for_url(re.compile(r".*/visits/\d+/receipt/$"))
    visit = Visit.objects.get()
    assert visit.kind == "complaint" and visit.outcome == "resolved_on_site" and visit.visitor_name == "李秀英"
    assert visit.company_id == world.company_a_maoming.pk and visit.practitioner.name == "王建国"
    assert page.locator("[data-tracking-no]").get_attribute("data-tracking-no") == visit.tracking_no
    assert page.locator("[data-secret-code]").inner_text() == visit.secret_code
    assert "李**" in page.content() and "李秀英" not in page.content()
    assert page.evaluate("document.activeElement.id") == "next-visit"  # Enter starts the next visit
    page.screenshot(path=str(SHOTS / "2-receipt.png"), full_page=True)

    # Enter on the receipt opens a fresh form for the same site.
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/visits/new/\?site=\d+$"))

    # A tablet at a reception desk: the form still fits.
    page.set_viewport_size({"width": 820, "height": 1180})
    page.screenshot(path=str(SHOTS / "5-form-tablet.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    # The visits list shows the new visit, masked.
    page.goto(base + reverse("intake:list"))
    assert page.locator(f'tr[data-visit="{visit.pk}"]').inner_text().count("李**") == 1
    page.screenshot(path=str(SHOTS / "4-visits.png"), full_page=True)

    # The dashboard, already open in another tab, catches up by itself within one refresh.
    page.goto(dashboard)
    assert cases_on_dashboard(page) == before + 1
    other = page.context.new_page()
    other.goto(dashboard)
    shown = cases_on_dashboard(other)
    record_visit(
        world.staff_mm,
        VisitInput(
            kind="complaint",
            visitor_name="张三",
            summary="保单退保金额有异议",
            site_id=world.site_mm.pk,
            company_id=world.company_b.pk,
            outcome="resolved_on_site",
        ),
    )
    expect(other.locator('[data-kpi="cases"]')).to_have_attribute("data-value", str(shown + 1), timeout=12_000)
    # The charts survived the swap and were redrawn from the new payload.
    assert other.locator("#chart-cities canvas").count() == 1
    pie_total = (
        "echarts.getInstanceByDom(document.getElementById('chart-outcomes'))"
        ".getOption().series[0].data.reduce((n, d) => n + d.value, 0)"
    )
    for _ in range(30):
        if other.evaluate(pie_total) == shown + 1:
            break
        other.wait_for_timeout(100)
    assert other.evaluate(pie_total) == shown + 1
    other.wait_for_timeout(600)  # let ECharts finish its update animation before the picture
    other.screenshot(path=str(SHOTS / "3-dashboard.png"), full_page=True)
    other.close()

    assert errors == [], errors
