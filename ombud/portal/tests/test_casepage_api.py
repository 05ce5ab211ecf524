"""The case page's API: the same lookup, limits, view and actions as the page; the JSON error
shape naming each bad field; nothing stored on bad input."""

import pytest
from django.test import Client

from ombud.cases.models import Case, CaseEvent, Rating
from ombud.portal.tests.casepage_helpers import code_of, decided, new_case

pytestmark = pytest.mark.django_db
API = "/api/v1/public/cases"
DROP = object()  # a field left out of the body


def act(number, body, client=None):
    return (client or Client()).post(f"{API}/{number}/actions", body, content_type="application/json")


def test_the_consumers_view(world):
    case = decided(world, new_case(world))
    r = Client().get(f"{API}/{case.tracking_no}", {"code": code_of(case).lower()})
    assert r.status_code == 200
    view = r.json()
    assert view["tracking_no"] == case.tracking_no and view["kind"] == "complaint"
    assert view["status"] == "informed" and view["due_at"] is None
    assert view["decision"]["decision"] == "partly_upheld" and view["decision"]["amount_paid"] == "1200.50"
    assert view["reply"] == "经核实，同意赔付部分医疗费用。"
    assert view["actions"] == ["request_review", "rate", "withdraw"]
    assert [e["type"] for e in view["events"]] == ["received", "accepted", "decided", "informed"]
    assert all(e["text"] for e in view["events"])
    assert "李秀英" not in r.content.decode() and "13812345678" not in r.content.decode()


def test_a_running_case_shows_its_due_date_and_no_letter(world):
    case = new_case(world)
    view = Client().get(f"{API}/{case.tracking_no}", {"code": code_of(case)}).json()
    assert view["due_at"] and view["status"] == "received" and view["decision"] is None
    assert view["actions"] == ["supplement", "withdraw"]


def test_wrong_code_and_unknown_number_look_the_same(world):
    case = new_case(world)
    wrong = Client().get(f"{API}/{case.tracking_no}", {"code": "AAAAAAAA"})
    unknown = Client().get(f"{API}/1234567890123456", {"code": code_of(case)})
    nothing = Client().get(f"{API}/{case.tracking_no}")
    assert wrong.status_code == unknown.status_code == nothing.status_code == 404
    assert wrong.json() == unknown.json()
    assert set(wrong.json()["error"]) == {"code", "message", "fields"}


def test_the_number_locks_after_ten_wrong_codes_across_get_and_post(world):
    case = new_case(world)
    for _i in range(5):
        assert Client().get(f"{API}/{case.tracking_no}", {"code": "AAAAAAAA"}).status_code == 404
        assert act(case.tracking_no, {"code": "AAAAAAAA", "action": "withdraw"}).status_code == 404
    r = Client().get(f"{API}/{case.tracking_no}", {"code": code_of(case)})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert act(case.tracking_no, {"code": code_of(case), "action": "withdraw"}).status_code == 429
    assert Case.objects.get(pk=case.pk).status == Case.Status.RECEIVED


def test_each_action_answers_the_new_view(world):
    case = new_case(world)
    r = act(case.tracking_no, {"code": code_of(case), "action": "supplement", "text": "补充病历"})
    assert r.status_code == 200 and r.json()["events"][-1]["type"] == "supplemented"
    case = decided(world, case)
    r = act(case.tracking_no, {"code": code_of(case), "action": "rate", "solved": True, "satisfaction": 4})
    assert r.status_code == 200 and r.json()["rating"]["satisfaction"] == 4 and "rate" not in r.json()["actions"]
    r = act(case.tracking_no, {"code": code_of(case), "action": "request_review", "reason": "金额不对"})
    assert r.status_code == 200 and r.json()["status"] == "in_review"
    r = act(case.tracking_no, {"code": code_of(case), "action": "withdraw"})
    assert r.status_code == 200 and r.json()["status"] == "closed" and r.json()["actions"] == []


def test_rating_before_the_decision_is_notified_is_a_409(world):
    case = decided(world, new_case(world), notify=False)
    r = act(case.tracking_no, {"code": code_of(case), "action": "rate", "solved": True, "satisfaction": 4})
    assert r.status_code == 409 and r.json()["error"]["code"] == "action_not_open"
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "body,field,status",
    [
        ({"code": DROP, "action": "withdraw"}, "code", 400),
        ({"code": None, "action": "withdraw"}, "code", 400),
        ({"code": "A" * 17, "action": "withdraw"}, "code", 400),
        ({}, "action", 400),
        ({"action": "decide"}, "action", 400),
        ({"action": "supplement"}, "text", 400),
        ({"action": "supplement", "text": "x" * 5001}, "text", 400),
        ({"action": "supplement", "text": ["a"]}, "text", 400),
        ({"action": "request_review", "reason": "不服"}, "action", 409),  # not open before a decision
        ({"action": "withdraw", "reason": "x" * 2001}, "reason", 400),
        ({"action": "rate", "solved": True, "satisfaction": 4}, "action", 409),
    ],
)
def test_every_bad_field_is_named_and_nothing_is_stored(world, body, field, status):
    case = new_case(world)
    events = CaseEvent.objects.count()
    payload = {k: v for k, v in {"code": code_of(case), **body}.items() if v is not DROP}
    r = act(case.tracking_no, payload)
    assert r.status_code == status, r.content
    assert field in r.json()["error"]["fields"], r.json()
    assert CaseEvent.objects.count() == events and Case.objects.get(pk=case.pk).status == Case.Status.RECEIVED


@pytest.mark.parametrize(
    "body,field",
    [
        ({"solved": True}, "satisfaction"),
        ({"solved": True, "satisfaction": 9}, "satisfaction"),
        ({"solved": True, "satisfaction": "many"}, "satisfaction"),
        ({"satisfaction": 3}, "solved"),
        ({"solved": "perhaps", "satisfaction": 3}, "solved"),
        ({"solved": True, "satisfaction": 3, "comment": "x" * 2001}, "comment"),
        ({"action": "request_review"}, "reason"),
        ({"action": "request_review", "reason": "  "}, "reason"),
    ],
)
def test_every_bad_rating_or_review_field_is_named(world, body, field):
    case = decided(world, new_case(world))
    events = CaseEvent.objects.count()
    r = act(case.tracking_no, {"code": code_of(case), "action": "rate", **body})
    assert r.status_code == 400 and field in r.json()["error"]["fields"], r.json()
    assert CaseEvent.objects.count() == events and not Rating.objects.exists()


def test_another_consumers_code_cannot_act_on_this_case(world):
    mine, theirs = new_case(world), new_case(world, phone="13900000001")
    r = act(mine.tracking_no, {"code": code_of(theirs), "action": "withdraw"})
    assert r.status_code == 404
    assert Case.objects.get(pk=mine.pk).status == Case.Status.RECEIVED


def test_a_suggestion_shows_its_status_and_no_actions(world):
    body = {
        "site_id": world.site_mm.pk,
        "kind": "suggestion",
        "visitor": {"name": "孙某"},
        "summary": "建议延长接待时间",
    }
    rec = world.api(world.staff_mm).post("/api/v1/visits", body).json()
    r = Client().get(f"{API}/{rec['tracking_no']}", {"code": rec["secret_code"]})
    assert r.status_code == 200
    assert r.json()["kind"] == "suggestion" and r.json()["actions"] == [] and r.json()["events"] == []
    r = act(rec["tracking_no"], {"code": rec["secret_code"], "action": "withdraw"})
    assert r.status_code == 409
