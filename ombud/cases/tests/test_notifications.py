"""Notifications: every consumer milestone queues its zh-hans SMS after commit; delivery claims
each row once, puts what was sent (masked) on the timeline, retries a failing backend and then
records the failure; the full phone number never reaches an event or a log."""

from __future__ import annotations

import json
import logging
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from ombud.cases import notify, notify_backends
from ombud.cases.models import Case, CaseEvent, MessageTemplate, Notification
from ombud.cases.notify_backends import Message, SmsGatewayBackend, SmsGatewayError
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.cases.tasks import deliver_notification
from ombud.directory.models import Organization, User
from ombud.errors import InvalidInput
from ombud.intake.tracking import tracking_url
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


class BrokenBackend:
    """A gateway that is down, and whose error message repeats the number (as some do)."""

    calls = 0

    def send(self, message):
        BrokenBackend.calls += 1
        raise ConnectionError(f"carrier refused {message.address}")


@pytest.fixture
def outbox(settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    settings.OMBUD_EMAIL_BACKEND = "memory"
    notify_backends.outbox.clear()
    yield notify_backends.outbox
    notify_backends.outbox.clear()


@pytest.fixture
def mediator(db):
    return Organization.objects.create(kind="mediation", name="广东保险纠纷调解中心")


def new_case(world, phone: str = PHONE, **extra) -> Case:
    data = ComplaintInput(
        company_id=world.company_a_maoming.pk,
        complainant_name="李秀英",
        summary="重疾险理赔被拒",
        channel="phone",
        received_at=timezone.now() - timedelta(hours=1),
        complainant_phone=phone,
        city_code=MAOMING,
        **extra,
    )
    return register_complaint(world.admin, data)


def texts(case: Case) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(case=case).order_by("pk").values_list("template_id", "body"))


def test_every_consumer_milestone_queues_its_text(world, mediator):
    case = new_case(world)
    no, due = case.tracking_no, case.due_date
    day = f"{due.year}年{due.month}月{due.day}日"
    company = "中国人寿保险股份有限公司茂名分公司"
    url = tracking_url(no)
    assert texts(case) == [
        (
            "consumer.received",
            f"【保险消费者权益保护】您的投诉已收到，编号{no}。{company}将于{day}前作出处理决定并告知您。"
            f"如有疑问，可拨打12378热线。查询进度：{url}",
        )
    ]
    h = world.handler_a
    take_action(h, case.pk, "accept")
    take_action(h, case.pk, "extend", {"level": "complex", "reason": "需调取医院病历"})
    case.refresh_from_db()
    longer = f"{case.due_date.year}年{case.due_date.month}月{case.due_date.day}日"
    take_action(
        h, case.pk, "decide", {"decision": "partly_upheld", "reply": "同意赔付住院费用。", "amount_paid": "12000.5"}
    )
    take_action(h, case.pk, "notify")
    take_action(h, case.pk, "request_review", {"reason": "金额不足"})
    case.refresh_from_db()
    review_day = f"{case.due_date.year}年{case.due_date.month}月{case.due_date.day}日"
    take_action(h, case.pk, "decide_review", {"decision": "not_upheld", "reply": "维持原决定。"})
    take_action(h, case.pk, "mediate", {"mediation_body_id": mediator.pk})
    take_action(h, case.pk, "decide", {"decision": "upheld", "reply": "调解成功，全额赔付。", "amount_paid": "30000"})
    take_action(h, case.pk, "notify")
    take_action(h, case.pk, "close")
    sign = "【保险消费者权益保护】"
    assert texts(case)[1:] == [
        ("consumer.accepted", f"{sign}您的投诉（编号{no}）已受理。{company}将于{day}前作出处理决定并告知您。"),
        (
            "consumer.extended",
            f"{sign}您的投诉（编号{no}）因情况复杂，处理期限延长至{longer}。延长理由：需调取医院病历。",
        ),
        (
            "consumer.decided",
            f"{sign}您的投诉{no}已有处理决定：部分支持您的诉求，赔付金额12000.50元。决定书见{url}，如有异议可在30日内申请核查。",
        ),
        (
            "consumer.review_requested",
            f"{sign}您对投诉（编号{no}）处理决定的核查申请已收到，将于{review_day}前作出核查决定并告知您。",
        ),
        (
            "consumer.review_decided",
            f"{sign}您的投诉{no}核查已有结果：不支持您的诉求。核查决定见{url}，仍有异议可申请调解、仲裁或诉讼。",
        ),
        (
            "consumer.mediation",
            f"{sign}您的投诉（编号{no}）已转广东保险纠纷调解中心进行调解，调解组织将与您联系，请保持电话畅通。",
        ),
        (
            "consumer.decided",
            f"{sign}您的投诉{no}已有处理决定：支持您的诉求，赔付金额30000.00元。决定书见{url}，如有异议可在30日内申请核查。",
        ),
        ("consumer.closed", f"{sign}您的投诉（编号{no}）已办结，感谢您的理解与支持。"),
    ]
    notes = Notification.objects.filter(case=case)
    assert {(n.audience, n.channel, n.address, n.status) for n in notes} == {("consumer", "sms", PHONE, "pending")}


