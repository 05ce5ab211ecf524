"""The cases API: the queue, a case with its timeline, and transitions with their statuses."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases.models import Case
from ombud.testing import complaint

pytestmark = pytest.mark.django_db


def open_case(world, *, days=10, handled_by="company"):
    due = (timezone.localdate() + timedelta(days=days)).isoformat()
    body = complaint(world, outcome="time_limited", due_date=due, handled_by=handled_by)
    return world.api(world.staff_mm).post("/api/v1/visits", body).json()["case_id"]


def test_the_queue_lists_a_companys_cases_with_due_dates(world):
    case_id = open_case(world)
    r = world.api(world.handler_a).get("/api/v1/cases")
    assert r.status_code == 200
    item = r.json()["items"][0]
    assert item["id"] == case_id and item["status"] == "in_progress" and item["overdue"] is False
    assert item["due_at"].endswith("+00:00") or item["due_at"].endswith("Z")
    assert set(item) >= {
        "id",
        "tracking_no",
        "status",
        "company_id",
        "handled_by",
        "category",
        "opened_at",
        "due_at",
        "overdue",
    }
    assert world.api(world.handler_b).get("/api/v1/cases").json()["items"] == []


def test_overdue_and_status_filters(world):
    late = open_case(world, days=0)
    Case.objects.filter(pk=late).update(due_at=timezone.now() - timedelta(hours=1))
    open_case(world, days=20)
    api = world.api(world.officer)
    overdue = api.get("/api/v1/cases", overdue="true").json()["items"]
    assert [c["id"] for c in overdue] == [late] and overdue[0]["overdue"] is True
    assert len(api.get("/api/v1/cases", status="in_progress").json()["items"]) == 2
    assert api.get("/api/v1/cases", status="nonsense").status_code == 400


def test_keyset_pages_cover_every_case_once(world):
    ids = {open_case(world) for _ in range(5)}
    api, seen, cursor = world.api(world.admin), [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/cases", **params).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)


def test_a_case_shows_its_timeline_and_masked_complainant(world):
    case_id = open_case(world)
    body = world.api(world.handler_a).get(f"/api/v1/cases/{case_id}").json()
    assert body["complainant_name"] == "李**" and body["complainant_phone"] == "138****5678"
    assert [e["type"] for e in body["timeline"]] == ["promised"]
    assert "decide" in body["allowed_actions"]


def test_transitions_answer_200_409_403_404_and_400(world):
    case_id = open_case(world)
    url = f"/api/v1/cases/{case_id}/transitions"
    handler = world.api(world.handler_a)
    assert handler.post(url, {"action": "decide", "decision": "upheld"}).status_code == 400
    decided = handler.post(url, {"action": "decide", "decision": "upheld", "reply": "全额赔付", "amount_paid": 3000})
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "decided" and decided.json()["amount_paid"] == "3000.00"
    again = handler.post(url, {"action": "decide", "decision": "upheld", "reply": "x"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "transition_not_allowed"
    assert world.api(world.officer).post(url, {"action": "notify"}).status_code == 403
    assert world.api(world.handler_b).post(url, {"action": "notify"}).status_code == 404
    assert handler.post(url, {"action": "fly"}).status_code == 400
    notified = handler.post(url, {"action": "notify"}).json()
    assert [e["type"] for e in notified["timeline"]] == ["promised", "decided", "informed"]
