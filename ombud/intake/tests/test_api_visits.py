"""POST /api/v1/visits: recording, receipts, idempotency, scoping and every bad input."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases.models import Case, CaseEvent
from ombud.intake.models import Visit
from ombud.testing import complaint

pytestmark = pytest.mark.django_db


def counts():
    return Visit.objects.count(), Case.objects.count(), CaseEvent.objects.count()


def test_it_records_a_complaint_resolved_on_site_and_closes_its_case(world):
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "complaint"
    assert len(body["tracking_no"]) == 16 and body["tracking_no"].isdigit()
    assert len(body["secret_code"]) == 8
    case = Case.objects.get(pk=body["case_id"])
    assert case.status == Case.Status.CLOSED and case.resolved_on_site
    assert case.tracking_no == body["tracking_no"]
    assert case.company_root_id == world.company_a.pk  # a branch's head office
    assert list(case.events.values_list("type", flat=True)) == ["resolved_on_site"]


def test_it_opens_a_time_limited_case_with_the_promised_date(world):
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    r = world.api(world.staff_mm).post(
        "/api/v1/visits", complaint(world, outcome="time_limited", due_date=due, handled_by="regulator")
    )
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["case_id"])
    assert case.status == Case.Status.IN_PROGRESS
    assert case.handled_by == "regulator" and case.due_date.isoformat() == due
    assert case.events.get().type == "referred"


def test_time_limited_defaults_to_the_company(world):
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world, outcome="time_limited", due_date=due))
    assert r.status_code == 201
    assert Case.objects.get().handled_by == "company"


@pytest.mark.parametrize("kind", ["consultation", "suggestion"])
def test_consultations_and_suggestions_open_no_case(world, kind):
    body = {
        "site_id": world.site_mm.pk,
        "kind": kind,
        "visitor": {"name": "陈先生"},
        "summary": "咨询车险保费上浮原因",
        "company_id": world.company_b.pk,
    }
    r = world.api(world.staff_mm).post("/api/v1/visits", body)
    assert r.status_code == 201, r.content
    assert r.json()["case_id"] is None
    assert Case.objects.count() == 0


def test_personal_data_is_encrypted_at_rest_and_masked_on_read(world):
    from django.db import connection

    api = world.api(world.staff_mm)
    visit_id = api.post("/api/v1/visits", complaint(world)).json()["id"]
    with connection.cursor() as cur:
        cur.execute("SELECT visitor_name, visitor_phone, visitor_id_number FROM intake_visit WHERE id = %s", [visit_id])
        stored = cur.fetchone()
    for clear, raw in zip(["李秀英", "13812345678", "440902198503150028"], stored, strict=True):
        assert clear not in raw and raw.startswith("v1:")
    shown = api.get(f"/api/v1/visits/{visit_id}").json()
    assert shown["visitor_name"] == "李**"
    assert shown["visitor_phone"] == "138****5678"
    assert "13812345678" not in str(api.get("/api/v1/visits").content)


# ---- idempotency ------------------------------------------------------------------------------


def test_a_repeated_idempotency_key_returns_the_first_visit_and_creates_nothing(world):
    api = world.api(world.staff_mm)
    first = api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="tablet-7-0001")
    before = counts()
    again = api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="tablet-7-0001")
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert counts() == before


def test_an_idempotency_key_reused_for_another_visit_is_a_conflict(world):
    api = world.api(world.staff_mm)
    api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k1")
    before = counts()
    r = api.post("/api/v1/visits", complaint(world, summary="另一件事"), HTTP_IDEMPOTENCY_KEY="k1")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert counts() == before


def test_a_retry_returns_the_first_visit_even_when_it_could_no_longer_be_recorded(world):
    """The key is found after the checks fail (it is not looked up before them): a retry after
    the campaign ended, or after the user was taken off the roster, still gets its visit; a
    different body under the same key is still a conflict, not the check's refusal."""
    from ombud.campaigns.models import Campaign, RosterEntry

    api = world.api(world.staff_mm)
    first = api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="late-retry")
    Campaign.objects.filter(pk=world.campaign.pk).update(ends_at=timezone.now() - timedelta(minutes=1))
    before = counts()
    again = api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="late-retry")
    assert again.status_code == 201 and again.json() == first.json()
    other = api.post("/api/v1/visits", complaint(world, summary="另一件事"), HTTP_IDEMPOTENCY_KEY="late-retry")
    assert other.status_code == 409
    assert api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="new-key").status_code == 400
    RosterEntry.objects.filter(staff__user=world.staff_mm).delete()
    assert api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="late-retry").status_code == 201
    assert counts() == before


def test_idempotency_keys_belong_to_one_user(world):
    world.api(world.staff_mm).post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="shared")
    r = world.api(world.officer).post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="shared")
    assert r.status_code == 201
    assert Visit.objects.count() == 2


def test_without_a_key_a_retry_is_a_second_visit(world):
    api = world.api(world.staff_mm)
    api.post("/api/v1/visits", complaint(world))
    api.post("/api/v1/visits", complaint(world))
    assert Visit.objects.count() == 2


# ---- access -----------------------------------------------------------------------------------


def test_site_staff_may_post_only_to_their_own_sites(world):
    before = counts()
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world, site_id=world.site_gz.pk))
    assert r.status_code == 403
    assert set(r.json()["error"]["fields"]) == {"site_id"}
    assert counts() == before


def test_a_bureau_officer_may_not_record_outside_its_jurisdiction(world):
    r = world.api(world.sz_officer).post("/api/v1/visits", complaint(world))
    assert r.status_code == 403
    assert Visit.objects.count() == 0


