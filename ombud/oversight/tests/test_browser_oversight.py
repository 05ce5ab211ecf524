"""End-to-end journey of a regulator officer in headless Chromium against a live server.

After a reception day at two sites, the officer signs in by typing, draws a spot-check sample
of the handled cases with a seed of their own, records findings, and publishes the campaign's
report to the media; a reader who is not signed in (another browser context) reads the public
page — press text, figures, charts, files — and votes in its poll. Screenshots go to
/tmp/ombud-shots/ for a human look.

Only transactional tests in this file: a transactional test empties the database when it
ends, and xdist schedules whole files (`--dist loadfile`), so none of them may share a file
with tests that expect the migrations' data to stay in place.
"""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from ombud.cases.models import Case
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.reports.models import PublishedReport, ReportReaction
from ombud.testing import PASSWORD, SHOTS, make_world, watch

SEED = "gd-2026-抽查-7"
SAMPLE_PER_STRATUM = 2
REASONS = "未调阅理赔材料即作出答复，告知消费者的理由与条款不符。"

# Never skipped: a journey that silently does not run would count as passing. `make test`
# installs Chromium when it can (root); otherwise this fails and says what to install.
pytestmark = [pytest.mark.browser]


def reception_day(world) -> dict[str, int]:
    """The campaign's day at Maoming and Guangzhou: complaints resolved on site (born closed)
    about companies A and B, one taken away with a promised date (still being handled: not in
    the spot-check population), consultations and a suggestion. Returns the counts."""
    mm, gz = world.site_mm.pk, world.site_gz.pk
    a, b = world.company_a_maoming.pk, world.company_b.pk

    def visit(actor, site, kind, **kw):
        data = {"kind": kind, "visitor_name": "李秀英", "visitor_phone": "13812345678", "site_id": site}
        data.update(kw)
        data.setdefault("summary", "咨询重疾险理赔材料")
        return record_visit(actor, VisitInput(**data)).visit

    for i in range(4):
        visit(world.staff_mm, mm, "complaint", company_id=a, outcome="resolved_on_site", summary=f"理赔时效投诉{i}")
    for i in range(2):
        visit(world.staff_mm, mm, "complaint", company_id=b, outcome="resolved_on_site", summary=f"车险定损投诉{i}")
    visit(world.officer, gz, "complaint", company_id=b, outcome="resolved_on_site", summary="车险理赔慢")
    visit(
        world.staff_mm,
        mm,
        "complaint",
        company_id=a,
        outcome="time_limited",
        due_date=timezone.localdate() + timedelta(days=10),
        summary="退保纠纷，需调取录音",
    )
    for _ in range(3):
        visit(world.staff_mm, mm, "consultation")
    visit(world.officer, gz, "consultation")
    visit(world.staff_mm, mm, "suggestion", summary="建议简化理赔材料")
    return {"visits": 13, "cases": 8, "resolved_on_site": 7, "time_limited": 1, "consultations": 4, "suggestions": 1}


def expected_sample(world) -> list[int]:
    """The sample the docs promise, computed here independently of the app: strata by company
    (head office, in id order; all outcomes here are `resolved_on_site`), in each the cases
    with the smallest SHA-256 of "seed/tracking number"."""
    handled = Case.objects.filter(status=Case.Status.CLOSED, visit__campaign=world.campaign)
    sample = []
    for company in sorted({world.company_a.pk, world.company_b.pk}):
        rows = handled.filter(company_root_id=company).values_list("pk", "tracking_no")
        ranked = sorted(rows, key=lambda r: (hashlib.sha256(f"{SEED}/{r[1]}".encode()).hexdigest(), r[1]))
        sample += [pk for pk, _tn in ranked[:SAMPLE_PER_STRATUM]]
    return sample


