"""A reached call-back is an answer of the three rates: the month tally of its case counts it in
the transaction that records the call (cases/rollups.py), so the answers the statistics and the
evaluation read from the rollups are the call-back source's own count."""

from __future__ import annotations

import contextlib

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombud.cases import rollups
from ombud.cases.models import CaseMonthTally
from ombud.cases.queries import cases_for
from ombud.errors import Conflict
from ombud.oversight.callbacks import services
from ombud.oversight.callbacks.queries import callback_answers
from ombud.oversight.models import CallBack
from ombud.oversight.tests.test_callbacks import closed_case, listed

pytestmark = pytest.mark.django_db

RESULTS = ("reached", "refused", "no_answer", "busy", "wrong_number")


def test_a_reached_call_back_is_counted_in_its_case_s_month(world):
    case = closed_case(world)
    callback = listed(world)[0]
    month = CaseMonthTally.objects.get(company_root=case.company_root)
    assert (month.opened, month.callbacks_answers) == (1, 0)
    services.record_attempt(world.officer, callback.pk, result="reached", solved=False, satisfaction=5)
    month.refresh_from_db()
    assert (month.callbacks_answers, month.callbacks_solved, month.callbacks_solved_of) == (1, 0, 1)
    assert (month.callbacks_satisfied, month.callbacks_satisfaction_of) == (1, 1)
    assert rollups.differences() == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    calls=st.lists(
        st.tuples(st.integers(0, 9), st.sampled_from(RESULTS), st.booleans(), st.integers(1, 5)),
        min_size=1,
        max_size=10,
    )
)
def test_recorded_calls_keep_the_month_tallies_equal_to_the_cases(world, calls):
    with transaction.atomic():
        for n in range(3):
            closed_case(world, phone=f"1390000000{n}")
        callbacks = listed(world)
        for i, result, solved, satisfaction in calls:
            survey = {"solved": solved, "satisfaction": satisfaction} if result == "reached" else {}
            with contextlib.suppress(Conflict):  # completed already
                services.record_attempt(world.officer, callbacks[i % len(callbacks)].pk, result=result, **survey)
        assert rollups.differences() == []
        for user in (world.admin, world.officer, world.handler_a, world.handler_b):
            from_rollups = rollups.answers_in(rollups.month_tallies_for(user))["callbacks"]
            assert from_rollups == callback_answers(cases_for(user))
        assert CallBack.objects.filter(status="reached").count() == sum(
            a.answers for a in rollups.answers_in(rollups.month_tallies_for(world.admin))["callbacks"].values()
        )
        transaction.set_rollback(True)
