"""Call-backs (回访): the call list, masked numbers and every opening audited, attempts and the
survey, the report per company and city, and who may do any of it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ombud.audit.models import AuditEntry
from ombud.audit.services import verify
from ombud.cases.models import Case
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.callbacks import services
from ombud.oversight.callbacks.queries import callback_report, callbacks_for
from ombud.oversight.models import CallAttempt, CallBack
from ombud.testing import SHANGHAI, SHENZHEN

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NAME = "李秀英"


def closed_case(world, *, company=None, site=None, phone=PHONE, name=NAME, closed_at=None) -> Case:
    """A complaint resolved on site: its case is born closed."""
    site = site or world.site_mm
    company = company or (world.company_a_maoming if site == world.site_mm else world.company_a)
    recorded = record_visit(
        world.admin,
        VisitInput(
            kind="complaint",
            visitor_name=name,
            visitor_phone=phone,
            summary="理赔被拒，现场协调后同意赔付。",
            site_id=site.pk,
            company_id=company.pk,
            outcome="resolved_on_site",
        ),
    )
    case = Case.objects.get(pk=recorded.case_id)
    if closed_at:
        Case.objects.filter(pk=case.pk).update(closed_at=closed_at)
        case.refresh_from_db()
    return case


def shenzhen_case(world) -> Case:
    """A phone complaint from Shenzhen, decided and closed: the Shenzhen bureau's."""
    recorded = record_visit(
        world.admin,
        VisitInput(
            kind="complaint",
            channel="phone",
            city_code=SHENZHEN,
            visitor_name="陈明",
            visitor_phone="13700001111",
            summary="车险理赔慢",
            company_id=world.company_b.pk,
        ),
    )
    Case.objects.filter(pk=recorded.case_id).update(status=Case.Status.CLOSED, closed_at=timezone.now())
    return Case.objects.get(pk=recorded.case_id)


def signed_in(world, user):
    """A signed-in browser that reads the pages in English (Chinese is the default)."""
    client = world.browser_client(user)
    client.cookies["django_language"] = "en"
    return client


def listed(world, **kw) -> list[CallBack]:
    services.build_call_list(world.officer, campaign_id=world.campaign.pk, **kw)
    return list(CallBack.objects.order_by("id"))


# ---- building the list -------------------------------------------------------------------------


def test_building_lists_each_closed_case_with_a_phone_once(world):
    a = closed_case(world, phone="13900000001")
    b = closed_case(world, site=world.site_gz, company=world.company_b, phone="13900000002")
    closed_case(world, phone="")  # no phone: nobody to call
    open_case = closed_case(world, phone="13900000003")
    Case.objects.filter(pk=open_case.pk).update(status=Case.Status.IN_PROGRESS, closed_at=None)

    first = services.build_call_list(world.officer, campaign_id=world.campaign.pk)
    assert (first.eligible, first.already_listed, first.added, first.seed) == (2, 0, 2, "")
    assert sorted(CallBack.objects.values_list("case_id", flat=True)) == sorted([a.pk, b.pk])
    assert set(CallBack.objects.values_list("campaign_id", "status")) == {(world.campaign.pk, "pending")}

    again = services.build_call_list(world.officer, campaign_id=world.campaign.pk)
    assert (again.eligible, again.already_listed, again.added) == (2, 2, 0)
    assert CallBack.objects.count() == 2

    c = closed_case(world, phone="13900000004")
    third = services.build_call_list(world.officer, campaign_id=world.campaign.pk)
    assert (third.eligible, third.already_listed, third.added) == (3, 2, 1)
    assert CallBack.objects.filter(case=c).exists()
    builds = AuditEntry.objects.filter(action="callbacks.build").order_by("seq")
    assert [e.data["added"] for e in builds] == [2, 0, 1]
    assert all(e.actor_id == world.officer.pk for e in builds)


