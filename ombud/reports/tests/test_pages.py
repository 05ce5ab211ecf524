"""The campaigns list and the live dashboard, with the Django test client."""

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ombud.intake.services import VisitInput, record_visit
from ombud.reports.statistics import press
from ombud.reports.statistics.queries import COUNT_KEYS, campaign_report, case_statistics

pytestmark = pytest.mark.django_db

CAMPAIGNS = reverse("reports:campaigns")


def dashboard_url(world):
    return reverse("reports:dashboard", args=[world.campaign.pk])


def live_url(world):
    return reverse("reports:dashboard_live", args=[world.campaign.pk])


def cases_url(world):
    return reverse("reports:dashboard_cases", args=[world.campaign.pk])


def english(client):
    assert client.post(reverse("set_language"), {"language": "en", "next": "/"}).status_code == 302
    return client


def record(world, actor=None, **kw):
    data = {"kind": "consultation", "visitor_name": "陈大文", "summary": "咨询", "site_id": world.site_mm.pk}
    data.update(kw)
    return record_visit(actor or world.staff_mm, VisitInput(**data)).visit


@pytest.fixture
def busy(world):
    """Maoming: two complaints about company A (one on site, one referred), one about B, a
    consultation and a suggestion; Guangzhou: one consultation about B (recorded by the officer)."""
    due = timezone.localdate() + timedelta(days=10)
    a, b = world.company_a_maoming.pk, world.company_b.pk
    record(world, kind="complaint", company_id=a, outcome="resolved_on_site", practitioner_name="王建国")
    record(world, kind="complaint", company_id=a, outcome="time_limited", due_date=due, handled_by="regulator")
    record(world, kind="complaint", company_id=b, outcome="time_limited", due_date=due)
    record(world, company_id=b)
    record(world, kind="suggestion")
    record(world, world.officer, site_id=world.site_gz.pk, company_id=b)
    return world


def payload(html: str) -> dict:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "the fragment carries the chart data"
    return json.loads(match.group(1))


def kpis(html: str) -> dict:
    return {k: int(v) for k, v in re.findall(r'data-kpi="(\w+)" data-value="(\d+)"', html)}


# ---- campaigns list ------------------------------------------------------------------------