def cells(row) -> list[str]:
    return [c.strip() for c in row.locator("th, td").all_inner_texts()]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_officer_draws_a_sample_records_findings_and_publishes_the_report_the_public_reads_it(
    live_server, browser_page
):
    from playwright.sync_api import expect

    world = make_world()
    day = reception_day(world)
    page, errors = browser_page
    base = live_server.url

    # Sign in by typing.
    page.goto(base + "/")  # the public home: staff sign in from its top bar
    page.locator("a.staff-login").click()
    page.wait_for_url(base + reverse("login"))
    page.locator("#id_username").type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + reverse("reports:campaigns"))

    # Oversight → Spot checks: draw 2 cases per stratum of the campaign, with a seed of ours.
    page.locator("#nav-oversight summary").click()
    page.locator("#nav-spotchecks").click()
    page.wait_for_url(base + reverse("oversight:spotchecks"))
    form = page.locator("#spotcheck-draw")
    form.locator("#id_campaign").select_option(str(world.campaign.pk))
    form.locator("#id_size_mode").select_option("count")
    form.locator("#id_size_value").fill(str(SAMPLE_PER_STRATUM))
    form.locator("#id_seed").type(SEED)
    form.locator("#id_title").type("广东大接访投诉处理抽查")
    page.locator("#spotcheck-draw-submit").click()
    page.wait_for_url(re.compile(re.escape(base) + r"/oversight/spot-checks/\d+/$"))

    sc = SpotCheck.objects.get()
    assert page.url == base + reverse("oversight:spotcheck", args=[sc.pk])
    assert page.locator("#spotcheck-title").inner_text() == "广东大接访投诉处理抽查"
    assert page.locator("#spotcheck-seed").inner_text() == SEED
    assert page.locator("#spotcheck-population").inner_text() == str(day["resolved_on_site"])
    assert page.locator("#spotcheck-sampled").inner_text() == str(2 * SAMPLE_PER_STRATUM)
    # Strata: company × outcome; every complaint of the day was resolved on site.
    strata = page.locator("#spotcheck-strata tbody tr")
    expect(strata).to_have_count(2)
    assert [strata.nth(i).get_attribute("data-company") for i in range(2)] == [
        str(world.company_a.pk),
        str(world.company_b.pk),
    ]
    assert {strata.nth(i).get_attribute("data-outcome") for i in range(2)} == {"resolved_on_site"}
    # (population, then sampled, checked, not proper: the last three columns)
    for i, population in enumerate(["4", "3"]):
        row = cells(strata.nth(i))
        assert population in row[2:-3] and row[-3:] == [str(SAMPLE_PER_STRATUM), "0", "0"]
    # The items are the sample the seed gives, in position order from 1.
    items = page.locator("#spotcheck-items tbody tr")
    expect(items).to_have_count(4)
    shown = [int(page.locator(f"#item-{n}").get_attribute("data-case-id")) for n in range(1, 5)]
    assert shown == expected_sample(world)
    assert all(page.locator(f"#item-{n}").get_attribute("data-finding") == "" for n in range(1, 5))

    # Item 1 (company A) was not handled properly; the case is closed, so it could be reopened.
    assert page.locator("#follow-up-1 option[value=reopen]").count() == 1
    page.locator("#finding-1-improper").check()
    page.locator("#reasons-1").type(REASONS)
    page.locator("#follow-up-1").select_option("")
    page.locator("#finding-1-submit").click()
    page.wait_for_url(base + reverse("oversight:spotcheck", args=[sc.pk]) + "#item-1")
    expect(page.locator("#item-1")).to_have_attribute("data-finding", "improper")
    assert REASONS in page.locator("#item-1").inner_text()
    expect(page.locator(".messages .message-success")).to_be_visible()
    # Item 3 (company B's first) was.
    page.locator("#finding-3-proper").check()
    page.locator("#finding-3-submit").click()
    page.wait_for_url(base + reverse("oversight:spotcheck", args=[sc.pk]) + "#item-3")
    expect(page.locator("#item-3")).to_have_attribute("data-finding", "proper")
    assert page.locator("#spotcheck-checked").inner_text() == "2"
    assert page.locator("#spotcheck-improper").inner_text() == "1"
    assert page.locator("#spotcheck-pass-rate").inner_text() == "50.0%"
    findings = dict(SpotCheckItem.objects.filter(spot_check=sc).values_list("position", "finding"))
    assert findings == {1: "improper", 2: "", 3: "proper", 4: ""}
    # A finding without a follow-up leaves the case as it was.
    assert Case.objects.get(pk=shown[0]).status == Case.Status.CLOSED
    page.screenshot(path=str(SHOTS / "oversight-1-spotcheck.png"), full_page=True)

    # Reports → Reports to the media → Publish: preview first, then publish.
    page.locator("#nav-reports summary").click()
    page.locator("#nav-publication").click()
    page.wait_for_url(base + reverse("publication:published"))
    page.locator("#new-report").click()
    page.wait_for_url(base + reverse("publication:publish"))
    page.locator("#publish-form #id_campaign").select_option(str(world.campaign.pk))
    page.locator("#publish-preview").click()
    page.locator("#preview-notice").wait_for()
    assert page.locator('#report-figures [data-figure="visits"]').get_attribute("data-value") == str(day["visits"])
    page.locator("#chart-cities canvas").wait_for()
    assert not PublishedReport.objects.exists()  # a preview publishes nothing
    page.screenshot(path=str(SHOTS / "oversight-2-preview.png"), full_page=True)
    page.locator("#publish-submit").click()
    page.wait_for_url(re.compile(re.escape(base + reverse("publication:published")) + r"\?new=[\w-]+$"))
    report = PublishedReport.objects.get()
    link = page.locator("#published-report-link")
    assert link.get_attribute("href") == reverse("publication:public", args=[report.public_id])
    link.click()
    public_url = base + reverse("publication:public", args=[report.public_id])
    page.wait_for_url(public_url)

    # A reader who is not signed in: a fresh browser context, no session cookie.
    reader = page.context.browser.new_context(
        locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 900}
    )
    try:
        anon = reader.new_page()
        watch(anon, errors)
        anon.goto(public_url)
        assert anon.url == public_url  # not sent to the login page
        assert anon.locator(".whoami").count() == 0 and anon.locator("#nav-cases").count() == 0
        assert anon.locator("#report-title").inner_text() == report.title
        press = anon.locator("#report-press").inner_text()
        assert f"现场共接待{day['visits']}人次来访" in press
        assert f"解决上访案件{day['cases']}个" in press and f"{day['resolved_on_site']}个案件得到现场解决" in press
        assert f"接受{day['consultations']}人次咨询" in press
        visits = anon.locator('#report-figures [data-figure="visits"]')
        assert visits.get_attribute("data-value") == str(day["visits"])
        anon.locator("#chart-cities canvas").wait_for()
        # The spot-check findings are in the report, per company.
        spot = anon.locator('[data-table="spot_checks"] tbody tr')
        expect(spot).to_have_count(2)
        by_company = {cells(spot.nth(i))[0]: cells(spot.nth(i))[1:5] for i in range(2)}
        assert by_company == {world.company_a.name: ["2", "1", "0", "1"], world.company_b.name: ["2", "1", "1", "0"]}
        assert "13812345678" not in anon.content() and "李秀英" not in anon.content()

        # The files open, and say what the page says.
        docx = anon.request.get(base + anon.locator("#download-docx").get_attribute("href"))
        assert docx.status == 200
        text = "\n".join(p.text for p in Document(io.BytesIO(docx.body())).paragraphs)
        assert report.title in text and f"现场共接待{day['visits']}人次来访" in text
        xlsx = anon.request.get(base + anon.locator("#download-xlsx").get_attribute("href"))
        assert xlsx.status == 200
        assert len(load_workbook(io.BytesIO(xlsx.body())).worksheets) > 1

        # The poll: nobody has answered yet; one vote counts once; voting again changes it.
        total = anon.locator("#reactions-total")
        assert total.get_attribute("data-value") == "0"
        anon.locator("#reaction-encouraged").click()
        anon.wait_for_url(public_url + "#reactions")
        expect(anon.locator('[data-reaction-count="encouraged"]')).to_have_text("1")
        assert total.get_attribute("data-value") == "1"
        assert anon.locator("#reaction-encouraged").get_attribute("aria-pressed") == "true"
        anon.screenshot(path=str(SHOTS / "oversight-3-public.png"), full_page=True)
        anon.locator("#reaction-reassured").click()
        expect(anon.locator('[data-reaction-count="reassured"]')).to_have_text("1")
        assert anon.locator('[data-reaction-count="encouraged"]').inner_text() == "0"
        assert total.get_attribute("data-value") == "1"
        assert list(ReportReaction.objects.values_list("reaction", flat=True)) == ["reassured"]
    finally:
        reader.close()

    assert errors == [], errors
