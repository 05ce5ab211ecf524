"""The deadline sweep: a case left untouched is reminded once before its deadline and escalated
exactly once after it — whether the sweep runs again, twice at once, crashes mid-way, or the
real `ombud worker` is killed and restarted."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ombud.cases import escalation, events, notify, notify_backends
from ombud.cases.models import Alert, Case, CaseEvent, DeadlineRule, Notification
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.directory.models import Staff, User
from ombud.testing import MAOMING, SHANGHAI

pytestmark = pytest.mark.django_db

# Monday 2 March 2026: due 15 days later, Tuesday 17 March, i.e. before 18 March 00:00.
RECEIVED = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
DUE_AT = datetime(2026, 3, 18, 0, 0, tzinfo=SHANGHAI)
ROOT = Path(__file__).resolve().parents[3]


def reachable(world) -> User:
    """Give the staff e-mail addresses, and the Maoming branch's head a login: the people the
    sweep tells. Returns the executive."""
    for user, email in ((world.officer, "officer@gd.example.cn"), (world.handler_a, "handler@chinalife.example.cn")):
        user.email = email
        user.save()
    executive = User.objects.create_user(
        "exec_mm", email="head@mm.chinalife.example.cn", role="executive", organization=world.company_a_maoming
    )
    Staff.objects.filter(name="高管乙").update(user=executive)
    # Seen by nobody: another bureau's officer, another company's handler.
    for user in (world.sz_officer, world.handler_b):
        user.email = f"{user.username}@example.cn"
        user.save()
    return executive


def untouched_case(world, *, received_at: datetime = RECEIVED, phone: str = "13812345678", **extra) -> Case:
    """A complaint by phone, received and routed to China Life's Maoming branch, then left."""
    data = ComplaintInput(
        company_id=world.company_a_maoming.pk,
        complainant_name="李秀英",
        summary="重疾险理赔被拒",
        channel="phone",
        received_at=received_at,
        complainant_phone=phone,
        city_code=MAOMING,
        **extra,
    )
    return register_complaint(world.admin, data)


def counts(case: Case) -> dict[str, int]:
    return {
        "alerts": Alert.objects.filter(case=case, kind="escalation").count(),
        "overdue_events": case.events.filter(type=CaseEvent.Type.OVERDUE).count(),
        "notifications": Notification.objects.filter(case=case, alert__kind="escalation").count(),
    }


@pytest.fixture
def staff(world):
    return reachable(world)


def test_an_untouched_case_is_escalated_once_to_the_executive_and_the_regulator(world, staff):
    case = untouched_case(world)
    assert case.due_at == DUE_AT and case.status == "received"

    assert escalation.sweep(DUE_AT - timedelta(minutes=1)).escalated == 0  # not yet
    result = escalation.sweep(DUE_AT + timedelta(minutes=1))
    assert result.escalated == 1 and result.failed == 0
    assert counts(case) == {"alerts": 1, "overdue_events": 1, "notifications": 2}
    told = {(n.template_id, n.recipient_user.username, n.address) for n in Notification.objects.filter(case=case)}
    assert told >= {
        ("executive.overdue", "exec_mm", "head@mm.chinalife.example.cn"),
        ("regulator.overdue", "officer", "officer@gd.example.cn"),
    }
    event = case.events.get(type=CaseEvent.Type.OVERDUE)
    assert datetime.fromisoformat(event.data["due_at"]) == DUE_AT and event.data["recipients"] == 2
    assert event.actor is None
    case.refresh_from_db()
    assert case.escalated_at == DUE_AT + timedelta(minutes=1)
    assert case.handled_by == "company" and case.status == "received"  # alerts; does not reroute

    for later in (timedelta(minutes=1), timedelta(hours=2), timedelta(days=20)):
        assert escalation.sweep(DUE_AT + later).escalated == 0
    assert counts(case) == {"alerts": 1, "overdue_events": 1, "notifications": 2}
    case.refresh_from_db()
    assert case.escalated_at == DUE_AT + timedelta(minutes=1)


def test_the_texts_name_the_case_and_its_deadline(world, staff, settings):
    settings.OMBUD_EMAIL_BACKEND = "memory"
    notify_backends.outbox.clear()
    case = untouched_case(world)
    escalation.sweep(DUE_AT + timedelta(minutes=1))
    assert notify.deliver_pending(DUE_AT + timedelta(minutes=2)) == 2
    mails = {m.address: m for m in notify_backends.outbox}
    to_exec, to_officer = mails["head@mm.chinalife.example.cn"], mails["officer@gd.example.cn"]
    assert to_exec.subject == f"投诉案件{case.tracking_no}已超过处理期限"
    assert to_exec.body.startswith("中国人寿保险股份有限公司茂名分公司负责同志：")
    assert "处理期限已于2026年3月17日届满" in to_exec.body and "广东保监局" in to_exec.body
    assert "茂名市" in to_officer.body and "已同时提醒公司负责人督办" in to_officer.body
    for m in notify_backends.outbox:  # staff texts never carry the consumer's personal data
        assert "李秀英" not in m.body and "13812345678" not in m.body