def test_a_period_lists_cases_closed_in_it(world):
    now = timezone.now()
    old = closed_case(world, phone="13900000001", closed_at=now - timedelta(days=40))
    closed_case(world, phone="13900000002")
    day = old.closed_at.astimezone(SHANGHAI).date()
    result = services.build_call_list(world.officer, since=day, until=day)
    assert result.added == 1
    assert list(CallBack.objects.values_list("case_id", flat=True)) == [old.pk]


def test_the_list_is_built_in_the_officers_scope(world):
    gd = closed_case(world, phone="13900000001")
    sz = shenzhen_case(world)
    today = timezone.localdate()
    assert services.build_call_list(world.sz_officer, since=today, until=today).added == 1
    assert list(CallBack.objects.values_list("case_id", flat=True)) == [sz.pk]
    assert services.build_call_list(world.officer, since=today, until=today).added == 1
    assert CallBack.objects.get(case=gd).case_id == gd.pk
    # Each sees only its own.
    assert [cb.case_id for cb in callbacks_for(world.sz_officer)] == [sz.pk]
    assert [cb.case_id for cb in callbacks_for(world.officer)] == [gd.pk]


def test_a_sample_tops_the_list_up_to_its_size_and_repeats_with_its_seed(world):
    for i in range(8):
        closed_case(world, phone=f"139000000{i:02d}")
    with transaction.atomic():
        drawn = services.build_call_list(world.officer, campaign_id=world.campaign.pk, sample_size=3, seed="s1")
        first_draw = set(CallBack.objects.values_list("case_id", flat=True))
        transaction.set_rollback(True)
    assert drawn.added == 3 and drawn.seed == "s1" and not CallBack.objects.exists()

    same = services.build_call_list(world.officer, campaign_id=world.campaign.pk, sample_size=3, seed="s1")
    assert set(CallBack.objects.values_list("case_id", flat=True)) == first_draw and same.added == 3
    again = services.build_call_list(world.officer, campaign_id=world.campaign.pk, sample_size=3, seed="s1")
    assert again.added == 0 and CallBack.objects.count() == 3
    more = services.build_call_list(world.officer, campaign_id=world.campaign.pk, sample_size=5)
    assert more.added == 2 and more.seed  # a fresh seed, returned and audited
    assert AuditEntry.objects.filter(action="callbacks.build").last().data["seed"] == more.seed
    assert CallBack.objects.count() == 5


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({}, "campaign_id"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"campaign": True, "sample_size": 0}, "sample_size"),
        ({"campaign": True, "sample_size": "many"}, "sample_size"),
        ({"campaign": True, "seed": "x" * 65}, "seed"),
        ({"campaign": True, "seed": "a\x00b"}, "seed"),
        ({"since": "9999-12-31"}, "since"),
        ({"until": "9999-12-31"}, "until"),
        ({"since": "0001-01-01", "until": "2026-01-01"}, "since"),
    ],
)
def test_a_bad_build_request_says_what_is_wrong_and_adds_nothing(world, kwargs, field):
    closed_case(world)
    kwargs = dict(kwargs)
    if kwargs.pop("campaign", False):
        kwargs["campaign_id"] = world.campaign.pk
    for key in ("since", "until"):
        if key in kwargs:
            kwargs[key] = datetime.fromisoformat(kwargs[key]).date()
    with pytest.raises(InvalidInput) as e:
        services.build_call_list(world.officer, **kwargs)
    assert field in e.value.fields
    assert not CallBack.objects.exists() and not AuditEntry.objects.exists()


def test_an_unknown_campaign_is_not_found(world):
    with pytest.raises(NotFound):
        services.build_call_list(world.officer, campaign_id=999_999)


def test_company_users_and_others_cannot_build_or_see_call_backs(world):
    closed_case(world)
    for user in (world.handler_a, world.handler_b, world.staff_mm, world.nobody):
        with pytest.raises(Forbidden):
            services.build_call_list(user, campaign_id=world.campaign.pk)
    assert not CallBack.objects.exists()


