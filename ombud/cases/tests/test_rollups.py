"""What the statistics count, kept on the case and in the rollups: the review and mediation
flags, set with the event that makes them true."""

import importlib

import pytest
from django.apps import apps

from ombud.cases.models import Case, CaseEvent
from ombud.cases.services import take_action, take_consumer_action
from ombud.directory.models import Organization
from ombud.errors import Conflict
from ombud.portal.tests.casepage_helpers import decided, new_case

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
