"""The intake pages with the Django test client: the site form, the receipt and the visits list."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ombud.cases.models import Case
from ombud.intake import views
from ombud.intake.models import IdempotencyKey, Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.intake.tracking import format_tracking_no
from ombud.testing import PASSWORD

pytestmark = pytest.mark.django_db

NEW = reverse("intake:new")
LIST = reverse("intake:list")


def form_data(world, **overrides) -> dict:
    """What the browser posts for a complaint resolved on site at Maoming."""
    data = {
        "token": "tok-" + "a" * 20,
        "site": str(world.site_mm.pk),
        "kind": "complaint",
        "visitor_name": "李秀英",
        "visitor_phone": "13812345678",
        "visitor_id_number": "440902198503150028",
        "company": world.company_a_maoming.name,
        "practitioner_name": "王建国",
        "practitioner_licence_no": "02000144090080012345",
        "product_line": "health_illness",
        "summary": "购买重疾险后理赔被拒。",
        "outcome": "resolved_on_site",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def english(client):
    r = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert r.status_code == 302
    return client


def visit(world, actor=None, **kw):
    data = {
        "kind": "consultation",
        "visitor_name": "陈大文",
        "summary": "咨询车险保费",
        "site_id": world.site_mm.pk,
        "company_id": world.company_b.pk,
    }
    data.update(kw)
    return record_visit(actor or world.staff_mm, VisitInput(**data)).visit


def token_of(response) -> str:
    match = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert match, "the form carries an idempotency token"
    return match.group(1)


# ---- landing and login ---------------------------------------------------------------------


def test_home_sends_site_staff_to_the_form_handlers_to_their_queue_and_the_regulator_to_the_campaigns(world):
    assert world.browser_client(world.staff_mm).get("/").url == NEW
    assert world.browser_client(world.officer).get("/").url == reverse("reports:campaigns")
    assert world.browser_client(world.handler_a).get("/").url == reverse("cases:queue")


def test_pages_need_a_login(world, client):
    for url in (NEW, LIST, reverse("intake:receipt", args=[1])):
        r = client.get(url)
        assert r.status_code == 302 and r.url.startswith(reverse("login"))


def test_login_page_speaks_chinese_and_signs_in(world, client):
    r = client.get(reverse("login"))
    assert r.status_code == 200
    assert "登录" in r.content.decode()
    r = client.post(reverse("login"), {"username": "staff_mm", "password": PASSWORD})
    assert r.status_code == 302
    r = client.get(r.url, follow=True)
    assert r.redirect_chain[-1][0] == NEW
    html = r.content.decode()
    # Header: the user, the role, the nav, the language switch and a logout form that POSTs.
    assert "staff_mm" in html and "接访员" in html
    for label in ("录入来访", "来访列表", "活动看板"):
        assert label in html
    assert f'action="{reverse("set_language")}" method="post"' in html
    assert f'action="{reverse("logout")}" method="post"' in html


def test_a_wrong_password_shows_an_error_in_chinese(world, client):
    r = client.post(reverse("login"), {"username": "staff_mm", "password": "wrong"})
    assert r.status_code == 200
    assert "请输入一个正确的" in r.content.decode()


def test_logout_is_a_post(world):
    c = world.browser_client(world.staff_mm)
    assert c.post(reverse("logout")).status_code == 302
    assert c.get(NEW).status_code == 302


# ---- the form ------------------------------------------------------------------------------


def test_form_speaks_chinese_by_default_and_english_after_switching(world):
    c = world.browser_client(world.staff_mm)
    html = c.get(NEW).content.decode()
    assert "录入来访" in html and "投诉" in html and "来访人姓名" in html
    assert '<html lang="zh-hans">' in html
    html = english(c).get(NEW).content.decode()
    assert '<html lang="en">' in html
    assert "Record a visit" in html and "complaint" in html and "录入来访" not in html


def test_form_offers_only_the_sites_the_user_may_record_at_and_preselects_the_only_one(world):
    html = world.browser_client(world.staff_mm).get(NEW).content.decode()
    assert f'<option value="{world.site_mm.pk}" selected>' in html
    assert world.site_gz.name not in html
    # A regulator officer of the province may record at both; nothing is preselected.
    html = world.browser_client(world.officer).get(NEW).content.decode()
    assert world.site_gz.name in html and world.site_mm.name in html
    assert not re.search(r'<option value="\d+" selected>', html.split('name="site"')[1].split("</select>")[0])


def test_form_is_built_for_the_keyboard(world):
    html = world.browser_client(world.staff_mm).get(NEW).content.decode()
    # Kind radios with visible number keys, focused first because the site is preselected.
    for n, kind in enumerate(["complaint", "consultation", "suggestion"], start=1):
        assert re.search(rf'value="{kind}" data-key="{n}"', html)
        assert f"<kbd>{n}</kbd>" in html
    assert re.search(r'value="complaint" data-key="1"\s+autofocus', html)
    # Complaint-only parts are hidden (and disabled, so not posted) until "complaint" is picked.
    assert 'data-show-if="kind=complaint" hidden disabled' in html
    assert 'data-show-if="outcome=time_limited" hidden disabled' in html
    # The company is a search box (directory/widgets.py) asking the public company search.
    assert 'role="combobox"' in html and 'name="company_id"' in html
    assert 'data-url="/api/v1/public/companies"' in html and "js/company-search.js" in html
    assert "疾病保险" in html  # product lines from the ProductLine table
    assert "<script>" not in html and "onclick" not in html  # CSP: no inline code


def test_company_picked_in_the_search_box_is_recorded_by_its_id(world):
    c = world.browser_client(world.staff_mm)
    # picked from the list: the hidden id counts, the text shows its name
    data = form_data(world, company=world.company_a_maoming.name, company_id=str(world.company_a_maoming.pk))
    assert c.post(NEW, data).status_code == 302
    assert Visit.objects.get().company_id == world.company_a_maoming.pk
    # a few characters typed and nothing picked: asked to pick, nothing recorded
    r = c.post(NEW, form_data(world, company="人寿", company_id="", token="tok-other-123456789012"))
    assert r.status_code == 400 and "company" in r.context["form"].errors and Visit.objects.count() == 1
    # an id whose company the text no longer shows (typed over): the text decides
    r = c.post(
        NEW, form_data(world, company="某某", company_id=str(world.company_b.pk), token="tok-third-123456789012")
    )
    assert r.status_code == 400 and "company" in r.context["form"].errors


def test_form_records_a_visit_through_the_service_and_redirects_to_the_receipt(world):
    c = world.browser_client(world.staff_mm)
    r = c.post(NEW, form_data(world))
    v = Visit.objects.get()
    assert r.status_code == 302 and r.url == reverse("intake:receipt", args=[v.pk])
    assert v.kind == "complaint" and v.outcome == "resolved_on_site"
    assert v.site_id == world.site_mm.pk and v.company_id == world.company_a_maoming.pk
    assert v.visitor_name == "李秀英" and v.practitioner.licence_no == "02000144090080012345"
    assert v.created_by == world.staff_mm
    assert Case.objects.get().visit_id == v.pk
    assert IdempotencyKey.objects.get().key == "tok-" + "a" * 20


def test_form_records_a_time_limited_complaint_referred_to_the_regulator(world):
    due = timezone.localdate() + timedelta(days=15)
    c = world.browser_client(world.staff_mm)
    r = c.post(NEW, form_data(world, outcome="time_limited", due_date=due.isoformat(), handled_by="regulator"))
    assert r.status_code == 302
    v = Visit.objects.get()
    assert v.due_date == due and v.handled_by == "regulator" and v.is_referred


def test_a_consultation_needs_no_outcome_and_a_short_company_name_is_understood(world):
    c = world.browser_client(world.staff_mm)
    data = form_data(world, kind="consultation", company="平安财险", outcome=None)
    for key in ("practitioner_name", "practitioner_licence_no"):
        del data[key]
    r = c.post(NEW, data)
    assert r.status_code == 302, r.content.decode()[:2000]
    v = Visit.objects.get()
    assert v.kind == "consultation" and v.company_id == world.company_b.pk and v.outcome == ""


def test_a_bad_form_shows_each_error_next_to_its_field_and_stores_nothing(world):
    c = world.browser_client(world.staff_mm)
    r = c.post(NEW, form_data(world, visitor_name="", company="", visitor_phone="123", outcome=None))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert set(errors) >= {"visitor_name", "company", "visitor_phone", "outcome"}
    html = r.content.decode()
    assert "请填写来访人姓名" in html and "投诉必须写明被投诉的公司" in html
    # The message sits inside the field's block, right after its input.
    block = html.split('for="id_visitor_name"')[1].split("</div>")[0]
    assert 'class="field-error"' in block
    assert Visit.objects.count() == 0 and Case.objects.count() == 0
    # What was typed is kept, with the same token, so correcting and resending records once.
    assert 'name="visitor_phone" value="123"' in html
    assert token_of(r) == "tok-" + "a" * 20


def test_a_time_limited_complaint_without_a_date_is_refused_on_the_date_field(world):
    r = world.browser_client(world.staff_mm).post(NEW, form_data(world, outcome="time_limited"))
    assert r.status_code == 400
    assert "due_date" in r.context["form"].errors
    assert "承诺解决日期" in r.content.decode()
    # The date field is shown because the outcome is time-limited.
    assert 'data-show-if="outcome=time_limited" hidden' not in r.content.decode()
    assert Visit.objects.count() == 0


def test_an_unknown_company_name_is_an_error_on_the_company_field(world):
    r = world.browser_client(world.staff_mm).post(NEW, form_data(world, company="不存在保险公司"))
    assert r.status_code == 400 and "company" in r.context["form"].errors
    assert Visit.objects.count() == 0


def test_a_double_submit_with_the_same_token_records_once(world):
    c = world.browser_client(world.staff_mm)
    token = token_of(c.get(NEW))
    first = c.post(NEW, form_data(world, token=token))
    second = c.post(NEW, form_data(world, token=token))
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert Visit.objects.count() == 1 and Case.objects.count() == 1


def test_each_rendered_form_has_a_fresh_token(world):
    c = world.browser_client(world.staff_mm)
    assert token_of(c.get(NEW)) != token_of(c.get(NEW))


def test_a_token_reused_for_different_data_is_refused_with_a_fresh_token(world):
    c = world.browser_client(world.staff_mm)
    c.post(NEW, form_data(world))
    r = c.post(NEW, form_data(world, visitor_name="张三"))
    assert r.status_code == 409
    assert "已经记录过另一次来访" in r.content.decode()
    assert token_of(r) != "tok-" + "a" * 20
    assert Visit.objects.count() == 1
    assert c.post(NEW, form_data(world, visitor_name="张三", token=token_of(r))).status_code == 302
    assert Visit.objects.count() == 2


def test_a_missing_site_is_reported_with_the_other_errors(world):
    r = world.browser_client(world.officer).post(NEW, form_data(world, site="", company=""))
    assert r.status_code == 400
    errors = r.context["form"].errors
    assert "现场来访须选择接待点" in errors["site"][0] and "company" in errors
    assert Visit.objects.count() == 0


def test_site_staff_cannot_post_to_another_site(world):
    c = world.browser_client(world.staff_mm)
    r = c.post(NEW, form_data(world, site=str(world.site_gz.pk)))
    assert r.status_code == 400
    assert "site" in r.context["form"].errors
    assert Visit.objects.count() == 0


def test_a_forbidden_visit_is_shown_as_a_message_not_a_500(world):
    # Company B's handler may record at Maoming (B takes part) but not about company A.
    c = world.browser_client(world.handler_b)
    r = c.post(NEW, form_data(world))
    assert r.status_code == 403
    assert "只能记录有关本公司的来访" in r.content.decode()
    assert Visit.objects.count() == 0


def test_a_user_with_no_site_is_told_so(world):
    r = world.browser_client(world.nobody).get(NEW)
    assert r.status_code == 200
    assert "没有可供您登记的接待点" in r.content.decode()
    r = world.browser_client(world.nobody).post(NEW, form_data(world))
    assert r.status_code == 400 and Visit.objects.count() == 0


# ---- the receipt ---------------------------------------------------------------------------


def test_receipt_shows_what_the_consumer_keeps(world):
    c = world.browser_client(world.staff_mm)
    due = timezone.localdate() + timedelta(days=7)
    c.post(NEW, form_data(world, outcome="time_limited", due_date=due.isoformat(), handled_by="company"))
    v = Visit.objects.get()
    r = c.get(reverse("intake:receipt", args=[v.pk]))
    html = r.content.decode()
    assert r.status_code == 200
    assert format_tracking_no(v.tracking_no) in html and v.secret_code in html
    assert "李**" in html and "李秀英" not in html
    assert "投诉" in html and "承诺限时解决" in html and due.isoformat() in html
    assert world.company_a_maoming.name in html and world.site_mm.name in html
    local = timezone.localtime(v.received_at).strftime("%Y-%m-%d %H:%M")
    assert local in html and "北京时间" in html
    # The next visit is one Enter away: a focused link back to the form for the same site.
    assert re.search(rf'href="{NEW}\?site={world.site_mm.pk}" autofocus', html)
    html = english(c).get(reverse("intake:receipt", args=[v.pk])).content.decode()
    assert "Visit receipt" in html and "Secret code" in html and "Time-limited" in html
    assert "Keep this receipt" in html


def test_company_b_cannot_open_company_a_s_receipt(world):
    v = visit(world, kind="complaint", company_id=world.company_a_maoming.pk, outcome="resolved_on_site")
    url = reverse("intake:receipt", args=[v.pk])
    assert world.browser_client(world.handler_b).get(url).status_code == 404
    assert world.browser_client(world.handler_a).get(url).status_code == 200
    assert world.browser_client(world.sz_officer).get(url).status_code == 404
    assert world.browser_client(world.staff_mm).get(reverse("intake:receipt", args=[v.pk + 99])).status_code == 404


# ---- the visits list -----------------------------------------------------------------------


def test_list_is_scoped_to_the_company(world):
    a = visit(world, kind="complaint", company_id=world.company_a_maoming.pk, outcome="resolved_on_site")
    b = visit(world, company_id=world.company_b.pk)
    html = world.browser_client(world.handler_a).get(LIST).content.decode()
    assert format_tracking_no(a.tracking_no) in html and format_tracking_no(b.tracking_no) not in html
    html = world.browser_client(world.officer).get(LIST).content.decode()
    assert format_tracking_no(a.tracking_no) in html and format_tracking_no(b.tracking_no) in html
    assert "来访列表" in html and "陈**" in html and "陈大文" not in html


def test_list_filters(world):
    due = timezone.localdate() + timedelta(days=5)
    referred = visit(
        world,
        kind="complaint",
        company_id=world.company_a_maoming.pk,
        outcome="time_limited",
        due_date=due,
        handled_by="regulator",
    )
    on_site = visit(world, kind="complaint", company_id=world.company_b.pk, outcome="resolved_on_site")
    consult = visit(world)
    c = world.browser_client(world.officer)

    def shown(**params):
        html = c.get(LIST, params).content.decode()
        return {v.pk for v in (referred, on_site, consult) if format_tracking_no(v.tracking_no) in html}

    assert shown() == {referred.pk, on_site.pk, consult.pk}
    assert shown(outcome="referred") == {referred.pk}
    assert shown(outcome="resolved_on_site") == {on_site.pk}
    assert shown(kind="consultation") == {consult.pk}
    assert shown(company=world.company_a.pk) == {referred.pk}
    assert shown(tracking_no=format_tracking_no(on_site.tracking_no)) == {on_site.pk}
    assert shown(campaign=world.campaign.pk, site=world.site_mm.pk, city="440900") == {
        referred.pk,
        on_site.pk,
        consult.pk,
    }
    assert shown(site=world.site_gz.pk) == set()
    # A bad filter value is a form error, not a 500.
    r = c.get(LIST, {"kind": "nonsense"})
    assert r.status_code == 400 and "kind" in r.context["form"].errors


def test_list_pages_with_a_cursor(world, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    now = timezone.now()
    made = [
        record_visit(
            world.staff_mm,
            VisitInput(kind="suggestion", visitor_name=f"访客{i}", summary="建议", site_id=world.site_mm.pk),
            received_at=now - timedelta(minutes=i),
        ).visit
        for i in range(5)
    ]
    c = world.browser_client(world.staff_mm)
    seen: list[int] = []
    params = {"kind": "suggestion"}
    for _page in range(3):
        r = c.get(LIST, params)
        html = r.content.decode()
        seen += [v.pk for v in made if format_tracking_no(v.tracking_no) in html]
        nxt = re.search(r'rel="next" href="\?([^"]+)"', html)
        if not nxt:
            break
        assert "kind=suggestion" in nxt.group(1)  # filters are kept
        params = dict(p.split("=", 1) for p in nxt.group(1).replace("&amp;", "&").split("&"))
    assert seen == [v.pk for v in made]  # newest first, each once
    assert c.get(LIST, {"cursor": "garbage"}).status_code == 400


def test_list_speaks_english_after_switching(world):
    c = english(world.browser_client(world.officer))
    html = c.get(LIST).content.decode()
    assert "Tracking number" in html and "Next page" not in html and "跟踪编号" not in html