# ---- pages and API: who may ----------------------------------------------------------------------


def test_company_users_get_403_and_other_bureaus_404(world):
    closed_case(world)
    cb = listed(world)[0]
    for user in (world.handler_a, world.staff_mm, world.nobody):
        browser = signed_in(world, user)
        for url in ("/oversight/callbacks/", f"/oversight/callbacks/{cb.pk}/", "/oversight/callbacks/report/"):
            response = browser.get(url)
            assert response.status_code == 403, (user.username, url)
            assert PHONE not in response.content.decode() and "李**" not in response.content.decode()
        assert browser.post(f"/oversight/callbacks/{cb.pk}/phone/").status_code == 403
        assert browser.post(f"/oversight/callbacks/{cb.pk}/attempts/", {"result": "busy"}).status_code == 403
        assert browser.post("/oversight/callbacks/build/", {"campaign": world.campaign.pk}).status_code == 403
        api = world.api(user)
        for path in ("/api/v1/callbacks", f"/api/v1/callbacks/{cb.pk}", "/api/v1/callbacks/report"):
            response = api.get(path)
            assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
        assert api.post(f"/api/v1/callbacks/{cb.pk}/phone").status_code == 403
        assert api.post(f"/api/v1/callbacks/{cb.pk}/attempts", {"result": "busy"}).status_code == 403
        assert api.post("/api/v1/callbacks/build", {"campaign_id": world.campaign.pk}).status_code == 403
    # The Shenzhen bureau: Guangdong's call-back does not exist for it.
    sz = signed_in(world, world.sz_officer)
    assert sz.get(f"/oversight/callbacks/{cb.pk}/").status_code == 404
    assert sz.post(f"/oversight/callbacks/{cb.pk}/phone/").status_code == 404
    sz_api = world.api(world.sz_officer)
    assert sz_api.post(f"/api/v1/callbacks/{cb.pk}/phone").status_code == 404
    assert sz_api.get("/api/v1/callbacks").json()["items"] == []
    assert not AuditEntry.objects.filter(action="personal_data.unmask").exists()
    assert CallAttempt.objects.count() == 0


# ---- masked by default; every opening audited ----------------------------------------------------


def test_the_list_and_the_call_screen_never_show_the_clear_number(world):
    closed_case(world)
    cb = listed(world)[0]
    browser = signed_in(world, world.officer)
    for url in ("/oversight/callbacks/", f"/oversight/callbacks/{cb.pk}/"):
        html = browser.get(url).content.decode()
        assert PHONE not in html and NAME not in html
        assert "138****5678" in html and "李**" in html
    api = world.api(world.officer)
    for path in ("/api/v1/callbacks", f"/api/v1/callbacks/{cb.pk}"):
        body = api.get(path).content.decode()
        assert PHONE not in body and NAME not in body
        assert "138****5678" in body
    assert not AuditEntry.objects.filter(action="personal_data.unmask").exists()