def test_not_accepted_gives_the_reason(world):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "reject", {"reason": "属于举报，不属于消费投诉"})
    assert texts(case)[-1] == (
        "consumer.not_accepted",
        f"【保险消费者权益保护】您的投诉（编号{case.tracking_no}）经审查不予受理，理由：属于举报，不属于消费投诉。"
        "如有异议，可拨打12378银行保险消费者投诉维权热线咨询。",
    )


def test_the_regulator_handling_a_case_is_named_and_no_company_review_is_offered(world):
    case = new_case(world, nature="suspected_violation")
    assert "广东保监局将于" in texts(case)[0][1]
    take_action(world.officer, case.pk, "accept")
    take_action(world.officer, case.pk, "decide", {"decision": "upheld", "reply": "已责令整改。"})
    body = texts(case)[-1][1]
    assert body.endswith("，如有疑问请拨打12378。") and "申请核查" not in body
    assert "已责令整改" not in body  # the letter is on the case page, not in the SMS


@pytest.mark.parametrize("phone", ["", "020-83331234"])
def test_no_mobile_number_no_notification_and_nothing_recorded(world, phone):
    case = new_case(world, phone=phone)
    take_action(world.handler_a, case.pk, "accept")
    assert not Notification.objects.exists()
    assert set(case.events.values_list("type", flat=True)) == {"received", "accepted"}


def test_muted_and_stale_milestones_send_nothing(world):
    with notify.muted():
        new_case(world)
    assert not Notification.objects.exists()
    data = ComplaintInput(
        company_id=world.company_a_maoming.pk,
        complainant_name="李秀英",
        summary="旧投诉",
        channel="letter",
        received_at=timezone.now() - timedelta(days=8),  # older than a week: no news
        complainant_phone=PHONE,
        city_code=MAOMING,
    )
    register_complaint(world.admin, data)
    assert not Notification.objects.exists()


def test_an_inactive_template_is_switched_off(world):
    MessageTemplate.objects.filter(code="consumer.received").update(is_active=False)
    case = new_case(world)
    assert texts(case) == []
    take_action(world.handler_a, case.pk, "accept")
    assert [t for t, _ in texts(case)] == ["consumer.accepted"]


