"""The three rates (三率) per company, from a small world: consumer ratings beside call-backs,
one definition (cases.queries.three_rates) in the case statistics and the company evaluation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ombud.cases.models import Case
from ombud.cases.queries import three_rates
from ombud.cases.services import take_action, take_consumer_action
from ombud.oversight.callbacks import services as callbacks
from ombud.oversight.evaluation.queries import Period, scorecard
from ombud.oversight.models import CallBack
from ombud.portal.tests.casepage_helpers import decided, new_case
from ombud.testing import complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_world(world):
    a1 = decided(world, new_case(world))
    take_consumer_action(a1.pk, "rate", {"solved": True, "satisfaction": 5})
    a2 = decided(world, new_case(world))
    take_consumer_action(a2.pk, "rate", {"solved": False, "satisfaction": 2})
    listed = CallBack.objects.create(case=a2, created_at=timezone.now())  # as an officer records the call:
    callbacks.record_attempt(world.officer, listed.pk, result="reached", solved=True, satisfaction=4)
    a3 = new_case(world)  # open, past its due date, undecided
    Case.objects.filter(pk=a3.pk).update(due_at=timezone.now() - timedelta(days=1))
    decided(world, new_case(world), now=timezone.now() + timedelta(days=40))  # decided after its deadline
    world.api(world.staff_mm).post("/api/v1/visits", complaint(world))  # resolved on site
    new_case(world)  # open, not yet due: not counted
    withdrawn = new_case(world)
    take_consumer_action(withdrawn.pk, "withdraw", {})  # withdrawn before a decision: not counted
    b1 = new_case(world, company=world.company_b)
    for action, fields in (("accept", {}), ("decide", {"decision": "upheld", "reply": "同意赔付"})):
        take_action(world.handler_b, b1.pk, action, fields)
    return world


def test_the_rates_per_company(small_world):
    w = small_world
    rates = three_rates(Case.objects.all())
    a, b = rates[w.company_a.pk], rates[w.company_b.pk]
    assert (a["responded"], a["due"], a["response_rate"]) == (3, 5, 60.0)
    assert (a["solved"], a["solved_of"], a["resolution_rate"]) == (2, 3, 66.7)
    assert (a["satisfied"], a["satisfaction_of"], a["satisfaction_rate"]) == (2, 3, 66.7)
    assert (a["ratings_answers"], a["callbacks_answers"]) == (2, 1)
    assert (b["responded"], b["due"], b["response_rate"]) == (1, 1, 100.0)
    assert b["resolution_rate"] is None and b["satisfaction_rate"] is None
    total = rates[None]
    assert (total["responded"], total["due"], total["solved_of"]) == (4, 6, 3)


def test_the_case_statistics_show_them(small_world):
    w = small_world
    r = w.api(w.officer).get("/api/v1/reports/cases")
    assert r.status_code == 200
    body = r.json()
    row = next(c for c in body["companies"] if c["company_id"] == w.company_a.pk)
    assert row["rates"]["response_rate"] == 60.0 and row["rates"]["satisfaction_rate"] == 66.7
    assert body["rates"]["due"] == 6
    page = w.browser_client(w.officer).get("/reports/cases/").content.decode()
    assert 'data-table="case-rates"' in page and "60.0%" in page


def test_a_company_sees_only_its_own_rates(small_world):
    w = small_world
    body = w.api(w.handler_b).get("/api/v1/reports/cases").json()
    assert [c["company_id"] for c in body["companies"]] == [w.company_b.pk]
    assert body["rates"]["due"] == 1


def test_the_company_evaluation_shows_them(small_world):
    w = small_world
    today = timezone.localdate()
    card = scorecard(w.officer, Period(today - timedelta(days=1), today + timedelta(days=1))).as_dict()
    row = next(r for r in card["rows"] if r["company_id"] == w.company_a.pk)
    assert row["rates"]["response_rate"] == 60.0 and row["rates"]["resolution_rate"] == 66.7
    page = w.browser_client(w.officer).get(
        "/oversight/evaluation/", {"period_start": str(today), "period_end": str(today)}
    )
    assert page.status_code == 200 and 'data-rate="response_rate"' in page.content.decode()
