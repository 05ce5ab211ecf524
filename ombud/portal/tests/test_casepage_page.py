"""The consumer's case page: number + code (or an SMS code to the phone on the case) open it;
the proof is kept in the session for that case alone; the actions go through the case service."""

import re

import pytest
from django.test import Client

from ombud.cases.models import Case, CaseEvent, Rating
from ombud.cases.notify_backends import outbox
from ombud.intake.tracking import tracking_url
from ombud.portal.tests.casepage_helpers import PHONE, code_of, decided, new_case

pytestmark = pytest.mark.django_db


def signed_in(case) -> Client:
    client = Client()
    r = client.post("/track/", {"tracking_no": case.tracking_no, "code": code_of(case)})
    assert r.status_code == 200
    return client


def text(r) -> str:
    return r.content.decode()


def test_the_receipt_link_fills_in_the_number(world):
    case = new_case(world)
    url = tracking_url(case.tracking_no).split("/track/", 1)[1]
    page = text(Client().get("/track/" + url))
    assert case.tracking_no[:6] + " " in page  # shown as on the receipt, with spaces


def test_number_and_code_open_the_case_page_in_plain_words(world):
    case = new_case(world)
    client = Client()
    client.cookies["django_language"] = "en"
    r = client.post("/track/", {"tracking_no": case.tracking_no, "code": code_of(case)})
    page = text(r)
    assert "Your complaint has been received." in page
    assert re.search(r"must answer by \w+day, \d+ \w+ 20\d\d\.", page)
    assert "Your complaint was received." in page  # the timeline, in sentences
    assert "received</li>" not in page and "consumer.received" not in page
    assert "李" not in page and PHONE not in page and "QXCASEPAGE" not in page
    assert 'id="action-supplement"' in page and 'id="action-withdraw"' in page
    assert 'id="action-rate"' not in page


def test_the_due_date_in_chinese_words(world):
    case = new_case(world)
    page = text(signed_in(case).get(f"/track/{case.tracking_no}/"))
    due = case.due_date
    weekday = "一二三四五六日"[due.weekday()]
    assert f"{due.year}年{due.month}月{due.day}日（星期{weekday}）" in page


def test_an_overdue_case_says_so(world):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(due_at=case.opened_at, due_date=case.opened_at.date())
    client = signed_in(case)
    client.cookies["django_language"] = "en"
    page = text(client.get(f"/track/{case.tracking_no}/"))
    assert "Overdue:" in page and "12378" in page


def test_the_decision_letter_once_notified_then_rate_and_review(world):
    case = decided(world, new_case(world), notify=False)
    client = signed_in(case)
    assert "经核实" not in text(client.get(f"/track/{case.tracking_no}/"))
    case = decided.__globals__["take_action"](world.handler_a, case.pk, "notify")
    page = text(client.get(f"/track/{case.tracking_no}/"))
    assert "经核实，同意赔付部分医疗费用。" in page and "1200.50" in page
    assert 'id="action-rate"' in page and 'id="action-request_review"' in page
    r = client.post(
        f"/track/{case.tracking_no}/actions/rate/",
        {"rate-solved": "yes", "rate-satisfaction": "4", "rate-comment": "好"},
    )
    assert r.status_code == 302 and r["Location"].startswith(f"/track/{case.tracking_no}/?done=rate")
    assert Rating.objects.get(case=case).satisfaction == 4
    r = client.post(f"/track/{case.tracking_no}/actions/request_review/", {"request_review-reason": "金额不对"})
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW


def test_a_bad_action_shows_the_form_again_and_writes_nothing(world):
    case = decided(world, new_case(world))
    client = signed_in(case)
    client.cookies["django_language"] = "en"
    r = client.post(f"/track/{case.tracking_no}/actions/rate/", {"rate-solved": "yes"})
    assert r.status_code == 400 and "from 1 to 5" in text(r)
    assert not Rating.objects.exists()
    r = client.post(f"/track/{case.tracking_no}/actions/supplement/", {"supplement-text": "补充"})
    assert r.status_code == 409
    assert not case.events.filter(type=CaseEvent.Type.SUPPLEMENTED).exists()


def test_a_supplement_with_a_file(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ombud.portal.tests.test_casepage_services import PNG

    case = new_case(world)
    client = signed_in(case)
    r = client.post(
        f"/track/{case.tracking_no}/actions/supplement/",
        {"supplement-text": "发票", "supplement-file": SimpleUploadedFile("发票.png", PNG, "image/png")},
    )
    assert r.status_code == 302
    assert case.attachments.count() == 1


def test_a_wrong_code_opens_nothing_and_acting_needs_the_proof(world):
    case = new_case(world)
    client = Client()
    assert client.post("/track/", {"tracking_no": case.tracking_no, "code": "AAAAAAAA"}).status_code == 404
    assert client.get(f"/track/{case.tracking_no}/").status_code == 403
    r = client.post(f"/track/{case.tracking_no}/actions/withdraw/", {})
    assert r.status_code == 403
    assert Case.objects.get(pk=case.pk).status == Case.Status.RECEIVED
    # an unknown number looks the same
    assert client.get("/track/1234567890123456/").status_code == 403


def test_another_consumers_number_and_code_cannot_act_on_this_case(world):
    mine, theirs = new_case(world), new_case(world, phone="13900000001")
    client = signed_in(theirs)
    assert client.get(f"/track/{mine.tracking_no}/").status_code == 403
    assert client.post(f"/track/{mine.tracking_no}/actions/withdraw/", {}).status_code == 403
    assert Case.objects.get(pk=mine.pk).status == Case.Status.RECEIVED
    assert client.get(f"/track/{theirs.tracking_no}/").status_code == 200


def test_my_cases_after_an_sms_code(world, settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    mine, other = new_case(world), new_case(world, phone="13900000001")
    client = Client()
    client.cookies["django_language"] = "en"
    outbox.clear()
    r = client.post("/track/mine/", {"step": "send", "phone": PHONE})
    assert r.status_code == 200 and 'name="otp"' in text(r)
    code = re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)
    wrong = client.post(
        "/track/mine/", {"step": "verify", "phone": PHONE, "otp": "000000" if code != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and mine.tracking_no not in text(wrong)
    r = client.post("/track/mine/", {"step": "verify", "phone": PHONE, "otp": code})
    assert r.status_code == 302
    page = text(client.get("/track/mine/"))
    assert mine.tracking_no in page and other.tracking_no not in page
    assert client.get(f"/track/{mine.tracking_no}/").status_code == 200
    assert client.get(f"/track/{other.tracking_no}/").status_code == 403


def test_my_cases_says_the_same_for_a_phone_without_cases(world, settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    new_case(world)
    with_cases = Client().post("/track/mine/", {"step": "send", "phone": PHONE})
    without = Client().post("/track/mine/", {"step": "send", "phone": "13700000000"})
    assert with_cases.status_code == without.status_code == 200
    strip = lambda r: re.sub(r'value="[^"]*"|csrfmiddlewaretoken[^>]*', "", text(r))  # noqa: E731
    assert strip(with_cases) == strip(without)


def test_a_consultation_shows_its_status_and_no_action(world):
    body = {
        "site_id": world.site_mm.pk,
        "kind": "consultation",
        "visitor": {"name": "孙某"},
        "summary": "咨询退保流程",
    }
    rec = world.api(world.staff_mm).post("/api/v1/visits", body).json()
    client = Client()
    r = client.post("/track/", {"tracking_no": rec["tracking_no"], "code": rec["secret_code"]})
    assert r.status_code == 200 and "action-" not in text(r)
