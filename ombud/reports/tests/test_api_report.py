"""GET /api/v1/campaigns/{id}/report: a fresh campaign fed random visits through the API reports
exactly what was sent, for the province, every city and every company, to each persona."""

import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.directory.models import Organization
from ombud.testing import complaint

pytestmark = pytest.mark.django_db

KEYS = ("visits", "cases", "resolved_on_site", "time_limited", "referred", "consultations", "suggestions")
CITIES = ["440100", "440600", "441900", "440900", "445200"]


def _random_visit(rng, site_id, companies, practitioners):
    kind = rng.choices(["complaint", "consultation", "suggestion"], weights=[3, 5, 2])[0]
    company = rng.choice(companies)
    body = {
        "site_id": site_id,
        "kind": kind,
        "visitor": {"name": rng.choice(["张伟", "王芳", "李娜", "刘洋"])},
        "summary": f"随机来访 {rng.random()}",
    }
    if kind != "complaint":
        if rng.random() < 0.6:
            body["company_id"] = company.pk
        return body, None
    body["company_id"] = company.pk
    if rng.random() < 0.5:
        body["outcome"] = "resolved_on_site"
    else:
        body["outcome"] = "time_limited"
        body["due_date"] = (timezone.localdate() + timedelta(days=rng.randint(0, 30))).isoformat()
        body["handled_by"] = rng.choice(["company", "regulator", None])
    practitioner = None
    if rng.random() < 0.4:
        practitioner = rng.choice(practitioners)
        body["practitioner"] = {"name": practitioner[0], "licence_no": practitioner[1]}
    return body, practitioner


def test_a_fresh_campaign_reports_exactly_what_was_sent(world):
    rng = random.Random(20120324)
    admin = world.api(world.admin)
    now = timezone.now()
    campaign_id = admin.post(
        "/api/v1/campaigns",
        {
            "name": "随机活动",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=5)).isoformat(),
            "region_code": "440000",
        },
    ).json()["id"]
    sites = {}
    for code in CITIES:
        r = admin.post(f"/api/v1/campaigns/{campaign_id}/sites", {"city_code": code, "name": f"接待点{code}"})
        sites[r.json()["id"]] = code
    companies = [world.company_a, world.company_a_maoming, world.company_b]
    practitioners = [(f"从业人员{i}", f"0200014409008{i:07d}") for i in range(12)]

    expected_total = Counter()
    expected_city = defaultdict(Counter)
    expected_company = defaultdict(Counter)
    named = set()
    named_by_city = defaultdict(set)
    named_by_company = defaultdict(set)
    for _ in range(150):
        site_id = rng.choice(list(sites))
        body, practitioner = _random_visit(rng, site_id, companies, practitioners)
        if rng.random() < 0.1:  # a bad request in between must count for nothing
            bad = dict(body, kind="complaint", outcome="time_limited", due_date="2000-01-01")
            assert admin.post("/api/v1/visits", bad).status_code == 400
        r = admin.post("/api/v1/visits", body)
        assert r.status_code == 201, r.content
        counted = Counter(visits=1)
        kind = body["kind"]
        if kind == "complaint":
            counted["cases"] += 1
            counted[body["outcome"]] += 1
            if body["outcome"] == "time_limited" and body.get("handled_by") == "regulator":
                counted["referred"] += 1
        else:
            counted[kind + "s"] += 1
        city = sites[site_id]
        root = Organization.objects.get(pk=body["company_id"]).head_office_id if body.get("company_id") else None
        expected_total.update(counted)
        expected_city[city].update(counted)
        if root:
            expected_company[root].update(counted)
        if practitioner:
            named.add(practitioner)
            named_by_city[city].add(practitioner)
            named_by_company[root].add(practitioner)

    report = admin.get(f"/api/v1/campaigns/{campaign_id}/report").json()
    assert {k: report[k] for k in KEYS} == {k: expected_total[k] for k in KEYS}
    assert report["practitioners_complained"] == len(named)
    by_city = {row["city_code"]: row for row in report["by_city"]}
    assert set(by_city) == set(CITIES)
    for code in CITIES:
        assert {k: by_city[code][k] for k in KEYS} == {k: expected_city[code][k] for k in KEYS}, code
        assert by_city[code]["practitioners_complained"] == len(named_by_city[code])
    by_company = {row["company_id"]: row for row in report["by_company"]}
    assert set(by_company) == set(expected_company)
    for root, counted in expected_company.items():
        assert {k: by_company[root][k] for k in KEYS} == {k: counted[k] for k in KEYS}
        assert by_company[root]["practitioners_complained"] == len(named_by_company[root])
    for n in (report["visits"], report["cases"], report["consultations"], report["suggestions"]):
        assert str(n) in report["press_release"]


def test_each_persona_sees_only_its_share_of_the_report(world):
    staff = world.api(world.staff_mm)
    officer = world.api(world.officer)
    staff.post("/api/v1/visits", complaint(world))  # Maoming, company A
    staff.post("/api/v1/visits", complaint(world, company_id=world.company_b.pk, practitioner=None))
    officer.post(
        "/api/v1/visits", complaint(world, site_id=world.site_gz.pk, company_id=world.company_a.pk, practitioner=None)
    )
    url = f"/api/v1/campaigns/{world.campaign.pk}/report"

    def visits(user):
        r = world.api(user).get(url)
        assert r.status_code == 200
        return r.json()["visits"], {c["company_id"] for c in r.json()["by_company"]}

    assert visits(world.admin) == (3, {world.company_a.pk, world.company_b.pk})
    assert visits(world.officer) == (3, {world.company_a.pk, world.company_b.pk})
    assert visits(world.staff_mm) == (2, {world.company_a.pk, world.company_b.pk})
    assert visits(world.handler_a) == (2, {world.company_a.pk})
    assert visits(world.handler_b) == (1, {world.company_b.pk})
    assert visits(world.sz_officer) == (0, set())
    assert visits(world.nobody) == (0, set())


def test_the_press_release_uses_the_articles_wording(world):
    from django.utils import translation

    from ombud.reports.statistics import press
    from ombud.reports.statistics.queries import campaign_report

    staff = world.api(world.staff_mm)
    staff.post("/api/v1/visits", complaint(world))
    with translation.override("zh-hans"):
        text = press.with_text(world.campaign, campaign_report(world.admin, world.campaign))["press_release"]
    assert "现场共接待1人次来访，其中，解决上访案件1个，1个案件得到现场解决，0个案件承诺限时解决；" in text
    assert "接受0人次咨询；0人次对保险服务提出意见建议。" in text


def test_the_city_paragraph_follows_the_maoming_paragraph(world):
    from django.utils import translation

    from ombud.reports.statistics.press import city_paragraph

    row = {
        "city_name": "茂名市",
        "companies": 21,
        "staff": 296,
        "consultations": 205,
        "suggestions": 13,
        "cases": 14,
        "practitioners_complained": 14,
        "resolved_on_site": 10,
        "time_limited": 4,
        "referred": 4,
    }
    with translation.override("zh-hans"):
        text = city_paragraph(row)
    assert "茂名地区的21家保险公司出动296人到活动现场" in text
    assert "205名市民进行了保险业务咨询，13名市民为促进保险行业服务提出了建议" in text
    assert "有14名涉嫌违规的保险从业人员被投诉" in text
    assert "接访人员现场处理了其中10起投诉案件，4件还待调查的投诉案件被递交进行跟踪处理。" in text