def test_without_a_reachable_executive_the_regulator_is_told_so(world):
    world.officer.email = "officer@gd.example.cn"
    world.officer.save()
    case = untouched_case(world)
    escalation.sweep(DUE_AT + timedelta(minutes=1))
    (only,) = Notification.objects.filter(case=case)
    assert only.template_id == "regulator.overdue" and "未登记可接收提醒的负责人" in only.body
    assert case.events.get(type=CaseEvent.Type.OVERDUE).data["recipients"] == 1


def test_executives_fall_back_to_the_head_office_then_to_the_executive_role(world):
    case = untouched_case(world)
    assert escalation.executives(case) == []  # the branch head has no login yet
    hq_head = User.objects.create_user("hq_head", email="ceo@chinalife.example.cn", role="executive")
    Staff.objects.create(name="总经理", organization=world.company_a, rank="head", user=hq_head)
    assert escalation.executives(case) == [hq_head]
    Staff.objects.filter(user=hq_head).update(rank="staff")
    role_only = User.objects.create_user(
        "exec_role", email="vp@chinalife.example.cn", role="executive", organization=world.company_a
    )
    assert escalation.executives(case) == [role_only]
    role_only.is_active = False
    role_only.save()
    assert escalation.executives(case) == []


def test_a_case_the_regulator_handles_alerts_its_officers_only(world, staff):
    case = untouched_case(world, nature="suspected_violation")
    assert case.handled_by == "regulator"
    escalation.sweep(DUE_AT - timedelta(days=1))
    escalation.sweep(DUE_AT + timedelta(minutes=1))
    sent = list(Notification.objects.filter(case=case).values_list("template_id", "recipient_user__username"))
    assert sorted(sent) == [("regulator.overdue", "officer"), ("regulator.reminder", "officer")]
    assert "该案由本局办理" in Notification.objects.get(template_id="regulator.overdue").body


def test_cases_decided_and_closed_in_time_or_without_deadline_are_left_alone(world, staff):
    handled = untouched_case(world)
    take_action(world.handler_a, handled.pk, "accept", now=RECEIVED + timedelta(days=1))
    decision = {"decision": "upheld", "reply": "同意赔付。"}
    take_action(world.handler_a, handled.pk, "decide", decision, now=RECEIVED + timedelta(days=5))
    take_action(world.handler_a, handled.pk, "notify", now=RECEIVED + timedelta(days=5))
    rejected = untouched_case(world)
    take_action(world.handler_a, rejected.pk, "reject", {"reason": "不属于投诉"}, now=RECEIVED + timedelta(days=2))
    result = escalation.sweep(DUE_AT + timedelta(days=3))
    assert (result.reminded, result.escalated) == (0, 0)
    assert not Alert.objects.exists() and not Notification.objects.filter(alert__isnull=False).exists()


def test_a_reminder_once_per_deadline_and_a_new_one_after_an_extension(world, staff):
    case = untouched_case(world)
    # Thursday 12 March: two working days ahead is Monday 16th; the case is due Tuesday 17th.
    assert escalation.sweep(datetime(2026, 3, 12, 9, 0, tzinfo=SHANGHAI)).reminded == 0
    # Friday 13 March: two working days ahead is Tuesday 17th → remind, once.
    assert escalation.sweep(datetime(2026, 3, 13, 0, 5, tzinfo=SHANGHAI)).reminded == 1
    for at in (datetime(2026, 3, 13, 9, 0), datetime(2026, 3, 16, 9, 0), datetime(2026, 3, 17, 23, 59)):
        assert escalation.sweep(at.replace(tzinfo=SHANGHAI)).reminded == 0
    (reminder,) = Notification.objects.filter(case=case, template_id="handler.reminder")
    assert reminder.recipient_user == world.handler_a  # not handler_b, not the executive
    assert reminder.subject == f"投诉案件{case.tracking_no}将于2026年3月17日到期"
    assert case.events.filter(type=CaseEvent.Type.REMINDED).count() == 1

    take_action(world.handler_a, case.pk, "accept", now=datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI))
    extension = {"level": "complex", "reason": "需调取病历"}
    take_action(world.handler_a, case.pk, "extend", extension, now=datetime(2026, 3, 16, 9, 5, tzinfo=SHANGHAI))
    case.refresh_from_db()
    assert case.due_date.isoformat() == "2026-04-01"
    assert escalation.sweep(datetime(2026, 3, 18, 0, 5, tzinfo=SHANGHAI)).escalated == 0  # the old deadline
    assert escalation.sweep(datetime(2026, 3, 30, 9, 0, tzinfo=SHANGHAI)).reminded == 1
    assert escalation.sweep(datetime(2026, 3, 31, 9, 0, tzinfo=SHANGHAI)).reminded == 0
    assert sorted(a.due_at for a in Alert.objects.filter(case=case, kind="reminder")) == [
        DUE_AT,
        datetime(2026, 4, 2, 0, 0, tzinfo=SHANGHAI),
    ]