def test_every_opening_of_the_number_is_one_audit_entry(world):
    case = closed_case(world)
    cb = listed(world)[0]
    base = AuditEntry.objects.count()
    browser = signed_in(world, world.officer)

    page = browser.post(f"/oversight/callbacks/{cb.pk}/phone/")
    assert page.status_code == 200 and PHONE in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    api = world.api(world.officer)
    answer = api.post(f"/api/v1/callbacks/{cb.pk}/phone")
    assert answer.status_code == 200 and answer.json() == {
        "callback_id": cb.pk,
        "tracking_no": case.tracking_no,
        "phone": PHONE,
    }
    assert "no-store" in answer["Cache-Control"]
    admin_api = world.api(world.admin)
    assert admin_api.post(f"/api/v1/callbacks/{cb.pk}/phone").json()["phone"] == PHONE
    browser.post(f"/oversight/callbacks/{cb.pk}/phone/")

    openings = list(AuditEntry.objects.filter(action="personal_data.unmask").order_by("seq"))
    assert AuditEntry.objects.count() == base + 4 == base + len(openings)
    assert [(e.actor_id, e.data["via"]) for e in openings] == [
        (world.officer.pk, "page"),
        (world.officer.pk, "api"),
        (world.admin.pk, "api"),
        (world.officer.pk, "page"),
    ]
    for e in openings:
        assert (e.object_type, e.object_id) == ("oversight.callback", str(cb.pk))
        assert e.data["field"] == "phone" and e.data["case"] == case.tracking_no
        assert PHONE not in str(e.data)
    assert verify().ok
    # The first officer to open the number is the caller; the screen lists the openings.
    assert CallBack.objects.get(pk=cb.pk).assigned_to_id == world.officer.pk
    screen = browser.get(f"/oversight/callbacks/{cb.pk}/").content.decode()
    assert "The number was opened 4 times" in screen and PHONE not in screen


def test_a_completed_call_back_no_longer_opens_the_number(world):
    closed_case(world)
    cb = listed(world)[0]
    services.record_attempt(world.officer, cb.pk, result="reached", solved=True, satisfaction=5)
    before = AuditEntry.objects.count()
    api = world.api(world.officer)
    refused = api.post(f"/api/v1/callbacks/{cb.pk}/phone")
    assert refused.status_code == 409 and PHONE not in refused.content.decode()
    page = signed_in(world, world.officer).post(f"/oversight/callbacks/{cb.pk}/phone/", follow=True)
    assert PHONE not in page.content.decode()
    assert AuditEntry.objects.count() == before


# ---- attempts and the survey ---------------------------------------------------------------------


def test_three_unanswered_calls_make_it_unreachable(world):
    closed_case(world)
    cb = listed(world)[0]
    api = world.api(world.officer)
    for result in ("no_answer", "busy"):
        response = api.post(f"/api/v1/callbacks/{cb.pk}/attempts", {"result": result, "note": "下午再打"})
        assert response.status_code == 201 and response.json()["status"] == "pending"
    third = api.post(f"/api/v1/callbacks/{cb.pk}/attempts", {"result": "no_answer"})
    assert third.status_code == 201
    body = third.json()
    assert body["status"] == "unreachable" and body["completed_at"] and body["attempts"] == 3
    assert [a["result"] for a in body["attempt_log"]] == ["no_answer", "busy", "no_answer"]
    fourth = api.post(f"/api/v1/callbacks/{cb.pk}/attempts", {"result": "reached", "solved": True, "satisfaction": 4})
    assert fourth.status_code == 409 and fourth.json()["error"]["code"] == "callback_completed"
    assert CallAttempt.objects.filter(callback=cb).count() == 3


def test_a_wrong_number_is_unreachable_at_once_and_a_refusal_is_reached_without_answers(world):
    closed_case(world, phone="13900000001")
    closed_case(world, phone="13900000002")
    wrong, refused = listed(world)
    assert services.record_attempt(world.officer, wrong.pk, result="wrong_number").status == "unreachable"
    done = services.record_attempt(world.officer, refused.pk, result="refused", note="不愿回答")
    assert (done.status, done.solved, done.satisfaction, done.completed_by_id) == (
        "reached",
        None,
        None,
        world.officer.pk,
    )


