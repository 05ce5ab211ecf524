"""Public consultations (征求意见), the services: opening one (validation, the period), its
bureau's officers only (scoping), the public's answers (period, fields, limits, the phone),
tags and counts, the summary, and the block in the bureau's reports."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ombud.cases import notify_backends
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.personal_data import blind_index
from ombud.portal import limits
from ombud.portal.consultations import queries, services
from ombud.portal.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationResponse,
    ConsultationTag,
    PhoneChallenge,
)
from ombud.portal.tests.consultation_world import answer, consultation_input, make_consultation
from ombud.portal.verification import send_code
from ombud.testing import GUANGZHOU, MAOMING

pytestmark = pytest.mark.django_db

Q = services.QuestionInput


def fields(exc) -> set[str]:
    return set(exc.value.fields)


# ---- opening a consultation ----------------------------------------------------------------------


def test_an_officer_opens_a_consultation_of_their_bureau_with_its_questions(world):
    c = services.open_consultation(world.officer, consultation_input())
    assert c.bureau == world.gd_bureau and c.created_by == world.officer
    qs = list(c.questions.order_by("position"))
    assert [(q.position, q.kind, q.required) for q in qs] == [(1, "choice", True), (2, "text", False)]
    assert qs[0].choices == ["满意", "一般", "不满意"]
    assert queries.state(c) == queries.SCHEDULED


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "长" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"opens_at": None}, "opens_at"),
        ({"closes_at": None}, "closes_at"),
        ({"questions": ()}, "questions"),
        ({"questions": tuple(Q(text=f"问题{i}") for i in range(11))}, "questions"),
        ({"questions": (Q(text=""),)}, "questions.0.text"),
        ({"questions": (Q(text="问" * 501),)}, "questions.0.text"),
        ({"questions": (Q(text="好吗", kind="rating"),)}, "questions.0.kind"),
        ({"questions": (Q(text="好吗", kind="choice", choices=("好",)),)}, "questions.0.choices"),
        ({"questions": (Q(text="好吗", kind="choice", choices=("好", "好")),)}, "questions.0.choices"),
        ({"questions": (Q(text="好吗", kind="choice", choices=tuple("一二三四五六七八九")),)}, "questions.0.choices"),
        ({"questions": (Q(text="好吗", kind="text", choices=("是", "否")),)}, "questions.0.choices"),
        (
            {"questions": (Q(text="一"), Q(text="好吗", kind="choice", choices=("是", "长" * 101)))},
            "questions.1.choices",
        ),
    ],
)
def test_a_consultation_is_refused_naming_the_field_and_nothing_is_stored(world, overrides, field):
    with pytest.raises(InvalidInput) as e:
        services.open_consultation(world.officer, consultation_input(**overrides))
    assert field in fields(e)
    assert not Consultation.objects.exists()


def test_the_period_opens_now_or_later_and_lasts_an_hour_to_ninety_days(world):
    now = timezone.now()
    cases = [
        ({"opens_at": now - timedelta(minutes=10)}, "opens_at"),  # in the past
        ({"opens_at": now + timedelta(days=400), "closes_at": now + timedelta(days=401)}, "opens_at"),
        ({"closes_at": now + timedelta(minutes=30)}, "closes_at"),  # closes before it opens
        ({"opens_at": now + timedelta(hours=1), "closes_at": now + timedelta(hours=1, minutes=30)}, "closes_at"),
        ({"closes_at": now + timedelta(days=92)}, "closes_at"),  # longer than 90 days
        ({"opens_at": now.replace(tzinfo=None) + timedelta(hours=1)}, "opens_at"),  # no time zone
    ]
    for overrides, field in cases:
        with pytest.raises(InvalidInput) as e:
            services.open_consultation(world.officer, consultation_input(**overrides))
        assert field in fields(e), overrides
    # a few seconds ago (a form's "now", to the minute) is fine
    services.open_consultation(world.officer, consultation_input(opens_at=now - timedelta(seconds=50)))
    services.open_consultation(
        world.officer, consultation_input(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(days=90))
    )
    assert Consultation.objects.count() == 2


@pytest.mark.parametrize("persona", ["handler_a", "staff_mm", "nobody", "officer_no_bureau"])
def test_only_a_regulator_with_a_bureau_opens_one(world, persona):
    with pytest.raises(Forbidden):
        services.open_consultation(getattr(world, persona), consultation_input())
    assert not Consultation.objects.exists()


def test_a_nationwide_admin_names_the_bureau_and_an_officer_may_not_name_another(world):
    with pytest.raises(InvalidInput) as e:
        services.open_consultation(world.admin, consultation_input())
    assert fields(e) == {"bureau_id"}
    c = services.open_consultation(world.admin, consultation_input(bureau_id=world.sz_bureau.pk))
    assert c.bureau == world.sz_bureau
    with pytest.raises(Forbidden) as e:
        services.open_consultation(world.officer, consultation_input(bureau_id=world.sz_bureau.pk))
    assert fields(e) == {"bureau_id"}
    with pytest.raises(InvalidInput):
        services.open_consultation(world.admin, consultation_input(bureau_id=world.company_a.pk))


def test_it_is_edited_until_it_opens_and_then_no_more(world):
    c = make_consultation(world.officer, "scheduled")
    services.update_consultation(
        world.officer, c.pk, consultation_input(title="新标题", questions=(Q(text="只有一个问题", required=True),))
    )
    c.refresh_from_db()
    assert c.title == "新标题" and [q.text for q in c.questions.all()] == ["只有一个问题"]
    opened = make_consultation(world.officer, "open")
    with pytest.raises(Conflict):
        services.update_consultation(world.officer, opened.pk, consultation_input(title="改"))
    assert Consultation.objects.get(pk=opened.pk).title == "车险理赔服务征求意见"


# ---- scoping -------------------------------------------------------------------------------------


def test_a_bureau_sees_only_its_own_consultations(world):
    gd = make_consultation(world.officer, "open", title="广东")
    sz = make_consultation(world.sz_officer, "open", title="深圳")
    assert list(queries.consultations_for(world.officer)) == [gd]
    assert list(queries.consultations_for(world.sz_officer)) == [sz]
    assert set(queries.consultations_for(world.admin)) == {gd, sz}
    with pytest.raises(NotFound):
        queries.access_consultation(world.sz_officer, gd.pk)
    r = answer(gd)
    with pytest.raises(NotFound):
        services.set_tags(world.sz_officer, gd.pk, r.pk, ["理赔慢"])
    with pytest.raises(NotFound):
        services.mark_read(world.sz_officer, gd.pk, r.pk)
    with pytest.raises(NotFound):  # an answer named through another consultation
        services.set_tags(world.sz_officer, sz.pk, r.pk, ["理赔慢"])
    with pytest.raises(NotFound):
        services.update_consultation(world.sz_officer, gd.pk, consultation_input())
    for persona in ("handler_a", "handler_b", "staff_mm", "nobody", "officer_no_bureau"):
        with pytest.raises(Forbidden):
            queries.consultations_for(getattr(world, persona))
    assert not ConsultationTag.objects.exists()


# ---- the public's answers ------------------------------------------------------------------------


def test_the_public_answers_an_open_consultation_and_the_text_is_encrypted(world):
    c = make_consultation(world.officer, "open")
    r = answer(c, text="理赔要跑三次，太慢", city=MAOMING)
    assert r.city_id == MAOMING and r.phone_index == "" and r.read_at is None
    stored = {a.question.position: (a.choice, a.text) for a in r.answers.all()}
    assert stored == {1: ("不满意", ""), 2: ("", "理赔要跑三次，太慢")}
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM portal_consultationanswer WHERE choice = ''")
        (raw,) = cursor.fetchone()
    assert "理赔" not in raw


@pytest.mark.parametrize(("state", "code"), [("scheduled", "consultation_not_open"), ("closed", "consultation_closed")])
def test_answers_are_taken_only_during_the_period(world, state, code):
    c = make_consultation(world.officer, state)
    with pytest.raises(Conflict) as e:
        answer(c)
    assert e.value.code == code
    assert not ConsultationResponse.objects.exists()


def test_bad_answers_name_each_question_and_nothing_is_stored(world):
    c = make_consultation(world.officer, "open")
    other = make_consultation(world.officer, "open", title="另一个")
    q1, q2 = c.questions.order_by("position")
    foreign = other.questions.first()
    A = services.AnswerInput
    bad = [
        ((A(q1.pk, choice="还行"), A(q2.pk, text="好")), f"answers.{q1.pk}"),  # not a choice
        ((A(q2.pk, text="好"),), f"answers.{q1.pk}"),  # a required question left out
        ((A(q1.pk, text="满意"),), f"answers.{q1.pk}"),  # words for a choice
        ((A(q1.pk, choice="满意"), A(q2.pk, choice="满意")), f"answers.{q2.pk}"),  # a choice for words
        ((A(q1.pk, choice="满意"), A(q2.pk, text="长" * 2001)), f"answers.{q2.pk}"),
        ((A(q1.pk, choice="满意"), A(foreign.pk, text="好")), f"answers.{foreign.pk}"),
        ((A(q1.pk, choice="满意"), A(q1.pk, choice="一般")), f"answers.{q1.pk}"),
    ]
    for answers, field in bad:
        with pytest.raises(InvalidInput) as e:
            services.submit_response(c.pk, services.ResponseInput(answers=answers), address="203.0.113.7")
        assert field in fields(e), answers
    with pytest.raises(InvalidInput) as e:
        services.submit_response(
            c.pk, services.ResponseInput(answers=(A(q1.pk, choice="满意"),), city_code="999999"), address="a"
        )
    assert fields(e) == {"city_code"}
    assert not ConsultationResponse.objects.exists() and not ConsultationAnswer.objects.exists()


def test_an_answer_with_nothing_in_it_is_refused(world):
    c = make_consultation(world.officer, "open", questions=(Q(text="有什么建议？"),))
    with pytest.raises(InvalidInput) as e:
        services.submit_response(c.pk, services.ResponseInput(answers=()), address="a")
    assert fields(e) == {"answers"}


@override_settings(OMBUD_CONSULTATION_ADDRESS_LIMIT=3)
def test_answers_are_limited_per_address(world):
    c = make_consultation(world.officer, "open")
    for _ in range(3):
        answer(c, address="198.51.100.1")
    with pytest.raises(limits.TooManyAttempts) as e:
        answer(c, address="198.51.100.1")
    assert e.value.retry_after > 0
    answer(c, address="198.51.100.2")  # another address is not limited
    assert ConsultationResponse.objects.count() == 4


def _digits(body: str) -> str:
    return re.search(r"\d{6}", body).group(0)


@override_settings(OMBUD_SMS_BACKEND="memory")
def test_a_verified_phone_answers_once_and_only_its_blind_index_is_kept(world):
    notify_backends.outbox.clear()
    c = make_consultation(world.officer, "open")
    send_code("13800138000", PhoneChallenge.Purpose.CONSULTATION, "203.0.113.9")
    code = _digits(notify_backends.outbox[-1].body)
    r = answer(c, phone="13800138000", otp=code)
    assert r.phone_index == blind_index("13800138000")
    # the same number again, with a new code: refused, and the first answer is unchanged
    PhoneChallenge.objects.update(created_at=timezone.now() - timedelta(minutes=5))
    send_code("13800138000", PhoneChallenge.Purpose.CONSULTATION, "203.0.113.9")
    code = _digits(notify_backends.outbox[-1].body)
    with pytest.raises(Conflict) as e:
        answer(c, phone="13800138000", otp=code, text="第二次")
    assert e.value.code == "already_answered"
    assert ConsultationResponse.objects.count() == 1
    # the refused answer did not use up its code (it rolled back)
    assert PhoneChallenge.objects.filter(used_at__isnull=True).count() == 1
    # the session's proof (a page) counts the same way
    with pytest.raises(Conflict):
        answer(c, proven_phone="13800138000")
    other = make_consultation(world.officer, "open", title="另一个")
    assert answer(other, proven_phone="13800138000").phone_index == r.phone_index


@override_settings(OMBUD_SMS_BACKEND="memory")
def test_a_wrong_code_or_a_number_without_code_is_refused_and_nothing_is_stored(world):
    c = make_consultation(world.officer, "open")
    send_code("13800138000", PhoneChallenge.Purpose.CONSULTATION, "203.0.113.9")
    with pytest.raises(InvalidInput) as e:
        answer(c, phone="13800138000", otp="000000")
    assert fields(e) == {"otp"}
    with pytest.raises(InvalidInput) as e:
        answer(c, phone="13800138000")
    assert fields(e) == {"otp"}
    with pytest.raises(InvalidInput) as e:
        answer(c, otp="123456")
    assert fields(e) == {"phone"}
    with pytest.raises(InvalidInput) as e:
        answer(c, phone="0203", otp="123456")
    assert fields(e) == {"phone"}
    # a code for another purpose does not prove the number for a consultation
    send_code("13900139000", PhoneChallenge.Purpose.FILE, "203.0.113.9")
    code = _digits(notify_backends.outbox[-1].body)
    with pytest.raises(InvalidInput):
        answer(c, phone="13900139000", otp=code)
    assert not ConsultationResponse.objects.exists()


# ---- reading, tagging, counting ------------------------------------------------------------------


def test_tags_are_made_on_the_fly_and_counted_per_tag_choice_and_city(world):
    c = make_consultation(world.officer, "open")
    r1 = answer(c, choice="不满意", city=MAOMING)
    r2 = answer(c, choice="不满意", city=MAOMING)
    r3 = answer(c, choice="满意", city=GUANGZHOU)
    answer(c, choice="一般")
    services.set_tags(world.officer, c.pk, r1.pk, services.parse_tags("理赔慢，服务态度"))
    services.set_tags(world.officer, c.pk, r2.pk, ["理赔慢", " 理赔慢 "])
    services.set_tags(world.officer, c.pk, r3.pk, ["表扬"])
    assert sorted(ConsultationTag.objects.values_list("name", flat=True)) == ["服务态度", "理赔慢", "表扬"]
    services.mark_read(world.officer, c.pk, r3.pk, read=False)
    counts = queries.consultation_counts(world.officer, c.pk)
    assert counts.responses == 4 and counts.unread == 2 and counts.verified == 0
    assert [(name, n) for _id, name, n in counts.by_tag] == [("理赔慢", 2), ("服务态度", 1), ("表扬", 1)]
    assert [(code, n) for code, _name, n in counts.by_city] == [(MAOMING, 2), (GUANGZHOU, 1), (None, 1)]
    (choice_counts,) = counts.by_choice
    assert choice_counts.counts == [("满意", 1), ("一般", 1), ("不满意", 2)] and choice_counts.answered == 4
    # a tag taken off every answer stays, counted 0; the answer's tags are replaced
    services.set_tags(world.officer, c.pk, r3.pk, [])
    assert ("表扬", 0) in [(name, n) for _id, name, n in queries.counts(c).by_tag]


def test_bad_tags_are_refused(world):
    c = make_consultation(world.officer, "open")
    r = answer(c)
    with pytest.raises(InvalidInput) as e:
        services.set_tags(world.officer, c.pk, r.pk, ["长" * 41])
    assert fields(e) == {"tags"}
    with pytest.raises(InvalidInput):
        services.set_tags(world.officer, c.pk, r.pk, [f"标签{i}" for i in range(11)])
    assert not ConsultationTag.objects.exists()


def test_the_answers_page_in_keyset_order_filtered_by_tag(world):
    c = make_consultation(world.officer, "open")
    now = timezone.now()
    made = [answer(c, now=now - timedelta(minutes=i)) for i in range(5)]
    services.set_tags(world.officer, c.pk, made[3].pk, ["理赔慢"])
    first = queries.response_page(world.officer, c.pk, cursor=None, limit=2)
    second = queries.response_page(world.officer, c.pk, cursor=first.next_cursor, limit=2)
    assert [r.pk for r in first.items + second.items] == [r.pk for r in made[:4]]
    tag = ConsultationTag.objects.get()
    tagged = queries.response_page(
        world.officer, c.pk, filters=queries.ResponseFilters(tag_id=tag.pk), cursor=None, limit=10
    )
    assert [r.pk for r in tagged.items] == [made[3].pk]
    with CaptureQueriesContext(connection) as ctx:
        page = queries.response_page(world.officer, c.pk, cursor=None, limit=50)
        for r in page.items:
            list(r.answers.all()), list(r.tags.all())
    assert len(ctx.captured_queries) == 4  # the consultation, the page, its answers, its tags


# ---- the summary ---------------------------------------------------------------------------------


def test_the_summary_is_written_after_it_closes_and_then_published(world):
    open_one = make_consultation(world.officer, "open")
    with pytest.raises(Conflict):
        services.save_summary(world.officer, open_one.pk, "总结")
    c = make_consultation(world.officer, "closed")
    with pytest.raises(InvalidInput) as e:
        services.save_summary(world.officer, c.pk, "  ", publish=True)
    assert fields(e) == {"summary"}
    services.save_summary(world.officer, c.pk, "草稿")
    assert not queries.public_consultations().filter(pk=c.pk).exists()
    services.save_summary(world.officer, c.pk, "公众最关心理赔时效。", publish=True)
    c.refresh_from_db()
    first = c.summary_published_at
    assert first is not None and queries.public_consultations().filter(pk=c.pk).exists()
    services.save_summary(world.officer, c.pk, "公众最关心理赔时效，我局将督促整改。", publish=True)
    c.refresh_from_db()
    assert c.summary_published_at == first and c.summary.endswith("整改。")
    with pytest.raises(InvalidInput):
        services.save_summary(world.officer, c.pk, "")
    with pytest.raises(NotFound):
        services.save_summary(world.sz_officer, c.pk, "深圳的总结", publish=True)


def test_the_public_list_shows_open_ones_and_closed_ones_with_a_summary(world):
    scheduled = make_consultation(world.officer, "scheduled", title="未开始")
    open_one = make_consultation(world.sz_officer, "open", title="进行中")
    closed = make_consultation(world.officer, "closed", title="已结束")
    published = make_consultation(world.officer, "closed", title="已发布")
    services.save_summary(world.officer, published.pk, "总结", publish=True)
    listed = set(queries.public_consultations())
    assert listed == {open_one, published}
    assert scheduled not in listed and closed not in listed


# ---- the bureau's reports ------------------------------------------------------------------------


def test_the_report_block_counts_the_bureaus_consultations_in_the_period(world):
    gd = make_consultation(world.officer, "open", title="广东")
    make_consultation(world.sz_officer, "open", title="深圳")
    r = answer(gd)
    answer(gd)
    services.set_tags(world.officer, gd.pk, r.pk, ["理赔慢"])
    figures = queries.report_figures(world.officer)
    assert figures.consultations == 1 and figures.responses == 2
    (row,) = figures.rows
    assert row.consultation == gd and row.responses == 2 and row.top_tags == [("理赔慢", 1)]
    assert queries.report_figures(world.admin).consultations == 2
    assert queries.report_figures(world.sz_officer).responses == 0
    today = timezone.localdate()
    assert queries.report_figures(world.officer, since=today + timedelta(days=30)).consultations == 0
    assert queries.report_figures(world.officer, until=today - timedelta(days=30)).consultations == 0
    for persona in ("handler_a", "staff_mm", "nobody", "officer_no_bureau"):
        assert queries.report_figures(getattr(world, persona)) is None
