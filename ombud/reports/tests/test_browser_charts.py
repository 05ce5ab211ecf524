"""The charts in headless Chromium: every chart takes its colours from the stylesheet's
`--chart-*` properties and its words from the server (ombud/charts.py), on the live dashboard,
on a published report and on the evaluation page; the colours are those the charts always had.

Only transactional tests in this file (a live server; see ombud/testing.py `browser_page`).
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ombud.intake.services import VisitInput, record_visit
from ombud.reports.publication import services as publication
from ombud.testing import PASSWORD, make_world

pytestmark = [pytest.mark.browser]

# The colours the charts had before they came from one place: a restyle shows up here.
PALETTE = {
    "complaint": "#b54a3c",
    "consultation": "#2f5d8a",
    "suggestion": "#c99a2e",
    "resolved_on_site": "#3d8361",
    "time_limited_company": "#d08c2f",
    "referred": "#a23b3b",
    "visits": "#2f5d8a",
    "score": "#2f5d8a",
}


def option(page, chart_id: str) -> dict:
    return page.evaluate(f"echarts.getInstanceByDom(document.getElementById('{chart_id}')).getOption()")


def css_colour(page, key: str) -> str:
    return page.evaluate(f"window.Ombud.charts.color('{key}')")


def reception(world) -> None:
    mm, a, b = world.site_mm.pk, world.company_a_maoming.pk, world.company_b.pk
    due = timezone.localdate() + timedelta(days=10)

    def visit(kind, **kw):
        data = {"kind": kind, "visitor_name": "李秀英", "summary": "理赔投诉", "site_id": mm, **kw}
        record_visit(world.staff_mm, VisitInput(**data))

    visit("complaint", company_id=a, outcome="resolved_on_site")
    visit("complaint", company_id=b, outcome="time_limited", due_date=due)
    visit("complaint", company_id=a, outcome="time_limited", due_date=due, handled_by="regulator")
    visit("consultation")
    visit("suggestion")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_chart_draws_in_the_stylesheet_s_colours_with_the_server_s_words(live_server, browser_page):
    world = make_world()
    reception(world)
    page, errors = browser_page
    base = live_server.url

    page.goto(base + "/")  # the public home: staff sign in from its top bar
    page.locator("a.staff-login").click()
    page.wait_for_url(base + reverse("login"))
    page.locator("#id_username").type("officer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + reverse("reports:campaigns"))

    # The live dashboard.
    page.goto(base + reverse("reports:dashboard", args=[world.campaign.pk]))
    for chart in ("chart-cities", "chart-outcomes", "chart-hours"):
        page.locator(f"#{chart} canvas").wait_for()
    assert {k: css_colour(page, k) for k in PALETTE} == PALETTE
    labels = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).labels")
    cities = option(page, "chart-cities")
    assert [(s["name"], s["color"]) for s in cities["series"]] == [
        (labels[k], PALETTE[k]) for k in ("complaint", "consultation", "suggestion")
    ]
    slices = option(page, "chart-outcomes")["series"][0]["data"]
    assert [(s["name"], s["itemStyle"]["color"]) for s in slices] == [
        (labels[k], PALETTE[k]) for k in ("resolved_on_site", "time_limited_company", "referred")
    ]
    assert option(page, "chart-hours")["series"][0]["color"] == PALETTE["visits"]
    assert page.locator("#charts figcaption").all_inner_texts() == [
        labels["cities"],
        labels["outcomes"],
        labels["hours"],
    ]
    assert labels["complaint"] == "投诉" and labels["cities"] == "各地市来访人次（按类型）"
    font = option(page, "chart-cities")["textStyle"]["fontFamily"]
    assert font.startswith('"Noto Sans CJK SC"') and "\n" not in font

    # The published report: the same words (frozen in the snapshot) and colours.
    report = publication.publish(world.officer, campaign_id=world.campaign.pk)
    page.goto(base + reverse("publication:public", args=[report.public_id]))
    page.locator("#chart-cities canvas").wait_for()
    page.locator("#chart-outcomes canvas").wait_for()
    snap = report.snapshot["charts"]
    assert [(s["name"], s["color"]) for s in option(page, "chart-cities")["series"]] == [
        (labels[k], PALETTE[k]) for k in ("complaint", "consultation", "suggestion")
    ]
    slices = option(page, "chart-outcomes")["series"][0]["data"]
    assert [(s["name"], s["itemStyle"]["color"]) for s in slices] == [
        (labels[k], PALETTE[k]) for k in ("resolved_on_site", "time_limited_company", "referred")
    ]
    assert snap["ranking"], "the campaign's complaints rank the companies"
    page.locator("#chart-ranking canvas").wait_for()
    ranking = option(page, "chart-ranking")["series"][0]
    assert (ranking["name"], ranking["color"]) == ("得分", PALETTE["score"])

    # The evaluation page.
    today = timezone.localdate().isoformat()
    page.goto(base + reverse("oversight:evaluation") + f"?period_start={today}&period_end={today}")
    page.locator("#evaluation-chart canvas").wait_for()
    series = option(page, "evaluation-chart")["series"][0]
    assert (series["name"], series["color"]) == ("得分", PALETTE["score"])
    assert errors == []