def test_a_reached_consumer_answers_the_survey_once(world):
    closed_case(world)
    cb = listed(world)[0]
    api = world.api(world.officer)
    response = api.post(
        f"/api/v1/callbacks/{cb.pk}/attempts",
        {"result": "reached", "solved": False, "satisfaction": 2, "comment": "赔款还没到账"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["solved"], body["satisfaction"], body["comment"]) == (
        "reached",
        False,
        2,
        "赔款还没到账",
    )
    stored = CallBack.objects.get(pk=cb.pk)
    assert stored.completed_by_id == world.officer.pk and stored.completed_at is not None
    again = api.post(f"/api/v1/callbacks/{cb.pk}/attempts", {"result": "reached", "solved": True, "satisfaction": 5})
    assert again.status_code == 409
    assert CallBack.objects.get(pk=cb.pk).satisfaction == 2
    with pytest.raises(Conflict):
        services.record_attempt(world.officer, cb.pk, result="busy")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"result": "reached", "solved": True}, "satisfaction"),
        ({"result": "reached", "solved": True, "satisfaction": 0}, "satisfaction"),
        ({"result": "reached", "solved": True, "satisfaction": 6}, "satisfaction"),
        ({"result": "reached", "satisfaction": 3}, "solved"),
        ({"result": "busy", "satisfaction": 3}, "satisfaction"),
        ({"result": "no_answer", "comment": "很满意"}, "comment"),
        ({"result": "hung_up"}, "result"),
        ({"result": "busy", "note": "x" * 301}, "note"),
        ({"result": "busy", "note": "a\x00b"}, "note"),
        ({"result": "reached", "solved": True, "satisfaction": 4, "comment": "a\x00b"}, "comment"),
        ({"result": "reached", "solved": True, "satisfaction": 4, "comment": "x" * 1001}, "comment"),
    ],
)
def test_survey_validation(world, body, field):
    closed_case(world)
    cb = listed(world)[0]
    response = world.api(world.officer).post(f"/api/v1/callbacks/{cb.pk}/attempts", body)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert CallAttempt.objects.count() == 0 and CallBack.objects.get(pk=cb.pk).status == "pending"


def test_a_malformed_satisfaction_is_a_400(world):
    closed_case(world)
    cb = listed(world)[0]
    api = world.api(world.officer)
    response = api.post(
        f"/api/v1/callbacks/{cb.pk}/attempts", {"result": "reached", "solved": True, "satisfaction": "很"}
    )
    assert response.status_code == 400 and "satisfaction" in response.json()["error"]["fields"]
    assert CallAttempt.objects.count() == 0


def test_the_call_screen_records_a_call_and_shows_errors_in_place(world):
    closed_case(world)
    cb = listed(world)[0]
    browser = signed_in(world, world.officer)
    url = f"/oversight/callbacks/{cb.pk}/attempts/"
    bad = browser.post(url, {"result": "reached", "solved": "yes"})
    assert bad.status_code == 400 and "1 (very dissatisfied)" in bad.content.decode()
    assert CallAttempt.objects.count() == 0
    good = browser.post(url, {"result": "reached", "solved": "yes", "satisfaction": "4", "comment": "满意"})
    assert good.status_code == 302
    stored = CallBack.objects.get(pk=cb.pk)
    assert (stored.status, stored.solved, stored.satisfaction, stored.comment) == ("reached", True, 4, "满意")
    again = browser.post(url, {"result": "busy"}, follow=True)
    assert "already completed" in again.content.decode()
    assert CallAttempt.objects.count() == 1
    screen = browser.get(f"/oversight/callbacks/{cb.pk}/").content.decode()
    assert 'id="attempt-form"' not in screen and 'id="outcome-satisfaction"' in screen


def test_the_build_form_adds_and_reports_back(world):
    closed_case(world)
    browser = signed_in(world, world.officer)
    response = browser.post("/oversight/callbacks/build/", {"campaign": world.campaign.pk}, follow=True)
    assert response.status_code == 200 and CallBack.objects.count() == 1
    assert "Added to the call list: 1 (eligible 1, already listed 0)." in response.content.decode()
    empty = browser.post("/oversight/callbacks/build/", {})
    assert empty.status_code == 400 and "Choose a campaign" in empty.content.decode()
    assert CallBack.objects.count() == 1


# ---- lists ----------------------------------------------------------------------------------------


