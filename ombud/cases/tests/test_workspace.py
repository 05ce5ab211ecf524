"""The workspace pages: the queue (order, filters, counts, scope), the case page (masked
contact, timeline, reply templates) and its action forms (every allowed action has one and
works; a refused one changes nothing; a bad field shows its error)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from ombud.cases import events, lifecycle, queries
from ombud.cases.forms import all_actions_have_specs
from ombud.cases.models import Case, CaseEvent, ReplyTemplate, template_name
from ombud.directory.models import Organization, User
from ombud.intake.services import VisitInput, record_visit
from ombud.intake.tracking import format_tracking_no
from ombud.testing import SHANGHAI

pytestmark = pytest.mark.django_db

QUEUE = reverse("cases:queue")
CLEAR_NAME, CLEAR_PHONE, CLEAR_ID = "李秀英", "13812345678", "440902198503150028"


@pytest.fixture
def mediator(db):
    return Organization.objects.create(kind="mediation", name="广东保险纠纷调解中心")


def make_case(world, status=Case.Status.IN_PROGRESS, *, days=10, company=None, handled_by="company", summary=""):
    """A time-limited case due in `days` days (negative: overdue), put in `status`."""
    today = timezone.localdate()
    recorded = record_visit(
        world.admin,
        VisitInput(
            kind="complaint",
            visitor_name=CLEAR_NAME,
            visitor_phone=CLEAR_PHONE,
            visitor_id_number=CLEAR_ID,
            summary=summary or "重疾险理赔被拒，认为拒赔理由不成立。",
            site_id=world.site_mm.pk,
            company_id=(company or world.company_a_maoming).pk,
            outcome="time_limited",
            due_date=today + timedelta(days=max(days, 0)),
            handled_by=handled_by,
        ),
    )
    case = Case.objects.get(pk=recorded.case_id)
    due = today + timedelta(days=days)
    case.status, case.due_date = status, due
    case.due_at = timezone.make_aware(
        timezone.datetime.combine(due + timedelta(days=1), timezone.datetime.min.time()), SHANGHAI
    )
    if status == Case.Status.INFORMED:
        case.informed_at = timezone.now()
    case.save()
    return case


def row_ids(response) -> list[int]:
    return [int(x) for x in re.findall(r'data-case-id="(\d+)" data-status', response.content.decode())]


def page_text(response) -> str:
    return response.content.decode()


# ---- the queue -----------------------------------------------------------------------------------


def test_the_queue_puts_the_most_urgent_first_and_undated_cases_last(world, mediator):
    later = make_case(world, days=20)
    overdue = make_case(world, days=-3)
    soon = make_case(world, days=1)
    undated = make_case(world, Case.Status.IN_MEDIATION)
    Case.objects.filter(pk=undated.pk).update(due_date=None, due_at=None)
    closed = make_case(world, Case.Status.CLOSED, days=-10)
    Case.objects.filter(pk=closed.pk).update(due_date=None, due_at=None)

    r = world.browser_client(world.handler_a).get(QUEUE)
    assert r.status_code == 200
    assert row_ids(r) == [overdue.pk, soon.pk, later.pk, undated.pk]
    html = page_text(r)
    assert "data-overdue" in html and "row-overdue" in html
    assert format_tracking_no(overdue.tracking_no) in html
    assert r.context["counts"] == {"overdue": 1, "due_soon": 1}


def test_the_queue_marks_a_provisional_due_date(world):
    case = make_case(world, days=5)
    Case.objects.filter(pk=case.pk).update(due_provisional=True)
    html = page_text(world.browser_client(world.handler_a).get(QUEUE))
    assert "badge-provisional" in html


def test_queue_filters_status_overdue_soon_and_tracking_number(world):
    a = make_case(world, days=-1)
    b = make_case(world, Case.Status.RECEIVED, days=2)
    c = make_case(world, Case.Status.DECIDED, days=30)
    closed = make_case(world, Case.Status.CLOSED)
    client = world.browser_client(world.handler_a)
    assert row_ids(client.get(QUEUE, {"status": "received"})) == [b.pk]
    assert row_ids(client.get(QUEUE, {"overdue": "on"})) == [a.pk]
    assert row_ids(client.get(QUEUE, {"due_soon": "on"})) == [b.pk]
    assert closed.pk not in row_ids(client.get(QUEUE))
    assert closed.pk in row_ids(client.get(QUEUE, {"status": "all"}))
    # As printed on the receipt, with spaces.
    assert row_ids(client.get(QUEUE, {"q": format_tracking_no(c.tracking_no)})) == [c.pk]
    assert row_ids(client.get(QUEUE, {"q": "0000"})) == []
    bad = client.get(QUEUE, {"status": "nonsense"})
    assert bad.status_code == 400 and "has-error" in page_text(bad)


def test_a_handler_filters_by_branch_and_a_regulator_by_company_and_handler(world):
    mine = make_case(world, days=3)
    head = make_case(world, days=4, company=world.company_a)
    other = make_case(world, days=5, company=world.company_b)
    referred = make_case(world, days=6, handled_by="regulator")
    handler = world.browser_client(world.handler_a)
    assert row_ids(handler.get(QUEUE, {"company": world.company_a_maoming.pk})) == [mine.pk, referred.pk]
    assert other.pk not in row_ids(handler.get(QUEUE))

    officer = world.browser_client(world.officer)
    assert row_ids(officer.get(QUEUE)) == [mine.pk, head.pk, other.pk, referred.pk]
    assert row_ids(officer.get(QUEUE, {"company": world.company_b.pk})) == [other.pk]
    assert row_ids(officer.get(QUEUE, {"handler": "regulator"})) == [referred.pk]
    # Shenzhen's bureau does not oversee Maoming.
    assert row_ids(world.browser_client(world.sz_officer).get(QUEUE)) == []


def test_keyset_pages_cover_the_queue_once_in_order(world):
    cases = [make_case(world, days=d) for d in (5, -2, 5, 9, 1)]
    undated = make_case(world, Case.Status.IN_MEDIATION)
    Case.objects.filter(pk=undated.pk).update(due_date=None, due_at=None)
    expected = [c.pk for c in sorted(cases, key=lambda c: (c.due_date, c.pk))] + [undated.pk]
    seen, cursor = [], None
    while True:
        page = queries.queue_page(world.handler_a, queries.CaseFilters(open_only=True), cursor=cursor, limit=2)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == expected
    with pytest.raises(Exception) as bad:
        queries.queue_page(world.handler_a, queries.CaseFilters(open_only=True), cursor="!!", limit=2)
    assert getattr(bad.value, "status", None) == 400


def test_the_queue_pager_links_the_next_page(world, monkeypatch):
    from ombud.cases import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    ids = [make_case(world, days=d).pk for d in (1, 2, 3)]
    client = world.browser_client(world.handler_a)
    first = client.get(QUEUE)
    assert row_ids(first) == ids[:2]
    nxt = re.search(r'href="\?([^"]+)" id="queue-next"', page_text(first)).group(1).replace("&amp;", "&")
    assert row_ids(client.get(QUEUE + "?" + nxt)) == ids[2:]


def test_the_queue_costs_the_same_few_queries_for_many_cases(world, django_assert_max_num_queries):
    for d in range(30):
        make_case(world, days=d - 5)
    client = world.browser_client(world.handler_a)
    with django_assert_max_num_queries(8):
        r = client.get(QUEUE)
    assert len(row_ids(r)) == 30


# ---- scope ---------------------------------------------------------------------------------------


def test_a_handler_of_another_company_sees_nothing_and_gets_404(world):
    case = make_case(world)
    b = world.browser_client(world.handler_b)
    assert row_ids(b.get(QUEUE)) == []
    assert b.get(QUEUE, {"q": case.tracking_no}).status_code == 200
    assert row_ids(b.get(QUEUE, {"q": case.tracking_no})) == []
    assert b.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    r = b.post(reverse("cases:action", args=[case.pk, "decide"]), {"decide-decision": "upheld", "decide-reply": "x"})
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS


def test_pages_need_a_login(world, client):
    case = make_case(world)
    for url in (QUEUE, reverse("cases:detail", args=[case.pk])):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_company_users_land_on_the_queue_and_see_it_in_the_menu(world):
    client = world.browser_client(world.handler_a)
    assert client.get("/").url == QUEUE
    assert 'id="nav-cases"' in page_text(client.get(QUEUE))
    assert 'id="nav-cases"' in page_text(world.browser_client(world.officer).get(QUEUE))
    staff = world.browser_client(world.staff_mm)
    assert 'id="nav-cases"' not in page_text(staff.get(reverse("intake:list")))


# ---- the case page -------------------------------------------------------------------------------


def test_the_case_page_shows_only_the_masked_contact(world):
    case = make_case(world)
    html = page_text(world.browser_client(world.handler_a).get(reverse("cases:detail", args=[case.pk])))
    assert "李**" in html and "138****5678" in html
    assert CLEAR_NAME not in html and CLEAR_PHONE not in html and CLEAR_ID not in html
    assert format_tracking_no(case.tracking_no) in html and "重疾险理赔被拒" in html


def test_site_staff_who_can_see_a_case_have_no_action_and_no_upload(world):
    case = make_case(world)
    html = page_text(world.browser_client(world.staff_mm).get(reverse("cases:detail", args=[case.pk])))
    assert 'id="no-actions"' in html and 'id="upload-form"' not in html


def test_the_timeline_reads_every_event_and_shows_the_message_text(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    client.post(
        reverse("cases:action", args=[case.pk, "decide"]),
        {"decide-decision": "partly_upheld", "decide-reply": "同意赔付部分费用", "decide-amount_paid": "12000.5"},
    )
    now = timezone.now()
    events.case_notified_event(
        case,
        now,
        notification_id=1,
        channel="sms",
        audience="consumer",
        to="138****5678",
        recipient_user_id=None,
        template="decision.consumer",
        subject="",
        body="您的投诉已有处理结果，请留意书面答复。",
    )
    # A clear address must never reach the page, whoever wrote the event and under either key.
    events.case_notification_failed_event(case, now, channel="sms", audience="consumer", to=CLEAR_PHONE, error="x")
    events.case_notification_failed_event(case, now, channel="email", address="li.xiuying@example.com")
    html = page_text(client.get(reverse("cases:detail", args=[case.pk])))
    types = re.findall(r'data-event-type="([a-z_]+)"', html)
    assert (
        types
        == [CaseEvent.Type.PROMISED, CaseEvent.Type.DECIDED, CaseEvent.Type.NOTIFIED]
        + [CaseEvent.Type.NOTIFICATION_FAILED] * 2
    )
    with translation.override("zh-hans"):
        label = str(Case.Decision.PARTLY_UPHELD.label)
    assert re.search(r'data-key="decision"><dt>[^<]+</dt><dd>' + label, html)
    assert '<div data-key="amount_paid"><dt>' in html and "¥12,000.50" in html
    assert "您的投诉已有处理结果，请留意书面答复。" in html
    assert CLEAR_PHONE not in html and html.count("138****5678") >= 2
    assert "li.xiuying" not in html and "l***@example.com" in html


def test_every_lifecycle_action_has_a_form():
    assert all_actions_have_specs() == []


def _fields(action, world, mediator):
    return {
        "reject": {"reason": "不属于保险消费投诉"},
        "extend": {"level": "complex", "reason": "需调取医院病历"},
        "decide": {"decision": "partly_upheld", "reply": "同意赔付部分费用", "amount_paid": "12000.50"},
        "decide_review": {"decision": "upheld", "reply": "核查后改判"},
        "mediate": {"mediation_body_id": mediator.pk},
        "escalate": {"reason": "逾期未处理"},
        "refer": {"reason": "涉嫌销售误导"},
        "reroute": {"reason": "属总公司管辖", "company_id": world.company_a.pk, "handled_by": "company"},
        "notify": {"channel": "phone"},
        "request_review": {"reason": "不服处理结果"},
    }.get(action, {"reason": "抽查发现处理不当"} if "reason" in _spec_fields(action) else {})


def _spec_fields(action):
    from ombud.cases.forms import spec_for

    return spec_for(action).fields


@pytest.mark.parametrize("action", list(lifecycle.TRANSITIONS))
def test_every_allowed_action_has_its_form_and_posting_it_works(world, mediator, action):
    t = lifecycle.TRANSITIONS[action]
    status = sorted(t.sources)[0]
    user = world.handler_a if lifecycle.HANDLER in t.parties else world.officer
    case = make_case(world, status)
    client = world.browser_client(user)
    page = page_text(client.get(reverse("cases:detail", args=[case.pk])))
    assert f'id="action-{action}"' in page
    # The form offers exactly the fields the action takes.
    posted = {f"{action}-{k}": v for k, v in _fields(action, world, mediator).items()}
    for name in posted:
        assert f'name="{name}"' in page
    before = case.events.count()
    r = client.post(reverse("cases:action", args=[case.pk, action]), posted)
    assert r.status_code == 302 and r.url == reverse("cases:detail", args=[case.pk])
    case.refresh_from_db()
    assert case.status == (t.target or status)
    assert case.events.count() == before + 1
    followed = client.get(r.url)
    assert "message-success" in page_text(followed)


def test_only_the_actions_of_the_users_parties_are_offered(world):
    case = make_case(world)
    handler = page_text(world.browser_client(world.handler_a).get(reverse("cases:detail", args=[case.pk])))
    officer = page_text(world.browser_client(world.officer).get(reverse("cases:detail", args=[case.pk])))
    assert 'id="action-decide"' in handler and 'id="action-refer"' not in handler
    assert 'id="action-refer"' in officer and 'id="action-decide"' not in officer


def test_a_refused_action_shows_a_message_and_changes_nothing(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    before = case.events.count()
    # Not allowed from in_progress (409).
    r = client.post(reverse("cases:action", args=[case.pk, "close"]), follow=True)
    assert r.status_code == 200
    assert "message-error" in page_text(r) and r.redirect_chain[0][1] == 302
    # Not the handler's to take (403).
    r = client.post(reverse("cases:action", args=[case.pk, "refer"]), {"refer-reason": "x"}, follow=True)
    assert "message-error" in page_text(r)
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS and case.events.count() == before
    assert client.post(reverse("cases:action", args=[case.pk, "fly"])).status_code == 404


def test_a_bad_field_shows_its_error_and_keeps_what_was_typed(world):
    case = make_case(world)
    client = world.browser_client(world.handler_a)
    r = client.post(
        reverse("cases:action", args=[case.pk, "decide"]),
        {"decide-decision": "upheld", "decide-reply": "", "decide-amount_paid": "abc"},
    )
    assert r.status_code == 400
    form = next(f for f in r.context["forms"] if f.action == "decide")
    assert set(form.errors) >= {"reply", "amount_paid"}
    html = page_text(r)
    assert 'id="action-decide" data-action="decide" open' in html
    assert 'value="abc"' in html
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS and not case.decision


def test_the_reply_template_picker_offers_shared_and_own_templates_filled_in(world):
    case = make_case(world)
    ReplyTemplate.objects.create(organization=world.company_a, title="人寿专用", body="编号 {tracking_no}")
    ReplyTemplate.objects.create(organization=world.company_b, title="平安专用", body="x")
    ReplyTemplate.objects.create(title="停用", body="x", is_active=False)
    html = page_text(world.browser_client(world.handler_a).get(reverse("cases:detail", args=[case.pk])))
    assert "data-reply-template" in html and 'data-target="id_decide-reply"' in html
    assert "人寿专用" in html and "平安专用" not in html and "停用" not in html
    assert f"编号 {format_tracking_no(case.tracking_no)}" in html
    # The seeded shared templates (migration 0010) carry the remedies a reply must name.
    seeded = ReplyTemplate.objects.filter(organization__isnull=True, is_active=True)
    assert seeded.count() >= 4
    assert {"upheld", "partly_upheld", "not_upheld"} <= set(seeded.values_list("decision", flat=True))
    assert all("核查" in t.body or "调解" in t.body for t in seeded)
    assert "投诉不成立：依据合同条款" in html


def test_a_regulator_may_start_a_typical_case_from_a_decided_case_and_a_handler_may_not(world):
    case = make_case(world, Case.Status.CLOSED)
    officer_page = world.browser_client(world.officer).get(f"/cases/{case.pk}/").content.decode()
    assert f'href="/oversight/typical-cases/new/?case={case.pk}" id="write-typical"' in officer_page
    assert 'id="write-typical"' not in world.browser_client(world.handler_a).get(f"/cases/{case.pk}/").content.decode()
    open_case = make_case(world, Case.Status.IN_PROGRESS)
    assert (
        'id="write-typical"' not in world.browser_client(world.officer).get(f"/cases/{open_case.pk}/").content.decode()
    )


def test_the_timeline_names_notification_templates_in_words_not_by_their_codes(world):
    case = make_case(world)
    now = timezone.now()
    for code, audience in (("consumer.accepted", "consumer"), ("regulator.overdue", "regulator")):
        events.case_notified_event(
            case, now, notification_id=1, channel="sms", audience=audience, to="138****5678", template=code, body="x"
        )
    html = page_text(world.browser_client(world.officer).get(reverse("cases:detail", args=[case.pk])))
    assert "consumer.accepted" not in html and "regulator.overdue" not in html
    with translation.override("zh-hans"):
        names = [template_name("consumer.accepted"), template_name("regulator.overdue")]
    assert all(re.search(r'data-key="template"><dt>[^<]+</dt><dd>' + re.escape(n), html) for n in names)


def test_the_import_link_is_offered_only_to_those_the_import_page_lets_in(world):
    executive = User.objects.create_user(username="exec_a", role="executive", organization=world.company_a)
    client = world.browser_client(executive)
    html = page_text(client.get(QUEUE))
    assert 'id="queue-import"' not in html and reverse("cases_import:upload") not in html
    assert client.get(reverse("cases_import:upload")).status_code == 403
    for user in (world.handler_a, world.officer):
        client = world.browser_client(user)
        assert 'id="queue-import"' in page_text(client.get(QUEUE))
        assert client.get(reverse("cases_import:upload")).status_code == 200
