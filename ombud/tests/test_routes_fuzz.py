"""Bad input never reaches a 500: the JSON depth guard, and the fuzz corpus sent to every route."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from ombud.cases.models import Case
from ombud.errors import InvalidInput
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.security import MAX_JSON_DEPTH, _paths_with_nul, nested_deeper_than
from ombud.tests import test_routes_ownership as own
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


def test_the_nul_scan_walks_any_depth_without_recursion():
    deep: object = "a\x00b"
    for _ in range(10_000):  # far beyond Python's recursion limit
        deep = {"k": [deep]}
    found = _paths_with_nul(deep)
    assert len(found) == 1 and found[0].startswith("k.0.k.0.") and found[0].endswith(".k.0")
    assert _paths_with_nul({"ok": "x", "bad\x00key": 1, "rows": [{"name": "\x00"}]}) == ["bad\x00key", "rows.0.name"]


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


@pytest.fixture
def world(fuzz_world, db):
    """The module's world (ombud/testing.py's World inside it): a second make_world() in the same
    transaction would clash with it. Each test's writes are rolled back after it."""
    return fuzz_world.world


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
    before = Case.objects.count()
    r = world.api(world.officer).post("/api/v1/cases", _case(world, received_at))
    assert r.status_code == 400, r.content
    assert list(r.json()["error"]["fields"]) == ["received_at"]
    assert Case.objects.count() == before


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
    before = Visit.objects.count()
    with pytest.raises(InvalidInput) as refused:
        record_visit(world.admin, data, received_at=datetime(1970, 1, 1, tzinfo=UTC))
    assert "received_at" in refused.value.fields
    assert Visit.objects.count() == before
    assert record_visit(world.admin, data, received_at=EARLIEST).visit.received_at == EARLIEST


# ---- the fuzz corpus, sent to every route ----------------------------------------------------------
#
# Every route of the URL conf and every operation of the OpenAPI document (the same walk as the
# ownership test), every method it accepts, as an officer, a company handler and anonymously:
# bodies nested 5,000 deep, NUL in keys and values, 1e400 and 10**30 in every field, every field
# of the wrong type, strings of 100,000 characters, an empty body, bytes that are not UTF-8,
# non-JSON content types; query parameters with the same values; path ids of 0, -1 and beyond
# int64. No answer is a 5xx, and every API error is the documented JSON shape.

FUZZ_PERSONAS = ("officer", "handler_a", own.ANON)
HUGE = 10**30
LONG = "长" * 100_000
# Query parameters the pages read (their filter forms and links): each page gets them all.
PAGE_QUERY_NAMES = (
    "q", "cursor", "status", "since", "until", "campaign", "company", "city", "site", "kind", "outcome",
    "handler", "overdue", "due_soon", "result", "tracking_no", "case", "new", "verify", "period_start",
    "period_end", "name", "duty", "present",
)  # fmt: skip
BAD_IDS = ("0", "-1", str(2**63), "9" * 30)
QUERY_VALUES = ("\x00", "1e400", str(HUGE), "-1", LONG[:3000], "2026-13-45")
RAW_QUERY = "?q=%ff%fe&cursor=%ff&since=%c3&status=%00%00"  # not UTF-8, and NUL


def _schema_properties(schema: dict, operation: dict) -> list[str]:
    body = (operation.get("requestBody") or {}).get("content", {})
    media = body.get("application/json") or body.get("multipart/form-data") or {}
    node = media.get("schema", {})
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return list(node.get("properties", {})) or ["x"]


# Form fields the pages read (a union over every form): each page gets them all, fuzzed.
PAGE_FORM_FIELDS = (
    "site", "kind", "channel", "city_code", "visitor_name", "visitor_phone", "summary", "company", "outcome",
    "due_date", "campaign", "since", "until", "size_mode", "size_value", "seed", "title", "language", "action",
    "result", "solved", "satisfaction", "note", "comment", "finding", "reasons", "follow_up", "case", "narrative",
    "lesson", "also_remove", "started_at", "ended_at", "findings", "led_by", "tracking_no", "code", "reaction",
    "mode", "all_or_nothing", "query", "token", "withdraw-reason", "decide-decision", "decide-reply",
    "decide-amount_paid", "extend-level", "reroute-company_id", "username", "password", "next", "language",
)  # fmt: skip
FORM_VALUES = ("\x00", "1e400", str(HUGE), str(-HUGE), LONG[:5000], "2026-13-45")


