"""The consumer's actions through the case service: each writes its event, none is open out of
turn (409), every field is checked before anything is written."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from ombud.cases import deadlines, lifecycle
from ombud.cases.models import Attachment, Case, CaseEvent, DeadlineRule, Rating
from ombud.cases.services import allowed_actions, consumer_actions, take_action, take_consumer_action
from ombud.errors import Conflict, InvalidInput, NotFound
from ombud.portal.tests.casepage_helpers import decided, new_case

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)


class Upload(BytesIO):
    def __init__(self, name, content):
        super().__init__(content)
        self.name, self.size = name, len(content)


def last_event(case):
    return case.events.order_by("-created_at", "-id").first()


def test_the_consumer_is_a_party_only_of_their_own_actions():
    assert lifecycle.CONSUMER in lifecycle.TRANSITIONS["request_review"].parties
    assert lifecycle.CONSUMER in lifecycle.TRANSITIONS["withdraw"].parties
    assert "rate" not in lifecycle.TRANSITIONS and "supplement" not in lifecycle.TRANSITIONS
    assert lifecycle.CONSUMER_TRANSITIONS["rate"].parties == {lifecycle.CONSUMER}


def test_staff_never_see_consumer_only_actions(world):
    case = decided(world, new_case(world))
    for user in (world.handler_a, world.officer, world.admin):
        assert "rate" not in allowed_actions(user, case) and "supplement" not in allowed_actions(user, case)


def test_a_supplement_restarts_the_decision_period_from_its_receipt(world):
    opened = timezone.now() - timedelta(days=10)
    case = new_case(world, received_at=opened)
    before = case.due_at
    now = timezone.now()
    updated = take_consumer_action(case.pk, "supplement", {"text": "补充：医院出具的诊断证明"}, now=now)
    expected = deadlines.due_for("complaint.supplement_restart", now)
    assert updated.due_at == expected.at > before
    event = last_event(updated)
    assert event.type == CaseEvent.Type.SUPPLEMENTED and event.actor is None
    assert event.data["by"] == "consumer" and event.data["restarted"] is True
    assert event.data["due_date"] == expected.date.isoformat()


def test_the_restart_rule_is_data_turned_off_in_the_admin(world):
    DeadlineRule.objects.filter(code="complaint.supplement_restart").update(is_active=False)
    case = new_case(world, received_at=timezone.now() - timedelta(days=10))
    before = case.due_at
    updated = take_consumer_action(case.pk, "supplement", {"text": "补充材料"})
    assert updated.due_at == before and last_event(updated).data["restarted"] is False


def test_a_supplement_never_shortens_a_longer_deadline(world):
    case = new_case(world)
    take_action(world.handler_a, case.pk, "accept")
    take_action(world.handler_a, case.pk, "extend", {"level": "especially_complex", "reason": "需鉴定"})
    before = Case.objects.get(pk=case.pk).due_at
    assert take_consumer_action(case.pk, "supplement", {"text": "补充"}).due_at == before


def test_a_supplement_with_a_file_stores_it_encrypted_without_an_uploader(world):
    case = new_case(world)
    take_consumer_action(case.pk, "supplement", {}, upload=Upload("invoice.png", PNG))
    att = Attachment.objects.get(case=case)
    assert att.uploaded_by is None and att.content_type == "image/png" and PNG not in bytes(att.content)
    assert last_event(case).data["attachment_id"] == att.pk


@pytest.mark.parametrize(
    "fields,upload,field",
    [
        ({}, None, "text"),
        ({"text": "   "}, None, "text"),
        ({"text": "x" * 5001}, None, "text"),
        ({"text": 12}, None, "text"),
        ({"text": "ok"}, Upload("a.exe", b"MZ\x90\x00" * 10), "file"),
        ({"text": "ok"}, Upload("empty.png", b""), "file"),
    ],
)
def test_a_bad_supplement_names_its_field_and_writes_nothing(world, fields, upload, field):
    case = new_case(world)
    events, due = case.events.count(), case.due_at
    with pytest.raises(InvalidInput) as e:
        take_consumer_action(case.pk, "supplement", fields, upload=upload)
    assert field in e.value.fields
    case.refresh_from_db()
    assert case.events.count() == events and case.due_at == due and not Attachment.objects.filter(case=case).exists()


def test_no_supplement_once_decided(world):
    case = decided(world, new_case(world))
    with pytest.raises(Conflict) as e:
        take_consumer_action(case.pk, "supplement", {"text": "补充"})
    assert e.value.code == "action_not_open"


def test_a_review_request_inside_the_window(world):
    case = decided(world, new_case(world))
    updated = take_consumer_action(case.pk, "request_review", {"reason": "金额不对"})
    assert updated.status == Case.Status.IN_REVIEW
    event = last_event(updated)
    assert event.type == CaseEvent.Type.REVIEW_REQUESTED and event.data == {"by": "consumer", "reason": "金额不对"}
    assert updated.due_date == deadlines.due_for("complaint.review_decide", event.created_at).date


def test_a_review_request_needs_a_reason_and_the_window(world):
    case = decided(world, new_case(world))
    with pytest.raises(InvalidInput) as e:
        take_consumer_action(case.pk, "request_review", {})
    assert "reason" in e.value.fields
    late = case.informed_at + timedelta(days=45)
    assert "request_review" not in consumer_actions(case, now=late)
    with pytest.raises(Conflict) as c:
        take_consumer_action(case.pk, "request_review", {"reason": "不服"}, now=late)
    assert c.value.code == "review_window_closed"
    assert Case.objects.get(pk=case.pk).status == Case.Status.INFORMED


def test_no_review_before_the_decision_is_notified(world):
    case = decided(world, new_case(world), notify=False)
    with pytest.raises(Conflict):
        take_consumer_action(case.pk, "request_review", {"reason": "不服"})


def test_a_withdrawal_closes_the_case_the_day_it_is_received(world):
    case = new_case(world)
    updated = take_consumer_action(case.pk, "withdraw", {})
    assert updated.status == Case.Status.CLOSED and updated.due_at is None
    assert last_event(updated).data == {"by": "consumer", "reason": ""}
    with pytest.raises(Conflict):
        take_consumer_action(case.pk, "withdraw", {})


def test_rating_only_once_the_decision_is_notified(world):
    case = new_case(world)
    with pytest.raises(Conflict) as e:
        take_consumer_action(case.pk, "rate", {"solved": True, "satisfaction": 4})
    assert e.value.code == "action_not_open"
    case = decided(world, case, notify=False)
    assert "rate" not in consumer_actions(case)
    with pytest.raises(Conflict):
        take_consumer_action(case.pk, "rate", {"solved": True, "satisfaction": 4})
    assert not Rating.objects.exists()


def test_a_rating_is_stored_once_per_decision_and_a_later_decision_replaces_it(world):
    case = decided(world, new_case(world))
    take_consumer_action(case.pk, "rate", {"solved": False, "satisfaction": 2, "comment": "不满意"})
    rating = Rating.objects.get(case=case)
    assert (rating.solved, rating.satisfaction, rating.comment) == (False, 2, "不满意")
    assert last_event(case).data == {"by": "consumer", "solved": False, "satisfaction": 2}
    assert "rate" not in consumer_actions(Case.objects.get(pk=case.pk))
    with pytest.raises(Conflict) as e:
        take_consumer_action(case.pk, "rate", {"solved": True, "satisfaction": 5})
    assert e.value.code == "already_rated"
    # A review, a new decision, notified: the new rating replaces the old one.
    take_consumer_action(case.pk, "request_review", {"reason": "金额不对"})
    take_action(world.handler_a, case.pk, "decide_review", {"decision": "upheld", "reply": "核查后全额赔付"})
    take_action(world.handler_a, case.pk, "notify")
    take_consumer_action(case.pk, "rate", {"solved": True, "satisfaction": 5})
    assert Rating.objects.filter(case=case).count() == 1
    assert Rating.objects.get(case=case).satisfaction == 5


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"satisfaction": 4}, "solved"),
        ({"solved": "maybe", "satisfaction": 4}, "solved"),
        ({"solved": True}, "satisfaction"),
        ({"solved": True, "satisfaction": 0}, "satisfaction"),
        ({"solved": True, "satisfaction": 6}, "satisfaction"),
        ({"solved": True, "satisfaction": True}, "satisfaction"),
        ({"solved": True, "satisfaction": 4, "comment": "x" * 2001}, "comment"),
    ],
)
def test_a_bad_rating_names_its_field_and_stores_nothing(world, fields, field):
    case = decided(world, new_case(world))
    events = case.events.count()
    with pytest.raises(InvalidInput) as e:
        take_consumer_action(case.pk, "rate", fields)
    assert field in e.value.fields
    assert not Rating.objects.exists() and case.events.count() == events


def test_an_unknown_action_or_case(world):
    case = new_case(world)
    with pytest.raises(InvalidInput) as e:
        take_consumer_action(case.pk, "decide", {})
    assert "action" in e.value.fields
    with pytest.raises(NotFound):
        take_consumer_action(10**9, "withdraw", {})


def test_the_consumer_sms_follows_a_review_request(world, settings):
    from ombud.cases.models import Notification

    case = decided(world, new_case(world))
    before = Notification.objects.filter(case=case, template_id="consumer.review_requested").count()
    take_consumer_action(case.pk, "request_review", {"reason": "不服"})
    assert Notification.objects.filter(case=case, template_id="consumer.review_requested").count() == before + 1
