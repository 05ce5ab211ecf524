"""What the statistics count, kept on the case and in the rollups: the review and mediation
flags, set with the event that makes them true; the rollups (cases/rollups.py), moved by every
writer in its transaction, scoped like the cases, rebuilt and checked by `ombud
rebuild-rollups`; and a property test that random intake and lifecycle operations always leave
every rollup equal to the aggregate over the cases."""

import contextlib
import importlib
import io
import statistics
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombud import cli
from ombud.cases import lifecycle, rollups
from ombud.cases.models import (
    Case,
    CaseEvent,
    CaseMonthTally,
    CaseTally,
    DecisionDays,
    DecisionTally,
    DecisionTenths,
)
from ombud.cases.queries import cases_for, three_rates
from ombud.cases.services import (
    ComplaintInput,
    allowed_actions,
    register_complaint,
    take_action,
    take_consumer_action,
)
from ombud.directory.models import Organization, User
from ombud.errors import Conflict, DomainError
from ombud.intake.services import VisitInput, record_visit
from ombud.portal.tests.casepage_helpers import decided, new_case
from ombud.reports.statistics.queries import case_statistics
from ombud.testing import GUANGZHOU, MAOMING, SHENZHEN, site_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def mediator(db):
    return Organization.objects.create(kind="mediation", name="广东保险纠纷调解中心")


def flags(case):
    return Case.objects.values_list("had_review", "had_mediation").get(pk=case.pk)


# ---- had_review / had_mediation ------------------------------------------------------------------


def test_a_new_case_went_neither_to_review_nor_to_mediation(world):
    assert flags(new_case(world)) == (False, False)


def test_a_review_requested_by_staff_sets_had_review_with_its_event(world):
    case = decided(world, new_case(world))
    take_action(world.handler_a, case.pk, "request_review", {"reason": "不服"})
    assert case.events.filter(type=CaseEvent.Type.REVIEW_REQUESTED).count() == 1
    assert flags(case) == (True, False)


def test_a_review_requested_by_the_consumer_sets_had_review(world):
    case = decided(world, new_case(world))
    take_consumer_action(case.pk, "request_review", {"reason": "赔付金额不足"})
    assert flags(case) == (True, False)


def test_mediation_sets_had_mediation_and_a_later_decision_keeps_both(world, mediator):
    case = decided(world, new_case(world))
    take_action(world.handler_a, case.pk, "request_review", {"reason": "不服"})
    take_action(world.handler_a, case.pk, "decide_review", {"decision": "upheld", "reply": "核查后维持"})
    take_action(world.handler_a, case.pk, "mediate", {"mediation_body_id": mediator.pk})
    take_action(world.handler_a, case.pk, "decide", {"decision": "upheld", "reply": "调解后赔付"})
    assert flags(case) == (True, True)


def test_a_refused_action_leaves_the_flags_as_they_were(world):
    case = new_case(world)  # received: no review can be requested yet
    with pytest.raises(Conflict):
        take_action(world.handler_a, case.pk, "request_review", {"reason": "不服"})
    assert flags(case) == (False, False)


def test_the_data_migration_sets_the_flags_from_the_timeline(world, mediator):
    reviewed = decided(world, new_case(world))
    take_action(world.handler_a, reviewed.pk, "request_review", {"reason": "不服"})
    mediated = decided(world, new_case(world))
    take_action(world.handler_a, mediated.pk, "mediate", {"mediation_body_id": mediator.pk})
    untouched = decided(world, new_case(world))
    Case.objects.update(had_review=False, had_mediation=False)  # as before the flags existed
    migration = importlib.import_module("ombud.cases.migrations.0020_set_review_mediation_flags")
    migration.set_flags(apps, None)
    assert (flags(reviewed), flags(mediated), flags(untouched)) == ((True, False), (False, True), (False, False))


# ---- the rollups: kept exact by every writer --------------------------------------------------

NOW = timezone.now()
DECIDE = {"decision": "partly_upheld", "reply": "同意赔付部分费用", "amount_paid": "1200"}


def complaint_by_phone(world, *, company=None, city=MAOMING, received_at=None, category="", actor=None):
    return register_complaint(
        actor or world.officer,
        ComplaintInput(
            company_id=(company or world.company_a).pk,
            complainant_name="陈建华",
            summary="理赔拖延",
            channel="phone",
            received_at=received_at or NOW - timedelta(days=20),
            city_code=city,
            category=category,
        ),
        now=NOW,
    )


