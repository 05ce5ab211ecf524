"""The public tracking page: number + code show the visit, nothing else does; guessing is
limited per tracking number (strict) and per address (generous), in the database."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone

from ombud.portal import limits
from ombud.portal.casepage import services
from ombud.portal.models import AttemptCounter
from ombud.testing import complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt(world):
    return world.api(world.staff_mm).post("/api/v1/visits", complaint(world)).json()


@pytest.fixture
def other_receipt(world):
    return world.api(world.staff_mm).post("/api/v1/visits", complaint(world)).json()


def look(client: Client, number: str, code: str):
    return client.post("/track/", {"tracking_no": number, "code": code})


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


def test_an_incomplete_form_is_a_400(db):
    assert Client().post("/track/", {"tracking_no": "1" * 16}).status_code == 400


def test_the_page_needs_no_login(db):
    assert Client().get("/track/").status_code == 200


# ---- the per-number limit (strict) --------------------------------------------------------------


def test_ten_wrong_codes_lock_the_number_for_everyone_even_the_right_code(receipt, other_receipt):
    """The documented default: 10 wrong codes per number and hour, from any addresses."""
    assert services.number_limit().limit == 10 and services.number_limit().window == 3600
    number = receipt["tracking_no"]
    for i in range(10):  # ten different addresses: the address limit plays no part
        assert look(Client(REMOTE_ADDR=f"10.1.0.{i}"), number, "AAAAAAAA").status_code == 404
    r = look(Client(REMOTE_ADDR="10.2.0.1"), number, receipt["secret_code"])
    assert r.status_code == 429
    assert 3500 <= int(r["Retry-After"]) <= 3600
    assert "中国人寿" not in r.content.decode()
    # A guesser on one number cannot lock anyone else's: the other visit is still found, from
    # the guesser's own address too.
    assert (
        look(Client(REMOTE_ADDR="10.1.0.0"), other_receipt["tracking_no"], other_receipt["secret_code"]).status_code
        == 200
    )
    # After the window, the right code works again.
    AttemptCounter.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert look(Client(REMOTE_ADDR="10.2.0.1"), number, receipt["secret_code"]).status_code == 200


def test_the_right_code_does_not_use_up_the_numbers_tries(receipt):
    number, code = receipt["tracking_no"], receipt["secret_code"]
    client = Client()
    for _ in range(25):  # a consumer checking on their case again and again
        assert look(client, number, code).status_code == 200
    for _ in range(9):
        assert look(client, number, "AAAAAAAA").status_code == 404
    assert look(client, number, code).status_code == 200  # 9 wrong: still open


def test_a_locked_number_does_not_tell_whether_it_exists(receipt, settings):
    settings.OMBUD_TRACK_NUMBER_LIMIT = 3
    for number in (receipt["tracking_no"], "2" * 16):
        answers = [look(Client(), number, "AAAAAAAA").status_code for _ in range(5)]
        assert answers == [404, 404, 404, 429, 429]


# ---- the per-address limit (generous) ----------------------------------------------------------


def test_one_guesser_behind_a_shared_address_does_not_lock_out_the_others(receipt, settings):
    """A reception site: everyone shares 203.0.113.7. A guesser sprays wrong numbers until the
    address is over its limit; another consumer there still gets in with the right code, and a
    typing mistake there is a 429 that says so."""
    settings.OMBUD_TRACK_ADDRESS_LIMIT = 5
    guesser, consumer = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.7")
    answers = [look(guesser, f"{i:016d}", "AAAAAAAA").status_code for i in range(8)]
    assert answers == [404] * 5 + [429] * 3
    mistyped = look(consumer, receipt["tracking_no"], "BBBBBBBB")
    assert mistyped.status_code == 429 and int(mistyped["Retry-After"]) > 0
    assert look(consumer, receipt["tracking_no"], receipt["secret_code"]).status_code == 200
    # Another address is not affected at all.
    assert look(Client(REMOTE_ADDR="198.51.100.1"), "9" * 16, "AAAAAAAA").status_code == 404


def test_the_address_limit_default_is_100_failures_in_ten_minutes(db):
    assert (services.address_limit().limit, services.address_limit().window) == (100, 600)


def test_an_ipv6_guesser_is_counted_per_64_network(db):
    a = Client(REMOTE_ADDR="2001:db8:1:2::1")
    b = Client(REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert limits.client_address(a.get("/track/").wsgi_request) == "2001:db8:1:2::/64"
    assert limits.client_address(b.get("/track/").wsgi_request) == "2001:db8:1:2::/64"


# ---- the counters themselves ---------------------------------------------------------------------


def test_counters_are_exact_expire_and_store_no_address(db):
    limit = limits.Limit("test.scope", 3, 60)
    now = timezone.now()
    assert [limits.hit(limit, "192.0.2.1", now=now) for _ in range(4)] == [1, 2, 3, 4]
    assert limits.hit(limit, "192.0.2.2", now=now) == 1
    assert limits.count(limit, "192.0.2.1", now=now) == 4
    limits.refund(limit, "192.0.2.1", now=now)
    assert limits.count(limit, "192.0.2.1", now=now) == 3
    stored = list(AttemptCounter.objects.values_list("key", flat=True))
    assert all(len(k) == 64 and "192.0.2" not in k for k in stored)
    # A new window after 60 seconds. Rows of past windows go with a later write (at most once a
    # minute per process) or with sweep().
    later = now + timedelta(seconds=61)
    assert limits.count(limit, "192.0.2.1", now=later) == 0
    limits._last_sweep = 0.0  # as if this process had not tidied for a minute
    assert limits.hit(limit, "192.0.2.1", now=later) == 1
    assert AttemptCounter.objects.count() == 1  # 192.0.2.2's old row is gone
    limits.hit(limit, "192.0.2.3", now=later)
    assert limits.sweep(later + timedelta(seconds=61)) == 2
    assert not AttemptCounter.objects.exists()


def test_x_forwarded_for_is_read_only_from_a_trusted_proxy(db, settings):
    def address(remote: str, forwarded: str | None = None) -> str:
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return limits.client_address(Client(**extra).get("/track/").wsgi_request)

    # Not configured: a client's own header is ignored.
    assert address("198.51.100.9", "1.2.3.4") == "198.51.100.9"
    settings.OMBUD_TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.1"]
    # Through the proxy: the address it saw, not what the client wrote to the left of it.
    assert address("10.0.0.5", "6.6.6.6, 203.0.113.50") == "203.0.113.50"
    assert address("10.0.0.5", "203.0.113.50, 192.0.2.1") == "203.0.113.50"  # two proxies
    assert address("10.0.0.5", "garbage, 10.1.1.1") == "10.1.1.1"  # nothing trusted left of garbage
    assert address("10.0.0.5") == "10.0.0.5"
    # Not from a trusted proxy: the header is ignored.
    assert address("198.51.100.9", "1.2.3.4") == "198.51.100.9"


def test_a_bad_trusted_proxy_setting_is_refused_with_its_name(settings):
    settings.OMBUD_TRUSTED_PROXIES = ["10.0.0.0/8", "not-an-address"]
    with pytest.raises(ImproperlyConfigured, match="OMBUD_TRUSTED_PROXIES"):
        limits.trusted_proxies()