def test_campaigns_list_in_chinese_then_english(busy):
    c = busy.browser_client(busy.officer)
    r = c.get(CAMPAIGNS)
    html = r.content.decode()
    assert r.status_code == 200
    assert "接访活动" in html and "进行中" in html and busy.campaign.name in html
    assert dashboard_url(busy) in html
    row = html.split(f'data-campaign="{busy.campaign.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["6", "3"]  # visits, cases the officer may see
    html = english(c).get(CAMPAIGNS).content.decode()
    assert "Campaigns" in html and "Running" in html and "进行中" not in html


def test_campaigns_list_counts_only_what_the_user_may_see(busy):
    html = busy.browser_client(busy.handler_a).get(CAMPAIGNS).content.decode()
    row = html.split(f'data-campaign="{busy.campaign.pk}"')[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["2", "2"]


def test_report_pages_need_a_login(world, client):
    for url in (CAMPAIGNS, dashboard_url(world), live_url(world), cases_url(world)):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_a_poll_after_the_session_ended_reloads_the_page_instead_of_swapping_the_login_form(world, client):
    for url in (live_url(world), cases_url(world)):
        r = client.get(url, HTTP_HX_REQUEST="true")
        assert r.status_code == 401 and r["HX-Refresh"] == "true"


# ---- dashboard -----------------------------------------------------------------------------


def test_dashboard_in_chinese_then_english(busy):
    c = busy.browser_client(busy.officer)
    html = c.get(dashboard_url(busy)).content.decode()
    assert "投诉案件" in html and "现场解决" in html and "各地市来访人次" in html and "新闻通稿" in html
    # It polls its live fragment every 5 s; the charts keep their state across swaps.
    assert f'hx-get="{live_url(busy)}" hx-trigger="every 5s" hx-swap="outerHTML"' in html
    assert 'id="charts" class="charts" hx-preserve="true"' in html
    # The case handling by company, decided over days, polls once a minute on its own.
    assert f'hx-get="{cases_url(busy)}" hx-trigger="every 60s" hx-swap="outerHTML"' in html
    assert html.count('data-table="case-companies"') == 1
    assert "/static/vendor/echarts/echarts.common.min.js" in html and "/static/js/dashboard.js" in html
    assert "<script>" not in html  # CSP: only src= scripts and the JSON payload
    html = english(c).get(dashboard_url(busy)).content.decode()
    assert "Visits by city and kind" in html and "Press release" in html and "新闻通稿" not in html
    assert payload(html)["labels"]["complaint"] == "complaints"


def test_live_fragment_numbers_equal_the_campaign_report(busy):
    for user in (busy.admin, busy.officer, busy.staff_mm, busy.handler_a, busy.handler_b, busy.sz_officer):
        r = busy.browser_client(user).get(live_url(busy))
        assert r.status_code == 200
        html = r.content.decode()
        assert "<html" not in html  # a fragment, not a page
        report = campaign_report(user, busy.campaign)
        data = payload(html)
        shown = kpis(html)
        for key in (*COUNT_KEYS, "sites", "staff", "executives", "companies"):
            assert data["totals"][key] == report[key], (user.username, key)
            assert shown[key] == report[key], (user.username, key)
        assert [(c["code"], c["visits"], c["cases"]) for c in data["cities"]] == [
            (r["city_code"], r["visits"], r["cases"]) for r in report["by_city"]
        ]
        for row in report["by_company"]:
            assert f'data-company="{row["company_id"]}"' in html


def test_fragment_values_for_the_regulator(busy):
    data = payload(busy.browser_client(busy.officer).get(live_url(busy)).content.decode())
    t = data["totals"]
    assert (t["visits"], t["cases"], t["resolved_on_site"], t["time_limited"], t["referred"]) == (6, 3, 1, 2, 1)
    assert (t["consultations"], t["suggestions"], t["practitioners_complained"]) == (2, 1, 1)
    assert {c["name"]: c["visits"] for c in data["cities"]} == {"广州市": 1, "茂名市": 5}
    hours = data["hours"]
    assert sum(h["visits"] for h in hours) == 6 and all(re.fullmatch(r"\d\d:00", h["hour"]) for h in hours)


def test_a_company_sees_only_its_own_numbers(busy):
    a = kpis(busy.browser_client(busy.handler_a).get(live_url(busy)).content.decode())
    b = kpis(busy.browser_client(busy.handler_b).get(live_url(busy)).content.decode())
    assert (a["visits"], a["cases"], a["referred"]) == (2, 2, 1)
    assert (b["visits"], b["cases"], b["referred"]) == (3, 1, 0)
    html = busy.browser_client(busy.handler_a).get(live_url(busy)).content.decode()
    assert busy.company_b.name not in html


def test_the_fragment_follows_new_visits(busy):
    c = busy.browser_client(busy.staff_mm)
    before = kpis(c.get(live_url(busy)).content.decode())
    record(busy, kind="complaint", company_id=busy.company_b.pk, outcome="resolved_on_site")
    after = kpis(c.get(live_url(busy)).content.decode())
    assert after["cases"] == before["cases"] + 1 and after["resolved_on_site"] == before["resolved_on_site"] + 1


def test_press_release_and_city_paragraphs_in_the_article_s_words(busy):
    html = busy.browser_client(busy.officer).get(dashboard_url(busy)).content.decode()
    report = press.with_text(busy.campaign, campaign_report(busy.officer, busy.campaign))
    assert report["press_release"] in html
    assert "现场共接待6人次来访，其中，解决上访案件3个，1个案件得到现场解决，2个案件承诺限时解决" in html
    maoming = next(r for r in report["by_city"] if r["city_code"] == "440900")
    assert f'data-city-paragraph="440900">{maoming["paragraph"]}<' in html
    assert "递交进行跟踪处理" in maoming["paragraph"]


def test_the_live_part_leaves_the_case_handling_to_its_own_part(busy):
    """The 5-second fragment computes no case statistics; the once-a-minute fragment shows
    them, scoped as the case statistics are (a company sees its own head office only)."""
    c = busy.browser_client(busy.officer)
    live = c.get(live_url(busy)).content.decode()
    assert 'data-table="case-companies"' not in live and 'id="case-handling"' not in live
    r = c.get(cases_url(busy))
    assert r.status_code == 200
    html = r.content.decode()
    assert "<html" not in html and 'id="case-handling"' in html and 'data-table="case-companies"' in html
    stats = case_statistics(busy.officer, campaign_id=busy.campaign.pk)
    assert {row["company_id"] for row in stats["companies"]} == {busy.company_a.pk, busy.company_b.pk}
    assert all(f'data-company="{row["company_id"]}"' in html for row in stats["companies"])
    own = busy.browser_client(busy.handler_a).get(cases_url(busy)).content.decode()
    assert f'data-company="{busy.company_a.pk}"' in own and f'data-company="{busy.company_b.pk}"' not in own


def test_an_unknown_campaign_is_a_404(world):
    c = world.browser_client(world.officer)
    assert c.get(reverse("reports:dashboard", args=[world.campaign.pk + 99])).status_code == 404
    assert c.get(reverse("reports:dashboard_live", args=[world.campaign.pk + 99])).status_code == 404
    assert c.get(reverse("reports:dashboard_cases", args=[world.campaign.pk + 99])).status_code == 404
