"""POST /api/v1/cases: hotline, letter, online and backlog complaints — routed, with legal
due dates counted from receipt."""

import pytest

from ombud.cases.models import Case
from ombud.intake.models import Visit

pytestmark = pytest.mark.django_db


def body(world, **overrides):
    b = {
        "company_id": world.company_a.pk,
        "complainant": {"name": "陈建华", "phone": "13900001111"},
        "summary": "车险理赔拖延超过30日",
        "channel": "phone",
        "received_at": "2026-09-20T10:00:00+08:00",
        "city_code": "440900",
        "category": "claims.timeliness",
    }
    b.update(overrides)
    return b


def test_a_hotline_complaint_goes_to_the_branch_in_the_consumers_city_with_its_legal_due_date(world):
    r = world.api(world.officer).post("/api/v1/cases", body(world))
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["status"] == "received" and created["handled_by"] == "company"
    assert created["company_id"] == world.company_a_maoming.pk  # routed to the Maoming branch
    # Received 2026-09-20; 15 days → 2026-10-05 in the National Day break → 2026-10-08, 24:00.
    assert created["due_at"] in ("2026-10-08T16:00:00Z", "2026-10-08T16:00:00+00:00")
    assert created["due_provisional"] is False
    case = Case.objects.get(pk=created["id"])
    assert case.category == "claims.timeliness" and case.events.get().type == "received"
    # The company's queue has it, and it can accept it.
    assert (
        world.api(world.handler_a).post(f"/api/v1/cases/{case.pk}/transitions", {"action": "accept"}).status_code == 200
    )


def test_a_suspected_violation_goes_to_the_regulator(world):
    r = world.api(world.officer).post("/api/v1/cases", body(world, nature="suspected_violation"))
    assert r.json()["handled_by"] == "regulator"


def test_without_a_branch_in_the_city_the_named_company_handles_it(world):
    r = world.api(world.officer).post("/api/v1/cases", body(world, company_id=world.company_b.pk, city_code="440100"))
    assert r.json()["company_id"] == world.company_b.pk


def test_a_due_date_in_a_year_without_its_holiday_notice_is_provisional(world):
    from django.utils import timezone

    received = timezone.localtime().isoformat()
    case_id = world.api(world.officer).post("/api/v1/cases", body(world, received_at=received)).json()["id"]
    handler = world.api(world.handler_a)
    handler.post(f"/api/v1/cases/{case_id}/transitions", {"action": "accept"})
    r = handler.post(
        f"/api/v1/cases/{case_id}/transitions", {"action": "extend", "level": "especially_complex", "reason": "鉴定"}
    )
    assert r.status_code == 200, r.content
    # 60 days from late 2026 (or later) end in a year whose holiday notice is not loaded.
    assert Case.objects.get(pk=case_id).due_date.year >= 2027
    assert r.json()["due_provisional"] is True


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"channel": "on_site"}, "channel"),
        ({"channel": "pigeon"}, "channel"),
        ({"received_at": "2099-01-01T00:00:00+08:00"}, "received_at"),
        ({"received_at": "2026-09-20T10:00:00"}, "received_at"),
        ({"company_id": 999999}, "company_id"),
        ({"nature": "gossip"}, "nature"),
        ({"summary": ""}, "summary"),
        ({"complainant": {"name": ""}}, "visitor.name"),
    ],
)
def test_bad_complaints_are_400s_and_store_nothing(world, override, field):
    r = world.api(world.officer).post("/api/v1/cases", body(world, **override))
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["fields"], r.json()
    assert Visit.objects.count() == 0 and Case.objects.count() == 0


def test_a_company_registers_only_its_own_complaints(world):
    r = world.api(world.handler_b).post("/api/v1/cases", body(world))
    assert r.status_code == 403
    assert Case.objects.count() == 0
