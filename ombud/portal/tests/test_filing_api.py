"""The public filing API: POST /api/v1/public/otp, POST /api/v1/public/filings,
GET /api/v1/public/companies (docs/api.md)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases import notify_backends
from ombud.cases.models import Case
from ombud.intake.models import Visit
from ombud.portal.filing.queries import forget_company_index
from ombud.portal.models import OnlineFiling, PhoneChallenge
from ombud.testing import MAOMING, ApiClient

pytestmark = pytest.mark.django_db
OTP, FILINGS, COMPANIES = "/api/v1/public/otp", "/api/v1/public/filings", "/api/v1/public/companies"
PHONE = "13800138000"


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    notify_backends.outbox.clear()
    forget_company_index()
    yield
    notify_backends.outbox.clear()


@pytest.fixture
def anon():
    return ApiClient(None)


def code_for(anon, phone: str = PHONE) -> str:
    r = anon.post(OTP, {"phone": phone})
    assert r.status_code == 202, r.content
    return re.search(r"\b(\d{6})\b", notify_backends.outbox[-1].body).group(1)


def body(world, code: str, **extra) -> dict:
    data = {
        "kind": "complaint",
        "otp": code,
        "phone": PHONE,
        "name": "王小明",
        "company_id": world.company_a_maoming.pk,
        "city_code": MAOMING,
        "summary": "理赔超过三十日仍未赔付。",
        "request": "按合同赔付。",
    }
    data.update(extra)
    return {k: v for k, v in data.items() if v is not ...}


def counts() -> tuple[int, int, int]:
    return Visit.objects.count(), Case.objects.count(), OnlineFiling.objects.count()


def test_otp_then_filing_opens_a_routed_case_with_its_legal_due_date(world, anon, django_capture_on_commit_callbacks):
    r = anon.post(OTP, {"phone": PHONE})
    assert r.status_code == 202 and set(r.json()) == {"expires_at", "resend_after"} and r.json()["resend_after"] == 60
    code = re.search(r"\b(\d{6})\b", notify_backends.outbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        r = anon.post(FILINGS, body(world, code))
    assert r.status_code == 201, r.content
    out = r.json()
    case = Case.objects.get(tracking_no=out["tracking_no"])
    assert out["code"] == case.visit.secret_code and out["case"]["status"] == "received"
    assert out["case"]["due_at"] and case.due_at is not None and case.handled_by and case.company_id
    # like a phone complaint of the same moment (cases.services.register_complaint): same due date
    assert case.visit.channel == "online" and case.visit.city_id == MAOMING
    assert any(out["code"] in m.body and out["tracking_no"] in m.body for m in notify_backends.outbox)


def test_a_consultation_has_no_case(world, anon):
    r = anon.post(FILINGS, body(world, code_for(anon), kind="consultation", company_id=..., request=...))
    assert r.status_code == 201 and r.json()["case"] is None


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"kind": "praise"}, "kind"),
        ({"kind": ...}, "kind"),
        ({"otp": "000000x"}, "otp"),
        ({"otp": ...}, "otp"),
        ({"phone": "12345"}, "phone"),
        ({"phone": ...}, "phone"),
        ({"name": ""}, "visitor.name"),
        ({"name": ...}, "name"),
        ({"name": "名" * 65}, "visitor.name"),
        ({"id_number": "440000"}, "visitor.id_number"),
        ({"company_id": None}, "company_id"),
        ({"company_id": 99999999}, "company_id"),
        ({"company_id": "abc"}, "company_id"),
        ({"company_id": 0}, "company_id"),
        ({"city_code": "000000"}, "city_code"),
        ({"city_code": "110100"}, "city_code"),  # Beijing: no bureau of this installation holds it
        ({"city_code": ...}, "city_code"),
        ({"summary": " "}, "summary"),
        ({"summary": ...}, "summary"),
        ({"request": ""}, "request"),
        ({"product_line": "nope"}, "product_line"),
        ({"category": "随便"}, "category"),
        ({"consent": False}, "consent"),
    ],
)
def test_each_bad_field_is_named_and_nothing_stored(world, anon, extra, field):
    code = code_for(anon)
    before = counts()
    r = anon.post(FILINGS, body(world, code, **extra))
    assert 400 <= r.status_code < 500, r.content
    error = r.json()["error"]
    assert field in error["fields"], error
    assert counts() == before


def test_bad_json_and_bad_idempotency_key(world, anon):
    r = anon.post(FILINGS, raw=b"{not json")
    assert r.status_code == 400 and r.json()["error"]["code"] == "malformed_json"
    r = anon.post(FILINGS, body(world, code_for(anon)), HTTP_IDEMPOTENCY_KEY="x" * 129)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["error"]["fields"]


def test_idempotent_retry_returns_the_same_and_another_body_is_409(world, anon):
    code = code_for(anon)
    first = anon.post(FILINGS, body(world, code), HTTP_IDEMPOTENCY_KEY="retry-1")
    again = anon.post(FILINGS, body(world, code), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == again.status_code == 201
    assert again.json()["tracking_no"] == first.json()["tracking_no"] and again["Idempotent-Replayed"] == "true"
    assert Visit.objects.count() == 1
    other = anon.post(FILINGS, body(world, code, summary="另一件事。"), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["error"]["fields"]
    # the key is per phone: the same key from another phone is its own filing
    code2 = code_for(anon, "13900139000")
    r = anon.post(FILINGS, body(world, code2, phone="13900139000"), HTTP_IDEMPOTENCY_KEY="retry-1")
    assert r.status_code == 201 and r.json()["tracking_no"] != first.json()["tracking_no"]


def test_otp_resend_delay_expiry_and_attempts(world, anon, settings):
    code = code_for(anon)
    r = anon.post(OTP, {"phone": PHONE})
    assert r.status_code == 429 and 1 <= int(r["Retry-After"]) <= 61
    assert r.json()["error"]["code"] == "otp_resend_too_soon"
    # wrong codes: 5 tries, then the right code is dead too
    for left in (4, 3, 2, 1):
        r = anon.post(FILINGS, body(world, "000000" if code != "000000" else "111111"))
        assert r.status_code == 400 and str(left) in r.json()["error"]["fields"]["otp"]
    r = anon.post(FILINGS, body(world, "000000" if code != "000000" else "111111"))
    assert r.status_code == 400
    r = anon.post(FILINGS, body(world, code))
    assert r.status_code == 400 and "otp" in r.json()["error"]["fields"] and counts() == (0, 0, 0)
    # expiry
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=20))
    code = code_for(anon)
    PhoneChallenge.objects.filter(used_at__isnull=True).update(expires_at=timezone.now() - timedelta(seconds=1))
    r = anon.post(FILINGS, body(world, code))
    assert r.status_code == 400 and "otp" in r.json()["error"]["fields"]


def test_otp_bad_input_and_same_answer_for_every_number(world, anon):
    r = anon.post(OTP, {"phone": "0668-1234567"})
    assert r.status_code == 400 and "phone" in r.json()["error"]["fields"]
    r = anon.post(OTP, {"phone": PHONE, "purpose": "lottery"})
    assert r.status_code == 400 and "purpose" in r.json()["error"]["fields"]
    r = anon.post(OTP, {})
    assert r.status_code == 400 and "phone" in r.json()["error"]["fields"]
    # a number that filed before and one that never did get the same answer
    code = code_for(anon)
    assert anon.post(FILINGS, body(world, code)).status_code == 201
    a = anon.post(OTP, {"phone": "13900139000"})
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    b = anon.post(OTP, {"phone": PHONE})
    assert a.status_code == b.status_code == 202 and set(a.json()) == set(b.json())


def test_limits_answer_429_with_retry_after(world, anon, settings):
    settings.OMBUD_FILING_PHONE_LIMIT = 1
    assert anon.post(FILINGS, body(world, code_for(anon))).status_code == 201
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    r = anon.post(FILINGS, body(world, code_for(anon)))
    assert r.status_code == 429 and int(r["Retry-After"]) > 3600 and r.json()["error"]["code"] == "filing_phone_limited"
    assert Visit.objects.count() == 1
    settings.OMBUD_OTP_ADDRESS_LIMIT = 2  # already 2 codes from this address
    r = anon.post(OTP, {"phone": "13700137000"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    settings.OMBUD_COMPANY_SEARCH_LIMIT = 1
    assert anon.get(COMPANIES, q="平安").status_code == 200
    r = anon.get(COMPANIES, q="平安")
    assert r.status_code == 429 and int(r["Retry-After"]) <= 60


def test_company_search(world, anon):
    r = anon.get(COMPANIES, q="平安")
    assert r.status_code == 200
    assert r.json() == [{"id": world.company_b.pk, "name": world.company_b.name, "short_name": "平安财险"}]
    assert [c["id"] for c in anon.get(COMPANIES, q="zgrs").json()][:1] == [world.company_a.pk]
    assert world.company_a_maoming.pk in [c["id"] for c in anon.get(COMPANIES, q="人寿").json()]
    for q in ("", " "):
        r = anon.get(COMPANIES, q=q)
        assert r.status_code == 400 and "q" in r.json()["error"]["fields"]
    r = anon.get(COMPANIES, q="x" * 41)
    assert r.status_code == 400 and "q" in r.json()["error"]["fields"]


def test_company_search_returns_at_most_20(world, anon):
    from ombud.directory.models import Organization

    Organization.objects.bulk_create(
        [Organization(kind="intermediary", name=f"平安保险代理有限公司{i}号") for i in range(30)]
    )
    forget_company_index()
    assert len(anon.get(COMPANIES, q="pa").json()) == 20
