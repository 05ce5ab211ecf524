"""Bad input never reaches a 500: the JSON depth guard, and the fuzz corpus sent to every route."""

from __future__ import annotations

import pytest
from django.test import Client

from ombud.security import MAX_JSON_DEPTH, nested_deeper_than

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
