"""Public consultations, the pages: the officers' (per persona: their bureau's only), the
public's (list, answer form, period, honeypot, the optional phone check) and the block in the
case statistics page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from ombud.cases import notify_backends
from ombud.portal.consultations import services
from ombud.portal.models import Consultation, ConsultationResponse, ConsultationTag
from ombud.portal.tests.consultation_world import answer, make_consultation
from ombud.testing import MAOMING

pytestmark = pytest.mark.django_db


def en(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def signed_in(world, persona: str) -> Client:
    return en(world.browser_client(getattr(world, persona)))


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def form_body(**overrides) -> dict:
    now = timezone.now()
    body = {
        "title": "保险服务征求意见",
        "description": "请谈谈您对保险服务的意见。",
        "opens_at": local(now + timedelta(hours=1)),
        "closes_at": local(now + timedelta(days=7)),
        "q0_text": "您对理赔满意吗？",
        "q0_kind": "choice",
        "q0_choices": "满意\n不满意",
        "q0_required": "on",
        "q1_text": "有什么建议？",
        "q1_kind": "text",
    }
    body.update(overrides)
    return body


# ---- officers ------------------------------------------------------------------------------------


def test_an_officer_opens_a_consultation_on_the_page(world):
    client = signed_in(world, "officer")
    assert client.get("/consultations/manage/new/").status_code == 200
    r = client.post("/consultations/manage/new/", form_body())
    assert r.status_code == 302, r.content.decode()[:2000]
    c = Consultation.objects.get()
    assert r["Location"] == f"/consultations/manage/{c.pk}/"
    assert [q.text for q in c.questions.order_by("position")] == ["您对理赔满意吗？", "有什么建议？"]
    page = client.get(r["Location"]).content.decode()
    assert "保险服务征求意见" in page and 'id="consult-edit"' in page


def test_the_form_names_what_is_wrong_and_stores_nothing(world):
    client = signed_in(world, "officer")
    r = client.post("/consultations/manage/new/", form_body(q0_choices="满意", q1_text=""))
    assert r.status_code == 400
    page = r.content.decode()
    assert "Give between 2 and 8 different choices." in page
    r = client.post("/consultations/manage/new/", form_body(opens_at=local(timezone.now() - timedelta(days=2))))
    assert r.status_code == 400 and "It cannot open in the past." in r.content.decode()
    assert not Consultation.objects.exists()


def test_a_nationwide_admin_chooses_the_bureau(world):
    client = signed_in(world, "admin")
    assert 'name="bureau"' in client.get("/consultations/manage/new/").content.decode()
    r = client.post("/consultations/manage/new/", form_body(bureau=world.sz_bureau.pk))
    assert r.status_code == 302 and Consultation.objects.get().bureau == world.sz_bureau


def test_edit_before_it_opens_only(world):
    client = signed_in(world, "officer")
    c = make_consultation(world.officer, "scheduled")
    assert client.get(f"/consultations/manage/{c.pk}/edit/").status_code == 200
    r = client.post(f"/consultations/manage/{c.pk}/edit/", form_body(title="改后的"))
    assert r.status_code == 302 and Consultation.objects.get(pk=c.pk).title == "改后的"
    opened = make_consultation(world.officer, "open")
    r = client.post(f"/consultations/manage/{opened.pk}/edit/", form_body(title="不许改"))
    assert r.status_code == 302 and Consultation.objects.get(pk=opened.pk).title != "不许改"


@pytest.mark.parametrize(
    ("persona", "status"),
    [("officer", 200), ("admin", 200), ("sz_officer", 404), ("handler_a", 403), ("staff_mm", 403), ("nobody", 403)],
)
def test_each_persona_on_the_officers_pages(world, persona, status):
    c = make_consultation(world.officer, "open")
    r = answer(c)
    client = signed_in(world, persona)
    for url in (f"/consultations/manage/{c.pk}/", f"/consultations/manage/{c.pk}/answers/"):
        assert client.get(url).status_code == status, url
    tagged = client.post(f"/consultations/manage/{c.pk}/answers/{r.pk}/tags/", {f"r{r.pk}-tags": "理赔慢"})
    assert (tagged.status_code == 302) == (status == 200)
    assert ConsultationTag.objects.exists() == (status == 200)
    listing = client.get("/consultations/manage/")
    if status == 200:
        assert listing.status_code == 200 and c.title in listing.content.decode()
    elif persona == "sz_officer":
        assert listing.status_code == 200 and c.title not in listing.content.decode()
    else:
        assert listing.status_code == 403


def test_signed_out_the_officers_pages_lead_to_login(world):
    c = make_consultation(world.officer, "open")
    r = Client().get(f"/consultations/manage/{c.pk}/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_the_officer_reads_tags_and_sees_the_counts(world):
    c = make_consultation(world.officer, "open")
    r1 = answer(c, text="理赔等了两个月", city=MAOMING)
    answer(c, choice="满意", text="")
    client = signed_in(world, "officer")
    page = client.get(f"/consultations/manage/{c.pk}/answers/").content.decode()
    assert "理赔等了两个月" in page and page.count('class="card consult-answer consult-unread"') == 2
    here = f"/consultations/manage/{c.pk}/answers/?unread=1"
    r = client.post(
        f"/consultations/manage/{c.pk}/answers/{r1.pk}/tags/", {f"r{r1.pk}-tags": "理赔慢、材料多", "next": here}
    )
    assert r.status_code == 302 and r["Location"] == here
    r = client.post(
        f"/consultations/manage/{c.pk}/answers/{r1.pk}/tags/", {f"r{r1.pk}-tags": "x", "next": "https://evil.example/"}
    )
    assert r["Location"] == f"/consultations/manage/{c.pk}/answers/"
    services.set_tags(world.officer, c.pk, r1.pk, ["理赔慢", "材料多"])
    detail = client.get(f"/consultations/manage/{c.pk}/").content.decode()
    assert 'data-tag="理赔慢"' in detail and 'data-kpi="responses">2<' in detail
    tag = ConsultationTag.objects.get(name="理赔慢")
    filtered = client.get(f"/consultations/manage/{c.pk}/answers/?tag={tag.pk}").content.decode()
    assert "理赔等了两个月" in filtered and filtered.count('data-response="') == 1
    client.post(f"/consultations/manage/{c.pk}/answers/{r1.pk}/read/", {"read": "0"})
    assert ConsultationResponse.objects.get(pk=r1.pk).read_at is None


def test_the_summary_is_written_and_published_after_closing(world):
    c = make_consultation(world.officer, "closed")
    answer_count = 0
    client = signed_in(world, "officer")
    assert 'id="consult-summary-form"' in client.get(f"/consultations/manage/{c.pk}/").content.decode()
    r = client.post(f"/consultations/manage/{c.pk}/summary/", {"summary": "", "action": "publish"})
    assert r.status_code == 400
    r = client.post(f"/consultations/manage/{c.pk}/summary/", {"summary": "公众关心理赔时效。", "action": "publish"})
    assert r.status_code == 302
    public = en(Client()).get(f"/consultations/{c.pk}/").content.decode()
    assert "公众关心理赔时效。" in public and 'id="consult-summary"' in public and answer_count == 0
    open_one = make_consultation(world.officer, "open")
    r = client.post(f"/consultations/manage/{open_one.pk}/summary/", {"summary": "太早", "action": "save"})
    assert r.status_code == 409 and Consultation.objects.get(pk=open_one.pk).summary == ""


def test_the_case_statistics_page_shows_the_consultations_block_to_regulators(world):
    c = make_consultation(world.officer, "open", title="广东理赔征求意见")
    r = answer(c)
    services.set_tags(world.officer, c.pk, r.pk, ["理赔慢"])
    page = signed_in(world, "officer").get("/reports/cases/").content.decode()
    assert 'id="consultations-report"' in page and "广东理赔征求意见" in page and "理赔慢" in page
    assert "广东理赔征求意见" not in signed_in(world, "sz_officer").get("/reports/cases/").content.decode()
    company = signed_in(world, "handler_a").get("/reports/cases/").content.decode()
    assert 'id="consultations-report"' not in company


# ---- the public ----------------------------------------------------------------------------------


def test_the_public_list_and_page_need_no_login(world):
    c = make_consultation(world.officer, "open", title="公开的征求意见")
    make_consultation(world.officer, "scheduled", title="还没开始的")
    page = en(Client()).get("/consultations/").content.decode()
    assert "公开的征求意见" in page and "还没开始的" not in page
    detail = en(Client()).get(f"/consultations/{c.pk}/")
    assert detail.status_code == 200 and 'id="answer"' in detail.content.decode()


def _answer_post(c, **overrides) -> dict:
    q1, q2 = c.questions.order_by("position")
    body = {f"q{q1.pk}": "一般", f"q{q2.pk}": "希望理赔快一点", "city": MAOMING, "website": ""}
    body.update(overrides)
    return body


def test_the_public_answers_on_the_page(world):
    c = make_consultation(world.officer, "open")
    client = en(Client())
    r = client.post(f"/consultations/{c.pk}/", _answer_post(c))
    assert r.status_code == 302
    assert r["Location"] == f"/consultations/{c.pk}/?answered=1"
    assert 'id="consult-thanks"' in client.get(r["Location"]).content.decode()
    response = ConsultationResponse.objects.get()
    assert response.city_id == MAOMING and response.phone_index == ""


def test_a_required_question_left_out_is_named_on_the_page(world):
    c = make_consultation(world.officer, "open")
    q1 = c.questions.order_by("position").first()
    r = en(Client()).post(f"/consultations/{c.pk}/", _answer_post(c, **{f"q{q1.pk}": ""}))
    assert r.status_code == 400 and "This question needs an answer." in r.content.decode()
    r = en(Client()).post(f"/consultations/{c.pk}/", _answer_post(c, **{f"q{q1.pk}": "胡说"}))
    assert r.status_code == 400
    assert not ConsultationResponse.objects.exists()


def test_a_robot_filling_the_hidden_field_is_thanked_and_nothing_is_stored(world):
    c = make_consultation(world.officer, "open")
    r = en(Client()).post(f"/consultations/{c.pk}/", _answer_post(c, website="http://spam.example"))
    assert r.status_code == 302 and not ConsultationResponse.objects.exists()


@pytest.mark.parametrize("state", ["scheduled", "closed"])
def test_outside_the_period_the_page_says_so_and_takes_nothing(world, state):
    c = make_consultation(world.officer, state)
    page = en(Client()).get(f"/consultations/{c.pk}/").content.decode()
    assert 'id="answer"' not in page
    assert ("not open yet" in page) if state == "scheduled" else ("has closed" in page)
    r = en(Client()).post(f"/consultations/{c.pk}/", _answer_post(c))
    assert r.status_code == 409 and 'id="consult-error"' in r.content.decode()
    assert not ConsultationResponse.objects.exists()


def test_a_closed_consultation_shows_only_the_summary_and_counts_never_an_answer(world):
    c = make_consultation(world.officer, "open")
    answer(c, text="SECRETANSWER 我的手机13812345678")
    Consultation.objects.filter(pk=c.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    services.save_summary(world.officer, c.pk, "总结：理赔慢是主要问题。", publish=True)
    page = en(Client()).get(f"/consultations/{c.pk}/").content.decode()
    assert "总结：理赔慢是主要问题。" in page and "1 answer was received." in page
    assert "SECRETANSWER" not in page and "13812345678" not in page


@override_settings(OMBUD_SMS_BACKEND="memory")
def test_a_verified_phone_on_the_page_answers_once(world):
    notify_backends.outbox.clear()
    c = make_consultation(world.officer, "open")
    client = en(Client())
    r = client.post(f"/consultations/{c.pk}/verify/", {"phone": "13800138000", "action": "send"})
    assert r.status_code == 200 and 'id="consult-code-sent"' in r.content.decode()
    code = re.search(r"\d{6}", notify_backends.outbox[-1].body).group(0)
    wrong = "000000" if code != "000000" else "111111"
    r = client.post(f"/consultations/{c.pk}/verify/", {"phone": "13800138000", "code": wrong, "action": "check"})
    assert r.status_code == 400 and "The code is wrong" in r.content.decode()
    r = client.post(f"/consultations/{c.pk}/verify/", {"phone": "13800138000", "code": code, "action": "check"})
    assert r.status_code == 302
    page = client.get(f"/consultations/{c.pk}/").content.decode()
    assert "138****8000" in page and "13800138000" not in page
    assert client.post(f"/consultations/{c.pk}/", _answer_post(c)).status_code == 302
    assert ConsultationResponse.objects.get().phone_index != ""
    again = client.post(f"/consultations/{c.pk}/", _answer_post(c))
    assert again.status_code == 409 and "already answered" in again.content.decode()
    assert ConsultationResponse.objects.count() == 1


@override_settings(OMBUD_CONSULTATION_ADDRESS_LIMIT=1)
def test_the_page_says_when_the_address_limit_is_reached(world):
    c = make_consultation(world.officer, "open")
    assert en(Client()).post(f"/consultations/{c.pk}/", _answer_post(c)).status_code == 302
    r = en(Client()).post(f"/consultations/{c.pk}/", _answer_post(c))
    assert r.status_code == 429 and r["Retry-After"] and "Too many answers" in r.content.decode()


def test_the_admin_shows_consultations_read_only(world, client):
    from ombud.directory.models import User

    c = make_consultation(world.officer, "open")
    answer(c, text="SECRETANSWER")
    root = User.objects.create_superuser("root", "root@example.cn", "pw-not-secret-0123")
    client.force_login(root)
    listing = client.get("/admin/portal/consultation/")
    assert listing.status_code == 200 and c.title in listing.content.decode()
    page = client.get(f"/admin/portal/consultation/{c.pk}/change/").content.decode()
    assert "您对理赔速度满意吗？" in page and "SECRETANSWER" not in page
    assert client.get("/admin/portal/consultation/add/").status_code == 403
    assert client.get("/admin/portal/consultationresponse/").status_code == 404


def _queries(client: Client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_cost_the_same_number_of_queries_however_many_answers(world):
    c = make_consultation(world.officer, "open")
    other = make_consultation(world.officer, "open", title="第二个")
    r = answer(c)
    services.set_tags(world.officer, c.pk, r.pk, ["理赔慢"])
    client = signed_in(world, "officer")
    urls = (f"/consultations/manage/{c.pk}/answers/", "/consultations/manage/", f"/consultations/manage/{c.pk}/")
    before = [_queries(client, url) for url in urls]
    public_before = _queries(en(Client()), "/consultations/")
    for i in range(8):
        extra = answer(c, city=MAOMING if i % 2 else "", address=f"198.51.100.{i}")
        services.set_tags(world.officer, c.pk, extra.pk, ["理赔慢", f"标签{i}"])
        answer(other, address=f"198.51.100.{i}")
    make_consultation(world.officer, "open", title="第三个")
    assert [_queries(client, url) for url in urls] == before
    assert _queries(en(Client()), "/consultations/") == public_before