def visit_at_site(world, *, outcome="time_limited", handled_by="company", product_line="health_illness"):
    return site_complaint(world, outcome=outcome, handled_by=handled_by, product_line=product_line)


def tallies(**filters):
    return sorted(CaseTally.objects.filter(**filters).values_list("status", "n"))


def test_opening_a_case_counts_it_in_its_tuple(world):
    case = visit_at_site(world)
    row = CaseTally.objects.get()
    assert (row.day, row.company_root_id, row.company_id) == (
        timezone.localdate(case.opened_at),
        world.company_a.pk,
        world.company_a_maoming.pk,
    )
    assert (row.city_id, row.site_id, row.campaign_id, row.product_line_id, row.channel) == (
        MAOMING,
        world.site_mm.pk,
        world.campaign.pk,
        "health_illness",
        "on_site",
    )
    assert (row.status, row.decided, row.n) == ("in_progress", False, 1)
    assert not DecisionTally.objects.exists()
    assert rollups.differences() == []


def test_the_day_is_the_opening_day_in_beijing_time(world):
    late_evening_utc = datetime(2026, 9, 30, 17, 30, tzinfo=UTC)  # 10-01 01:30 in Beijing
    complaint_by_phone(world, received_at=late_evening_utc)
    assert CaseTally.objects.get().day == date(2026, 10, 1)
    assert rollups.differences() == []


def test_each_action_moves_the_case_and_a_tuple_left_empty_is_deleted(world, mediator):
    case = complaint_by_phone(world, received_at=NOW - timedelta(days=2))
    other = complaint_by_phone(world, received_at=NOW - timedelta(days=2))
    assert tallies() == [("received", 2)]
    take_action(world.handler_a, case.pk, "accept", now=NOW)
    assert tallies() == [("in_progress", 1), ("received", 1)]
    take_action(world.handler_a, other.pk, "accept", now=NOW)
    assert tallies() == [("in_progress", 2)]  # nobody is received any more: that row is gone
    take_action(world.handler_a, case.pk, "decide", DECIDE, now=NOW)
    take_action(world.handler_a, case.pk, "notify", now=NOW)
    take_consumer_action(case.pk, "request_review", {"reason": "金额不足"}, now=NOW)
    assert tallies(had_review=True, decided=True, decided_in_time=True) == [("in_review", 1)]
    take_action(world.handler_a, case.pk, "decide_review", DECIDE, now=NOW + timedelta(days=40))  # late
    assert tallies(had_review=True, decided_in_time=False) == [("decided", 1)]
    take_action(world.handler_a, case.pk, "mediate", {"mediation_body_id": mediator.pk}, now=NOW)
    assert tallies(had_mediation=True) == [("in_mediation", 1)]
    assert rollups.differences() == []


def test_a_reroute_moves_the_case_to_its_new_company(world):
    case = complaint_by_phone(world)
    take_action(world.officer, case.pk, "reroute", {"reason": "属平安承保", "company_id": world.company_b.pk})
    assert list(CaseTally.objects.values_list("company_root_id", "company_id", "n")) == [
        (world.company_b.pk, world.company_b.pk, 1)
    ]
    take_action(world.officer, case.pk, "escalate", {"reason": "逾期未处理"})
    assert list(CaseTally.objects.values_list("handled_by", flat=True)) == ["regulator"]
    assert rollups.differences() == []


def test_a_reopened_case_is_no_longer_decided_in_time(world):
    case = decided(world, new_case(world))
    take_action(world.handler_a, case.pk, "close")
    take_action(world.officer, case.pk, "reopen", {"reason": "抽查发现未说明拒赔依据"})
    row = CaseTally.objects.get()
    assert (row.status, row.decided, row.decided_in_time) == ("in_progress", True, False)
    assert DecisionTally.objects.get().n == 1  # still decided once: the median counts it
    assert rollups.differences() == []


def test_a_category_given_at_filing_is_the_tally_of_that_category(world):
    complaint_by_phone(world, category="理赔纠纷")
    assert list(CaseTally.objects.values_list("category", "n")) == [("理赔纠纷", 1)]
    assert rollups.differences() == []


def test_a_refused_action_moves_nothing(world):
    case = complaint_by_phone(world)
    before = list(CaseTally.objects.values_list("status", "n"))
    with pytest.raises(Conflict):
        take_action(world.handler_a, case.pk, "decide", DECIDE)
    with pytest.raises(Conflict):
        take_consumer_action(case.pk, "rate", {"solved": True, "satisfaction": 5})
    assert list(CaseTally.objects.values_list("status", "n")) == before