def test_the_api_list_filters_and_pages(world):
    for i in range(5):
        closed_case(world, phone=f"139000000{i:02d}")
    cbs = listed(world)
    services.record_attempt(world.officer, cbs[0].pk, result="wrong_number")
    api = world.api(world.officer)
    everything = api.get("/api/v1/callbacks", limit=3)
    assert everything.status_code == 200
    first = everything.json()
    assert [i["id"] for i in first["items"]] == [cb.pk for cb in cbs[:3]] and first["next_cursor"]
    rest = api.get("/api/v1/callbacks", limit=3, cursor=first["next_cursor"]).json()
    assert [i["id"] for i in rest["items"]] == [cb.pk for cb in cbs[3:]] and rest["next_cursor"] is None
    pending = api.get("/api/v1/callbacks", status="pending").json()["items"]
    assert len(pending) == 4
    unreachable = api.get("/api/v1/callbacks", status="unreachable").json()["items"]
    assert [i["id"] for i in unreachable] == [cbs[0].pk] and unreachable[0]["attempts"] == 1
    assert api.get("/api/v1/callbacks", campaign_id=world.campaign.pk + 1).json()["items"] == []
    bad = api.get("/api/v1/callbacks", status="lost")
    assert bad.status_code == 400 and "status" in bad.json()["error"]["fields"]
    assert api.get("/api/v1/callbacks", limit=0).status_code == 400
    assert api.get("/api/v1/callbacks", cursor="nonsense").status_code == 400


def test_the_list_page_filters(world):
    closed_case(world, phone="13900000001")
    closed_case(world, phone="13900000002")
    a, b = listed(world)
    services.record_attempt(world.officer, a.pk, result="wrong_number")
    browser = signed_in(world, world.officer)
    html = browser.get("/oversight/callbacks/", {"status": "pending"}).content.decode()
    assert f'data-callback-id="{b.pk}"' in html and f'data-callback-id="{a.pk}"' not in html
    assert browser.get("/oversight/callbacks/", {"status": "lost"}).status_code == 400


def test_the_list_takes_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    for i in range(6):
        closed_case(world, phone=f"139000000{i:02d}")
    listed(world)
    api = world.api(world.officer)
    with django_assert_max_num_queries(8):
        assert len(api.get("/api/v1/callbacks").json()["items"]) == 6


# ---- the report -------------------------------------------------------------------------------------


@pytest.fixture
def surveyed(world):
    """Company A (中国人寿): three call-backs in Maoming, one in Guangzhou; company B (平安财险):
    two in Guangzhou, one in Maoming."""
    specs = [
        # (site, company, result(s), solved, satisfaction)
        (world.site_mm, world.company_a_maoming, ["reached"], True, 5),
        (world.site_mm, world.company_a_maoming, ["reached"], False, 2),
        (world.site_mm, world.company_a_maoming, ["no_answer", "busy", "no_answer"], None, None),
        (world.site_gz, world.company_a, [], None, None),  # still to call
        (world.site_gz, world.company_b, ["busy", "reached"], True, 4),
        (world.site_gz, world.company_b, ["refused"], None, None),
        (world.site_mm, world.company_b, ["wrong_number"], None, None),
    ]
    for i, (site, company, *_rest) in enumerate(specs):
        closed_case(world, site=site, company=company, phone=f"139000000{i:02d}")
    cbs = listed(world)
    for cb, (_site, _company, results, solved, satisfaction) in zip(cbs, specs, strict=True):
        for result in results:
            survey = {"solved": solved, "satisfaction": satisfaction} if result == "reached" else {}
            services.record_attempt(world.officer, cb.pk, result=result, **survey)
    return cbs


