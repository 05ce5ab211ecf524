"""Tokens, regions and organizations."""

import pytest
from django.test import Client

from ombud.testing import PASSWORD

pytestmark = pytest.mark.django_db


def post_token(body, client=None):
    return (client or Client()).post("/api/v1/auth/token", body, content_type="application/json")


def test_a_token_opens_the_api(world):
    r = post_token({"username": "officer", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["token"]
    assert Client().get("/api/v1/campaigns", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_a_wrong_password_is_401_and_gives_no_token(world):
    r = post_token({"username": "officer", "password": "wrong"})
    assert r.status_code == 401
    assert "token" not in r.json()
    assert r.json()["error"]["code"] == "bad_credentials"


def test_a_missing_field_is_400(world):
    r = post_token({"username": "officer"})
    assert r.status_code == 400
    assert "password" in r.json()["error"]["fields"]


def test_repeated_failures_lock_the_account_even_with_the_right_password(world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        post_token({"username": "officer", "password": "wrong"})
    r = post_token({"username": "officer", "password": PASSWORD})
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "locked_out"
    assert "token" not in r.json()


def test_an_inactive_user_token_stops_working(world):
    api = world.api(world.officer)
    assert api.get("/api/v1/campaigns").status_code == 200
    world.officer.is_active = False
    world.officer.save()
    assert api.get("/api/v1/campaigns").status_code == 401


def test_a_createsuperuser_acts_as_a_regulator_admin(db):
    from ombud.directory.models import User

    root = User.objects.create_superuser("root", "root@example.cn", PASSWORD)
    token = post_token({"username": "root", "password": PASSWORD}).json()["token"]
    r = Client().post(
        "/api/v1/campaigns",
        {
            "name": "x",
            "starts_at": "2026-12-01T09:00:00+08:00",
            "ends_at": "2026-12-02T09:00:00+08:00",
            "region_code": "440000",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert r.status_code == 201
    assert root.effective_role == "regulator_admin"


def test_regions_lists_guangdongs_cities(world):
    rows = world.api(world.staff_mm).get("/api/v1/regions", parent="440000").json()
    codes = {r["code"] for r in rows}
    assert len(rows) == 21 and {"440100", "440300", "440900"} <= codes
    assert all(r["level"] == "prefecture" for r in rows)
    maoming = next(r for r in rows if r["code"] == "440900")
    assert maoming["name"] == "茂名市"


def test_regions_without_parent_lists_provinces(world):
    rows = world.api(world.staff_mm).get("/api/v1/regions").json()
    assert {"code": "440000", "name": "广东省", "level": "province", "parent_code": None} in rows
    assert len(rows) >= 31


def test_regions_rejects_an_unknown_parent(world):
    r = world.api(world.staff_mm).get("/api/v1/regions", parent="000000")
    assert r.status_code == 400 and "parent" in r.json()["error"]["fields"]


def test_organizations_lists_insurers_with_their_branches(world):
    rows = world.api(world.handler_b).get("/api/v1/organizations", kind="insurer").json()
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {world.company_a.pk, world.company_a_maoming.pk, world.company_b.pk}
    assert by_id[world.company_a_maoming.pk]["parent_id"] == world.company_a.pk
    assert by_id[world.company_a_maoming.pk]["region_code"] == "440900"
    assert all(r["kind"] == "insurer" for r in rows)


def test_organizations_rejects_an_unknown_kind(world):
    assert world.api(world.handler_b).get("/api/v1/organizations", kind="bank").status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/regions", "/api/v1/organizations", "/api/v1/campaigns"])
def test_reads_need_a_token(db, path):
    assert Client().get(path).status_code == 401