def test_the_reminder_lead_time_is_data_an_admin_edits(world, staff):
    untouched_case(world)
    rule = DeadlineRule.objects.get(code="alert.reminder")
    assert (rule.days, rule.unit, rule.is_active) == (2, "working", True)
    rule.days = 5
    rule.save()
    # Monday 9 March + 5 working days = Monday 16th; Tuesday 10th reaches Tuesday 17th.
    assert escalation.sweep(datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI)).reminded == 0
    rule.is_active = False
    rule.save()
    assert escalation.sweep(datetime(2026, 3, 16, 9, 0, tzinfo=SHANGHAI)).reminded == 0  # switched off
    rule.is_active = True
    rule.save()
    assert escalation.sweep(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)).reminded == 1


def test_the_candidates_are_one_query(world, django_assert_num_queries):
    for _ in range(3):
        untouched_case(world)
    with django_assert_num_queries(1):
        assert len(escalation.candidates("escalation", DUE_AT + timedelta(hours=1))) == 3


def test_a_crash_after_the_alert_insert_leaves_nothing_half_written(
    world, staff, monkeypatch, django_capture_on_commit_callbacks
):
    case = untouched_case(world)
    first, second = untouched_case(world), untouched_case(world)
    real = events.case_overdue_event

    def crash_on_the_first(c, *args, **kwargs):
        if c.pk == case.pk:
            raise RuntimeError("worker died")  # after the Alert, the flag and the notifications
        return real(c, *args, **kwargs)

    monkeypatch.setattr(events, "case_overdue_event", crash_on_the_first)
    with django_capture_on_commit_callbacks() as callbacks:
        result = escalation.sweep(DUE_AT + timedelta(minutes=1))
    assert (result.escalated, result.failed) == (2, 1)  # the others go on
    assert counts(case) == {"alerts": 0, "overdue_events": 0, "notifications": 0}
    case.refresh_from_db()
    assert case.escalated_at is None
    assert len(callbacks) == 4  # executive + regulator for each escalated case; none for the rolled-back one
    assert counts(first) == counts(second) == {"alerts": 1, "overdue_events": 1, "notifications": 2}

    monkeypatch.setattr(events, "case_overdue_event", real)
    assert escalation.sweep(DUE_AT + timedelta(minutes=2)).escalated == 1
    assert escalation.sweep(DUE_AT + timedelta(minutes=3)).escalated == 0
    for c in (case, first, second):
        assert counts(c) == {"alerts": 1, "overdue_events": 1, "notifications": 2}


def test_a_case_changed_after_it_was_selected_is_skipped(world, staff):
    case = untouched_case(world)
    due_at = case.due_at
    take_action(world.handler_a, case.pk, "reject", {"reason": "不属于投诉"})  # closes the clock
    assert escalation.raise_alert(case.pk, "escalation", due_at, DUE_AT + timedelta(minutes=1)) is False
    assert not Alert.objects.exists()


def test_misconfigured_notifications_stop_the_worker(settings):
    settings.OMBUD_SMS_BACKEND = "carrier_pigeon"
    with pytest.raises(CommandError, match="OMBUD_SMS_BACKEND"):
        call_command("worker", batch=True)
    settings.OMBUD_SMS_BACKEND = "gateway"
    settings.OMBUD_SMS_GATEWAY_URL = ""
    with pytest.raises(CommandError, match="OMBUD_SMS_GATEWAY_URL"):
        call_command("worker", batch=True)
    settings.OMBUD_SMS_BACKEND = "console"
    with pytest.raises(CommandError, match="at least 1 second"):
        call_command("worker", sweep_seconds=0)