def test_report_figures_equal_a_count_by_hand(world, surveyed, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        report = callback_report(world.officer, campaign_id=world.campaign.pk)
    a, b = report["by_company"][world.company_a.pk], report["by_company"][world.company_b.pk]
    # Company A: 4 listed; reached 2 (solved once; 5 and 2), unreachable 1, pending 1.
    counts = ("listed", "pending", "reached", "unreachable", "answered", "refused", "solved", "satisfied")
    assert [a[k] for k in counts] == [4, 1, 2, 1, 2, 0, 1, 1]
    assert a["reach_rate"] == round(2 / 3, 4) and a["solved_rate"] == 0.5
    assert a["mean_satisfaction"] == 3.5 and a["satisfied_rate"] == 0.5
    assert a["name"] == "中国人寿"
    # Company B: 3 listed; reached 2 (one answered: solved, 4; one refused), unreachable 1.
    assert [b[k] for k in counts] == [3, 0, 2, 1, 1, 1, 1, 1]
    assert b["reach_rate"] == round(2 / 3, 4) and b["solved_rate"] == 1.0
    assert b["mean_satisfaction"] == 4.0 and b["satisfied_rate"] == 1.0
    t = report["totals"]
    assert (t["listed"], t["reached"], t["unreachable"], t["answered"], t["solved"]) == (7, 4, 2, 3, 2)
    assert t["reach_rate"] == round(4 / 6, 4) and t["solved_rate"] == round(2 / 3, 4)
    assert t["mean_satisfaction"] == round(11 / 3, 2) and t["satisfied_rate"] == round(2 / 3, 4)
    # Cities: Maoming has A's three and B's wrong number; Guangzhou A's pending and B's two.
    mm, gz = report["by_city"]["440900"], report["by_city"]["440100"]
    assert (mm["listed"], mm["reached"], mm["unreachable"], mm["answered"], mm["solved"]) == (4, 2, 2, 2, 1)
    assert mm["reach_rate"] == 0.5 and mm["mean_satisfaction"] == 3.5
    assert (gz["listed"], gz["pending"], gz["reached"], gz["answered"], gz["refused"]) == (3, 1, 2, 1, 1)
    assert gz["reach_rate"] == 1.0 and gz["solved_rate"] == 1.0 and gz["mean_satisfaction"] == 4.0


def test_the_report_api_and_page_show_the_same_figures(world, surveyed):
    api = world.api(world.officer)
    body = api.get("/api/v1/callbacks/report", campaign_id=world.campaign.pk).json()
    companies = {r["company_id"]: r for r in body["by_company"]}
    assert companies[world.company_a.pk]["mean_satisfaction"] == 3.5
    assert companies[world.company_b.pk]["refused"] == 1
    assert {r["city_code"] for r in body["by_city"]} == {"440900", "440100"}
    assert body["totals"]["listed"] == 7
    page = signed_in(world, world.officer).get("/oversight/callbacks/report/", {"campaign": world.campaign.pk})
    html = page.content.decode()
    assert page.status_code == 200 and "中国人寿" in html and "3.5" in html and "67%" in html
    bad = api.get("/api/v1/callbacks/report", since="2026-05-02", until="2026-05-01")
    assert bad.status_code == 400 and "until" in bad.json()["error"]["fields"]
    far = api.get("/api/v1/callbacks/report", until="9999-12-31")
    assert far.status_code == 400 and "until" in far.json()["error"]["fields"]
    assert api.get("/api/v1/callbacks/report", campaign_id=999_999).status_code == 404


def test_the_report_counts_cases_closed_in_the_period(world, surveyed):
    old = surveyed[0].case
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=60))
    today = timezone.localdate()
    report = callback_report(world.officer, since=today, until=today)
    assert report["totals"]["listed"] == 6
    assert report["by_company"][world.company_a.pk]["answered"] == 1


def test_the_report_is_scoped(world, surveyed):
    assert callback_report(world.sz_officer)["totals"]["listed"] == 0
    assert callback_report(world.sz_officer)["by_company"] == {}
    with pytest.raises(Forbidden):
        callback_report(world.handler_a)