def test_the_time_to_decision_is_kept_in_hundredths_of_a_day_rounded_down(world):
    opened = NOW - timedelta(days=30)
    durations = {
        timedelta(seconds=864): 1,
        timedelta(seconds=864) - timedelta(microseconds=1): 0,
        timedelta(days=5): 500,
        timedelta(days=3, hours=12): 350,
        -timedelta(seconds=1): -1,  # a decision dated before the receipt (a backlog row): floor
    }
    for duration in durations:
        case = complaint_by_phone(world, received_at=opened)
        take_action(world.handler_a, case.pk, "accept", now=opened)
        take_action(world.handler_a, case.pk, "decide", DECIDE, now=opened + duration)
    assert sorted(DecisionTally.objects.values_list("hundredths", "n")) == sorted((h, 1) for h in durations.values())
    assert rollups.differences() == []  # the SQL of the rebuild buckets them the same way


# ---- the scope: a reader sees in the rollups what they see of the cases -------------------------


@pytest.fixture
def spread(world, mediator):
    """Cases in Maoming, Guangzhou, Shenzhen and without a city (a head office supervised by
    the Guangdong bureau), of both companies, at a site and by phone, at several stages."""
    a1 = decided(world, new_case(world))
    take_consumer_action(a1.pk, "request_review", {"reason": "不服"})
    complaint_by_phone(world, city=GUANGZHOU)
    complaint_by_phone(world, company=world.company_b, city=GUANGZHOU, category="退保")
    complaint_by_phone(world, company=world.company_b, city=SHENZHEN, actor=world.sz_officer)
    complaint_by_phone(world, city="")  # no city: the Guangdong bureau supervises it
    visit_at_site(world, outcome="resolved_on_site")
    visit_at_site(world, handled_by="regulator")
    m = decided(world, new_case(world, company=world.company_a_maoming))
    take_action(world.handler_a, m.pk, "mediate", {"mediation_body_id": mediator.pk})
    assert Case.objects.filter(city__isnull=True, bureau=world.gd_bureau).count() == 1
    world.branch_mm = User.objects.create_user(
        username="branch_mm", password="x", role="company_handler", organization=world.company_a_maoming
    )
    return world


PERSONAS = ("admin", "officer", "sz_officer", "staff_mm", "handler_a", "handler_b", "branch_mm", "nobody")


@pytest.mark.parametrize("persona", [*PERSONAS, "officer_no_bureau"])
def test_each_persona_sees_in_the_rollups_exactly_the_cases_it_may_see(spread, persona):
    user = getattr(spread, persona)
    cases = Counter(cases_for(user).values_list("company_root_id", "city_id", "status", "had_review", "had_mediation"))
    seen = Counter()
    for *key, n in rollups.tallies_for(user).values_list(
        "company_root_id", "city_id", "status", "had_review", "had_mediation", "n"
    ):
        seen[tuple(key)] += n
    assert seen == cases
    decided_cases = cases_for(user).filter(decided_at__isnull=False).count()
    assert sum(rollups.decisions_for(user).values_list("n", flat=True)) == decided_cases


def test_the_personas_see_different_things(spread):
    # The test above compares like with like; this one shows the scopes differ as they should.
    opened = {p: sum(rollups.tallies_for(getattr(spread, p)).values_list("n", flat=True)) for p in PERSONAS}
    assert opened == {
        "admin": 8,
        "officer": 7,  # all but Shenzhen, the city-less case included
        "sz_officer": 1,
        "staff_mm": 2,  # the two visits at the Maoming site
        "handler_a": 6,
        "handler_b": 2,
        "branch_mm": 4,  # company A in Maoming
        "nobody": 0,
    }


# ---- rebuild and check --------------------------------------------------------------------------


def test_the_check_prints_each_differing_tuple_and_fails_and_the_rebuild_repairs(spread):
    CaseTally.objects.filter(status="received").update(n=F("n") + 5)  # as a bulk load would leave it
    DecisionTally.objects.all().delete()
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("rebuild_rollups", "--check", stdout=out)
    assert refused.value.returncode == 1
    lines = out.getvalue().splitlines()
    assert len(lines) == len(rollups.differences()) > 0
    assert any(line.startswith("CaseTally(") and "status=received" in line for line in lines)
    assert any(line.startswith("DecisionTally(") and "stored 0, cases " in line for line in lines)

    call_command("rebuild_rollups", stdout=io.StringIO())
    assert rollups.differences() == []
    out = io.StringIO()
    call_command("rebuild_rollups", "--check", stdout=out)
    assert gettext("The rollups agree with the cases.") in out.getvalue()  # in the active language


