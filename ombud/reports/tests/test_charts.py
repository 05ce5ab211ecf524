"""One source of the charts' words and colours (ombud/charts.py, static/css/ombud.css), and the
live dashboard saying what the published report and its files say: the same chart labels and
titles, the same key-figure names and the same table headings."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ombud import charts
from ombud.reports.publication import exports
from ombud.reports.tests.test_publication import day, publish_campaign  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

STATIC = Path(__file__).resolve().parents[2] / "static"
CHART_SCRIPTS = ("dashboard.js", "publication.js", "evaluation.js")


def dashboard_html(world, language: str = "zh-hans") -> str:
    client = world.browser_client(world.officer)
    if language != "zh-hans":
        client.post(reverse("set_language"), {"language": language, "next": "/"})
    return client.get(reverse("reports:dashboard", args=[world.campaign.pk])).content.decode()


def dashboard_payload(html: str) -> dict:
    return json.loads(re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1])


def texts(fragment: str, tag: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", fragment, re.S)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_dashboard_and_the_published_report_label_their_charts_alike(day, language):  # noqa: F811
    html = dashboard_html(day, language)
    page = dashboard_payload(html)["labels"]
    report = publish_campaign(day, language=language)
    frozen = report.snapshot["charts"]["labels"]
    api = Client().get(f"/api/v1/public/reports/{report.public_id}").json()["snapshot"]["charts"]["labels"]
    assert api == frozen
    shared = (*charts.CITY_SERIES, *charts.OUTCOME_SERIES, "cities", "outcomes", "no_data")
    assert {k: page[k] for k in shared} == {k: frozen[k] for k in shared}
    # The dashboard's chart captions are the same words as the report's.
    captions = texts(html.split('id="charts"')[1].split("</section>")[0], "figcaption")
    assert captions[:2] == [frozen["cities"], frozen["outcomes"]]
    expected = {"zh-hans": ("投诉", "各地市来访人次（按类型）"), "en": ("complaints", "Visits by city and kind")}
    assert (page["complaint"], page["cities"]) == expected[language]


def test_the_dashboard_s_tables_and_figures_are_headed_as_in_the_excel_workbook(day):  # noqa: F811
    html = dashboard_html(day)
    report = publish_campaign(day)
    wb = load_workbook(io.BytesIO(exports.report_xlsx(report.snapshot)))
    by_sheet = {t["key"]: t["sheet"] for t in report.snapshot["tables"]}

    def sheet_headings(key: str) -> list[str]:
        return [c.value for c in wb[by_sheet[key]][1]]

    for key in ("cities", "companies"):
        table = html.split(f'data-table="{key}"')[1].split("</thead>")[0]
        assert texts(table, "th") == sheet_headings(key), key
    tiles = dict(re.findall(r'<span class="kpi-label">([^<]+)</span><span class="kpi-value" data-kpi="(\w+)"', html))
    assert {k: v for v, k in tiles.items()} == {f["key"]: f["label"] for f in report.snapshot["figures"]}
    assert [row[0].value for row in wb[by_sheet["totals"]].iter_rows(min_row=2)] == [
        f["label"] for f in report.snapshot["figures"]
    ]


def test_the_chart_palette_and_font_are_defined_once_in_the_stylesheet():
    css = (STATIC / "css" / "ombud.css").read_text()
    for key in charts.SERIES:
        name = "--chart-" + key.replace("_", "-")
        assert len(re.findall(rf"{name}\s*:", css)) == 1, name
    for script in CHART_SCRIPTS:
        source = (STATIC / "js" / script).read_text()
        assert not re.search(r"[\"']#[0-9a-fA-F]{3,8}[\"']", source), f"{script} names a colour"
        assert "Noto Sans" not in source and "fontFamily: style.font()" in source, script
        for key in re.findall(r"style\.color\(\"(\w+)\"\)", source):
            assert key in charts.SERIES, f"{script}: no colour for {key}"
