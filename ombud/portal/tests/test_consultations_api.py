"""Public consultations through the API: the public routes (no token; each bad field named with
nothing stored; 409 outside the period; 429 past the address limit) and the officers' routes
(their bureau only)."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from ombud.cases import notify_backends
from ombud.portal.models import Consultation, ConsultationAnswer, ConsultationResponse, ConsultationTag
from ombud.portal.tests.consultation_world import answer, make_consultation
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db
PUBLIC = "/api/v1/public/consultations"


def post(path: str, body, **headers):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return Client().post(path, data, content_type="application/json", **headers)


def good_body(c) -> dict:
    q1, q2 = c.questions.order_by("position")
    return {
        "answers": [{"question_id": q1.pk, "choice": "一般"}, {"question_id": q2.pk, "text": "希望简化材料"}],
        "city_code": MAOMING,
    }


def stored() -> tuple:
    return ConsultationResponse.objects.count(), ConsultationAnswer.objects.count()


@pytest.fixture
def open_one(world):
    return make_consultation(world.officer, "open")


def test_the_public_answers_without_a_token(open_one):
    r = post(f"{PUBLIC}/{open_one.pk}/responses", good_body(open_one))
    assert r.status_code == 201, r.content
    assert r.json()["verified_phone"] is False and "id" not in r.json()
    response = ConsultationResponse.objects.get()
    assert response.city_id == MAOMING and response.answers.count() == 2


def test_each_bad_field_is_named_and_nothing_is_stored(open_one):
    q1, q2 = open_one.questions.order_by("position")
    body = good_body(open_one)
    bad = [
        ({**body, "answers": [{"question_id": q2.pk, "text": "好"}]}, f"answers.{q1.pk}"),
        ({**body, "answers": [{"question_id": q1.pk, "choice": "不知道"}]}, f"answers.{q1.pk}"),
        (
            {**body, "answers": [{"question_id": q1.pk, "choice": "一般"}, {"question_id": 999999, "text": "x"}]},
            "answers.999999",
        ),
        (
            {
                **body,
                "answers": [{"question_id": q1.pk, "choice": "一般"}, {"question_id": q2.pk, "text": "长" * 2001}],
            },
            f"answers.{q2.pk}",
        ),
        ({**body, "answers": [{"question_id": "one"}]}, "answers.0.question_id"),
        ({**body, "answers": "all"}, "answers"),
        ({**body, "city_code": "999999"}, "city_code"),
        ({**body, "city_code": "4" * 13}, "city_code"),
        ({**body, "phone": "13800138000"}, "otp"),
        ({**body, "otp": "123456"}, "phone"),
        ({**body, "phone": "12345", "otp": "123456"}, "phone"),
        ({key: v for key, v in body.items() if key != "answers"}, "answers"),
    ]
    for payload, field in bad:
        r = post(f"{PUBLIC}/{open_one.pk}/responses", payload)
        assert r.status_code == 400, (payload, r.content)
        error = r.json()["error"]
        assert field in error["fields"], (field, error)
    for raw, code in (("{not json", "malformed_json"), ("[]", "invalid")):
        r = post(f"{PUBLIC}/{open_one.pk}/responses", raw)
        assert r.status_code == 400 and r.json()["error"]["code"] == code
    assert stored() == (0, 0)


@override_settings(OMBUD_SMS_BACKEND="memory")
def test_a_wrong_code_is_refused_and_a_right_one_answers_once(open_one):
    notify_backends.outbox.clear()
    r = post(f"{PUBLIC}/{open_one.pk}/otp", {"phone": "138 0013 8000"})
    assert r.status_code == 202, r.content
    code = re.search(r"\d{6}", notify_backends.outbox[-1].body).group(0)
    wrong = "000000" if code != "000000" else "111111"
    r = post(f"{PUBLIC}/{open_one.pk}/responses", {**good_body(open_one), "phone": "13800138000", "otp": wrong})
    assert r.status_code == 400 and set(r.json()["error"]["fields"]) == {"otp"}
    assert stored() == (0, 0)
    r = post(f"{PUBLIC}/{open_one.pk}/responses", {**good_body(open_one), "phone": "13800138000", "otp": code})
    assert r.status_code == 201 and r.json()["verified_phone"] is True
    r = post(f"{PUBLIC}/{open_one.pk}/responses", {**good_body(open_one), "phone": "13800138000", "otp": code})
    assert r.status_code == 400  # the code is used up
    assert stored() == (1, 2)


@pytest.mark.parametrize("state", ["scheduled", "closed"])
def test_answering_outside_the_period_is_409_and_the_code_is_not_sent(world, state):
    c = make_consultation(world.officer, state)
    body = good_body(c)
    r = post(f"{PUBLIC}/{c.pk}/responses", body)
    assert r.status_code == 409 and r.json()["error"]["code"] in ("consultation_not_open", "consultation_closed")
    assert post(f"{PUBLIC}/{c.pk}/otp", {"phone": "13800138000"}).status_code == 409
    assert stored() == (0, 0)


def test_an_unknown_consultation_is_404(world):
    assert post(f"{PUBLIC}/424242/responses", {"answers": []}).status_code == 404
    assert Client().get(f"{PUBLIC}/424242").status_code == 404
    assert Client().get(f"{PUBLIC}/0").status_code == 400  # not an id


@override_settings(OMBUD_CONSULTATION_ADDRESS_LIMIT=2)
def test_the_address_limit_is_429_with_retry_after(open_one):
    for _ in range(2):
        assert post(f"{PUBLIC}/{open_one.pk}/responses", good_body(open_one)).status_code == 201
    r = post(f"{PUBLIC}/{open_one.pk}/responses", good_body(open_one))
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    assert r.json()["error"]["code"] == "consultation_address_limited"
    assert stored() == (2, 4)


def test_the_public_reads_consultations_but_never_an_answer(world, open_one):
    answer(open_one, text="我的保单号是PD123，理赔太慢")
    closed = make_consultation(world.officer, "closed", title="已结束的征求意见")
    answer_closed = ConsultationResponse.objects.count()
    scheduled = make_consultation(world.officer, "scheduled", title="将要开始")
    listing = Client().get(PUBLIC).json()
    assert [item["id"] for item in listing["items"]] == [open_one.pk]
    one = Client().get(f"{PUBLIC}/{open_one.pk}").json()
    assert one["state"] == "open" and len(one["questions"]) == 2 and one["summary"] is None
    assert "PD123" not in json.dumps(one, ensure_ascii=False)
    sched = Client().get(f"{PUBLIC}/{scheduled.pk}").json()
    assert sched["state"] == "scheduled" and sched["questions"] == []
    from ombud.portal.consultations import services

    services.save_summary(world.officer, closed.pk, "公众希望理赔更快。", publish=True)
    done = Client().get(f"{PUBLIC}/{closed.pk}").json()
    assert done["summary"] == "公众希望理赔更快。" and done["responses"] == 0 and answer_closed == 1
    assert [c["choice"] for c in done["by_choice"][0]["choices"]] == ["满意", "一般", "不满意"]
    assert {item["id"] for item in Client().get(PUBLIC).json()["items"]} == {open_one.pk, closed.pk}


# ---- officers ------------------------------------------------------------------------------------


def _create_body(world, **overrides) -> dict:
    now = timezone.now()
    body = {
        "title": "寿险销售误导征求意见",
        "description": "请谈谈您遇到的销售误导。",
        "opens_at": (now + timedelta(hours=2)).isoformat(),
        "closes_at": (now + timedelta(days=10)).isoformat(),
        "questions": [
            {"text": "您是否遇到过销售误导？", "kind": "choice", "choices": ["是", "否"], "required": True},
            {"text": "请描述经过"},
        ],
    }
    body.update(overrides)
    return body


def test_an_officer_opens_edits_and_counts_through_the_api(world):
    api = world.api(world.officer)
    r = api.post("/api/v1/consultations", _create_body(world))
    assert r.status_code == 201, r.content
    created = r.json()
    assert created["state"] == "scheduled" and created["bureau_id"] == world.gd_bureau.pk
    cid = created["id"]
    r = api.client.put(
        f"/api/v1/consultations/{cid}",
        json.dumps(_create_body(world, title="改过的标题")),
        content_type="application/json",
        **api.headers,
    )
    assert r.status_code == 200 and r.json()["title"] == "改过的标题"
    assert api.get("/api/v1/consultations").json()["items"][0]["id"] == cid
    # another bureau's officer: 404; a company: 403
    assert world.api(world.sz_officer).get(f"/api/v1/consultations/{cid}").status_code == 404
    assert world.api(world.handler_a).get(f"/api/v1/consultations/{cid}").status_code == 403
    assert world.api(world.handler_a).get("/api/v1/consultations").status_code == 403


def test_the_api_refuses_a_bad_consultation_naming_the_field(world):
    api = world.api(world.officer)
    now = timezone.now()
    bad = [
        (_create_body(world, title=""), "title"),
        (_create_body(world, opens_at=(now - timedelta(days=1)).isoformat()), "opens_at"),
        (_create_body(world, closes_at=(now + timedelta(minutes=1)).isoformat()), "closes_at"),
        (_create_body(world, questions=[]), "questions"),
        (_create_body(world, questions=[{"text": "好吗", "kind": "choice", "choices": ["好"]}]), "questions.0.choices"),
        (_create_body(world, opens_at="tomorrow"), "opens_at"),
    ]
    for body, field in bad:
        r = api.post("/api/v1/consultations", body)
        assert r.status_code == 400 and field in r.json()["error"]["fields"], (field, r.content)
    assert not Consultation.objects.exists()


def test_officers_tag_read_and_count_answers(world, open_one):
    r1 = answer(open_one, choice="不满意", city=MAOMING)
    answer(open_one, choice="满意")
    api = world.api(world.officer)
    base = f"/api/v1/consultations/{open_one.pk}"
    page = api.get(f"{base}/responses").json()
    assert len(page["items"]) == 2 and page["items"][1]["answers"][1]["text"] == "理赔太慢"
    r = api.client.put(
        f"{base}/responses/{r1.pk}/tags",
        json.dumps({"tags": ["理赔慢"]}),
        content_type="application/json",
        **api.headers,
    )
    assert r.status_code == 200 and r.json()["tags"][0]["name"] == "理赔慢" and r.json()["read"] is True
    counts = api.get(f"{base}/counts").json()
    assert counts["by_tag"] == [{"tag_id": ConsultationTag.objects.get().pk, "name": "理赔慢", "count": 1}]
    assert counts["responses"] == 2 and counts["unread"] == 1
    assert {c["choice"]: c["count"] for c in counts["by_choice"][0]["choices"]} == {"满意": 1, "一般": 0, "不满意": 1}
    assert api.post(f"{base}/responses/{r1.pk}/read", {"read": False}).json()["read"] is False
    sz = world.api(world.sz_officer)
    assert sz.get(f"{base}/counts").status_code == 404
    assert sz.post(f"{base}/responses/{r1.pk}/read", {"read": True}).status_code == 404
    r = api.client.put(
        f"{base}/summary",
        json.dumps({"summary": "总结", "publish": True}),
        content_type="application/json",
        **api.headers,
    )
    assert r.status_code == 409  # still open