def _page_bodies() -> list[tuple[str, bytes, str]]:
    """The corpus for a page: it parses forms, so every form field gets each fuzz value; and the
    bodies a form parser must survive (nesting, NUL, too long, not UTF-8, other types)."""
    from urllib.parse import urlencode

    forms = [(f"form {v[:8]!r}", urlencode(dict.fromkeys(PAGE_FORM_FIELDS, v)).encode(), FORM) for v in FORM_VALUES]
    keep = ("deep", "nul", "too-long", "empty", "not-utf8", "text", "xml", "bad-multipart")
    return forms + [b for b in _bodies(["x"]) if b[0] in keep] + [("form not-utf8", b"summary=%ff%fe&site=%c3", FORM)]


FORM = "application/x-www-form-urlencoded"
# Routes that read no body: one nested and one empty body is enough.
NO_BODY = ("/api/v1/openapi.json", "/api/v1/docs", "/api/v1/")


def _bodies(fields: list[str]) -> list[tuple[str, bytes, str]]:
    """(label, body, content type) of the corpus for an operation whose body has `fields`."""
    import json

    def every(value) -> bytes:
        return json.dumps(dict.fromkeys(fields, value)).encode()

    return [
        ("deep", DEEP, "application/json"),
        ("deep-array", b"[" * 5000 + b"]" * 5000, "application/json"),
        ("nul", json.dumps({f + "\x00": "v\x00" for f in fields} | {fields[0]: "a\x00b"}).encode(), "application/json"),
        ("1e400", every(1).replace(b"1", b"1e400"), "application/json"),
        ("10**30", every(HUGE), "application/json"),
        ("-10**30", every(-HUGE), "application/json"),
        ("digits", b'{"' + fields[0].encode() + b'": ' + b"9" * 5000 + b"}", "application/json"),  # > int's 4,300
        ("list", every([]), "application/json"),
        ("object", every({"a": {"b": [1, None, True]}}), "application/json"),
        ("bool", every(True), "application/json"),
        ("null", every(None), "application/json"),
        ("long", every(LONG[:20_000]), "application/json"),  # within the body limit: the fields' own limits
        ("too-long", every(LONG), "application/json"),  # over the 64 KiB body limit: 413
        ("empty", b"", "application/json"),
        ("not-utf8", b'{"' + fields[0].encode() + b'": "\xff\xfe\xc3"}', "application/json"),
        ("not-json", b"{'a': 1,,}", "application/json"),
        ("scalar", b"12", "application/json"),
        ("text", b"hello \x00 world", "text/plain"),
        ("xml", b"<?xml version='1.0'?><a>" + b"<b>" * 100 + b"</a>", "application/xml"),
        ("form", b"a=%00&b=" + b"x" * 1000, FORM),
        (
            "bad-multipart",
            b'--xx\r\nContent-Disposition: form-data; name="file"\r\n\r\n',
            "multipart/form-data; boundary=xx",
        ),
    ]


@dataclass
class Sent:
    requests: int = 0
    problems: list = field(default_factory=list)


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker):
    """One world for the module (the ownership test's), in a transaction rolled back at its end."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield own.build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _send(o, persona: str, method: str, url: str, *, api: bool, body=b"", content_type="", query=None):
    client = Client(raise_request_exception=False) if api else o.browser(persona)
    client.raise_request_exception = False
    headers = o.tokens[persona] if api else {}
    with transaction.atomic():
        if method == "GET":
            r = client.get(url, query or {}, **headers)
        else:
            r = client.generic(method, url, body, content_type=content_type or "application/octet-stream", **headers)
        if getattr(r, "streaming", False):
            b"".join(r.streaming_content)
        transaction.set_rollback(True)
    return r


def _check(sent: Sent, r, what: str, api: bool) -> None:
    sent.requests += 1
    if r.status_code >= 500:
        sent.problems.append(f"{what}: {r.status_code}")
        return
    if api and r.status_code >= 400:
        try:
            error = r.json()["error"]
            assert set(error) == {"code", "message", "fields"}
        except (ValueError, KeyError, TypeError, AssertionError):  # any other shape is the finding
            sent.problems.append(f"{what}: {r.status_code} without the JSON error shape: {r.content[:120]!r}")


def _urls(o, route) -> list[str]:
    """The route with a real object's ids, and with each bad id in every id parameter."""
    rule = route.rule("GET") or route.rule("POST") or own.Rule()
    target = o.t(rule.targets[0]) if rule.targets[0] != "-" else None
    good = route.url(target.params if target else {})
    if "<" not in route.pattern and "{" not in route.pattern:
        return [good]
    names = re.findall(r"[<{]([a-z_]+)[>}]", route.pattern)
    return [good, *(route.url(dict.fromkeys(names, bad)) for bad in BAD_IDS)]


