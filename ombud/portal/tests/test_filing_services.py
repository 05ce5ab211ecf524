"""portal.filing.services.file_online: the one service behind the filing page and the API."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ombud.cases import notify_backends
from ombud.cases.models import Attachment, Case
from ombud.errors import Conflict, InvalidInput
from ombud.intake.models import Visit
from ombud.portal import limits, verification
from ombud.portal.filing import services
from ombud.portal.filing.queries import filing_cities, forget_company_index, search_companies
from ombud.portal.filing.services import FilingInput, PhoneProof, file_online
from ombud.portal.models import OnlineFiling, PhoneChallenge
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db
PHONE = "13800138000"
ADDRESS = "203.0.113.9"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    notify_backends.outbox.clear()
    forget_company_index()
    yield
    notify_backends.outbox.clear()


def code_sent(phone: str = PHONE) -> str:
    verification.send_code(phone, PhoneChallenge.Purpose.FILE, ADDRESS)
    return _digits(notify_backends.outbox[-1].body)


def _digits(text: str) -> str:
    import re

    return re.search(r"\b(\d{6})\b", text).group(1)


def complaint(world, **extra) -> FilingInput:
    data = {
        "kind": "complaint",
        "name": "王小明",
        "summary": "理赔超过三十日仍未赔付。",
        "request": "按合同赔付医疗费用。",
        "city_code": MAOMING,
        "company_id": world.company_a_maoming.pk,
        "consent": True,
    }
    data.update(extra)
    return FilingInput(**data)


def rows() -> tuple[int, int, int, int]:
    return Visit.objects.count(), Case.objects.count(), OnlineFiling.objects.count(), Attachment.objects.count()


def test_a_complaint_is_filed_routed_and_due_like_a_phone_complaint(world, django_capture_on_commit_callbacks):
    code = code_sent()
    evidence = SimpleUploadedFile("保单.png", PNG, content_type="image/png")
    with django_capture_on_commit_callbacks(execute=True):
        filed = file_online(
            complaint(world, category="理赔难·理赔时效", evidence=(evidence,)),
            phone_proof=PhoneProof.from_code(PHONE, code),
            address=ADDRESS,
        )
    visit = Visit.objects.get(tracking_no=filed.tracking_no)
    assert visit.channel == "online" and visit.site_id is None and visit.city_id == MAOMING
    assert visit.created_by is None and visit.outcome == "" and visit.visitor_phone == PHONE
    case = visit.case
    assert case.status == Case.Status.RECEIVED and case.due_at is not None and case.handled_by
    assert case.category == "理赔难·理赔时效"
    assert filed.case_status == "received" and filed.due_at == case.due_at
    assert list(case.attachments.values_list("filename", flat=True)) == ["保单.png"]
    online = visit.online_filing
    assert online.request == "按合同赔付医疗费用。" and online.privacy_version == services.PRIVACY_VERSION
    sms = [m for m in notify_backends.outbox if filed.code in m.body]
    assert len(sms) == 1 and filed.tracking_no in sms[0].body and "/track/?no=" in sms[0].body
    # the code was used: a second filing with it is refused
    with pytest.raises(InvalidInput) as exc:
        file_online(complaint(world), phone_proof=PhoneProof.from_code(PHONE, code), address=ADDRESS)
    assert "otp" in exc.value.fields


def test_consultation_needs_only_name_city_text(world):
    filed = file_online(
        FilingInput(kind="consultation", name="李", summary="如何查询名下保单？", city_code=MAOMING, consent=True),
        phone_proof=PhoneProof.from_session(PHONE),
        address=ADDRESS,
    )
    assert filed.case_status is None and Visit.objects.get(tracking_no=filed.tracking_no).kind == "consultation"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"consent": False}, "consent"),
        ({"request": ""}, "request"),
        ({"name": ""}, "visitor.name"),
        ({"summary": ""}, "summary"),
        ({"city_code": ""}, "city_code"),
        ({"city_code": "999999"}, "city_code"),
        ({"company_id": None}, "company_id"),
        ({"company_id": 999999}, "company_id"),
        ({"product_line": "nope"}, "product_line"),
        ({"category": "随便"}, "category"),
        ({"id_number": "123"}, "visitor.id_number"),
        ({"filed_as": "boss"}, "filed_as"),
        ({"filed_as": "agent", "principal_name": "张三"}, "authorisation"),
        ({"filed_as": "agent"}, "principal_name"),
        ({"filed_as": "group", "representatives": tuple("甲乙丙丁戊己")}, "representatives"),
        ({"filed_as": "group"}, "representatives"),
        ({"representatives": ("甲",)}, "representatives"),
        ({"evidence": (SimpleUploadedFile("a.txt", b"hello"),)}, "evidence"),
    ],
)
def test_each_bad_field_is_named_and_nothing_stored(world, extra, field):
    code = code_sent()
    before = rows()
    with pytest.raises(InvalidInput) as exc:
        file_online(complaint(world, **extra), phone_proof=PhoneProof.from_code(PHONE, code), address=ADDRESS)
    assert field in exc.value.fields, exc.value.fields
    assert rows() == before
    # the code survives a refused filing
    file_online(complaint(world), phone_proof=PhoneProof.from_code(PHONE, code), address=ADDRESS)


def test_agent_with_authorisation_and_group_of_five(world):
    auth = SimpleUploadedFile("委托书.png", PNG, content_type="image/png")
    filed = file_online(
        complaint(world, filed_as="agent", principal_name="张三", authorisation=auth),
        phone_proof=PhoneProof.from_session(PHONE),
        address=ADDRESS,
    )
    online = OnlineFiling.objects.get(visit__tracking_no=filed.tracking_no)
    assert online.principal_name == "张三" and online.authorisation.filename == "委托书.png"
    filed = file_online(
        complaint(world, filed_as="group", representatives=tuple("甲乙丙丁戊")),
        phone_proof=PhoneProof.from_session(PHONE),
        address=ADDRESS,
    )
    online = OnlineFiling.objects.get(visit__tracking_no=filed.tracking_no)
    assert json.loads(online.representatives) == list("甲乙丙丁戊")


def test_honeypot_is_refused_quietly(world):
    before = rows()
    filed = file_online(
        complaint(world, honeypot="http://spam"), phone_proof=PhoneProof.from_session(PHONE), address=ADDRESS
    )
    assert filed.quiet and filed.tracking_no == "" and rows() == before


def test_idempotent_retry_and_conflict(world):
    code = code_sent()
    proof = PhoneProof.from_code(PHONE, code)
    first = file_online(complaint(world), phone_proof=proof, address=ADDRESS, idempotency_key="k-1")
    again = file_online(complaint(world), phone_proof=proof, address=ADDRESS, idempotency_key="k-1")
    assert again.replayed and again.tracking_no == first.tracking_no and Visit.objects.count() == 1
    with pytest.raises(Conflict):
        file_online(complaint(world, summary="另一件事"), phone_proof=proof, address=ADDRESS, idempotency_key="k-1")


def test_limits_per_phone_and_address(world, settings):
    settings.OMBUD_FILING_PHONE_LIMIT = 2
    proof = PhoneProof.from_session(PHONE)
    for _i in range(2):
        file_online(complaint(world), phone_proof=proof, address=ADDRESS)
    with pytest.raises(limits.TooManyAttempts) as exc:
        file_online(complaint(world), phone_proof=proof, address=ADDRESS)
    assert exc.value.retry_after > 3600
    settings.OMBUD_FILING_ADDRESS_LIMIT = 3
    file_online(complaint(world), phone_proof=PhoneProof.from_session("13900139000"), address=ADDRESS)
    with pytest.raises(limits.TooManyAttempts):
        file_online(complaint(world), phone_proof=PhoneProof.from_session("13700137000"), address=ADDRESS)


def test_refused_filings_do_not_count(world, settings):
    settings.OMBUD_FILING_PHONE_LIMIT = 1
    proof = PhoneProof.from_session(PHONE)
    for _i in range(3):
        with pytest.raises(InvalidInput):
            file_online(complaint(world, summary=""), phone_proof=proof, address=ADDRESS)
    file_online(complaint(world), phone_proof=proof, address=ADDRESS)


def test_company_search_by_characters_and_pinyin(world):
    def names(q):
        return [h.name for h in search_companies(q)]

    assert names("平安") == [world.company_b.name]
    assert world.company_a.name in names("人寿") and world.company_a_maoming.name in names("人寿")
    assert names("人寿")[0] == world.company_a.name  # the head office first
    assert names("pa")[0] == world.company_b.name
    assert names("zgrs")[0] == world.company_a.name
    assert names("ZGRS") == names("zgrs")
    assert world.company_b.name in names("pingan")
    assert names("") == [] and names("xyzxyz") == []
    assert not any(n == world.gd_bureau.name for n in names("广东"))


def test_filing_cities_are_the_bureaus(world):
    codes = dict(filing_cities())
    assert MAOMING in codes and "440300" in codes and "110100" not in codes
