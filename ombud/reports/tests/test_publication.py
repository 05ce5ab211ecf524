"""Reports to the media: publish, the public page, the Word and Excel files, freezing, the
readers' reaction poll, withdrawal and access."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from ombud.cases.services import take_action
from ombud.directory.models import User
from ombud.errors import Forbidden, InvalidInput
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.callbacks import services as callbacks
from ombud.oversight.models import CallBack
from ombud.oversight.spotchecks import services as spotchecks
from ombud.oversight.typical import services as typical
from ombud.reports.models import PublishedReport, ReportReaction
from ombud.reports.publication import exports, poll, queries, services
from ombud.reports.publication.snapshot import build_snapshot
from ombud.reports.statistics.queries import campaign_report

pytestmark = pytest.mark.django_db

PUBLISH = reverse("publication:publish")
PUBLISHED = reverse("publication:published")
VISITOR = {"name": "李秀英", "phone": "13812345678", "id_number": "440902198503150028"}


def record(world, actor=None, **kw):
    data = {
        "kind": "consultation",
        "visitor_name": VISITOR["name"],
        "visitor_phone": VISITOR["phone"],
        "visitor_id_number": VISITOR["id_number"],
        "summary": "咨询重疾险理赔材料",
        "site_id": world.site_mm.pk,
    }
    data.update(kw)
    return record_visit(actor or world.staff_mm, VisitInput(**data)).visit


@pytest.fixture
def day(world):
    """A campaign with 23 visits: Maoming 5 complaints (3 on site, 1 time-limited by company A,
    1 referred), 11 consultations, 3 suggestions; Guangzhou 1 complaint about B, 2 consultations,
    1 suggestion."""
    due = timezone.localdate() + timedelta(days=10)
    a, b = world.company_a_maoming.pk, world.company_b.pk
    for i in range(3):
        record(world, kind="complaint", company_id=a, outcome="resolved_on_site", practitioner_name=f"王建{i}")
    record(world, kind="complaint", company_id=a, outcome="time_limited", due_date=due)
    record(world, kind="complaint", company_id=b, outcome="time_limited", due_date=due, handled_by="regulator")
    for _ in range(11):
        record(world, company_id=a)
    for _ in range(3):
        record(world, kind="suggestion")
    gz = {"site_id": world.site_gz.pk}
    record(world, world.officer, kind="complaint", company_id=b, outcome="resolved_on_site", **gz)
    record(world, world.officer, **gz)
    record(world, world.officer, **gz)
    record(world, world.officer, kind="suggestion", **gz)
    return world


EXPECTED = {
    "visits": 23,
    "cases": 6,
    "resolved_on_site": 4,
    "time_limited": 2,
    "referred": 1,
    "consultations": 13,
    "suggestions": 4,
    "practitioners_complained": 3,
}


def publish_campaign(world, user=None, **kw) -> PublishedReport:
    return services.publish(user or world.officer, campaign_id=world.campaign.pk, **kw)


def public_url(report) -> str:
    return reverse("publication:public", args=[report.public_id])


def page_figures(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)" data-value="(\d+)"', html)}


def page_table(html: str, key: str) -> list[list[str]]:
    """The text of every body and footer row of a table of the page."""
    table = html.split(f'data-table="{key}"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


def docx_text(body: bytes) -> tuple[str, list[list[list[str]]]]:
    doc = Document(io.BytesIO(body))
    text = "\n".join(p.text for p in doc.paragraphs)
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    return text, tables


def xlsx_sheets(body: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(body))
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def anonymous() -> Client:
    return Client()


# ---- publishing and the three renderings -------------------------------------------------------


def test_publish_a_campaign_report_page_docx_and_xlsx_show_the_same_figures(day):
    c = day.browser_client(day.officer)
    r = c.post(PUBLISH, {"campaign": day.campaign.pk, "language": "zh-hans", "action": "publish"})
    report = PublishedReport.objects.get()
    assert r.status_code == 302 and r.url == f"{PUBLISHED}?new={report.public_id}"
    assert len(report.public_id) == 16 and str(report.pk) != report.public_id
    listing = c.get(r.url).content.decode()
    assert 'id="published-report-link"' in listing and public_url(report) in listing

    html = anonymous().get(public_url(report)).content.decode()
    figures = page_figures(html)
    assert {k: figures[k] for k in EXPECTED} == EXPECTED
    assert (figures["sites"], figures["companies"]) == (2, 2)
    assert report.snapshot["title"] in html and 'id="report-title"' in html
    assert "现场共接待23人次来访" in html  # the press release in the article's wording
    cities = page_table(html, "cities")
    assert cities[1][:9] == ["茂名市", "19", "5", "3", "2", "1", "11", "3", "3"]
    assert cities[-1][:3] == ["合计", "23", "6"]

    docx = anonymous().get(reverse("publication:docx", args=[report.public_id]))
    assert docx["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    text, tables = docx_text(docx.content)
    assert report.snapshot["title"] in text and "现场共接待23人次来访" in text
    assert public_url(report) in text
    figures_table = tables[0]  # key figures: label, number
    for f in report.snapshot["figures"]:
        assert [f["label"], str(f["value"])] in figures_table
    assert [row[:9] for row in tables[1]][1:] == [row[:9] for row in cities]

    xlsx = anonymous().get(reverse("publication:xlsx", args=[report.public_id]))
    sheets = xlsx_sheets(xlsx.content)
    totals = sheets["主要数据"]
    values = dict(totals[1:])
    assert values["来访人次"] == 23 and values["投诉案件"] == 6 and values["递交跟踪处理"] == 1
    assert all(isinstance(v, int) for v in values.values())  # numbers as numbers
    city_rows = sheets["分地市统计"]
    assert city_rows[2][:9] == ("茂名市", 19, 5, 3, 2, 1, 11, 3, 3)
    assert city_rows[-1][:3] == ("合计", 23, 6)
    assert {"分地市统计", "分公司统计", "主要数据"} <= set(sheets)
    ranking = sheets[next(t["sheet"] for t in report.snapshot["tables"] if t["key"] == "ranking")]
    assert [r[0] for r in ranking[1:3]] == [1, 2]
    assert {r[1] for r in ranking[1:3]} == {day.company_a.name, day.company_b.name}


def test_the_xlsx_has_one_sheet_per_table_with_bold_headers_and_typed_numbers(day):
    report = publish_campaign(day)
    wb = load_workbook(io.BytesIO(exports.report_xlsx(report.snapshot)))
    tables = report.snapshot["tables"]
    assert [ws.title for ws in wb.worksheets][: len(tables)] == [t["sheet"] for t in tables]
    for ws, table in zip(wb.worksheets, tables, strict=False):
        assert [c.value for c in ws[1]] == [c["label"] for c in table["columns"]]
        assert all(c.font.bold for c in ws[1])
        assert ws.column_dimensions["A"].width >= 8
    cases = wb[next(t["sheet"] for t in tables if t["key"] == "case_companies")]
    header = [c.value for c in cases[1]]
    opened = header.index("Opened") if "Opened" in header else 1
    assert sum(row[opened].value for row in cases.iter_rows(min_row=2, max_row=cases.max_row - 1)) == 6


def test_docx_uses_a_chinese_font_on_the_normal_style(day):
    report = publish_campaign(day)
    doc = Document(io.BytesIO(exports.report_docx(report.snapshot)))
    fonts = doc.styles["Normal"].element.rPr.rFonts
    assert fonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "SimSun"
    assert doc.core_properties.title == report.snapshot["title"]


# ---- frozen -------------------------------------------------------------------------------------


def test_a_published_report_does_not_change_when_new_visits_arrive(day):
    report = publish_campaign(day)
    c = anonymous()
    page_before = c.get(public_url(report)).content.decode()
    docx_before = docx_text(c.get(reverse("publication:docx", args=[report.public_id])).content)
    xlsx_before = xlsx_sheets(c.get(reverse("publication:xlsx", args=[report.public_id])).content)
    api_before = c.get(f"/api/v1/public/reports/{report.public_id}").json()["snapshot"]

    for _ in range(4):
        record(day, kind="complaint", company_id=day.company_b.pk, outcome="resolved_on_site")
    record(day, day.officer, kind="suggestion", site_id=day.site_gz.pk)
    assert campaign_report(day.officer, day.campaign)["visits"] == 28  # the data did change
    fresh = queries.preview(day.officer, campaign_id=day.campaign.pk)
    assert fresh["figures"][0]["value"] == 28

    page_after = c.get(public_url(report)).content.decode()
    assert page_figures(page_after) == page_figures(page_before)
    assert page_figures(page_after)["visits"] == 23
    assert page_table(page_after, "cities") == page_table(page_before, "cities")
    assert page_table(page_after, "companies") == page_table(page_before, "companies")
    assert docx_text(c.get(reverse("publication:docx", args=[report.public_id])).content) == docx_before
    assert xlsx_sheets(c.get(reverse("publication:xlsx", args=[report.public_id])).content) == xlsx_before
    assert c.get(f"/api/v1/public/reports/{report.public_id}").json()["snapshot"] == api_before
    report.refresh_from_db()
    assert report.snapshot["figures"][0]["value"] == 23


def test_the_snapshot_is_plain_json_without_personal_data_or_database_ids(day):
    snapshot = build_snapshot(day.officer, campaign_id=day.campaign.pk)
    text = json.dumps(snapshot, ensure_ascii=False)
    assert json.loads(text) == snapshot
    for secret in (*VISITOR.values(), "王建0", "3812345678"):
        assert secret not in text
    assert not re.search(r'"\w*_id"', text)  # company_id, campaign_id, … never published
    assert day.company_a.name in text  # companies are named
    html = anonymous().get(public_url(publish_campaign(day))).content.decode()
    for secret in (*VISITOR.values(), "王建0", "138****5678"):
        assert secret not in html


# ---- the public page ------------------------------------------------------------------------------


def test_the_public_page_needs_no_login_has_no_inline_script_and_draws_charts_from_static_js(day):
    report = publish_campaign(day)
    r = anonymous().get(public_url(report))
    html = r.content.decode()
    assert r.status_code == 200
    assert "script-src 'self'" in r["Content-Security-Policy"]
    assert "<script>" not in html and "/static/js/publication.js" in html
    assert "/static/vendor/echarts/echarts.common.min.js" in html
    data = json.loads(re.search(r'<script id="report-data" type="application/json">(.*?)</script>', html, re.S)[1])
    assert data == report.snapshot["charts"]
    assert data["cities"]["names"] == ["广州市", "茂名市"] and data["cities"]["complaint"] == [1, 5]
    assert data["outcomes"] == {"resolved_on_site": 4, "time_limited_company": 1, "referred": 1}
    for element in (
        "report-figures",
        "report-press",
        "chart-cities",
        "download-docx",
        "download-xlsx",
        "reaction-form",
    ):
        assert f'id="{element}"' in html


def test_the_public_page_runs_a_small_fixed_number_of_queries(day, django_assert_num_queries):
    report = publish_campaign(day)
    c = anonymous()
    with django_assert_num_queries(2):  # the report, the reaction counts
        assert c.get(public_url(report)).status_code == 200
    for i in range(30):
        token = poll.new_voter_token(report)
        services.react(report, token, "encouraged" if i % 2 else "worried", address=f"10.0.0.{i}")
    c.post(reverse("publication:react", args=[report.public_id]), {"reaction": "reassured"})
    with django_assert_num_queries(3):  # + this browser's own reaction
        assert c.get(public_url(report)).status_code == 200


def test_files_have_good_names(day):
    report = publish_campaign(day, title="广东保险服务大接访/情况通报")
    r = anonymous().get(reverse("publication:docx", args=[report.public_id]))
    day_ = timezone.localdate().isoformat()
    assert "attachment" in r["Content-Disposition"]
    assert "filename*=utf-8''" in r["Content-Disposition"]
    assert f"-{day_}.docx" in r["Content-Disposition"] and "/" not in r["Content-Disposition"].split("''")[1]
    r = anonymous().get(reverse("publication:xlsx", args=[report.public_id]))
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"-{day_}.xlsx" in r["Content-Disposition"]


# ---- reactions ----------------------------------------------------------------------------------


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'data-reaction-count="(\w+)">(\d+)<', html)}


def test_one_reaction_per_browser_a_second_vote_changes_it_and_counts_are_shown(day):
    report = publish_campaign(day)
    react = reverse("publication:react", args=[report.public_id])
    first, second = anonymous(), anonymous()
    # The page gives the browser its reader id: a signed cookie for this report's path.
    r = first.get(public_url(report))
    before = counts(r.content.decode())
    assert before == dict.fromkeys(("encouraged", "reassured", "neutral", "worried", "dissatisfied"), 0)
    cookie = r.cookies[poll.VOTER_COOKIE]
    assert cookie["httponly"] and int(cookie["max-age"]) > 365 * 24 * 3600 and cookie["path"] == public_url(report)
    assert "private" in r["Cache-Control"]

    r = first.post(react, {"reaction": "encouraged"})
    assert r.status_code == 302 and r.url.endswith("#reactions")
    r = first.get(public_url(report))
    assert poll.VOTER_COOKIE not in r.cookies  # the browser keeps its id
    html = r.content.decode()
    assert counts(html)["encouraged"] == 1
    assert 'id="reaction-encouraged" class="button-primary" aria-pressed="true"' in html

    # Again from the same browser: still one vote, now "worried".
    r = first.post(react, {"reaction": "worried"})
    assert counts(first.get(public_url(report)).content.decode()) == {**before, "worried": 1}
    second.get(public_url(report))
    second.post(react, {"reaction": "worried"})
    html = second.get(public_url(report)).content.decode()
    assert counts(html) == {**before, "worried": 2}
    assert 'data-value="2"' in html.split('id="reactions-total"')[1][:40]
    assert ReportReaction.objects.count() == 2
    # Only an HMAC of the reader id is stored, and a browser's votes on two reports are unlinkable.
    stored = set(ReportReaction.objects.values_list("voter", flat=True))
    voter = poll.voter_id(report, cookie.value)
    assert voter and voter not in stored and cookie.value not in stored and all(len(v) == 64 for v in stored)
    other = publish_campaign(day)
    assert poll.voter_digest(report, voter) != poll.voter_digest(other, voter)


def test_a_bad_reaction_is_a_400_and_writes_nothing(day):
    report = publish_campaign(day)
    react = reverse("publication:react", args=[report.public_id])
    c = anonymous()
    c.get(public_url(report))
    for body in ({"reaction": "furious"}, {}, {"reaction": ""}):
        r = c.post(react, body)
        assert r.status_code == 400 and 'id="reaction-error"' in r.content.decode()
    assert c.get(react).status_code == 405
    assert not ReportReaction.objects.exists()
    with pytest.raises(InvalidInput):
        services.react(report, poll.new_voter_token(report), "furious", address="10.0.0.1")


def test_reactions_need_the_csrf_token(day):
    report = publish_campaign(day)
    c = Client(enforce_csrf_checks=True)
    assert c.post(reverse("publication:react", args=[report.public_id]), {"reaction": "neutral"}).status_code == 403
    html = c.get(public_url(report)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
    r = c.post(
        reverse("publication:react", args=[report.public_id]), {"reaction": "neutral", "csrfmiddlewaretoken": token}
    )
    assert r.status_code == 302 and ReportReaction.objects.get().reaction == "neutral"


# ---- withdrawal and access -------------------------------------------------------------------------


def test_a_withdrawn_report_is_404_everywhere_public(day):
    report = publish_campaign(day)
    c = day.browser_client(day.officer)
    c.cookies["django_language"] = "en"  # the message asserted below is the English one
    r = c.post(reverse("publication:withdraw", args=[report.public_id]))
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.withdrawn_at is not None and report.withdrawn_by == day.officer
    for url in (
        public_url(report),
        reverse("publication:docx", args=[report.public_id]),
        reverse("publication:xlsx", args=[report.public_id]),
    ):
        assert anonymous().get(url).status_code == 404
    assert (
        anonymous().post(reverse("publication:react", args=[report.public_id]), {"reaction": "neutral"}).status_code
        == 404
    )
    r = anonymous().get(f"/api/v1/public/reports/{report.public_id}")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    # Withdrawing again: a message, not an error page; the list still shows it, as withdrawn.
    r = c.post(reverse("publication:withdraw", args=[report.public_id]), follow=True)
    assert r.status_code == 200 and "This report was already withdrawn." in r.content.decode()
    assert anonymous().get(reverse("publication:public", args=["nosuchreport0000"])).status_code == 404


def test_only_regulator_officers_publish(day, client):
    for user in (day.handler_a, day.staff_mm, day.nobody):
        c = day.browser_client(user)
        assert c.get(PUBLISH).status_code == 403
        assert (
            c.post(PUBLISH, {"campaign": day.campaign.pk, "action": "publish", "language": "zh-hans"}).status_code
            == 403
        )
        assert c.get(PUBLISHED).status_code == 403
        with pytest.raises(Forbidden):
            services.publish(user, campaign_id=day.campaign.pk)
    assert not PublishedReport.objects.exists()
    r = client.get(PUBLISH)
    assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_a_company_user_cannot_withdraw_and_another_bureau_cannot_either(day):
    report = publish_campaign(day)
    assert (
        day.browser_client(day.handler_a).post(reverse("publication:withdraw", args=[report.public_id])).status_code
        == 403
    )
    assert (
        day.browser_client(day.sz_officer).post(reverse("publication:withdraw", args=[report.public_id])).status_code
        == 404
    )
    report.refresh_from_db()
    assert report.withdrawn_at is None
    assert report.public_id not in day.browser_client(day.sz_officer).get(PUBLISHED).content.decode()
    assert report.public_id in day.browser_client(day.admin).get(PUBLISHED).content.decode()


def test_an_officer_cannot_publish_a_campaign_outside_the_jurisdiction(day):
    c = day.browser_client(day.sz_officer)
    r = c.post(PUBLISH, {"campaign": day.campaign.pk, "action": "publish", "language": "zh-hans"})
    # Another bureau's campaign is a 404, as for call lists (directory/access.py).
    assert r.status_code == 404
    assert not PublishedReport.objects.exists()


# ---- the publish form ----------------------------------------------------------------------------


def test_preview_shows_the_report_without_saving_it(day):
    c = day.browser_client(day.officer)
    r = c.post(PUBLISH, {"campaign": day.campaign.pk, "action": "preview", "language": "zh-hans"})
    html = r.content.decode()
    assert r.status_code == 200 and 'id="preview-notice"' in html
    assert page_figures(html)["visits"] == 23
    assert not PublishedReport.objects.exists()
    assert (
        f'<option value="{day.campaign.pk}" selected>'
        in c.get(f"{PUBLISH}?campaign={day.campaign.pk}").content.decode()
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "campaign"),
        ({"since": "2026-03-01"}, "until"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "until"),
        ({"campaign": "CAMPAIGN", "since": "2026-03-01", "until": "2026-03-02"}, "since"),
        ({"campaign": "999999"}, "campaign"),
        ({"since": "not a date", "until": "2026-03-02"}, "since"),
        ({"campaign": "CAMPAIGN", "title": "x" * 201}, "title"),
        ({"campaign": "CAMPAIGN", "language": "fr"}, "language"),
    ],
)
def test_bad_publish_input_is_a_form_error_and_writes_nothing(day, body, field):
    body = {"language": "zh-hans", **body, "action": "publish"}
    if body.get("campaign") == "CAMPAIGN":
        body["campaign"] = day.campaign.pk
    r = day.browser_client(day.officer).post(PUBLISH, body)
    assert r.status_code == 400
    html = r.content.decode()
    failing = re.findall(r'<div class="field has-error">(.*?)</div>', html, re.S)
    assert any(f'id="id_{field}"' in block and 'class="field-error"' in block for block in failing), failing
    assert not PublishedReport.objects.exists()


def test_a_period_report_counts_the_visits_received_in_the_period(day):
    today = timezone.localdate()
    report = services.publish(day.officer, since=today - timedelta(days=1), until=today, language="en")
    snap = report.snapshot
    assert snap["kind"] == "period" and report.campaign is None and report.until == today
    assert {f["key"]: f["value"] for f in snap["figures"]} == EXPECTED  # no rosters for a period
    assert snap["title"] == f"Insurance consumer complaints, {today - timedelta(days=1)} to {today}"
    assert "23 visits were received" in snap["press"]["paragraphs"][0]["text"]
    empty = build_snapshot(day.officer, since=today - timedelta(days=30), until=today - timedelta(days=20))
    assert all(f["value"] == 0 for f in empty["figures"])


def test_the_report_speaks_the_language_chosen_at_publication(day):
    en = publish_campaign(day, language="en").snapshot
    zh = publish_campaign(day, language="zh-hans").snapshot
    assert en["figures"][0]["label"] == "Visits" and zh["figures"][0]["label"] == "来访人次"
    assert "On site, 23 visits were received" in en["press"]["paragraphs"][0]["text"]
    assert en["language"] == "en"
    sheets = xlsx_sheets(exports.report_xlsx(en))
    assert "By city" in sheets and "Key figures" in sheets


def test_the_public_api_answers_without_a_token(day):
    report = publish_campaign(day)
    services.react(report, poll.new_voter_token(report), "reassured", address="10.0.0.1")
    r = anonymous().get(f"/api/v1/public/reports/{report.public_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["title"] == report.title and body["kind"] == "campaign"
    assert body["snapshot"]["figures"][0] == {"key": "visits", "label": "来访人次", "value": 23}
    assert {x["code"]: x["count"] for x in body["reactions"]}["reassured"] == 1
    assert anonymous().get("/api/v1/public/reports/nosuch").status_code == 404
    assert anonymous().get("/api/v1/public/reports/bad%20id!").status_code in (400, 404)


# ---- oversight sections: spot checks, call-backs, typical cases ------------------------------------


NARRATIVE = (
    "2012年3月，消费者李秀英在茂名购买分红型两全保险，年缴保费12,000元。李秀英联系电话13812345678，"
    "身份证号440902198503150028。经调解，保险公司退还保费36,000元。"
)


def closed_case(world):
    recorded = record_visit(
        world.admin,
        VisitInput(
            kind="complaint",
            visitor_name=VISITOR["name"],
            visitor_phone=VISITOR["phone"],
            visitor_id_number=VISITOR["id_number"],
            summary="购买分红险时业务员承诺高额返还，退保损失大。",
            site_id=world.site_mm.pk,
            company_id=world.company_a_maoming.pk,
            outcome="time_limited",
            due_date=timezone.localdate() + timedelta(days=10),
            handled_by="company",
        ),
    )
    for action, fields in (
        ("decide", {"decision": "upheld", "reply": "经核实，同意全额退还保费。", "amount_paid": "36000"}),
        ("notify", {}),
        ("close", {}),
    ):
        take_action(world.handler_a, recorded.case_id, action, fields)
    return recorded.case_id


def test_spot_checks_call_backs_and_typical_cases_are_in_the_report_without_personal_data(world):
    case_id = closed_case(world)
    spot_check = spotchecks.draw(world.officer, campaign_id=world.campaign.pk, size_mode="count", size_value=5)
    item = spot_check.items.get()
    spotchecks.record_finding(world.officer, item.pk, finding="proper")
    callbacks.build_call_list(world.officer, campaign_id=world.campaign.pk)
    callback = CallBack.objects.get(case_id=case_id)
    callbacks.record_attempt(
        world.officer, callback.pk, result="reached", solved=True, satisfaction=5, comment="李秀英表示满意"
    )
    second = User.objects.create_user(username="officer2", role="regulator_officer", organization=world.gd_bureau)
    tc = typical.create_typical_case(
        world.officer, case_id, typical.TypicalInput("分红险销售误导案", NARRATIVE, "购买前请仔细阅读合同条款。")
    )
    typical.confirm_spans(world.officer, tc.pk)
    typical.submit_typical_case(world.officer, tc.pk)
    typical.publish_typical_case(second, tc.pk)

    report = publish_campaign(world)
    snap = report.snapshot
    assert snap["sections"] == {
        "ranking": True,
        "case_statistics": True,
        "spot_checks": True,
        "callbacks": True,
        "typical_cases": True,
    }
    sheets = xlsx_sheets(exports.report_xlsx(snap))
    spot = sheets[next(t["sheet"] for t in snap["tables"] if t["key"] == "spot_checks")]
    assert spot[1] == (world.company_a.name, 1, 1, 1, 0, 1.0)
    calls = sheets[next(t["sheet"] for t in snap["tables"] if t["key"] == "callbacks")]
    assert calls[1][:6] == (world.company_a.short_name, 1, 1, 0, 1, 1)
    assert sheets[snap["tables"][-1]["sheet"]][1][0] == "分红险销售误导案"

    html = anonymous().get(public_url(report)).content.decode()
    assert 'id="report-typical"' in html and "分红险销售误导案" in html and "购买前请仔细阅读合同条款。" in html
    assert "100.0%" in page_table(html, "spot_checks")[0]
    text, _tables = docx_text(exports.report_docx(snap))
    assert "分红险销售误导案" in text and "退还保费36,000元" in text
    everything = json.dumps(snap, ensure_ascii=False) + html + text
    for secret in (*VISITOR.values(), "李秀英表示满意"):
        assert secret not in everything


def test_the_ranking_sheet_has_no_two_columns_with_the_same_heading(day):
    report = publish_campaign(day)
    wb = load_workbook(io.BytesIO(exports.report_xlsx(report.snapshot)))
    ranking = wb[next(t["sheet"] for t in report.snapshot["tables"] if t["key"] == "ranking")]
    header = [c.value for c in ranking[1]]
    assert len(header) > 4 and len(set(header)) == len(header)
    assert header.count("投诉件数") <= 1
