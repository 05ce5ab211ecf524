"""Messages consumers can trust: no SMS promises a date that has passed, the decision SMS is
short and leads to the case page, and a reply with a template's blank left in is refused by
the service itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases import notify
from ombud.cases.models import Case, CaseEvent, MessageTemplate, Notification
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.errors import InvalidInput
from ombud.intake.tracking import tracking_url
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
SMS_LIMIT = 140  # two segments of a long SMS in Chinese (UCS-2: 2 × 67 = 134, carriers allow ~140)


def new_case(world, *, days_ago: float = 0, **extra) -> Case:
    data = ComplaintInput(
        company_id=world.company_a_maoming.pk,
        complainant_name="李秀英",
        summary="重疾险理赔被拒",
        channel="letter",
        received_at=timezone.now() - timedelta(days=days_ago, hours=1),
        complainant_phone=PHONE,
        city_code=MAOMING,
        **extra,
    )
    return register_complaint(world.admin, data)


def last_text(case: Case, code: str) -> str:
    return Notification.objects.filter(case=case, template_id=code).order_by("-pk").values_list("body", flat=True)[0]


def day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def render(code: str, case: Case, **context) -> str:
    body = MessageTemplate.objects.get(code=code).body
    return notify.render(body, {**notify.case_context(case), **context})


# ---- no promise of a date that has passed -------------------------------------------------------


def test_an_acceptance_in_time_promises_the_due_date(world):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    case.refresh_from_db()
    text = last_text(case, "consumer.accepted")
    assert f"将于{day(case.due_date)}前作出处理决定" in text and "届满" not in text


def test_an_overdue_acceptance_says_it_is_overdue_and_what_the_consumer_can_do(world):
    # A letter received 20 days ago, accepted only now: its 15 days have run out.
    case = new_case(world, days_ago=20)
    take_action(world.handler_a, case.pk, "accept")
    case.refresh_from_db()
    assert case.due_at < timezone.now()
    text = last_text(case, "consumer.accepted")
    assert f"处理期限已于{day(case.due_date)}届满，尚未办结" in text
    assert "12378热线" in text and "广东保监局反映" in text
    assert "将于" not in text  # no promise of a past date


def test_overdue_is_decided_when_the_text_is_rendered(world):
    case = new_case(world)
    late = case.due_at + timedelta(minutes=1)
    assert notify.case_context(case)["overdue"] is False
    assert notify.case_context(case, now=late)["overdue"] is True
    received = notify.render(
        MessageTemplate.objects.get(code="consumer.received").body, notify.case_context(case, now=late)
    )
    assert "届满" in received and "将于" not in received and tracking_url(case.tracking_no) in received


@pytest.mark.parametrize(
    "code", ["consumer.received", "consumer.accepted", "consumer.extended", "consumer.review_requested"]
)
def test_no_consumer_text_promises_a_past_date(world, code):
    case = new_case(world)
    context = notify.case_context(case, now=case.due_at + timedelta(days=1))
    text = notify.render(
        MessageTemplate.objects.get(code=code).body, {**context, "level": "complex", "reason": "需调取病历"}
    )
    assert f"将于{day(case.due_date)}前" not in text
    assert "届满" in text and "12378" in text


def test_the_hotline_is_the_configured_one(world, settings):
    settings.OMBUD_HOTLINE = "95511"
    case = new_case(world, days_ago=20)
    take_action(world.handler_a, case.pk, "accept")
    assert "95511热线" in last_text(case, "consumer.accepted")


# ---- the decision SMS: short, with the tracking address ---------------------------------------


@pytest.mark.parametrize("decision", ["upheld", "partly_upheld", "not_upheld"])
@pytest.mark.parametrize("public_url", ["http://127.0.0.1:8000", "https://tousu.example.gov.cn"])
def test_the_decision_sms_is_short_and_leads_to_the_case_page(world, settings, decision, public_url):
    settings.OMBUD_PUBLIC_URL = public_url
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    reply = "经调阅保单和理赔材料，您的投诉部分成立。" * 10  # a long letter
    take_action(world.handler_a, case.pk, "decide", {"decision": decision, "reply": reply, "amount_paid": "1234567.89"})
    text = last_text(case, "consumer.decided")
    assert len(text) <= SMS_LIMIT, (len(text), text)
    assert tracking_url(case.tracking_no) in text and text.startswith("【保险消费者权益保护】")
    assert reply[:20] not in text  # the letter is on the case page
    assert "30日内申请核查" in text


def test_the_review_decision_sms_is_short_too(world, settings):
    settings.OMBUD_PUBLIC_URL = "https://tousu.example.gov.cn"
    case = new_case(world)
    h = world.handler_a
    take_action(h, case.pk, "accept")
    take_action(h, case.pk, "decide", {"decision": "partly_upheld", "reply": "同意部分赔付。", "amount_paid": "100"})
    take_action(h, case.pk, "notify")
    take_action(h, case.pk, "request_review", {"reason": "金额不足"})
    take_action(
        h, case.pk, "decide_review", {"decision": "partly_upheld", "reply": "维持。", "amount_paid": "999999.99"}
    )
    text = last_text(case, "consumer.review_decided")
    assert len(text) <= SMS_LIMIT and tracking_url(case.tracking_no) in text and "维持。" not in text


def test_a_regulator_decision_offers_the_hotline_not_a_company_review(world):
    case = new_case(world, nature="suspected_violation")
    take_action(world.officer, case.pk, "accept")
    take_action(world.officer, case.pk, "decide", {"decision": "upheld", "reply": "已责令整改。"})
    text = last_text(case, "consumer.decided")
    assert len(text) <= SMS_LIMIT and "拨打12378" in text and "申请核查" not in text


# ---- a reply with a template's blank is refused -----------------------------------------------


@pytest.mark.parametrize("blank", ["［金额］", "［日期］", "［］"])
def test_a_reply_with_a_template_blank_is_refused_and_nothing_is_written(world, blank):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    before = (case.events.count(), Notification.objects.count())
    reply = f"我司同意支付人民币{blank}元，将于五个工作日内转入您的账户。"
    with pytest.raises(InvalidInput) as caught:
        take_action(world.handler_a, case.pk, "decide", {"decision": "upheld", "reply": reply})
    assert set(caught.value.fields) == {"reply"} and blank in caught.value.fields["reply"]
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS and case.reply == ""
    assert (case.events.count(), Notification.objects.count()) == before


def test_a_review_decision_with_a_blank_is_refused(world):
    case = new_case(world)
    h = world.handler_a
    take_action(h, case.pk, "accept")
    take_action(h, case.pk, "decide", {"decision": "not_upheld", "reply": "不予赔付。"})
    take_action(h, case.pk, "notify")
    take_action(h, case.pk, "request_review", {"reason": "不服"})
    with pytest.raises(InvalidInput) as caught:
        take_action(h, case.pk, "decide_review", {"decision": "upheld", "reply": "核查后同意赔付［金额］元。"})
    assert "［金额］" in caught.value.fields["reply"]
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_REVIEW
    assert not case.events.filter(type=CaseEvent.Type.REVIEW_DECIDED).exists()


def test_brackets_of_another_kind_are_not_blanks(world):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    reply = "根据《保险法》第十六条[如实告知义务]及（合同第5条），不予赔付。"
    assert take_action(world.handler_a, case.pk, "decide", {"decision": "not_upheld", "reply": reply}).reply == reply


def test_the_api_names_the_blank_with_400(world):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    api = world.api(world.handler_a)
    response = api.post(
        f"/api/v1/cases/{case.pk}/transitions", {"action": "decide", "decision": "upheld", "reply": "赔付［金额］元。"}
    )
    assert response.status_code == 400, response.content
    assert "［金额］" in response.json()["error"]["fields"]["reply"]
    assert Case.objects.get(pk=case.pk).status == Case.Status.IN_PROGRESS
