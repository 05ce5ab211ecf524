"""Exactly once where it matters, honest where it cannot be (issue 8): transitions that would
change nothing are a 409, an `Idempotency-Key` makes a retried transition act once, every
notification carries a stable idempotency id to its backend, a re-send after an interrupted
hand-over is on the timeline, and task rows left RUNNING by a dead worker are recovered.

The same guarantees under real concurrency and a real SIGKILL: test_exactly_once_processes.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from ombud.cases import escalation, notify, notify_backends
from ombud.cases.models import Case, CaseEvent, Notification, TransitionKey
from ombud.cases.notify_backends import Message, message_id_header
from ombud.cases.services import ComplaintInput, register_complaint, take_action, take_action_once
from ombud.cases.tasks import LOST, TASK_MAX_CLAIMS, deliver_notification, recover_lost_tasks
from ombud.errors import Conflict
from ombud.oversight.spotchecks import services as spotchecks
from ombud.oversight.tests.test_spotchecks import draw, item_of, population  # noqa: F401 (a fixture)
from ombud.testing import MAOMING, site_complaint

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def make_case(world, *, handled_by: str = "company") -> Case:
    return site_complaint(world, by=world.admin, handled_by=handled_by)


def events_of(case: Case, type_: str) -> int:
    return case.events.filter(type=type_).count()


# ---- actions that would change nothing ---------------------------------------------------------


def test_escalating_twice_is_a_409_and_writes_one_event(world):
    case = make_case(world)
    api = world.api(world.handler_a)
    url = f"/api/v1/cases/{case.pk}/transitions"
    first = api.post(url, {"action": "escalate", "reason": "逾期未处理"})
    assert first.status_code == 200 and first.json()["handled_by"] == "regulator"
    # The company no longer handles it: a repeat of its own is not its to take (403) ...
    assert api.post(url, {"action": "escalate", "reason": "逾期未处理"}).status_code == 403
    # ... and for the regulator, a party still, it would change nothing (409).
    again = world.api(world.officer).post(url, {"action": "escalate", "reason": "逾期未处理"})
    assert again.status_code == 409
    error = again.json()["error"]
    with translation.override("zh-hans"):  # the API speaks Chinese by default
        said = translation.gettext("The regulator already handles this case: escalating it would change nothing.")
    assert error["code"] == "no_change" and error["message"] == said
    assert events_of(case, CaseEvent.Type.ESCALATED) == 1


def test_a_case_the_regulator_already_handles_is_not_escalated(world):
    case = make_case(world, handled_by="regulator")
    with pytest.raises(Conflict) as e:
        take_action(world.officer, case.pk, "escalate", {"reason": "x"})
    assert e.value.code == "no_change"
    assert events_of(case, CaseEvent.Type.ESCALATED) == 0


def test_a_referred_case_is_not_referred_again_until_it_is_reopened(world):
    case = make_case(world)
    take_action(world.officer, case.pk, "refer", {"reason": "涉嫌销售误导"})
    with pytest.raises(Conflict) as e, translation.override("en"):
        take_action(world.officer, case.pk, "refer", {"reason": "涉嫌销售误导"})
    assert e.value.code == "no_change" and "already referred" in str(e.value.message)
    assert events_of(case, CaseEvent.Type.REFERRED_FOR_ENFORCEMENT) == 1
    # Closed, then reopened after a spot check: a new handling, which may be referred again.
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CLOSED)
    take_action(world.officer, case.pk, "reopen", {"reason": "抽查发现未说明拒赔依据"})
    take_action(world.officer, case.pk, "refer", {"reason": "再次发现违规"})
    assert events_of(case, CaseEvent.Type.REFERRED_FOR_ENFORCEMENT) == 2


@pytest.mark.usefixtures("population")
def test_a_spot_check_cannot_refer_a_referred_case_and_says_why(world):
    spot_check = draw(world)
    item = item_of(spot_check, "case-16")
    take_action(world.officer, item.case_id, "refer", {"reason": "涉嫌销售误导"})
    with translation.override("en"), pytest.raises(Conflict) as e:
        spotchecks.record_finding(world.officer, item.pk, finding="improper", reasons="同上", follow_up="refer")
    assert e.value.code == "no_change" and "already referred" in str(e.value.message)
    item.refresh_from_db()
    assert item.follow_up == "" and item.finding != "improper"


def test_rerouting_to_where_the_case_is_is_a_409_and_elsewhere_works(world):
    case = make_case(world)
    same = {"reason": "属分公司管辖", "company_id": case.company_id, "handled_by": case.handled_by}
    with pytest.raises(Conflict) as e:
        take_action(world.officer, case.pk, "reroute", same)
    assert e.value.code == "no_change"
    with pytest.raises(Conflict):
        take_action(world.officer, case.pk, "reroute", {"reason": "同上"})  # no company, no handler: no change
    take_action(world.officer, case.pk, "reroute", {**same, "company_id": world.company_a.pk})
    take_action(
        world.officer, case.pk, "reroute", {**same, "company_id": world.company_a.pk, "handled_by": "regulator"}
    )
    assert events_of(case, CaseEvent.Type.REROUTED) == 2


def test_actions_that_would_change_nothing_are_not_offered(world):
    case = make_case(world)
    api = world.api(world.officer)
    offered = lambda: api.get(f"/api/v1/cases/{case.pk}").json()["allowed_actions"]  # noqa: E731
    assert {"escalate", "refer", "reroute"} <= set(offered())
    take_action(world.officer, case.pk, "escalate", {"reason": "逾期未处理"})
    take_action(world.officer, case.pk, "refer", {"reason": "涉嫌销售误导"})
    assert "escalate" not in offered() and "refer" not in offered() and "reroute" in offered()
    page = world.browser_client(world.officer).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="action-escalate"' not in page and 'id="action-refer"' not in page
    assert 'id="action-reroute"' in page


def test_the_page_shows_the_no_change_message(world):
    case = make_case(world, handled_by="regulator")
    client = world.browser_client(world.officer)
    r = client.post(reverse("cases:action", args=[case.pk, "escalate"]), {"escalate-reason": "x"}, follow=True)
    assert r.status_code == 200
    assert "message-error" in r.content.decode()
    assert events_of(case, CaseEvent.Type.ESCALATED) == 0


# ---- Idempotency-Key on transitions ------------------------------------------------------------


def test_a_retried_transition_with_the_same_key_acts_once_and_answers_again(world):
    case = make_case(world)
    api = world.api(world.handler_a)
    url = f"/api/v1/cases/{case.pk}/transitions"
    body = {"action": "extend", "level": "complex", "reason": "需调取医院病历"}
    first = api.post(url, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    second = api.post(url, body, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert second.status_code == 200 and second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["id"] == case.pk and second.json()["extension"] == "complex"
    assert events_of(case, CaseEvent.Type.EXTENDED) == 1
    # The same key with another body: 409, nothing written.
    other = api.post(url, {**body, "level": "especially_complex"}, HTTP_IDEMPOTENCY_KEY="retry-1")
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert events_of(case, CaseEvent.Type.EXTENDED) == 1
    # Without the key a repeat is a new request, refused on its merits (already extended that far).
    assert api.post(url, body).status_code == 400
    assert TransitionKey.objects.get(key="retry-1").event.type == CaseEvent.Type.EXTENDED


def test_idempotency_keys_are_per_user_and_bounded(world):
    case = make_case(world)
    url = f"/api/v1/cases/{case.pk}/transitions"
    assert (
        world.api(world.officer).post(url, {"action": "refer", "reason": "x"}, HTTP_IDEMPOTENCY_KEY="k").status_code
        == 200
    )
    # Another user's key of the same name is another request.
    r = world.api(world.handler_a).post(url, {"action": "accept"}, HTTP_IDEMPOTENCY_KEY="k")
    assert r.status_code == 409 and r.json()["error"]["code"] == "transition_not_allowed"  # in progress already
    long = world.api(world.officer).post(url, {"action": "escalate", "reason": "x"}, HTTP_IDEMPOTENCY_KEY="x" * 129)
    assert long.status_code == 400 and "Idempotency-Key" in long.json()["error"]["fields"]
    assert events_of(case, CaseEvent.Type.ESCALATED) == 0


def test_the_same_key_on_another_case_is_a_409(world):
    one, two = make_case(world), make_case(world)
    take_action_once(world.officer, one.pk, "refer", {"reason": "x"}, idempotency_key="same")
    with pytest.raises(Conflict) as e:
        take_action_once(world.officer, two.pk, "refer", {"reason": "x"}, idempotency_key="same")
    assert e.value.code == "idempotency_key_reused"
    assert events_of(two, CaseEvent.Type.REFERRED_FOR_ENFORCEMENT) == 0


def test_a_page_form_posted_twice_acts_once(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    token = page.split('name="token" value="', 1)[1].split('"', 1)[0]
    assert len(token) >= 20
    posted = {"token": token, "escalate-reason": "逾期未处理"}
    url = reverse("cases:action", args=[case.pk, "escalate"])
    for _ in range(2):  # a double click, or the browser resending the form
        r = client.post(url, posted, follow=True)
        assert r.status_code == 200 and "message-success" in r.content.decode()
    assert events_of(case, CaseEvent.Type.ESCALATED) == 1


# ---- notifications: a stable idempotency id, an honest timeline -------------------------------


@pytest.fixture
def outbox(settings):
    settings.OMBUD_SMS_BACKEND = "memory"
    settings.OMBUD_EMAIL_BACKEND = "memory"
    notify_backends.outbox.clear()
    yield notify_backends.outbox
    notify_backends.outbox.clear()


def new_complaint(world) -> Case:
    data = ComplaintInput(
        company_id=world.company_a_maoming.pk,
        complainant_name="李秀英",
        summary="重疾险理赔被拒",
        channel="phone",
        received_at=timezone.now() - timedelta(hours=1),
        complainant_phone=PHONE,
        city_code=MAOMING,
    )
    return register_complaint(world.admin, data)


def test_the_email_message_id_is_derived_from_the_outbox_row(world, settings):
    settings.OMBUD_EMAIL_BACKEND = "email"
    settings.DEFAULT_FROM_EMAIL = "ombud@gdbureau.example.cn"
    case = new_complaint(world)
    (n,) = notify.queue(case, "regulator.overdue", [notify.Recipient("email", "officer@gd.example.cn", world.officer)])
    assert notify.deliver(n.pk) == "sent"
    (sent,) = mail.outbox
    expected = f"<ombud-notification-{n.pk}@gdbureau.example.cn>"
    assert sent.message()["Message-ID"] == expected
    # Every attempt of the row carries the same id.
    assert message_id_header(Message(n.pk, "email", "x@example.cn", "s", "b", attempt=3)) == expected


class HandOverThenDie:
    """A backend that receives the message, then its worker dies before it can mark it sent
    (SystemExit is not an Exception: deliver() does not catch it, as with a SIGKILL)."""

    def send(self, message):
        notify_backends.outbox.append(message)
        raise SystemExit("killed after the hand-over")


def test_a_resend_after_an_interrupted_hand_over_is_on_the_timeline(world, outbox, settings):
    case = new_complaint(world)
    (n,) = Notification.objects.filter(case=case)
    settings.OMBUD_SMS_BACKEND = "ombud.cases.tests.test_exactly_once.HandOverThenDie"
    with pytest.raises(SystemExit):
        notify.deliver(n.pk)
    n.refresh_from_db()
    assert (n.status, n.attempts, n.interrupted) == ("sending", 1, 0)  # "handing over, attempt 1"
    settings.OMBUD_SMS_BACKEND = "memory"
    later = timezone.now() + timedelta(seconds=settings.OMBUD_NOTIFY_STUCK_SECONDS + 1)
    assert notify.recover(later) == (1, 1)
    n.refresh_from_db()
    assert (n.status, n.attempts, n.interrupted) == ("sent", 2, 1)
    # Two hand-overs with one id; a receiver that honours it delivers once.
    assert [(m.idempotency_id, m.attempt) for m in outbox] == [
        (f"ombud-notification-{n.pk}", 1),
        (f"ombud-notification-{n.pk}", 2),
    ]
    assert len(notify_backends.delivered()) == 1
    (resent,) = case.events.filter(type=CaseEvent.Type.NOTIFICATION_RESENT)
    assert resent.data["attempts"] == 2 and resent.data["interrupted"] == 1
    assert resent.data["idempotency_id"] == f"ombud-notification-{n.pk}"
    assert events_of(case, CaseEvent.Type.NOTIFIED) == 1
    page = world.browser_client(world.admin).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'data-event="notification_resent"' in page or f"ombud-notification-{n.pk}" in page


def test_a_plain_delivery_writes_no_resend(world, outbox):
    case = new_complaint(world)
    notify.deliver_pending()
    assert len(outbox) == 1 and outbox[0].attempt == 1
    assert events_of(case, CaseEvent.Type.NOTIFIED) == 1 and events_of(case, CaseEvent.Type.NOTIFICATION_RESENT) == 0


# ---- task rows left RUNNING by a dead worker ---------------------------------------------------


def running_task(started_ago: timedelta, claims: int) -> DBTaskResult:
    result = deliver_notification.enqueue(999999)
    DBTaskResult.objects.filter(pk=result.id).update(
        status="RUNNING",
        started_at=timezone.now() - started_ago,
        worker_ids=[f"dead-worker-{i}" for i in range(claims)],
    )
    return DBTaskResult.objects.get(pk=result.id)


def test_a_task_left_running_by_a_dead_worker_is_queued_again(settings):
    stuck = timedelta(seconds=settings.OMBUD_TASK_STUCK_SECONDS + 1)
    lost = running_task(stuck, claims=1)
    busy = running_task(timedelta(seconds=5), claims=1)  # a live worker's: left alone
    result = escalation.sweep()
    assert (result.tasks_requeued, result.tasks_failed) == (1, 0)
    lost.refresh_from_db()
    busy.refresh_from_db()
    assert lost.status == "READY" and busy.status == "RUNNING"
    assert escalation.sweep().tasks_requeued == 0  # done once


def test_a_task_whose_workers_keep_dying_is_marked_failed(settings):
    stuck = timedelta(seconds=settings.OMBUD_TASK_STUCK_SECONDS + 1)
    poison = running_task(stuck, claims=TASK_MAX_CLAIMS)
    assert recover_lost_tasks().failed == 1
    poison.refresh_from_db()
    assert poison.status == "FAILED" and poison.exception_class_path == LOST
    assert "dead-worker-2" in poison.traceback and poison.finished_at is not None


def test_the_task_timeout_is_configurable(settings):
    settings.OMBUD_TASK_STUCK_SECONDS = 10
    lost = running_task(timedelta(seconds=11), claims=1)
    assert recover_lost_tasks().requeued == 1
    lost.refresh_from_db()
    assert lost.status == "READY"