def test_the_rebuild_gives_the_rows_the_services_wrote(spread):
    def rows():
        return sorted(
            repr(tuple(r[k] for k in sorted(r) if k != "id"))
            for m in (CaseTally, DecisionTally)
            for r in m.objects.values()
        )

    kept = rows()
    assert rollups.rebuild().tallies == CaseTally.objects.count()
    assert rows() == kept


def test_the_command_is_spelt_with_a_hyphen(spread, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["ombud", "rebuild-rollups", "--check"])
    cli.main()
    assert gettext("The rollups agree with the cases.") in capsys.readouterr().out


# ---- the property: random intake and lifecycle, rollups always equal the cases --------------------

COMPANIES = ("company_a", "company_a_maoming", "company_b")
STAFF = ("handler_a", "handler_b", "branch_mm", "officer", "admin", "sz_officer")
CITIES = (MAOMING, GUANGZHOU, SHENZHEN, "")
CATEGORIES = ("", "理赔纠纷", "退保")
PRODUCT_LINES = ("", "health_illness", "motor")

intake_steps = st.one_of(
    st.tuples(
        st.just("visit"),
        st.sampled_from(("resolved_on_site", "time_limited")),
        st.sampled_from(("company", "regulator")),
        st.sampled_from(("company_a_maoming", "company_b")),
        st.sampled_from(PRODUCT_LINES),
    ),
    st.tuples(
        st.just("complaint"),
        st.sampled_from(COMPANIES),
        st.sampled_from(CITIES),
        st.sampled_from(("phone", "letter", "online")),
        st.sampled_from(CATEGORIES),
    ),
)
# One case, then a run of actions on it (each: which allowed action, which variant of it).
moves = st.lists(st.tuples(st.integers(0, 99), st.integers(0, 5)), min_size=1, max_size=8)
act_steps = st.tuples(st.just("act"), st.integers(0, 99), moves)
other_steps = st.one_of(
    st.tuples(st.just("consumer"), st.integers(0, 99), st.sampled_from(lifecycle.CONSUMER_ACTIONS)),
    # Time passes: seconds and microseconds, so that decisions fall on and beside bucket edges.
    st.tuples(st.just("wait"), st.integers(0, 12 * 86400), st.integers(0, 999_999)),
)
sequences = st.lists(st.one_of(intake_steps, act_steps, act_steps, other_steps), min_size=3, max_size=16)


def _fields(world, mediator, action, variant):
    companies = [world.company_a, world.company_a_maoming, world.company_b]
    return {
        "reject": {"reason": "不属于保险消费投诉"},
        "extend": {"level": ("complex", "especially_complex")[variant % 2], "reason": "需调取病历"},
        "decide": {**DECIDE, "decision": ("upheld", "partly_upheld", "not_upheld")[variant % 3]},
        "decide_review": DECIDE,
        "mediate": {"mediation_body_id": mediator.pk},
        "escalate": {"reason": "逾期未处理"},
        "refer": {"reason": "涉嫌销售误导"},
        "reroute": {
            "reason": "改派",
            "company_id": companies[variant % 3].pk,
            "handled_by": ("company", "regulator")[variant % 2],
        },
        "reopen": {"reason": "抽查发现问题"},
        "request_review": {"reason": "不服"},
        "withdraw": {"reason": "已和解"},
    }.get(action, {})


CONSUMER_FIELDS = {
    "supplement": {"text": "补充诊断证明"},
    "request_review": {"reason": "金额不足"},
    "withdraw": {"reason": "已和解"},
    "rate": {"solved": True, "satisfaction": 4},
}


