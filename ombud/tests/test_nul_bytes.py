"""A NUL character anywhere a client can put one is a 400 with the usual error shape, never a
500 (PostgreSQL text cannot hold NUL) and never stored (SQLite could)."""

import json

import pytest

from ombud.cases.models import Case
from ombud.intake.models import Visit
from ombud.testing import complaint

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/regions?parent=%00", "/api/v1/cases?status=a%00b", "/api/v1/visits?x%00=1"])
def test_a_nul_in_the_query_string_is_a_json_400(world, path):
    r = world.api(world.officer).client.get(path, **world.api(world.officer).headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid" and r.json()["error"]["fields"]


def test_a_nul_in_a_json_body_is_a_400_and_stores_nothing(world):
    api = world.api(world.staff_mm)
    body = json.dumps(complaint(world, summary="理赔\u0000被拒"))
    assert "\\u0000" in body
    r = api.post("/api/v1/visits", raw=body.encode())
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid"
    assert list(r.json()["error"]["fields"]) == ["summary"]
    assert not Visit.objects.exists() and not Case.objects.exists()


def test_a_nul_in_a_page_query_is_a_400_page(world):
    r = world.browser_client(world.handler_a).get("/cases/?tracking_no=%00")
    assert r.status_code == 400


def test_ordinary_requests_pass(world):
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world))
    assert r.status_code == 201, r.content
