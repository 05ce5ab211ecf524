"""Typical cases (典型案例): the workflow from a handled case to a public page, the four-eyes
rule, the scrubbing and its final guard, scope, and what reports read."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from ombud.audit.models import AuditEntry
from ombud.cases.models import Case
from ombud.cases.services import take_action
from ombud.directory.models import User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.models import TypicalCase
from ombud.oversight.typical import queries, scrubbing, services
from ombud.testing import PASSWORD

pytestmark = pytest.mark.django_db

NAME, PHONE, ID_NUMBER = "李秀英", "13812345678", "440902198503150028"
NARRATIVE = (
    "2012年3月，消费者李秀英在茂名购买分红型两全保险，年缴保费12,000元，缴费10年。业务员王建国称第5个保单年度"
    "可领取6.5万元。李秀英联系电话138-1234-5678，身份证号440902198503150028，家住茂名市茂南区油城五路8号大院3栋201房，"
    "邻居都叫她阿英。经调解，保险公司退还保费36,000元。"
)
LESSON = "购买分红险前请仔细阅读合同条款，不要轻信“存款送保险”。"


@pytest.fixture
def officer2(world):
    return User.objects.create_user(
        username="officer2", password=PASSWORD, role="regulator_officer", organization=world.gd_bureau
    )


def handled_case(world, *, status: str = "closed", name: str = NAME) -> Case:
    """A complaint taken away at the Maoming site and handled by company A to `status`."""
    recorded = record_visit(
        world.admin,
        VisitInput(
            kind="complaint",
            visitor_name=name,
            visitor_phone=PHONE,
            visitor_id_number=ID_NUMBER,
            summary="购买分红险时业务员承诺高额返还，退保损失大。",
            site_id=world.site_mm.pk,
            company_id=world.company_a_maoming.pk,
            practitioner_name="王建国",
            outcome="time_limited",
            due_date=timezone.localdate() + timedelta(days=10),
            handled_by="company",
        ),
    )
    steps = [
        ("decide", {"decision": "upheld", "reply": "经核实，同意全额退还保费。", "amount_paid": "36000"}),
        ("notify", {}),
        ("close", {}),
    ]
    # A time-limited complaint opens in progress (accepted on the spot).
    for action, fields in steps[: {"decided": 1, "informed": 2, "closed": 3}.get(status, 0)]:
        take_action(world.handler_a, recorded.case_id, action, fields)
    if status == "received":
        Case.objects.filter(pk=recorded.case_id).update(status=status)
    case = Case.objects.get(pk=recorded.case_id)
    assert case.status == status
    return case


def body(case: Case, **overrides) -> dict:
    data = {
        "case_id": case.pk,
        "title": "李秀英分红险销售误导案",
        "narrative": NARRATIVE,
        "lesson": LESSON,
        "also_remove": ["阿英"],
    }
    data.update(overrides)
    return data


def assert_no_personal_data(text: str) -> None:
    assert NAME not in text
    assert "秀英" not in text
    assert "王建国" not in text
    digits = re.sub(r"\D", "", text)
    assert PHONE not in digits
    assert ID_NUMBER not in digits
    assert "阿英" not in text
    assert "油城五路" not in text


# ---- the whole workflow over the API -------------------------------------------------------------


def test_the_workflow_from_a_closed_case_to_the_public_and_back(world, officer2):
    case = handled_case(world)
    author, approver = world.api(world.officer), world.api(officer2)
    author.client.cookies["django_language"] = "en"  # the messages asserted below are the English ones

    r = author.post("/api/v1/typical-cases", body(case))
    assert r.status_code == 201, r.content
    tc = r.json()
    assert tc["status"] == "draft" and tc["spans_confirmed"] is False
    assert tc["title"] == "李某分红险销售误导案"  # the title is public: stored scrubbed
    assert tc["scrubbed"] == (
        "2012年3月，消费者李某在茂名购买分红型两全保险，年缴保费12,000元，缴费10年。业务员王某称第5个保单年度"
        "可领取6.5万元。李某联系电话XXXX，身份证号XXXX，家住茂名市茂南区XXXX，"
        "邻居都叫她XXXX。经调解，保险公司退还保费36,000元。"
    )
    kinds = [s["kind"] for s in tc["spans"]]
    assert kinds == ["name", "name", "name", "phone", "id_number", "address", "manual"]
    # Spans point into the narrative; the narrative itself is encrypted at rest.
    first = tc["spans"][0]
    assert NARRATIVE[first["start"] : first["end"]] == NAME
    assert tc["also_remove"] == ["阿英"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT narrative FROM oversight_typicalcase WHERE id = %s", [tc["id"]])
        (stored,) = cursor.fetchone()
    assert stored.startswith("v1:") and NAME not in stored
    assert tc["allowed_actions"] == ["confirm", "withdraw"]

    # Submitting before anyone confirmed the scrubbing is refused.
    r = author.post(f"/api/v1/typical-cases/{tc['id']}/submit")
    assert r.status_code == 409 and r.json()["error"]["code"] == "spans_not_confirmed"

    assert author.post(f"/api/v1/typical-cases/{tc['id']}/confirm-spans").json()["spans_confirmed_by"] == "officer"
    r = author.post(f"/api/v1/typical-cases/{tc['id']}/submit")
    assert r.status_code == 200 and r.json()["status"] == "submitted"

    # The author may not approve what they wrote.
    r = author.post(f"/api/v1/typical-cases/{tc['id']}/publish")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "author_cannot_approve"
    assert "another officer" in r.json()["error"]["message"]
    assert TypicalCase.objects.get(pk=tc["id"]).status == "submitted"

    r = approver.post(f"/api/v1/typical-cases/{tc['id']}/publish")
    assert r.status_code == 200, r.content
    published = r.json()
    assert published["status"] == "published" and published["approver"] == "officer2"
    assert published["published_at"]

    # The public API, without any token, shows the scrubbed text only.
    public = world.api(None)
    r = public.get("/api/v1/public/typical-cases")
    assert r.status_code == 200
    (item,) = r.json()["items"]
    assert item == {
        "public_id": tc["public_id"],
        "title": "李某分红险销售误导案",
        "text": tc["scrubbed"],
        "lesson": LESSON,
        "company_name": world.company_a_maoming.name,
        "published_at": item["published_at"],
    }
    assert_no_personal_data(r.content.decode())
    r = public.get(f"/api/v1/public/typical-cases/{tc['public_id']}")
    assert r.status_code == 200 and r.json()["text"] == tc["scrubbed"]
    assert_no_personal_data(r.content.decode())

    # The public page, without logging in.
    from django.test import Client

    anonymous = Client()
    page = anonymous.get(reverse("oversight:typical-public-detail", args=[tc["public_id"]]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "李某分红险销售误导案" in html and "退还保费36,000元" in html and LESSON in html
    assert_no_personal_data(html)
    listing = anonymous.get(reverse("oversight:typical-public-list"))
    assert listing.status_code == 200 and "李某分红险销售误导案" in listing.content.decode()
    assert_no_personal_data(listing.content.decode())

    # Publication is in the audit log, without personal data.
    entry = AuditEntry.objects.get(action="typical_case.publish")
    assert entry.actor == officer2 and entry.data == {"public_id": tc["public_id"], "case_id": case.pk}

    # Withdrawn: gone from the public side.
    r = approver.post(f"/api/v1/typical-cases/{tc['id']}/withdraw")
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert public.get(f"/api/v1/public/typical-cases/{tc['public_id']}").status_code == 404
    assert public.get("/api/v1/public/typical-cases").json()["items"] == []
    assert anonymous.get(reverse("oversight:typical-public-detail", args=[tc["public_id"]])).status_code == 404
    assert AuditEntry.objects.filter(action="typical_case.withdraw").count() == 1
    r = approver.post(f"/api/v1/typical-cases/{tc['id']}/withdraw")
    assert r.status_code == 409


def test_officers_list_and_read_typical_cases(world, officer2):
    case = handled_case(world)
    api = world.api(world.officer)
    created = api.post("/api/v1/typical-cases", body(case)).json()
    r = api.get("/api/v1/typical-cases")
    assert r.status_code == 200
    assert [i["id"] for i in r.json()["items"]] == [created["id"]]
    assert api.get("/api/v1/typical-cases", status="published").json()["items"] == []
    assert api.get("/api/v1/typical-cases", status="nonsense").status_code == 400
    r = world.api(officer2).get(f"/api/v1/typical-cases/{created['id']}")
    assert r.status_code == 200 and r.json()["allowed_actions"] == ["confirm", "withdraw"]
    assert world.api(world.admin).get(f"/api/v1/typical-cases/{created['id']}").status_code == 200
    assert api.get("/api/v1/typical-cases/999999").status_code == 404


# ---- qualifying cases and bad input ----------------------------------------------------------------


@pytest.mark.parametrize("status", ["received", "in_progress"])
def test_a_case_without_an_outcome_does_not_qualify(world, status):
    case = handled_case(world, status=status)
    r = world.api(world.officer).post("/api/v1/typical-cases", body(case))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "case_not_qualifying" and "case_id" in r.json()["error"]["fields"]
    assert TypicalCase.objects.count() == 0


@pytest.mark.parametrize("status", ["decided", "informed", "closed"])
def test_a_case_with_an_outcome_qualifies(world, status):
    case = handled_case(world, status=status)
    assert world.api(world.officer).post("/api/v1/typical-cases", body(case)).status_code == 201


def test_one_live_typical_case_per_case(world, officer2):
    case = handled_case(world)
    api = world.api(world.officer)
    first = api.post("/api/v1/typical-cases", body(case)).json()
    r = world.api(officer2).post("/api/v1/typical-cases", body(case))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_exists"
    api.post(f"/api/v1/typical-cases/{first['id']}/withdraw")
    assert world.api(officer2).post("/api/v1/typical-cases", body(case)).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"narrative": ""}, "narrative"),
        ({"title": "案" * 121}, "title"),
        ({"also_remove": ["英"]}, "also_remove"),
        ({"lesson": "长" * (services.LESSON_MAX + 1)}, "lesson"),
        ({"narrative": "长" * (services.NARRATIVE_MAX + 1)}, "narrative"),
    ],
)
def test_bad_input_is_a_400_and_writes_nothing(world, overrides, field):
    case = handled_case(world)
    r = world.api(world.officer).post("/api/v1/typical-cases", body(case, **overrides))
    assert r.status_code == 400
    assert field in r.json()["error"]["fields"]
    assert TypicalCase.objects.count() == 0


def test_malformed_requests(world):
    api = world.api(world.officer)
    assert api.post("/api/v1/typical-cases", raw=b"{nope").status_code == 400
    assert api.post("/api/v1/typical-cases", {"case_id": 0, "title": "x", "narrative": "y"}).status_code == 400
    assert api.post("/api/v1/typical-cases", body(handled_case(world), case_id=2**62)).status_code == 404
    assert api.post("/api/v1/typical-cases/1/nonsense").status_code in (404, 405)


# ---- scope ---------------------------------------------------------------------------------------


def test_scope_shenzhen_sees_nothing_and_companies_are_refused(world):
    case = handled_case(world)
    created = world.api(world.officer).post("/api/v1/typical-cases", body(case)).json()
    sz = world.api(world.sz_officer)
    assert sz.get(f"/api/v1/typical-cases/{created['id']}").status_code == 404
    assert sz.get("/api/v1/typical-cases").json()["items"] == []
    assert sz.post("/api/v1/typical-cases", body(case, also_remove=None)).status_code == 404
    for action in ("confirm-spans", "submit", "publish", "withdraw", "return"):
        assert sz.post(f"/api/v1/typical-cases/{created['id']}/{action}").status_code == 404
    for persona in ("handler_a", "handler_b", "staff_mm", "nobody"):
        api = world.api(getattr(world, persona))
        for r in (
            api.get("/api/v1/typical-cases"),
            api.get(f"/api/v1/typical-cases/{created['id']}"),
            api.post("/api/v1/typical-cases", body(case)),
            api.post(f"/api/v1/typical-cases/{created['id']}/withdraw"),
        ):
            assert r.status_code == 403, (persona, r.content)
            assert NAME not in r.content.decode()
    assert world.api(None).get("/api/v1/typical-cases").status_code == 401
    assert TypicalCase.objects.get().status == "draft"


def test_scope_on_the_pages(world):
    case = handled_case(world)
    tc = services.create_typical_case(world.officer, case.pk, services.TypicalInput("标题", NARRATIVE))
    detail = reverse("oversight:typical-detail", args=[tc.pk])
    assert world.browser_client(world.sz_officer).get(detail).status_code == 404
    for persona in ("handler_a", "staff_mm"):
        client = world.browser_client(getattr(world, persona))
        assert client.get(reverse("oversight:typical-list")).status_code == 403
        assert client.get(detail).status_code == 403
        assert client.get(reverse("oversight:typical-new")).status_code == 403
    from django.test import Client

    r = Client().get(reverse("oversight:typical-list"))
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    # A draft is not public, whoever asks.
    assert Client().get(reverse("oversight:typical-public-detail", args=[tc.public_id])).status_code == 404


# ---- the rules of the workflow ---------------------------------------------------------------------


def test_only_the_author_edits_and_submits(world, officer2):
    case = handled_case(world)
    tc = services.create_typical_case(world.officer, case.pk, services.TypicalInput("标题", NARRATIVE))
    with pytest.raises(Forbidden):
        services.update_typical_case(officer2, tc.pk, services.TypicalInput("别人改的", NARRATIVE))
    services.confirm_spans(officer2, tc.pk)  # a second pair of eyes may confirm the scrubbing
    with pytest.raises(Forbidden):
        services.submit_typical_case(officer2, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    with pytest.raises(Conflict):
        services.update_typical_case(world.officer, tc.pk, services.TypicalInput("标题", NARRATIVE))
    with pytest.raises(Forbidden):
        services.publish_typical_case(world.officer, tc.pk)
    # Sent back for changes, edited, confirmed again, resubmitted, published by the other.
    services.return_to_draft(officer2, tc.pk)
    tc = services.update_typical_case(world.officer, tc.pk, services.TypicalInput("新标题", NARRATIVE + "补充。"))
    assert tc.spans_confirmed_by is None and tc.status == "draft"
    services.confirm_spans(world.officer, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    assert services.publish_typical_case(officer2, tc.pk).status == "published"
    with pytest.raises(Conflict):
        services.publish_typical_case(officer2, tc.pk)
    with pytest.raises(Conflict):
        services.return_to_draft(officer2, tc.pk)


def test_saving_again_rescrubs_resets_the_confirmation_and_keeps_the_marked_terms(world):
    case = handled_case(world)
    tc = services.create_typical_case(
        world.officer, case.pk, services.TypicalInput("标题", NARRATIVE, also_remove=("阿英",))
    )
    services.confirm_spans(world.officer, tc.pk)
    # Saving the same text keeps the confirmation: nothing changed.
    same = services.update_typical_case(world.officer, tc.pk, services.TypicalInput("标题", NARRATIVE, LESSON[:0]))
    assert same.spans_confirmed_by == world.officer
    # A new text: scrubbed again, confirmation reset, the marked term still removed.
    changed = services.update_typical_case(
        world.officer, tc.pk, services.TypicalInput("标题", "邻居阿英说，李秀英的电话是13812345678。")
    )
    assert changed.spans_confirmed_by is None
    assert changed.scrubbed == "邻居XXXX说，李某的电话是XXXX。"
    assert queries.manual_terms(changed) == ["阿英"]
    # An empty list of terms forgets them.
    forgot = services.update_typical_case(
        world.officer, tc.pk, services.TypicalInput("标题", "邻居阿英说。", also_remove=())
    )
    assert forgot.scrubbed == "邻居阿英说。" and queries.manual_terms(forgot) == []


def test_the_lesson_and_the_title_are_stored_scrubbed(world):
    case = handled_case(world)
    tc = services.create_typical_case(
        world.officer,
        case.pk,
        services.TypicalInput("李秀英（13812345678）诉某寿险公司", NARRATIVE, "如有疑问可联系李秀英本人。"),
    )
    tc.refresh_from_db()
    assert tc.title == "李某（XXXX）诉某寿险公司"
    assert tc.lesson == "如有疑问可联系李某本人。"


def test_the_final_guard_refuses_what_the_scrubber_missed(world, officer2):
    """The scrubber matches a known name with spaces between the characters, not with dots;
    nor does it read a phone number spelt in Chinese numerals. The guard does, and stops
    publication."""
    case = handled_case(world)
    narrative = "消费者李·秀·英反映理赔难，其手机一三八一二三四五六七八。"
    tc = services.create_typical_case(world.officer, case.pk, services.TypicalInput("理赔难", narrative))
    assert "李·秀·英" in tc.scrubbed  # missed by the scrubber…
    services.confirm_spans(world.officer, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    r = world.api(officer2).post(f"/api/v1/typical-cases/{tc.pk}/publish")
    assert r.status_code == 400  # …caught by the guard
    error = r.json()["error"]
    assert error["code"] == "personal_data_left" and error["fields"] == {"narrative": "name, phone"}
    tc.refresh_from_db()
    assert tc.status == "submitted" and tc.published_at is None and tc.approver is None
    assert not AuditEntry.objects.filter(action="typical_case.publish").exists()


def test_the_guard_holds_even_if_the_scrubber_stopped_working(world, officer2, monkeypatch):
    from ombud.insight.scrubber import Scrubbed

    monkeypatch.setattr(scrubbing, "scrub", lambda text, known=(): Scrubbed(text, ()))
    case = handled_case(world)
    tc = services.create_typical_case(world.officer, case.pk, services.TypicalInput("标题", NARRATIVE))
    assert NAME in tc.scrubbed
    services.confirm_spans(world.officer, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    with pytest.raises(InvalidInput) as refused:
        services.publish_typical_case(officer2, tc.pk)
    assert refused.value.code == "personal_data_left"
    assert TypicalCase.objects.get(pk=tc.pk).status == "submitted"


def test_publishing_refuses_a_scrubbing_that_changed_since_it_was_confirmed(world, officer2):
    case = handled_case(world)
    narrative = "据了解，王芳与业务员相识多年，投保单系他人代签。"
    tc = services.create_typical_case(world.officer, case.pk, services.TypicalInput("代签", narrative))
    services.confirm_spans(world.officer, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    assert tc.scrubbed == narrative  # nothing Ombud knew of is in it
    # The complainant's name is corrected on the visit (王芳 was recorded as 李秀英): the
    # scrubbing is no longer the one that was confirmed.
    visit = Visit.objects.get(pk=case.visit_id)
    visit.visitor_name = "王芳"
    visit.save()
    with pytest.raises(Conflict) as refused:
        services.publish_typical_case(officer2, tc.pk)
    assert refused.value.code == "scrubbing_changed"
    services.return_to_draft(officer2, tc.pk)
    services.update_typical_case(world.officer, tc.pk, services.TypicalInput("代签", narrative))
    services.confirm_spans(world.officer, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    published = services.publish_typical_case(officer2, tc.pk)
    assert published.status == "published" and published.scrubbed == "据了解，王某与业务员相识多年，投保单系他人代签。"


def test_known_values_include_the_practitioner_and_the_people_who_acted(world):
    world.handler_a.first_name, world.handler_a.last_name = "小敏", "郑"
    world.handler_a.save()
    case = handled_case(world)
    known = scrubbing.known_values(case)
    assert ("name", NAME) in known and ("phone", PHONE) in known and ("id_number", ID_NUMBER) in known
    assert ("name", "王建国") in known and ("name", "郑小敏") in known
    tc = services.create_typical_case(
        world.officer, case.pk, services.TypicalInput("标题", "公司投诉专员郑小敏于次日回复。")
    )
    assert tc.scrubbed == "公司投诉专员郑某于次日回复。"


# ---- what reports read -------------------------------------------------------------------------------


def _publish(world, officer2, case, title: str, *, when=None):
    tc = services.create_typical_case(
        world.officer, case.pk, services.TypicalInput(title, NARRATIVE, LESSON, also_remove=("阿英",))
    )
    services.confirm_spans(world.officer, tc.pk)
    services.submit_typical_case(world.officer, tc.pk)
    return services.publish_typical_case(officer2, tc.pk, now=when)


def test_published_typical_cases_for_the_media_report(world, officer2):
    from ombud.campaigns.models import Campaign

    older = _publish(world, officer2, handled_case(world), "第一例", when=timezone.now() - timedelta(days=40))
    newer = _publish(world, officer2, handled_case(world), "第二例")
    draft_case = handled_case(world)
    services.create_typical_case(world.officer, draft_case.pk, services.TypicalInput("草稿", NARRATIVE))

    items = queries.published_typical_cases()
    assert [i.title for i in items] == ["第二例", "第一例"]
    first = items[0]
    assert first.public_id == newer.public_id
    assert first.text == newer.scrubbed and first.lesson == LESSON
    assert first.company_name == world.company_a_maoming.name
    assert first.published_at == newer.published_at
    assert first.path == f"/typical-cases/{newer.public_id}/"
    assert_no_personal_data(first.text + first.title + first.lesson)

    assert [i.title for i in queries.published_typical_cases(campaign_id=world.campaign.pk)] == ["第二例", "第一例"]
    other = Campaign.objects.create(
        name="另一次活动", starts_at=world.campaign.starts_at, ends_at=world.campaign.ends_at, region_id="440000"
    )
    assert queries.published_typical_cases(campaign_id=other.pk) == []
    today = timezone.localdate()
    assert [i.title for i in queries.published_typical_cases(since=today - timedelta(days=7))] == ["第二例"]
    assert [i.title for i in queries.published_typical_cases(until=today - timedelta(days=7))] == ["第一例"]
    assert [i.title for i in queries.published_typical_cases(since=today, until=today)] == ["第二例"]
    services.withdraw_typical_case(world.officer, older.pk)
    assert [i.title for i in queries.published_typical_cases()] == ["第二例"]


# ---- the pages ---------------------------------------------------------------------------------------


def test_the_workflow_on_the_pages(world, officer2):
    case = handled_case(world)
    author = world.browser_client(world.officer)
    author.cookies["django_language"] = "en"

    new = author.get(reverse("oversight:typical-new"), {"case": case.pk})
    assert new.status_code == 200
    html = new.content.decode()
    assert "购买分红险时业务员承诺高额返还" in html  # the narrative starts from the case
    assert f'?case={case.pk}"' in html  # listed among the cases that qualify
    r = author.post(
        reverse("oversight:typical-new"),
        {
            "case": case.tracking_no,
            "title": "分红险销售误导",
            "narrative": NARRATIVE,
            "lesson": LESSON,
            "also_remove": "阿英\n",
        },
    )
    assert r.status_code == 302
    tc = TypicalCase.objects.get()
    detail_url = reverse("oversight:typical-detail", args=[tc.pk])
    assert r["Location"] == detail_url

    page = author.get(detail_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<mark class="scrub scrub-name" data-kind="name" title="name">李秀英</mark>' in html
    assert '<mark class="scrub scrub-name" data-kind="name" title="name">李某</mark>' in html
    assert '<mark class="scrub scrub-phone" data-kind="phone" title="phone number">XXXX</mark>' in html
    assert '<mark class="scrub scrub-manual" data-kind="manual" title="marked by hand">阿英</mark>' in html
    assert not re.search(r"\sstyle=", html)  # strict CSP: classes, never inline styles
    assert 'id="typical-confirm"' in html and 'id="typical-submit"' not in html

    assert author.post(reverse("oversight:typical-action", args=[tc.pk, "confirm"])).status_code == 302
    assert author.post(reverse("oversight:typical-action", args=[tc.pk, "submit"])).status_code == 302
    refused = author.post(reverse("oversight:typical-action", args=[tc.pk, "publish"]))
    assert refused.status_code == 403
    assert "another officer must approve and publish it" in refused.content.decode()
    assert TypicalCase.objects.get().status == "submitted"

    approver = world.browser_client(officer2)
    assert 'id="typical-publish"' in approver.get(detail_url).content.decode()
    done = approver.post(reverse("oversight:typical-action", args=[tc.pk, "publish"]))
    assert done.status_code == 302
    tc.refresh_from_db()
    assert tc.status == "published"

    from django.test import Client

    public = Client().get(reverse("oversight:typical-public-detail", args=[tc.public_id]))
    assert public.status_code == 200
    assert "分红险销售误导" in public.content.decode()
    assert_no_personal_data(public.content.decode())
    listing = author.get(reverse("oversight:typical-list"))
    assert listing.status_code == 200 and "分红险销售误导" in listing.content.decode()
    assert author.post(reverse("oversight:typical-action", args=[tc.pk, "nonsense"])).status_code == 404


def test_the_pages_show_form_errors(world):
    case = handled_case(world, status="in_progress")
    author = world.browser_client(world.officer)
    author.cookies["django_language"] = "en"
    r = author.post(
        reverse("oversight:typical-new"), {"case": case.tracking_no, "title": "标题", "narrative": NARRATIVE}
    )
    assert r.status_code == 400 and "Only a case with an outcome" in r.content.decode()
    r = author.post(reverse("oversight:typical-new"), {"case": "000000000000", "title": "标题", "narrative": "x"})
    assert r.status_code == 404
    r = author.post(reverse("oversight:typical-new"), {"case": case.tracking_no, "title": "", "narrative": ""})
    assert r.status_code == 400
    closed = handled_case(world)
    tc = services.create_typical_case(world.officer, closed.pk, services.TypicalInput("标题", NARRATIVE))
    r = author.post(
        reverse("oversight:typical-detail", args=[tc.pk]),
        {"title": "标题", "narrative": NARRATIVE, "also_remove": "英"},
    )
    assert r.status_code == 400 and "one character would be removed everywhere" in r.content.decode()
    r = author.post(reverse("oversight:typical-detail", args=[tc.pk]), {"title": "新标题", "narrative": NARRATIVE})
    assert r.status_code == 302
    assert TypicalCase.objects.get(pk=tc.pk).title == "新标题"


def test_not_found(world):
    api = world.api(world.officer)
    assert api.get("/api/v1/typical-cases/12345").status_code == 404
    assert world.api(None).get("/api/v1/public/typical-cases/doesnotexist").status_code == 404
    with pytest.raises(NotFound):
        queries.public_typical_case("nope")
    assert world.api(None).get("/api/v1/public/typical-cases", cursor="garbage").status_code == 400


def test_the_longest_allowed_texts_fit_in_a_form_post(world):
    """Chinese text is URL-encoded at 9 bytes a character: the length limits keep the largest
    form under the request size limit, so a long narrative saves instead of failing."""
    case = handled_case(world)
    tc = services.create_typical_case(world.officer, case.pk, services.TypicalInput("标题", NARRATIVE))
    author = world.browser_client(world.officer)
    r = author.post(
        reverse("oversight:typical-detail", args=[tc.pk]),
        {
            "title": "题" * services.TITLE_MAX,
            "narrative": "述" * services.NARRATIVE_MAX,
            "lesson": "训" * services.LESSON_MAX,
            "also_remove": "\n".join(f"词{i:02d}" for i in range(services.TERMS_MAX)),
        },
    )
    assert r.status_code == 302
    assert len(TypicalCase.objects.get(pk=tc.pk).narrative) == services.NARRATIVE_MAX