def _run(world, mediator, steps):
    clock = NOW - timedelta(days=90)
    cases: list[int] = []
    for step in steps:
        kind = step[0]
        try:
            if kind == "visit":
                _, outcome, handled_by, company, line = step
                recorded = record_visit(
                    world.staff_mm,
                    VisitInput(
                        kind="complaint",
                        visitor_name="李秀英",
                        summary="理赔被拒",
                        site_id=world.site_mm.pk,
                        company_id=getattr(world, company).pk,
                        product_line=line,
                        outcome=outcome,
                        due_date=timezone.localdate() + timedelta(days=7) if outcome == "time_limited" else None,
                        handled_by=handled_by if outcome == "time_limited" else "",
                    ),
                )
                cases.append(recorded.case_id)
            elif kind == "complaint":
                _, company, city, channel, category = step
                actor = world.sz_officer if city == SHENZHEN else world.officer
                case = register_complaint(
                    actor,
                    ComplaintInput(
                        company_id=getattr(world, company).pk,
                        complainant_name="陈建华",
                        summary="理赔拖延",
                        channel=channel,
                        received_at=clock,
                        city_code=city,
                        category=category,
                    ),
                    now=clock,
                )
                cases.append(case.pk)
            elif kind == "act" and cases:
                _, i, moves = step
                for j, variant in moves:
                    _act(world, mediator, cases[i % len(cases)], j, variant, clock)
            elif kind == "consumer" and cases:
                _, i, action = step
                take_consumer_action(cases[i % len(cases)], action, CONSUMER_FIELDS[action], now=clock)
            elif kind == "wait":
                clock += timedelta(seconds=step[1], microseconds=step[2])
        except DomainError:
            pass  # a refusal (not open now, no change, outside the window) writes nothing
    return cases


def _act(world, mediator, case_id, j, variant, now):
    """An action allowed on the case now (the j-th), by one of the staff who may take it."""
    case = Case.objects.get(pk=case_id)
    takers: dict[str, list[User]] = {}
    for name in STAFF:
        user = getattr(world, name)
        for action in allowed_actions(user, case):
            takers.setdefault(action, []).append(user)
    if not takers:
        return
    action = sorted(takers)[j % len(takers)]
    actor = takers[action][variant % len(takers[action])]
    # A refusal is possible still (a branch user offered its company's case in another city: 404).
    with contextlib.suppress(DomainError):
        take_action(actor, case.pk, action, _fields(world, mediator, action, variant), now=now)


@pytest.fixture
def branch_world(world):
    world.branch_mm = User.objects.create_user(
        username="branch_mm", password="x", role="company_handler", organization=world.company_a_maoming
    )
    return world


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=sequences, since=st.integers(0, 100), days=st.integers(0, 100))
def test_random_intake_and_lifecycle_keep_every_rollup_equal_to_the_cases(branch_world, mediator, steps, since, days):
    with transaction.atomic():
        _run(branch_world, mediator, steps)
        assert rollups.differences() == []  # the function behind `ombud rebuild-rollups --check`
        # The readers over any period (whole months and days at its ends) and over all time
        # give the figures of the raw cases.
        admin = branch_world.admin
        first = timezone.localdate(NOW) - timedelta(days=95)
        for period in ((None, None), (first + timedelta(days=since), first + timedelta(days=since + days))):
            _assert_statistics_are_those_of_the_cases(admin, *period)
        decisions = rollups.decisions_for(admin)
        assert rollups.medians(decisions, rollups.histograms_for(admin)) == rollups.medians(decisions)
        transaction.set_rollback(True)  # the next example starts from the same world


def _day_start(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("Asia/Shanghai"))


def _assert_statistics_are_those_of_the_cases(user, since, until):
    stats = case_statistics(user, since=since, until=until, now=NOW)
    cases = cases_for(user)
    if since:
        cases = cases.filter(opened_at__gte=_day_start(since))
    if until:
        cases = cases.filter(opened_at__lt=_day_start(until + timedelta(days=1)))
    decided = cases.filter(decided_at__isnull=False)
    totals = stats["totals"]
    assert (totals["opened"], totals["decided"], totals["decided_in_time"]) == (
        cases.count(),
        decided.count(),
        decided.filter(decided_in_time=True).count(),
    )
    assert (totals["reviews"], totals["mediations"]) == (
        cases.filter(had_review=True).count(),
        cases.filter(had_mediation=True).count(),
    )
    raw = three_rates(cases, now=NOW)
    assert stats["rates"] == raw[None]
    assert {c["company_id"]: c["rates"] for c in stats["companies"]} == {k: v for k, v in raw.items() if k}


