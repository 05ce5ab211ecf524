"""POST /api/v1/cases as docs/api.md publishes it holds for every insurer (issue 8, "A
published contract is broken"): a complaint against a head office without a region, filed
without the consumer's city, goes to the organisation named and is supervised by the bureau
of the officer who filed it; the other bureau does not see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases.models import Case
from ombud.demo.generator import _Builder
from ombud.directory.models import Organization, User
from ombud.intake.models import Visit
from ombud.testing import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_directory():
    """The demo's bureaus and insurers, made by the demo generator's own directory steps."""
    builder = _Builder(seed=20120324, scale=0.01, password="not-used-0123", log=lambda _line: None)
    builder.regulators()
    builder.companies()
    gd = User.objects.create_user("gd_officer", role="regulator_officer", organization=builder.gd)
    sz = User.objects.create_user("sz_officer", role="regulator_officer", organization=builder.sz)
    return builder, gd, sz


def documented_body(company_id: int) -> dict:
    """Exactly the documented fields: company_id, complainant, summary, channel, received_at."""
    return {
        "company_id": company_id,
        "complainant": {"name": "李秀英", "phone": "13812345678"},
        "summary": "重疾险理赔被拒，要求说明理由。",
        "channel": "phone",
        "received_at": (timezone.now() - timedelta(hours=2)).isoformat(),
    }


def test_every_demo_head_office_takes_a_complaint_without_a_city(demo_directory):
    builder, gd_user, sz_user = demo_directory
    heads = list(builder.heads.values())
    assert len(heads) >= 40 and all(h.region_id is None for h in heads)
    gd, sz = ApiClient(gd_user), ApiClient(sz_user)
    for head in heads:
        r = gd.post("/api/v1/cases", documented_body(head.pk))
        assert r.status_code == 201, (head.name, r.content)
        case = Case.objects.get(pk=r.json()["id"])
        assert case.city_id is None and case.bureau_id == builder.gd.pk
        assert case.company_root_id == head.pk and case.company_id == head.pk
        assert gd.get(f"/api/v1/cases/{case.pk}").status_code == 200
        assert sz.get(f"/api/v1/cases/{case.pk}").status_code == 404
    listed = {item["id"] for item in gd.get("/api/v1/cases", limit=200).json()["items"]}
    assert listed == set(Case.objects.values_list("pk", flat=True))
    assert sz.get("/api/v1/cases").json()["items"] == []
    assert sz.get("/api/v1/visits").json()["items"] == []
    assert Visit.objects.filter(city__isnull=True).count() == len(heads)
    # The Guangdong bureau's visit list shows the city-less visits it supervises.
    gd_visits = {v["tracking_no"] for v in gd.get("/api/v1/visits", limit=200).json()["items"]}
    assert gd_visits == set(Case.objects.values_list("tracking_no", flat=True))


def test_a_complaint_filed_by_shenzhen_is_shenzhens(demo_directory):
    builder, gd_user, sz_user = demo_directory
    head = next(iter(builder.heads.values()))
    r = ApiClient(sz_user).post("/api/v1/cases", documented_body(head.pk))
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    assert case.bureau_id == builder.sz.pk
    assert ApiClient(sz_user).get(f"/api/v1/cases/{case.pk}").status_code == 200
    assert ApiClient(gd_user).get(f"/api/v1/cases/{case.pk}").status_code == 404


def test_a_branch_without_a_city_of_its_own_is_supervised_by_the_bureau_holding_its_region(demo_directory):
    builder, gd_user, sz_user = demo_directory
    head = next(iter(builder.heads.values()))
    provincial = Organization.objects.create(
        kind="insurer", name=f"{head.name}广东分公司", parent=head, region_id="440000"
    )
    r = ApiClient(gd_user).post("/api/v1/cases", documented_body(provincial.pk))
    assert r.status_code == 201, r.content
    assert Case.objects.get(pk=r.json()["id"]).bureau_id == builder.gd.pk
    # Shenzhen's bureau does not hold Guangdong: it may not file a case that only Guangdong sees.
    assert ApiClient(sz_user).post("/api/v1/cases", documented_body(provincial.pk)).status_code == 403


def test_without_a_bureau_the_city_is_still_asked_for(demo_directory):
    builder, _gd, _sz = demo_directory
    nationwide = User.objects.create_user("national", role="regulator_admin", nationwide=True)
    head = next(iter(builder.heads.values()))
    r = ApiClient(nationwide).post("/api/v1/cases", documented_body(head.pk))
    assert r.status_code == 400 and "city_code" in r.json()["error"]["fields"]
    r = ApiClient(nationwide).post("/api/v1/cases", {**documented_body(head.pk), "city_code": "440100"})
    assert r.status_code == 201, r.content


def test_a_case_without_a_city_reads_everywhere_a_case_does(demo_directory):
    """The case page, the queue, the statistics, call-backs and spot checks take a city-less
    case like any other (no 500 on a city of None)."""
    from django.test import Client

    builder, gd_user, _sz = demo_directory
    gd = ApiClient(gd_user)
    head = next(iter(builder.heads.values()))
    case_id = gd.post("/api/v1/cases", documented_body(head.pk)).json()["id"]
    with_city = gd.post("/api/v1/cases", {**documented_body(head.pk), "city_code": "440100"}).json()["id"]
    Case.objects.filter(pk__in=[case_id, with_city]).update(status=Case.Status.CLOSED, closed_at=timezone.now())
    browser = Client()
    browser.force_login(gd_user)
    assert browser.get(f"/cases/{case_id}/").status_code == 200
    assert browser.get("/cases/").status_code == 200
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    until = timezone.localdate().isoformat()
    assert gd.get("/api/v1/reports/cases", since=since, until=until).status_code == 200
    assert browser.get("/reports/cases/", {"since": since, "until": until}).status_code == 200
    built = gd.post("/api/v1/callbacks/build", {"since": since, "until": until})
    assert built.status_code == 201 and built.json()["added"] == 2, built.content
    assert gd.get("/api/v1/callbacks/report", since=since, until=until).status_code == 200
    assert browser.get("/oversight/callbacks/report/", {"since": since, "until": until}).status_code == 200
    assert browser.get("/oversight/callbacks/").status_code == 200


def test_the_supervising_bureau_is_told_of_a_case_without_a_city(demo_directory):
    from ombud.cases.escalation import regulator_officers

    builder, gd_user, sz_user = demo_directory
    for user in (gd_user, sz_user):
        user.email = f"{user.username}@example.cn"
        user.save()
    head = next(iter(builder.heads.values()))
    case_id = ApiClient(gd_user).post("/api/v1/cases", documented_body(head.pk)).json()["id"]
    assert regulator_officers(Case.objects.get(pk=case_id)) == [gd_user]