def test_a_bureau_officer_records_inside_its_jurisdiction(world):
    assert world.api(world.officer).post("/api/v1/visits", complaint(world)).status_code == 201


def test_a_company_may_record_only_about_itself(world):
    r = world.api(world.handler_b).post("/api/v1/visits", complaint(world))
    assert r.status_code == 403
    assert Visit.objects.count() == 0


def test_it_validates_ownership_of_visits(world):
    visit_id = world.api(world.staff_mm).post("/api/v1/visits", complaint(world)).json()["id"]
    assert world.api(world.handler_a).get(f"/api/v1/visits/{visit_id}").status_code == 200
    assert world.api(world.handler_b).get(f"/api/v1/visits/{visit_id}").status_code == 404
    assert world.api(world.sz_officer).get(f"/api/v1/visits/{visit_id}").status_code == 404
    assert world.api(world.nobody).get(f"/api/v1/visits/{visit_id}").status_code == 404
    assert world.api(world.handler_b).get("/api/v1/visits").json()["items"] == []
    assert len(world.api(world.handler_a).get("/api/v1/visits").json()["items"]) == 1


@pytest.mark.parametrize("header", [None, "Bearer nope", "Token abc", "Bearer "])
def test_a_missing_or_bad_token_is_401(world, header):
    from django.test import Client

    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    r = Client().post("/api/v1/visits", complaint(world), content_type="application/json", **extra)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"
    assert Visit.objects.count() == 0


# ---- bad input --------------------------------------------------------------------------------

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()
YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()

BAD = [
    ({"kind": "praise"}, "kind"),
    ({"company_id": None}, "company_id"),
    ({"outcome": None}, "outcome"),
    ({"outcome": "forgotten"}, "outcome"),
    ({"outcome": "time_limited"}, "due_date"),
    ({"outcome": "time_limited", "due_date": YESTERDAY}, "due_date"),
    ({"outcome": "time_limited", "due_date": TOMORROW, "handled_by": "nobody"}, "handled_by"),
    ({"due_date": TOMORROW}, "due_date"),
    ({"kind": "consultation", "outcome": "resolved_on_site", "practitioner": None}, "outcome"),
    ({"kind": "suggestion", "practitioner": {"name": "王建国"}}, "practitioner"),
    ({"company_id": 999999}, "company_id"),
    ({"site_id": 999999}, "site_id"),
    ({"site_id": None}, "site_id"),
    ({"channel": "carrier pigeon"}, "channel"),
    ({"product_line": "space"}, "product_line"),
    ({"summary": "   "}, "summary"),
    ({"summary": "长" * 4001}, "summary"),
    ({"visitor": {"name": ""}}, "visitor.name"),
    ({"visitor": {"name": "李", "phone": "12345"}}, "visitor.phone"),
    ({"visitor": {"name": "李", "id_number": "440902198503150021"}}, "visitor.id_number"),
    ({"visitor": None}, "visitor"),
    ({"kind": None}, "kind"),
    ({"due_date": "next tuesday", "outcome": "time_limited"}, "due_date"),
    ({"site_id": "one"}, "site_id"),
]


@pytest.mark.parametrize(("override", "field"), BAD)
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(world, override, field):
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world, **override))
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert any(k == field or k.startswith(field + ".") for k in error["fields"]), error
    assert counts() == (0, 0, 0)


def test_a_visit_to_a_site_of_a_finished_campaign_is_refused(world):
    world.campaign.starts_at = timezone.now() - timedelta(days=3)
    world.campaign.ends_at = timezone.now() - timedelta(days=2)
    world.campaign.save()
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world))
    assert r.status_code == 400
    assert "site_id" in r.json()["error"]["fields"]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("raw", [b"{not json", b'{"kind": "complaint",', b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_malformed_json_is_a_400(world, raw):
    r = world.api(world.staff_mm).post("/api/v1/visits", raw=raw)
    assert r.status_code == 400
    assert r.json()["error"]["code"] in {"malformed_json", "invalid"}
    assert counts() == (0, 0, 0)


def test_an_empty_body_is_a_400(world):
    r = world.api(world.staff_mm).post("/api/v1/visits", raw=b"")
    assert r.status_code == 400
    assert counts() == (0, 0, 0)


def test_an_oversized_body_is_a_413(world):
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world, summary="长" * 100_000))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "too_large"
    assert counts() == (0, 0, 0)


def test_an_overlong_idempotency_key_is_a_400(world):
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k" * 129)
    assert r.status_code == 400
    assert counts() == (0, 0, 0)


def test_unknown_api_routes_are_json_404s(world):
    r = world.api(world.admin).get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


# ---- visits that arrive without a site ----------------------------------------------------------


def test_a_phone_complaint_gives_the_consumers_city_instead_of_a_site(world):
    body = complaint(world, site_id=None, channel="phone", city_code="440900")
    r = world.api(world.officer).post("/api/v1/visits", body)
    assert r.status_code == 201, r.content
    visit = Visit.objects.get()
    assert visit.site_id is None and visit.campaign_id is None and visit.city_id == "440900"
    assert world.api(world.officer).get(f"/api/v1/visits/{visit.pk}").status_code == 200


def test_a_visit_without_site_or_city_is_refused(world):
    r = world.api(world.officer).post("/api/v1/visits", complaint(world, site_id=None, channel="phone"))
    assert r.status_code == 400
    assert "city_code" in r.json()["error"]["fields"]
    assert counts() == (0, 0, 0)


def test_a_bureau_records_phone_visits_only_for_its_own_cities(world):
    body = complaint(world, site_id=None, channel="phone", city_code="440900")
    assert world.api(world.sz_officer).post("/api/v1/visits", body).status_code == 403
    assert counts() == (0, 0, 0)
