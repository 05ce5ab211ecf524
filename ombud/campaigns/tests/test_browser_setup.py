"""End-to-end: an officer sets a campaign up without the Django admin, and the site staff of a
new site record a visit there (headless Chromium against a live server).

The officer signs in, creates a running campaign over Guangdong, adds two sites (Zhanjiang and
Zhaoqing), downloads the roster template and imports a roster whose one bad row (an unknown
company) is shown with its row number and reason while the good rows are stored; then the
Zhanjiang receptionist named in the roster signs in, lands on the intake form with the new site
chosen, and records a consultation. Screenshots go to /tmp/ombud-shots/.

Only transactional tests in this file (see ombud/testing.py: browser_page).
"""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.directory.models import Staff, User
from ombud.intake.models import Visit
from ombud.testing import PASSWORD, SHOTS, make_world, watch

pytestmark = [pytest.mark.browser]

ZHANJIANG, ZHAOQING = "440800", "441200"


def roster_csv() -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["接待点", "类型", "机构", "姓名", "职务", "级别", "登录账号"])
    w.writerow(["湛江接待点", "接访人员", "广东保监局", "陈静", "科员", "", "site_zj01"])  # row 2
    w.writerow(["湛江接待点", "高管", "中国平安财产保险股份有限公司", "黄总", "总经理", "一把手", ""])  # row 3
    w.writerow(["肇庆接待点", "高管", "不存在保险公司", "吴总", "总经理", "一把手", ""])  # row 4: bad
    w.writerow(["肇庆接待点", "参与机构", "中国人寿保险股份有限公司", "", "", "", ""])  # row 5
    return out.getvalue().encode("utf-8-sig")


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/")  # the public home: staff sign in from its top bar
    page.locator("a.staff-login").click()
    page.wait_for_url(base + reverse("login"))
    page.locator("#id_username").type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_sets_up_a_campaign_with_two_sites_and_a_roster_then_site_staff_record_a_visit(
    live_server, browser_page
):
    from playwright.sync_api import expect

    world = make_world()
    receptionist = User.objects.create_user(
        username="site_zj01", password=PASSWORD, role="site_staff", organization=world.gd_bureau
    )
    page, errors = browser_page
    base = live_server.url

    # The officer: Campaigns → Set up campaigns → New campaign.
    sign_in(page, base, "officer")
    page.wait_for_url(base + reverse("reports:campaigns"))
    page.locator("#campaigns-setup").click()
    page.wait_for_url(base + reverse("campaigns:setup_list"))
    page.locator("#campaign-new").click()
    page.wait_for_url(base + reverse("campaigns:new"))
    start = timezone.localtime() - timedelta(hours=1)
    form = page.locator("#campaign-form")
    form.locator("#id_name").fill("粤西保险服务日")
    form.locator("#id_region").select_option("440000")
    form.locator("#id_starts_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    form.locator("#id_ends_at").fill((start + timedelta(hours=9)).strftime("%Y-%m-%dT%H:%M"))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/campaigns/\d+/setup/$"))
    campaign = Campaign.objects.get(name="粤西保险服务日")
    assert page.url == base + reverse("campaigns:setup", args=[campaign.pk])
    expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "running")

    # Two sites, one per city.
    for city, name, address in ((ZHANJIANG, "湛江接待点", "赤坎区"), (ZHAOQING, "肇庆接待点", "端州区")):
        site_form = page.locator("#site-form")
        site_form.locator("#id_city").select_option(city)
        site_form.locator("#id_name").fill(name)
        site_form.locator("#id_address").fill(address)
        site_form.locator("button[type=submit]").click()
        page.wait_for_url(base + reverse("campaigns:setup", args=[campaign.pk]))
        expect(page.locator(".messages")).to_contain_text(name)
    expect(page.locator('[data-table="setup-sites"] tbody tr[data-site]')).to_have_count(2)
    zhanjiang = Site.objects.get(campaign=campaign, city_id=ZHANJIANG)
    zhaoqing = Site.objects.get(campaign=campaign, city_id=ZHAOQING)
    page.screenshot(path=str(SHOTS / "setup-1-campaign.png"), full_page=True)

    # The roster: the template downloads; a file with one bad row is imported.
    page.locator("#roster-import").click()
    page.wait_for_url(base + reverse("campaigns:roster_import", args=[campaign.pk]))
    with page.expect_download() as download:
        page.locator("#roster-template").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.locator("#id_file").set_input_files({"name": "粤西名单.csv", "mimeType": "text/csv", "buffer": roster_csv()})
    page.locator("#roster-import-form button[type=submit]").click()
    page.locator("[data-import-result]").wait_for()
    bad = page.locator('[data-table="import-errors"] tbody tr')
    expect(bad).to_have_count(1)
    expect(bad.first).to_have_attribute("data-row", "4")
    expect(bad.first).to_contain_text("机构")
    expect(bad.first).to_contain_text("不存在保险公司")
    page.screenshot(path=str(SHOTS / "setup-2-roster-import.png"), full_page=True)
    # The good rows are stored; nothing of row 4.
    assert set(RosterEntry.objects.filter(site__campaign=campaign).values_list("staff__name", "site_id")) == {
        ("陈静", zhanjiang.pk),
        ("黄总", zhanjiang.pk),
    }
    assert zhaoqing.organizations.filter(organization=world.company_a).exists()
    assert not Staff.objects.filter(name="吴总").exists()
    assert not RosterEntry.objects.filter(site=zhaoqing).exists()

    # The Zhanjiang receptionist, in a browser of their own: straight to the intake form.
    staff_context = page.context.browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    try:
        staff_page = staff_context.new_page()
        watch(staff_page, errors)
        sign_in(staff_page, base, "site_zj01")
        staff_page.wait_for_url(base + reverse("intake:new"))
        site_select = staff_page.locator("#id_site")
        expect(site_select).to_have_value(str(zhanjiang.pk))  # the only site open to them
        assert site_select.locator("option[value]:not([value=''])").count() == 1
        staff_page.locator("input[name=kind][value=consultation]").check()
        staff_page.locator("#id_visitor_name").fill("林女士")
        staff_page.locator("#id_summary").fill("咨询车险理赔所需材料")
        staff_page.locator("#intake-form [data-submit]").click()
        staff_page.wait_for_url(re.compile(r".*/visits/\d+/receipt/$"))
        staff_page.screenshot(path=str(SHOTS / "setup-3-visit.png"), full_page=True)
    finally:
        staff_context.close()
    visit = Visit.objects.get()
    assert (visit.site_id, visit.campaign_id, visit.city_id) == (zhanjiang.pk, campaign.pk, ZHANJIANG)
    assert visit.created_by_id == receptionist.pk
    assert errors == []
