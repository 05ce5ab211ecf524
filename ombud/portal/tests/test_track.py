"""The public tracking page: number + code show the visit, nothing else does."""

import pytest
from django.core.cache import cache
from django.test import Client

from ombud.testing import complaint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


@pytest.fixture
def receipt(world):
    return world.api(world.staff_mm).post("/api/v1/visits", complaint(world)).json()


def test_number_and_code_show_the_visit_and_case_without_personal_data(receipt):
    r = Client().post("/track/", {"tracking_no": receipt["tracking_no"], "code": receipt["secret_code"].lower()})
    assert r.status_code == 200
    page = r.content.decode()
    assert "中国人寿保险股份有限公司茂名分公司" in page
    assert "李" not in page and "13812345678" not in page and "138****5678" not in page


def test_spaces_in_the_number_are_forgiven(receipt):
    n = receipt["tracking_no"]
    spaced = f"{n[:6]} {n[6:10]} {n[10:]}"
    assert Client().post("/track/", {"tracking_no": spaced, "code": receipt["secret_code"]}).status_code == 200


def test_a_wrong_code_and_an_unknown_number_look_the_same(receipt):
    wrong_code = Client().post("/track/", {"tracking_no": receipt["tracking_no"], "code": "AAAAAAAA"})
    unknown = Client().post("/track/", {"tracking_no": "1" * 16, "code": receipt["secret_code"]})
    assert wrong_code.status_code == unknown.status_code == 404
    assert "中国人寿" not in wrong_code.content.decode()


def test_guessing_is_rate_limited(receipt):
    client = Client()
    for _ in range(20):
        client.post("/track/", {"tracking_no": receipt["tracking_no"], "code": "AAAAAAAA"})
    r = client.post("/track/", {"tracking_no": receipt["tracking_no"], "code": receipt["secret_code"]})
    assert r.status_code == 429
    assert "中国人寿" not in r.content.decode()


def test_the_page_needs_no_login(db):
    assert Client().get("/track/").status_code == 200