def test_a_period_is_cut_into_its_whole_months_and_the_days_at_its_ends():
    d = date
    split = rollups.split_period
    assert split(None, None) == rollups.PeriodParts((None, None), ())
    assert split(d(2026, 3, 1), d(2026, 5, 31)) == rollups.PeriodParts((d(2026, 3, 1), d(2026, 6, 1)), ())
    assert split(d(2026, 3, 15), d(2026, 5, 10)) == rollups.PeriodParts(
        (d(2026, 4, 1), d(2026, 5, 1)), ((d(2026, 3, 15), d(2026, 3, 31)), (d(2026, 5, 1), d(2026, 5, 10)))
    )
    # Within one month, or across two without a whole one between: days only.
    assert split(d(2026, 3, 2), d(2026, 3, 30)) == rollups.PeriodParts(None, ((d(2026, 3, 2), d(2026, 3, 30)),))
    assert split(d(2026, 3, 2), d(2026, 4, 30)) == rollups.PeriodParts(
        (d(2026, 4, 1), d(2026, 5, 1)), ((d(2026, 3, 2), d(2026, 3, 31)),)
    )
    assert split(d(2026, 3, 20), d(2026, 4, 10)) == rollups.PeriodParts(None, ((d(2026, 3, 20), d(2026, 4, 10)),))
    # Open on one side; December into January; a leap February.
    assert split(None, d(2026, 12, 7)) == rollups.PeriodParts(
        (None, d(2026, 12, 1)), ((d(2026, 12, 1), d(2026, 12, 7)),)
    )
    assert split(d(2025, 12, 31), None) == rollups.PeriodParts(
        (d(2026, 1, 1), None), ((d(2025, 12, 31), d(2025, 12, 31)),)
    )
    assert split(d(2028, 2, 1), d(2028, 2, 29)) == rollups.PeriodParts((d(2028, 2, 1), d(2028, 3, 1)), ())
    assert split(d(2026, 7, 4), d(2026, 7, 4)) == rollups.PeriodParts(None, ((d(2026, 7, 4), d(2026, 7, 4)),))


# ---- the readers: the same figures as over the raw cases -------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_statistics_read_from_the_rollups_are_those_of_the_cases(spread, persona):
    user = getattr(spread, persona)
    stats = case_statistics(user)
    cases = cases_for(user)
    assert stats["totals"]["opened"] == cases.count()
    assert stats["totals"]["decided"] == cases.filter(decided_at__isnull=False).count()
    assert stats["totals"]["reviews"] == cases.filter(had_review=True).count()
    # The three rates: the response figures from the rollups equal the raw definition's.
    raw = three_rates(cases)
    assert stats["rates"] == raw[None]
    assert {c["company_id"]: c["rates"] for c in stats["companies"]} == {k: v for k, v in raw.items() if k}


def _half_up_tenths(days: Decimal) -> float:
    """Rounded half up to a tenth: floor(10·days + ½) / 10 (toward +∞ at a tie, for a negative
    time too — one dated before its receipt — so that a bucket never straddles a boundary)."""
    return float((days * 10 + Decimal("0.5")).to_integral_value(ROUND_FLOOR) / 10)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(durations=st.lists(st.integers(-2 * 86400 * 10**6, 90 * 86400 * 10**6), min_size=1, max_size=9))