def test_delivered_the_timeline_shows_what_was_sent_masked(world, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    assert notify.deliver_pending() == 2
    assert [(m.address, m.channel) for m in outbox] == [(PHONE, "sms"), (PHONE, "sms")]  # the backend sees it
    notified = list(case.events.filter(type=CaseEvent.Type.NOTIFIED).order_by("pk"))
    assert [e.data["template"] for e in notified] == ["consumer.received", "consumer.accepted"]
    first = notified[0].data
    assert first["to"] == MASKED and first["channel"] == "sms" and first["audience"] == "consumer"
    assert first["body"] == outbox[0].body and first["body"].startswith("【保险消费者权益保护】您的投诉已收到")
    assert set(Notification.objects.values_list("status", "attempts")) == {("sent", 1)}
    # Nowhere in clear: not in any event, not in the log, not in the database row.
    every_event = json.dumps(list(CaseEvent.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert PHONE not in every_event and PHONE not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT address FROM cases_notification")
        assert all(row[0].startswith("v1:") and PHONE not in row[0] for row in cursor.fetchall())
    assert notify.deliver_pending() == 0  # nothing sent twice


def test_the_console_backend_logs_the_address_masked(world, settings, caplog):
    settings.OMBUD_SMS_BACKEND = "console"
    caplog.set_level(logging.INFO, logger="ombud.notify")
    new_case(world)
    notify.deliver_pending()
    assert f"SMS to {MASKED}: 【保险消费者权益保护】您的投诉已收到" in caplog.text
    assert PHONE not in caplog.text


def test_a_failing_backend_is_retried_then_the_failure_is_recorded(world, settings, caplog):
    settings.OMBUD_SMS_BACKEND = "ombud.cases.tests.test_notifications.BrokenBackend"
    BrokenBackend.calls = 0
    case = new_case(world)
    (n,) = Notification.objects.filter(case=case)
    t0 = n.created_at
    assert notify.deliver(n.pk, now=t0) == "retry"
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("pending", 1)
    assert n.last_error == f"ConnectionError: carrier refused {MASKED}"  # scrubbed
    assert notify.recover(t0 + timedelta(seconds=30)) == (0, 0)  # backoff: 1 minute
    assert notify.recover(t0 + timedelta(minutes=2)) == (0, 1)
    assert notify.recover(t0 + timedelta(minutes=3)) == (0, 0)  # backoff: 5 minutes
    assert notify.recover(t0 + timedelta(minutes=8)) == (0, 1)
    n.refresh_from_db()
    assert (n.status, n.attempts, BrokenBackend.calls) == ("failed", 3, 3)
    (failed,) = case.events.filter(type=CaseEvent.Type.NOTIFICATION_FAILED)
    assert failed.data["to"] == MASKED and failed.data["attempts"] == 3 and MASKED in failed.data["error"]
    assert notify.recover(t0 + timedelta(days=1)) == (0, 0) and notify.deliver_pending() == 0
    assert BrokenBackend.calls == 3 and not case.events.filter(type=CaseEvent.Type.NOTIFIED).exists()
    assert PHONE not in caplog.text


def test_a_row_is_claimed_once(world, outbox):
    case = new_case(world)
    (n,) = Notification.objects.filter(case=case)
    assert notify.deliver(n.pk) == "sent"
    assert notify.deliver(n.pk) == "skipped"
    assert len(outbox) == 1 and case.events.filter(type=CaseEvent.Type.NOTIFIED).count() == 1


def test_a_claim_left_by_a_dead_worker_is_released_and_sent_once(world, outbox, settings):
    case = new_case(world)
    (n,) = Notification.objects.filter(case=case)
    claimed = timezone.now()
    Notification.objects.filter(pk=n.pk).update(status="sending", attempts=1, claimed_at=claimed)  # then killed
    assert notify.recover(claimed + timedelta(minutes=1)) == (0, 0)  # it may still be sending
    assert notify.recover(claimed + timedelta(seconds=settings.OMBUD_NOTIFY_STUCK_SECONDS + 1)) == (1, 1)
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 2) and len(outbox) == 1
    assert case.events.filter(type=CaseEvent.Type.NOTIFIED).count() == 1
    # A dead claim on the last attempt is a failure, recorded once.
    Notification.objects.filter(pk=n.pk).update(status="sending", attempts=3, claimed_at=claimed)
    assert notify.recover(claimed + timedelta(hours=1)) == (0, 0)
    n.refresh_from_db()
    assert n.status == "failed" and case.events.filter(type=CaseEvent.Type.NOTIFICATION_FAILED).count() == 1


def test_a_lost_enqueue_is_sent_by_the_sweep_after_the_grace_period(world, outbox):
    case = new_case(world)
    (n,) = Notification.objects.filter(case=case)
    assert notify.recover(n.created_at + timedelta(seconds=10)) == (0, 0)  # its task may be on the way
    assert notify.recover(n.created_at + timedelta(seconds=61)) == (0, 1)
    assert [m.id for m in outbox] == [n.pk]


def test_after_commit_a_delivery_task_is_enqueued(world, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    case = new_case(world)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        take_action(world.handler_a, case.pk, "accept")
    assert len(callbacks) == 1
    (n,) = Notification.objects.filter(case=case, template_id="consumer.accepted")
    task = DBTaskResult.objects.get(task_path=deliver_notification.module_path)
    assert task.status == "READY" and task.args_kwargs == {"args": [n.pk], "kwargs": {}}


def test_a_rolled_back_transition_queues_nothing(world, django_capture_on_commit_callbacks):
    case = new_case(world)
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            take_action(world.handler_a, case.pk, "accept")
            raise RuntimeError("the request failed after the action")
        with pytest.raises(InvalidInput):
            take_action(world.handler_a, case.pk, "reject", {})  # no reason: refused
    assert callbacks == [] and Notification.objects.count() == before
    case.refresh_from_db()
    assert case.status == "received"


def test_staff_email_goes_through_django_mail(world, settings):
    settings.OMBUD_EMAIL_BACKEND = "email"
    settings.DEFAULT_FROM_EMAIL = "ombud@gdbureau.example.cn"
    case = new_case(world)
    world.officer.email = "officer@gd.example.cn"
    (n,) = notify.queue(case, "regulator.overdue", [notify.Recipient("email", world.officer.email, world.officer)])
    assert notify.deliver(n.pk) == "sent"
    (sent,) = mail.outbox
    assert sent.to == ["officer@gd.example.cn"] and sent.from_email == "ombud@gdbureau.example.cn"
    assert sent.subject == f"投诉案件{case.tracking_no}已超过处理期限"
    event = case.events.get(type=CaseEvent.Type.NOTIFIED, data__notification_id=n.pk)
    assert event.data["to"] == "o***@gd.example.cn" and event.data["recipient_user_id"] == world.officer.pk


def test_every_seeded_template_renders_for_a_real_case(world, mediator):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    take_action(world.handler_a, case.pk, "decide", {"decision": "upheld", "reply": "同意。", "amount_paid": "1"})
    seeded = MessageTemplate.objects.all()
    assert {t.code for t in seeded} >= {*notify.CONSUMER_TEMPLATES.values()} | {
        "handler.reminder",
        "regulator.reminder",
        "executive.overdue",
        "regulator.overdue",
    }
    context = notify.case_context(case)
    for t in seeded:
        body = notify.render(t.body, context)
        assert case.tracking_no in body and "{" not in body and "}" not in body, t.code
        assert "李秀英" not in body and PHONE not in body
        assert (t.audience == "consumer") == body.startswith("【保险消费者权益保护】"), t.code
        assert (t.audience == "consumer") == (t.subject == ""), t.code


# ---- the SMS gateway, over real HTTP ---------------------------------------------------------


class Gateway(BaseHTTPRequestHandler):
    received: list = []
    status = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Gateway.received.append((dict(self.headers), json.loads(body)))
        self.send_response(Gateway.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Gateway.received, Gateway.status = [], 200
    yield f"http://127.0.0.1:{server.server_port}/sms"
    server.shutdown()
    server.server_close()


def test_the_gateway_backend_posts_json_with_key_and_idempotency_key(gateway):
    backend = SmsGatewayBackend(url=gateway, key="secret-key")
    backend.send(Message(id=42, channel="sms", address=PHONE, subject="", body="【保险消费者权益保护】测试"))
    ((headers, payload),) = Gateway.received
    assert payload == {
        "id": "42",
        "idempotency_key": "ombud-notification-42",
        "to": PHONE,
        "text": "【保险消费者权益保护】测试",
    }
    assert headers["Authorization"] == "Bearer secret-key"
    assert headers["Idempotency-Key"] == "ombud-notification-42"
    assert headers["Content-Type"].startswith("application/json")
    Gateway.status = 503
    with pytest.raises(SmsGatewayError, match="HTTP 503"):
        backend.send(Message(id=43, channel="sms", address=PHONE, subject="", body="x"))


def test_an_unreachable_gateway_is_a_failure_to_retry(world, settings, gateway):
    settings.OMBUD_SMS_BACKEND = "gateway"
    settings.OMBUD_SMS_GATEWAY_URL = "http://127.0.0.1:9/nothing-listens-here"
    settings.OMBUD_SMS_GATEWAY_KEY = "k"
    case = new_case(world)
    (n,) = Notification.objects.filter(case=case)
    assert notify.deliver(n.pk) == "retry"
    n.refresh_from_db()
    assert n.last_error.startswith("SmsGatewayError: gateway unreachable")
    settings.OMBUD_SMS_GATEWAY_URL = gateway
    assert notify.recover(timezone.now() + timedelta(minutes=2)) == (0, 1)
    assert Gateway.received[0][1]["id"] == str(n.pk)


# ---- the admin -------------------------------------------------------------------------------


@pytest.fixture
def superuser_client(client):
    root = User.objects.create_superuser("root", "root@example.cn", "pw-not-secret-0123")
    client.force_login(root)
    return client


def test_the_admin_refuses_a_template_that_does_not_render(superuser_client):
    url = "/admin/cases/messagetemplate/consumer.closed/change/"
    page = superuser_client.get(url)
    assert page.status_code == 200
    form = {
        "audience": "consumer",
        "subject": "",
        "body": "【保险消费者权益保护】{% if %}",
        "is_active": "on",
        "source": "x",
    }
    response = superuser_client.post(url, form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert MessageTemplate.objects.get(code="consumer.closed").body.endswith("感谢您的理解与支持。")
    form["body"] = "【保险消费者权益保护】您的投诉（编号{{ tracking_no }}）已办结。"
    assert superuser_client.post(url, form).status_code == 302
    assert MessageTemplate.objects.get(code="consumer.closed").body == form["body"]


def test_the_admin_shows_notifications_masked_and_read_only(world, superuser_client):
    case = new_case(world)
    (n,) = Notification.objects.filter(case=case)
    listing = superuser_client.get("/admin/cases/notification/").content.decode()
    detail = superuser_client.get(f"/admin/cases/notification/{n.pk}/change/").content.decode()
    for page in (listing, detail):
        assert MASKED in page and PHONE not in page
    assert superuser_client.get("/admin/cases/notification/add/").status_code == 403
    assert superuser_client.post(f"/admin/cases/notification/{n.pk}/delete/", {"post": "yes"}).status_code == 403
    assert superuser_client.get("/admin/cases/alert/").status_code == 200
    assert superuser_client.get("/admin/cases/alert/add/").status_code == 403
