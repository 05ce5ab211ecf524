"""Access fails closed, in one vocabulary (directory/access.py): issue 8, "Access fails open"
and "Access is checked in about ten different ways"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import checks
from django.core.management import call_command
from django.utils import timezone

from ombud.cases.models import Case, Notification
from ombud.cases.services import allowed_actions
from ombud.directory.access import bureau_holding, holds_region, scope_for
from ombud.directory.models import User
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.models import CallBack
from ombud.testing import GUANGZHOU, SHENZHEN, complaint

pytestmark = pytest.mark.django_db

PHONE_COMPLAINT = {
    "kind": "complaint",
    "channel": "phone",
    "city_code": GUANGZHOU,
    "visitor": {"name": "李秀英", "phone": "13812345678"},
    "summary": "理赔被拒，要求说明理由。",
}


def _case(world, *, city=GUANGZHOU, phone="13812345678") -> Case:
    recorded = record_visit(
        world.admin,
        VisitInput(
            kind="complaint",
            channel="phone",
            city_code=city,
            visitor_name="陈明",
            visitor_phone=phone,
            summary="车险理赔慢",
            company_id=world.company_b.pk,
        ),
    )
    return Case.objects.get(pk=recorded.case_id)


def _case_body(world, **over) -> dict:
    body = {
        "company_id": world.company_b.pk,
        "complainant": {"name": "陈明", "phone": "13700001111"},
        "summary": "车险理赔慢，多次催办无果。",
        "channel": "phone",
        "received_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "city_code": GUANGZHOU,
    }
    body.update(over)
    return body


# ---- who sees everything --------------------------------------------------------------------------


def test_only_a_superuser_or_a_nationwide_regulator_admin_sees_everything(world):
    root = User.objects.create_superuser("root", "", "pw-not-secret-0123")
    plain_admin = User.objects.create_user("plain_admin", role="regulator_admin")
    nationwide_officer = User.objects.create_user("nw_officer", role="regulator_officer", nationwide=True)
    assert scope_for(root).everything and scope_for(world.admin).everything
    for user in (plain_admin, nationwide_officer, world.officer_no_bureau):
        assert scope_for(user).sees_nothing, user
    world.admin.is_active = False
    assert scope_for(world.admin).sees_nothing


def test_an_officer_without_a_bureau_sees_no_case_no_visit_and_no_phone(world):
    gd, sz = _case(world), _case(world, city=SHENZHEN)
    callback = CallBack.objects.create(case=gd, created_at=timezone.now())
    api = world.api(world.officer_no_bureau)
    assert api.get("/api/v1/cases").json()["items"] == []
    assert api.get("/api/v1/visits").json()["items"] == []
    for case in (gd, sz):
        assert api.get(f"/api/v1/cases/{case.pk}").status_code == 404
    r = api.post(f"/api/v1/callbacks/{callback.pk}/phone")
    assert r.status_code == 403 and "13812345678" not in r.content.decode()
    page = world.browser_client(world.officer_no_bureau).get(f"/cases/{gd.pk}/")
    assert page.status_code == 404 and gd.tracking_no not in page.content.decode()
    # The bureau's own officer still sees its case and not the other bureau's.
    officer = world.api(world.officer)
    assert officer.get(f"/api/v1/cases/{gd.pk}").status_code == 200
    assert officer.get(f"/api/v1/cases/{sz.pk}").status_code == 404


# ---- writes fail closed -----------------------------------------------------------------------------


def test_an_account_without_a_role_records_no_visit_and_no_case_and_sends_no_sms(world):
    api = world.api(world.nobody)
    by_phone = {**PHONE_COMPLAINT, "company_id": world.company_b.pk}
    assert api.post("/api/v1/visits", by_phone).status_code == 403
    assert api.post("/api/v1/visits", complaint(world)).status_code == 403
    assert api.post("/api/v1/cases", _case_body(world)).status_code == 403
    assert api.post("/api/v1/cases", _case_body(world, city_code=None)).status_code in (400, 403)
    assert Visit.objects.count() == 0 and Case.objects.count() == 0
    assert Notification.objects.count() == 0


@pytest.mark.parametrize("persona", ["officer_no_bureau", "staff_mm", "sz_officer"])
def test_a_complaint_by_city_needs_the_city_in_the_actors_jurisdiction(world, persona):
    api = world.api(getattr(world, persona))
    r = api.post("/api/v1/cases", _case_body(world))
    assert r.status_code == 403, r.content
    assert Case.objects.count() == 0 and Notification.objects.count() == 0
    assert world.api(world.officer).post("/api/v1/cases", _case_body(world)).status_code == 201


def test_a_company_records_only_about_itself_and_a_branch_only_in_its_city(world):
    maoming = User.objects.create_user("handler_mm", role="company_handler", organization=world.company_a_maoming)
    own = {**PHONE_COMPLAINT, "company_id": world.company_a.pk}
    assert world.api(world.handler_b).post("/api/v1/visits", own).status_code == 403
    assert world.api(maoming).post("/api/v1/visits", own).status_code == 403  # Guangzhou: not its city
    assert world.api(maoming).post("/api/v1/visits", {**own, "city_code": "440900"}).status_code == 201
    assert world.api(world.handler_a).post("/api/v1/visits", own).status_code == 201
    assert Visit.objects.count() == 2


def test_a_shenzhen_officer_runs_no_campaign_over_guangdong(world):
    body = {
        "name": "深圳保险服务大接访",
        "starts_at": "2030-03-24T09:00:00+08:00",
        "ends_at": "2030-03-24T18:00:00+08:00",
        "region_code": "440000",
    }
    sz = world.api(world.sz_officer)
    assert sz.post("/api/v1/campaigns", body).status_code == 403
    assert world.api(world.officer_no_bureau).post("/api/v1/campaigns", body).status_code == 403
    assert sz.post("/api/v1/campaigns", {**body, "region_code": SHENZHEN}).status_code == 201
    assert world.api(world.officer).post("/api/v1/campaigns", {**body, "region_code": SHENZHEN}).status_code == 403
    assert world.api(world.officer).post("/api/v1/campaigns", body).status_code == 201
    assert world.api(world.admin).post("/api/v1/campaigns", body).status_code == 201


def test_the_bureau_holding_a_region(world):
    assert bureau_holding("440000") == world.gd_bureau.pk  # 20 of Guangdong's 21 cities
    assert bureau_holding(SHENZHEN) == world.sz_bureau.pk
    assert bureau_holding("440305") == world.sz_bureau.pk  # a district of Shenzhen
    assert bureau_holding("110000") is None
    assert holds_region(world.officer, "440000") and not holds_region(world.sz_officer, "440000")
    assert not holds_region(world.nobody, SHENZHEN)


def test_a_call_list_on_another_bureaus_campaign_is_a_404(world):
    _case(world)
    sz = world.api(world.sz_officer)
    r = sz.post("/api/v1/callbacks/build", {"campaign_id": world.campaign.pk})
    assert r.status_code == 404, r.content
    page = world.browser_client(world.sz_officer).post("/oversight/callbacks/build/", {"campaign": world.campaign.pk})
    assert page.status_code == 404
    assert CallBack.objects.count() == 0
    assert world.api(world.officer).post("/api/v1/callbacks/build", {"campaign_id": world.campaign.pk}).status_code in (
        200,
        201,
    )


def test_a_nationwide_admin_marks_any_roster_entry(world):
    entry = world.site_mm.roster.filter(staff__user=world.staff_mm).get()
    r = world.api(world.admin).post(f"/api/v1/roster/{entry.pk}/check-in")
    assert r.status_code == 200, r.content
    assert world.api(world.sz_officer).post(f"/api/v1/roster/{entry.pk}/check-out").status_code == 404


# ---- one answer for "which actions may I take" -----------------------------------------------------


def test_the_api_and_the_page_offer_the_same_actions_to_every_persona(world):
    case = _case(world)
    personas = ["admin", "officer", "sz_officer", "staff_mm", "handler_a", "handler_b", "nobody", "officer_no_bureau"]
    seen = {}
    for name in personas:
        user = getattr(world, name)
        expected = allowed_actions(user, case)
        r = world.api(user).get(f"/api/v1/cases/{case.pk}")
        page = world.browser_client(user).get(f"/cases/{case.pk}/")
        if r.status_code == 404:
            assert page.status_code == 404, name
            continue
        assert r.json()["allowed_actions"] == expected, name
        offered = set(re.findall(rf"/cases/{case.pk}/actions/([a-z_]+)/", page.content.decode()))
        assert offered == set(expected), name
        seen[name] = expected
    assert seen["handler_b"] and "accept" in seen["handler_b"]  # the company the case is routed to
    assert "escalate" in seen["officer"] and "accept" not in seen["officer"]
    assert "handler_a" not in seen and "sz_officer" not in seen


# ---- pages: one decorator, one translation of NotFound / Forbidden --------------------------------------


def test_a_forbidden_page_is_a_403_and_a_missing_object_a_404(world):
    client = world.browser_client(world.handler_a)
    assert client.get("/oversight/callbacks/").status_code == 403
    assert client.get("/cases/999999/").status_code == 404
    assert world.browser_client(world.officer_no_bureau).get("/oversight/spot-checks/").status_code == 403
    anonymous = world.api(None).client.get("/cases/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


# ---- `ombud check` -------------------------------------------------------------------------------------


def test_the_system_check_reports_regulator_accounts_without_a_bureau(world):
    found = [m for m in checks.run_checks(tags=["ombud"]) if m.id == "ombud.W001"]
    assert len(found) == 1 and "officer_no_bureau" in found[0].msg
    assert "admin" not in found[0].msg.replace("officer_no_bureau", "")  # nationwide: not reported
    world.officer_no_bureau.organization = world.gd_bureau
    world.officer_no_bureau.save()
    assert not [m for m in checks.run_checks(tags=["ombud"]) if m.id == "ombud.W001"]


def test_ombud_check_prints_the_warning(world, capsys):
    call_command("check")
    assert "ombud.W001" in capsys.readouterr().err


def test_an_admin_sets_the_nationwide_flag_in_the_admin(world):
    root = User.objects.create_superuser("root", "", "pw-not-secret-0123")
    client = world.browser_client(root)
    page = client.get(f"/admin/directory/user/{world.officer_no_bureau.pk}/change/")
    assert page.status_code == 200 and 'name="nationwide"' in page.content.decode()