def test_the_median_of_the_histogram_is_the_exact_median_to_a_tenth_of_a_day(world, durations):
    """Times to decision in microseconds: the histogram keeps hundredths of a day rounded down,
    and its median, shown to 0.1 day, is the exact median's (rounded half up) for an odd count;
    for an even count (the mean of the middle two) it is at most 0.1 day away."""
    with transaction.atomic():
        buckets = Counter(d // rollups.BUCKET_MICROSECONDS for d in durations)
        DecisionTally.objects.bulk_create(
            DecisionTally(day=date(2026, 10, 1), company_root=world.company_a, hundredths=h, n=n)
            for h, n in buckets.items()
        )
        shown = rollups.medians(DecisionTally.objects.all())[(rollups.ALL, None)]
        # The all-time path (the day, then the tenth from the all-time histograms, then the
        # hundredths where the middle two fall in two tenths) gives the same figure.
        tenths = Counter(rollups.tenth_of(h) for h in lower_edges_of(durations))
        DecisionTenths.objects.bulk_create(
            DecisionTenths(company_root=world.company_a, tenth=t, n=n) for t, n in tenths.items()
        )
        days = Counter(rollups.tenth_of(h) // 10 for h in lower_edges_of(durations))
        DecisionDays.objects.bulk_create(
            DecisionDays(company_root=world.company_a, days=d, n=n) for d, n in days.items()
        )
        histograms = rollups.Histograms(DecisionTenths.objects.all(), DecisionDays.objects.all())
        both = rollups.medians(DecisionTally.objects.all(), histograms)
        assert both[(rollups.ALL, None)] == shown
        # What it is by definition: the middle bucket(s), each at its lower edge, half up.
        lower_edges = lower_edges_of(durations)
        assert shown == _half_up_tenths(Decimal(str(statistics.median(lower_edges))) / 100)
        exact = Decimal(str(statistics.median(durations))) / Decimal(86400 * 10**6)
        if len(durations) % 2:
            assert shown == _half_up_tenths(exact)
        else:
            assert abs(Decimal(str(shown)) - exact) <= Decimal("0.1")
        transaction.set_rollback(True)


def lower_edges_of(durations: list[int]) -> list[int]:
    return sorted(d // rollups.BUCKET_MICROSECONDS for d in durations)


def test_the_medians_per_company_and_per_city(spread):
    medians = rollups.medians(rollups.decisions_for(spread.admin))
    assert set(medians) >= {(rollups.ALL, None), (rollups.COMPANY, spread.company_a.pk), (rollups.CITY, MAOMING)}
    assert rollups.medians(rollups.decisions_for(spread.nobody)) == {}


# ---- the backlog import and concurrent writers ---------------------------------------------------------


def test_the_backlog_import_counts_its_rows_and_a_refused_file_counts_nothing(world):
    from ombud.cases.imports import services as imports
    from ombud.cases.tests.test_import import row, xlsx

    good = [row(reference="GD-1"), row(category="claims.refusal", city="广州市", reference="GD-2")]
    result = imports.import_cases(world.officer, xlsx(good), source="backlog.xlsx")
    assert result.imported == 2
    assert sorted(CaseTally.objects.values_list("city_id", "category", "n")) == [
        (GUANGZHOU, "claims.refusal", 1),
        (MAOMING, "claims.timeliness", 1),
    ]
    kept = list(CaseTally.objects.order_by("id").values_list("id", "n"))
    bad = xlsx([row(), row(company="不存在的公司")])
    assert imports.import_cases(world.officer, bad, source="bad.xlsx", all_or_nothing=True).imported == 0
    assert imports.import_cases(world.officer, xlsx([row()]), source="dry.xlsx", dry_run=True).imported == 0
    assert list(CaseTally.objects.order_by("id").values_list("id", "n")) == kept
    assert rollups.differences() == []


@pytest.mark.django_db(transaction=True)
def test_two_transactions_adding_to_one_new_tuple_lose_neither(world):
    """The first inserts the tuple and holds its transaction open; the second, adding to the
    same tuple, waits for it (seen waiting on a lock in pg_stat_activity), then adds to the
    committed row: n = 2, one row. (PostgreSQL: SQLite lets one writer at a time in.)"""
    if db_connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no two transactions add at once")
    day, company = date(2026, 10, 1), world.company_a.pk
    no_bureau = no_site = no_campaign = no_line = None
    flags = (False, False, False, False, False)  # resolved on site, decided, in time, review, mediation
    tally = (day, company, company, MAOMING, no_bureau, no_site, no_campaign, "", no_line, "phone", "received")
    month = (day.replace(day=1), company, MAOMING, no_bureau, no_site, no_campaign)
    sums = (1, 0, 0, 0, 0, 0, 0, *rollups.NO_ANSWERS)
    place = rollups.Place(
        tally=(*tally, "company", *flags), decision=None, month=month, sums=sums, tenths=None, days=None
    )
    first_added, second_started, commit_first = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                rollups.move(None, place)
                first_added.set()
                commit_first.wait(timeout=60)
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            db_connection.close()

    def second():
        try:
            first_added.wait(timeout=60)
            with transaction.atomic():
                second_started.set()
                rollups.move(None, place)  # blocks until the first commits
        except BaseException as exc:
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    second_started.wait(timeout=60)
    waiting = 0
    for _ in range(600):  # until the second backend waits on the first's uncommitted row
        with db_connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            waiting = cursor.fetchone()[0]
        if waiting:
            break
        threading.Event().wait(0.05)
    commit_first.set()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert waiting == 1
    assert list(CaseTally.objects.values_list("n", flat=True)) == [2]
    assert list(CaseMonthTally.objects.values_list("opened", flat=True)) == [2]
