"""Bad input never reaches a 500: the JSON depth guard, and the fuzz corpus sent to every route."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from ombud.cases.models import Case
from ombud.errors import InvalidInput
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.security import MAX_JSON_DEPTH, nested_deeper_than
from ombud.timebounds import EARLIEST

DEEP = b'{"a":' * 5000 + b'"\\u0000"' + b"}" * 5000


def test_the_depth_scan_counts_brackets_outside_strings_only():
    assert not nested_deeper_than(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert nested_deeper_than(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    assert not nested_deeper_than(b'{"a": "' + b"[{" * 1000 + b'"}')  # text, not nesting
    assert not nested_deeper_than(b'["\\"' + b"[" * 1000 + b'"]')  # an escaped quote stays in the string
    assert not nested_deeper_than(b"[]" * 10_000)  # wide is not deep
    assert nested_deeper_than(DEEP)
    assert nested_deeper_than(b"\xff\xfe" + b"[" * 40)  # not UTF-8, not JSON: still scanned


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/visits", "/api/v1/roster/1/check-in"])
def test_a_body_nested_5000_deep_is_a_json_400_on_the_api_even_anonymous(path):
    r = Client(raise_request_exception=False).post(path, DEEP, content_type="application/json")
    assert r.status_code == 400, r.content[:300]
    assert r.json()["error"]["code"] == "too_deep"


@pytest.mark.django_db
@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/octet-stream"])
def test_a_body_nested_5000_deep_is_a_400_page_elsewhere(content_type):
    r = Client(raise_request_exception=False).post("/track/", DEEP, content_type=content_type)
    assert r.status_code == 400


@pytest.mark.django_db
def test_a_body_within_the_depth_limit_reaches_the_handler():
    body = b'{"username": "x", "password": "y", "z": ' + b"[" * 30 + b"]" * 30 + b"}"
    r = Client(raise_request_exception=False).post("/api/v1/auth/token", body, content_type="application/json")
    assert r.status_code in (400, 401) and r.json()["error"]["code"] != "too_deep"


# ---- dates: not before 2000-01-01, not in the future (ombud/timebounds.py) ---------------------


def _case(world, received_at) -> dict:
    return {
        "company_id": world.company_a_maoming.pk,
        "complainant": {"name": "钱某", "phone": "13900001234"},
        "summary": "车险理赔慢",
        "channel": "phone",
        "received_at": received_at,
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "received_at",
    [0, "1970-01-01T00:00:00Z", "1999-12-31T23:59:59+08:00", -1, "9999-12-31T23:59:59+08:00", 10**20, "+inf"],
    ids=["zero", "epoch", "a second too early", "minus one", "year 9999", "10**20", "inf"],
)
def test_a_complaint_received_before_2000_or_in_the_future_is_a_field_error(world, received_at):
    r = world.api(world.officer).post("/api/v1/cases", _case(world, received_at))
    assert r.status_code == 400, r.content
    assert list(r.json()["error"]["fields"]) == ["received_at"]
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_the_floor_and_the_clock_skew_are_the_bounds(world):
    api = world.api(world.officer)
    assert api.post("/api/v1/cases", _case(world, "2000-01-01T00:00:00+08:00")).status_code == 201
    soon = (timezone.now() + timedelta(minutes=4)).isoformat()
    assert api.post("/api/v1/cases", _case(world, soon)).status_code == 201
    later = (timezone.now() + timedelta(minutes=10)).isoformat()
    r = api.post("/api/v1/cases", _case(world, later))
    assert r.status_code == 400 and list(r.json()["error"]["fields"]) == ["received_at"]


@pytest.mark.django_db
def test_a_visit_recorded_with_a_time_before_2000_is_refused(world):
    data = VisitInput(kind="consultation", visitor_name="孙某", summary="咨询", channel="phone", city_code="440900")
    with pytest.raises(InvalidInput) as refused:
        record_visit(world.admin, data, received_at=datetime(1970, 1, 1, tzinfo=UTC))
    assert "received_at" in refused.value.fields
    assert not Visit.objects.exists()
    assert record_visit(world.admin, data, received_at=EARLIEST).visit.received_at == EARLIEST