FUZZED = [r for r in own.ROUTES if not r.admin]


@pytest.mark.django_db
@pytest.mark.parametrize("route", FUZZED, ids=lambda r: r.pattern)
def test_no_route_answers_the_fuzz_corpus_with_a_server_error(fuzz_world, route):
    o, sent = fuzz_world, Sent()
    schema = OPENAPI
    methods = route.methods if route.api and route.methods else own.page_methods(o, route)
    is_api = route.url({}).startswith("/api/")  # the JSON error shape is checked there
    for method in methods:
        operation = schema["paths"].get(route.pattern, {}).get(method.lower(), {})
        fields = _schema_properties(schema, operation) if operation else list(PAGE_QUERY_NAMES[:3])
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"] or list(PAGE_QUERY_NAMES)
        for i, url in enumerate(_urls(o, route)):
            for persona in FUZZ_PERSONAS:
                what = f"{method} {url} as {persona}"
                if method == "GET":
                    queries = [dict.fromkeys(names, v) for v in QUERY_VALUES] if i == 0 else [{}]
                    for query in queries:
                        r = _send(o, persona, method, url, api=is_api, query=query)
                        _check(sent, r, f"{what} ?{str(query)[:60]}", is_api)
                    if i == 0:
                        _check(sent, _send(o, persona, method, url + RAW_QUERY, api=is_api), what + RAW_QUERY, is_api)
                    continue
                if i > 0 or route.pattern in NO_BODY:
                    corpus = [("deep", DEEP, "application/json"), ("empty", b"", "")]
                else:
                    corpus = _bodies(fields) if is_api else _page_bodies()
                for label, body, content_type in corpus:
                    r = _send(o, persona, method, url, api=is_api, body=body, content_type=content_type)
                    _check(sent, r, f"{what} [{label}]", is_api)
    print(f"fuzz {route.pattern}: {sent.requests} requests")
    assert sent.requests > 0
    assert not sent.problems, "\n".join(sent.problems)


OPENAPI = own.api.get_openapi_schema(path_prefix=own.API + "/")


@pytest.mark.django_db
def test_an_imported_row_received_before_2000_is_a_row_error(world):
    import io

    from openpyxl import Workbook

    from ombud.cases.imports import services

    wb = Workbook()
    ws = wb.active
    ws.append(["投诉人姓名", "联系电话", "被投诉公司", "城市", "渠道", "收到时间", "投诉内容", "状态"])
    for received in (datetime(1999, 12, 31, 23, 0), "1970-01-01", datetime(2026, 9, 20, 10, 0)):
        ws.append(
            ["陈建华", "13900001111", "中国人寿保险股份有限公司", "茂名市", "电话", received, "理赔拖延", "已收到"]
        )
    buf = io.BytesIO()
    wb.save(buf)
    result = services.import_cases(world.officer, buf.getvalue(), source="backlog.xlsx", all_or_nothing=False)
    assert [(e.row, e.where.split()[0]) for e in result.errors] == [(2, "F"), (3, "F")], result.errors
    assert len(result.case_ids) == 1


@pytest.mark.django_db
def test_the_admin_site_answers_the_fuzz_corpus_without_a_server_error(fuzz_world):
    """The Django admin's routes send everyone here to its login before reading a body (no persona
    is staff); each still gets a fuzzed query and the bodies a parser must survive."""
    o, sent = fuzz_world, Sent()
    bodies = [b for b in _page_bodies() if b[0] in ("deep", "nul")]
    for route in (r for r in own.ROUTES if r.admin):
        for url in {route.url(dict.fromkeys(re.findall(r"<([a-z_]+)>", route.pattern), str(2**63)))}:  # ids: int64 + 1
            for persona in FUZZ_PERSONAS:
                _check(sent, _send(o, persona, "GET", url + RAW_QUERY, api=False), f"GET {url} as {persona}", False)
                for label, body, content_type in bodies:
                    r = _send(o, persona, "POST", url, api=False, body=body, content_type=content_type)
                    _check(sent, r, f"POST {url} as {persona} [{label}]", False)
    print(f"fuzz admin: {sent.requests} requests")
    assert not sent.problems, "\n".join(sent.problems)
