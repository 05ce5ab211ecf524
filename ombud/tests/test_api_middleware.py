"""The API's lean middleware (ombud/middleware.py) and its JSON (ombud/api.py): a bearer-token
call steps over sessions, CSRF, messages and the page user, and keeps everything else: the
security headers, the host check, the error format, the body guards, the lockout answer, the
language. Pages keep the whole stack."""

import json
from datetime import datetime

import pytest
from django.test import Client
from django.utils import translation
from ninja.responses import NinjaJSONEncoder

from ombud.api import OrjsonRenderer
from ombud.intake.models import Visit
from ombud.testing import PASSWORD, complaint

pytestmark = pytest.mark.django_db


def test_an_api_call_gets_the_security_headers_and_no_session_or_csrf_work(world):
    r = world.api(world.admin).get("/api/v1/campaigns")
    assert r.status_code == 200
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["X-Frame-Options"] == "DENY"
    assert r["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in r["Content-Security-Policy"]
    assert "Set-Cookie" not in r and "Cookie" not in r.get("Vary", "")


def test_a_session_cookie_does_not_sign_in_to_the_api(world):
    """The API knows bearer tokens only; a page session (and so a CSRF-able cookie) is ignored."""
    browser = world.browser_client(world.admin)
    r = browser.get("/api/v1/campaigns")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_pages_keep_sessions_csrf_and_messages(world):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and "csrftoken" in page.cookies
    refused = client.post("/accounts/login/", {"username": "officer", "password": PASSWORD})
    assert refused.status_code == 403  # no CSRF token
    token = page.cookies["csrftoken"].value
    signed_in = client.post(
        "/accounts/login/", {"username": "officer", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert signed_in.status_code == 302 and "sessionid" in client.cookies


def test_the_api_keeps_its_error_format_host_check_and_body_guards(world):
    api = world.api(world.staff_mm)
    wrong_method = api.client.put("/api/v1/visits", "{}", content_type="application/json", **api.headers)
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"
    deep = api.post("/api/v1/visits", raw=b'{"a":' * 40 + b"1" + b"}" * 40)
    assert deep.status_code == 400 and deep.json()["error"]["code"] == "too_deep"
    nul = api.post("/api/v1/visits", complaint(world, summary="a\x00b"))
    assert nul.status_code == 400 and "summary" in nul.json()["error"]["fields"]
    too_big = api.post("/api/v1/visits", complaint(world, summary="长" * 40000))
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    other_host = Client(HTTP_HOST="evil.example").get("/api/v1/campaigns", **api.headers)
    assert other_host.status_code == 400


def test_a_locked_out_token_request_still_gets_the_json_429(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client()
    for _ in range(2):
        client.post("/api/v1/auth/token", {"username": "officer", "password": "wrong"}, content_type="application/json")
    r = client.post(
        "/api/v1/auth/token", {"username": "officer", "password": PASSWORD}, content_type="application/json"
    )
    assert r.status_code == 429 and r.json()["error"]["code"] == "locked_out"


def test_the_api_speaks_chinese_unless_the_language_cookie_says_otherwise(world):
    api = world.api(world.staff_mm)
    bad = {"site_id": world.site_mm.pk, "kind": "consultation", "visitor": {"name": ""}, "summary": "x"}
    assert api.post("/api/v1/visits", bad).json()["error"]["fields"]["visitor.name"] == "请填写来访人姓名。"
    # A thread that just served an English page does not answer the API in English.
    english = Client()
    english.cookies["django_language"] = "en"
    english.get("/accounts/login/")
    assert translation.get_language() == "en"
    assert api.post("/api/v1/visits", bad).json()["error"]["fields"]["visitor.name"] == "请填写来访人姓名。"
    api.client.cookies["django_language"] = "en"
    assert api.post("/api/v1/visits", bad).json()["error"]["fields"]["visitor.name"] == "Enter the visitor's name."


def test_the_json_out_reads_as_before_and_chinese_is_utf8(world):
    data = {"at": datetime(2026, 3, 1, 9, 30, 15, 123456).astimezone(), "name": "茂名", 3: "int key"}
    rendered = OrjsonRenderer().render(None, data, response_status=200)
    assert json.loads(rendered) == json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    assert "茂名".encode() in rendered
    # Beyond orjson's 64 bits: the standard library's encoder.
    assert OrjsonRenderer().render(None, {"big": 2**70}, response_status=200) == '{"big": 1180591620717411303424}'
    r = world.api(world.staff_mm).post("/api/v1/visits", complaint(world))
    # Written as Django's encoder writes times (milliseconds, "Z" for UTC), as before.
    assert r.json()["received_at"] == NinjaJSONEncoder().default(Visit.objects.get().received_at)


def test_json_that_is_not_json_is_a_400_not_a_500(world):
    api = world.api(world.staff_mm)
    for raw in (b'{"kind": NaN}', b'{"summary": "\\ud800"}', b'{"kind": Infinity}'):
        r = api.post("/api/v1/visits", raw=raw)
        assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json", raw
