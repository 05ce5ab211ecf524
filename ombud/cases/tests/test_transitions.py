"""Every action from every status, for each persona: allowed → done and on the timeline;
wrong status → 409; wrong party → 403; unseen case → 404; missing field → 400."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases import lifecycle
from ombud.cases.models import Case, CaseEvent
from ombud.cases.services import take_action
from ombud.directory.models import Organization
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.testing import site_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator(db):
    return Organization.objects.create(kind="mediation", name="广东保险纠纷调解中心")


def make_case(world, status, *, handled_by="company"):
    case = site_complaint(world, by=world.admin, handled_by=handled_by)
    case.status = status
    if status == Case.Status.INFORMED:
        case.informed_at = timezone.now()
    case.save()
    return case


def fields_for(action, world, mediator):
    return {
        "reject": {"reason": "不属于保险消费投诉（第二条）"},
        "extend": {"level": "complex", "reason": "需调取医院病历"},
        "decide": {"decision": "partly_upheld", "reply": "同意赔付部分费用", "amount_paid": "12000.50"},
        "decide_review": {"decision": "upheld", "reply": "核查后维持", "amount_paid": "0"},
        "mediate": {"mediation_body_id": mediator.pk},
        "escalate": {"reason": "逾期未处理"},
        "refer": {"reason": "涉嫌销售误导"},
        "reroute": {"reason": "属分公司管辖", "company_id": world.company_a.pk},
        "reopen": {"reason": "抽查发现未说明拒赔依据"},
    }.get(action, {})


STATUSES = list(Case.Status.values)
ACTIONS = list(lifecycle.TRANSITIONS)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_company_handler_on_a_company_case(world, mediator, status, action):
    case = make_case(world, status)
    t = lifecycle.TRANSITIONS[action]
    before_events = case.events.count()
    call = lambda: take_action(world.handler_a, case.pk, action, fields_for(action, world, mediator))  # noqa: E731
    if lifecycle.HANDLER not in t.parties:
        with pytest.raises(Forbidden):
            call()
    elif status not in t.sources:
        with pytest.raises(Conflict):
            call()
    else:
        updated = call()
        assert updated.status == (t.target or status)
        assert case.events.count() == before_events + 1
        return
    case.refresh_from_db()
    assert case.status == status and case.events.count() == before_events


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", ACTIONS)
def test_the_regulator_on_a_company_case(world, mediator, status, action):
    case = make_case(world, status)
    t = lifecycle.TRANSITIONS[action]
    call = lambda: take_action(world.officer, case.pk, action, fields_for(action, world, mediator))  # noqa: E731
    if lifecycle.REGULATOR not in t.parties:
        with pytest.raises(Forbidden):
            call()
    elif status not in t.sources:
        with pytest.raises(Conflict):
            call()
    else:
        assert call().status == (t.target or status)


@pytest.mark.parametrize("action", ["accept", "decide", "notify"])
def test_the_regulator_handles_a_referred_case_and_the_company_may_not(world, mediator, action):
    status = {"accept": "received", "decide": "in_progress", "notify": "decided"}[action]
    case = make_case(world, status, handled_by="regulator")
    with pytest.raises(Forbidden):
        take_action(world.handler_a, case.pk, action, fields_for(action, world, mediator))
    assert take_action(world.officer, case.pk, action, fields_for(action, world, mediator)).status != status


@pytest.mark.parametrize("user", ["handler_b", "sz_officer", "nobody"])
def test_others_never_see_the_case(world, user):
    case = make_case(world, "in_progress")
    with pytest.raises(NotFound):
        take_action(getattr(world, user), case.pk, "decide", {"decision": "upheld", "reply": "x"})


def test_site_staff_see_their_sites_cases_but_take_no_action(world):
    case = make_case(world, "in_progress")
    with pytest.raises(Forbidden):
        take_action(world.staff_mm, case.pk, "decide", {"decision": "upheld", "reply": "x"})


@pytest.mark.parametrize(
    ("action", "status", "fields", "field"),
    [
        ("reject", "received", {}, "reason"),
        ("extend", "in_progress", {"reason": "x"}, "level"),
        ("extend", "in_progress", {"level": "forever", "reason": "x"}, "level"),
        ("decide", "in_progress", {"reply": "x"}, "decision"),
        ("decide", "in_progress", {"decision": "maybe", "reply": "x"}, "decision"),
        ("decide", "in_progress", {"decision": "upheld"}, "reply"),
        ("decide", "in_progress", {"decision": "upheld", "reply": "x", "amount_paid": "lots"}, "amount_paid"),
        ("decide", "in_progress", {"decision": "upheld", "reply": "x", "amount_paid": "-5"}, "amount_paid"),
        ("escalate", "in_progress", {}, "reason"),
        ("mediate", "informed", {"mediation_body_id": 999999}, "mediation_body_id"),
    ],
)
def test_missing_or_bad_fields_are_refused_and_change_nothing(world, action, status, fields, field):
    case = make_case(world, status)
    with pytest.raises(InvalidInput) as e:
        take_action(world.handler_a, case.pk, action, fields)
    assert field in e.value.fields
    case.refresh_from_db()
    assert case.status == status
    assert not case.events.exclude(type__in=["promised"]).exists()


def test_extending_moves_the_due_date_to_30_then_60_days(world):
    case = make_case(world, "in_progress")
    opened = case.opened_at
    take_action(world.handler_a, case.pk, "extend", {"level": "complex", "reason": "鉴定"})
    case.refresh_from_db()
    assert case.due_date >= timezone.localtime(opened).date() + timedelta(days=30)
    with pytest.raises(InvalidInput):
        take_action(world.handler_a, case.pk, "extend", {"level": "complex", "reason": "again"})
    take_action(world.handler_a, case.pk, "extend", {"level": "especially_complex", "reason": "总公司批准"})
    case.refresh_from_db()
    assert case.due_date >= timezone.localtime(opened).date() + timedelta(days=60)
    assert list(case.events.filter(type="extended").values_list("data__level", flat=True)) == [
        "complex",
        "especially_complex",
    ]


def test_a_review_after_the_30_day_window_is_refused(world):
    case = make_case(world, "informed")
    case.informed_at = timezone.now() - timedelta(days=45)
    case.save()
    with pytest.raises(Conflict):
        take_action(world.handler_a, case.pk, "request_review", {})


def test_a_full_journey_writes_the_timeline_in_order(world):
    case = make_case(world, "received")
    for action, fields in [
        ("accept", {}),
        ("decide", {"decision": "upheld", "reply": "全额赔付", "amount_paid": "30000"}),
        ("notify", {}),
        ("close", {}),
    ]:
        take_action(world.handler_a, case.pk, action, fields)
    case.refresh_from_db()
    assert case.status == "closed" and case.due_at is None and str(case.amount_paid) == "30000.00"
    types = list(case.events.values_list("type", flat=True))
    assert types[-4:] == [
        CaseEvent.Type.ACCEPTED,
        CaseEvent.Type.DECIDED,
        CaseEvent.Type.INFORMED,
        CaseEvent.Type.CLOSED,
    ]


def test_reopen_sends_a_closed_case_back_with_a_fresh_deadline(world, mediator):
    case = make_case(world, "closed")
    with pytest.raises(InvalidInput) as missing:
        take_action(world.officer, case.pk, "reopen", {})
    assert "reason" in missing.value.fields
    case.refresh_from_db()
    assert case.status == "closed" and case.events.count() == 1
    reopened = take_action(world.officer, case.pk, "reopen", {"reason": "抽查发现未说明拒赔依据"})
    assert reopened.status == "in_progress" and reopened.closed_at is None
    assert reopened.due_date > timezone.localdate()
    event = reopened.events.last()
    assert event.type == CaseEvent.Type.REOPENED and event.data["reason"] == "抽查发现未说明拒赔依据"


def test_a_withdrawal_ends_the_procedure_that_day(world, mediator):
    case = make_case(world, "in_progress")
    withdrawn = take_action(world.handler_a, case.pk, "withdraw", {"reason": "消费者来电撤回"})
    assert withdrawn.status == "closed" and withdrawn.closed_at is not None and withdrawn.due_at is None
    event = withdrawn.events.last()
    assert event.type == CaseEvent.Type.WITHDRAWN and event.data == {"reason": "消费者来电撤回"}
    with pytest.raises(Conflict):
        take_action(world.handler_a, case.pk, "withdraw", {})
