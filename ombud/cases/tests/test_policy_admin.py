"""Policy is editable in the admin: every policy table has its pages, sources are shown, and
a rule without a source is refused (docs/deadlines.md, routing.md, notifications.md,
evaluation.md)."""

from __future__ import annotations

from datetime import date

import pytest

from ombud.cases.models import CalendarDay, CalendarYear, DeadlineRule, RoutingRule
from ombud.directory.models import User
from ombud.oversight.models import EvaluationWeight

pytestmark = pytest.mark.django_db

POLICY_PAGES = [
    "cases/deadlinerule",
    "cases/calendaryear",
    "cases/calendarday",
    "cases/routingrule",
    "cases/messagetemplate",
    "cases/replytemplate",
    "oversight/evaluationweight",
    "oversight/companyfigures",
]


@pytest.fixture
def superuser_client(client):
    root = User.objects.create_superuser("root", "root@example.cn", "pw-not-secret-0123")
    client.force_login(root)
    return client


@pytest.mark.parametrize("page", POLICY_PAGES)
def test_every_policy_table_has_a_list_and_an_add_page(superuser_client, page):
    assert superuser_client.get(f"/admin/{page}/").status_code == 200
    assert superuser_client.get(f"/admin/{page}/add/").status_code == 200


def test_the_lists_show_the_sources(superuser_client):
    rule = DeadlineRule.objects.first()
    page = superuser_client.get("/admin/cases/deadlinerule/").content.decode()
    assert rule.source in page
    routing = RoutingRule.objects.first()
    assert routing.source in superuser_client.get("/admin/cases/routingrule/").content.decode()


def test_a_deadline_rule_without_a_source_is_refused(superuser_client):
    form = {
        "code": "test.no_source",
        "name_zh": "无来源期限",
        "name_en": "no source",
        "days": "15",
        "unit": "calendar",
        "roll_to_working_day": "on",
        "source": "   ",
        "status": "C",
        "is_active": "on",
    }
    response = superuser_client.post("/admin/cases/deadlinerule/add/", form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not DeadlineRule.objects.filter(code="test.no_source").exists()
    form["source"] = "《银行保险机构消费者权益保护管理办法》第三十二条"
    assert superuser_client.post("/admin/cases/deadlinerule/add/", form).status_code == 302
    assert DeadlineRule.objects.get(code="test.no_source").source == form["source"]


def test_a_routing_rule_without_a_source_is_refused(superuser_client):
    rule = RoutingRule.objects.first()
    url = f"/admin/cases/routingrule/{rule.pk}/change/"
    response = superuser_client.post(url, {"handled_by": rule.handled_by, "source": ""})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert RoutingRule.objects.get(pk=rule.pk).source == rule.source


def test_an_evaluation_weight_without_a_source_is_refused(superuser_client):
    form = {
        "metric": "test_metric",
        "name_zh": "测试指标",
        "name_en": "test metric",
        "weight": "5",
        "source": "",
        "position": "99",
    }
    response = superuser_client.post("/admin/oversight/evaluationweight/add/", form)
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not EvaluationWeight.objects.filter(metric="test_metric").exists()


def test_a_calendar_day_is_refused_outside_a_loaded_year_or_against_the_week(superuser_client):
    url = "/admin/cases/calendarday/add/"
    assert not CalendarYear.objects.filter(year=2031).exists()
    # 2031-01-01 is a Wednesday, in a year whose holidays are not loaded.
    response = superuser_client.post(url, {"date": "2031-01-01", "kind": "rest_day", "holiday": "元旦"})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2031, 1, 1)).exists()
    # 2026-03-04 is a Wednesday: a working day already, never a make-up working day.
    response = superuser_client.post(url, {"date": "2026-03-04", "kind": "adjusted_workday", "holiday": ""})
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not CalendarDay.objects.filter(date=date(2026, 3, 4)).exists()


def test_policy_rows_read_as_text():
    rule = DeadlineRule.objects.first()
    assert rule.name_zh in str(rule) and "object" not in str(rule)
    assert "→" in str(RoutingRule.objects.first())
    assert "object" not in str(EvaluationWeight.objects.first() or EvaluationWeight(metric="m", name_zh="m", weight=1))


def test_policy_tables_name_their_plural_rather_than_adding_an_s():
    from ombud.cases.models import MessageTemplate, ReplyTemplate
    from ombud.oversight.models import CompanyFigures

    for model in (
        DeadlineRule,
        CalendarYear,
        CalendarDay,
        RoutingRule,
        MessageTemplate,
        ReplyTemplate,
        EvaluationWeight,
        CompanyFigures,
    ):
        assert "verbose_name_plural" in model._meta.original_attrs, model


def test_admin_edits_of_policy_are_in_the_audit_log(superuser_client):
    from ombud.audit.models import AuditEntry
    from ombud.audit.services import verify

    rule = DeadlineRule.objects.get(code="complaint.decision")
    url = f"/admin/cases/deadlinerule/{rule.pk}/change/"
    form = {
        "name_zh": rule.name_zh,
        "name_en": rule.name_en,
        "days": "20",
        "unit": rule.unit,
        "roll_to_working_day": "on",
        "source": rule.source,
        "status": rule.status,
        "is_active": "on",
    }
    assert superuser_client.post(url, form).status_code == 302
    entry = AuditEntry.objects.filter(action="policy.change").latest("seq")
    assert (entry.object_type, entry.object_id) == ("cases.deadlinerule", "complaint.decision")
    assert entry.actor.username == "root"
    assert entry.data["fields"] == {"days": [15, 20]}

    weight = EvaluationWeight.objects.first()
    delete = f"/admin/oversight/evaluationweight/{weight.pk}/delete/"
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 302
    gone = AuditEntry.objects.filter(action="policy.delete").latest("seq")
    assert (gone.object_type, gone.object_id) == ("oversight.evaluationweight", weight.pk)
    assert verify().ok


def test_a_long_template_body_is_audited_by_digest(superuser_client):
    from ombud.audit.models import AuditEntry

    url = "/admin/cases/messagetemplate/consumer.closed/change/"
    body = "【保险消费者权益保护】您的投诉（编号{{ tracking_no }}）已办结。" + "感谢您的理解与支持。" * 500
    form = {"audience": "consumer", "subject": "", "body": body, "is_active": "on", "source": "x"}
    assert superuser_client.post(url, form).status_code == 302
    entry = AuditEntry.objects.filter(action="policy.change").latest("seq")
    assert entry.data["fields"]["body"][1]["chars"] == len(body)


def test_an_admin_edit_of_the_calendar_drops_the_cached_calendar(superuser_client):
    from ombud.cases import deadlines

    deadlines.forget_cached_calendar()
    assert 2027 not in deadlines.calendar().years  # cached now
    form = {"year": "2027", "source": "国务院办公厅关于2027年部分节假日安排的通知"}
    assert superuser_client.post("/admin/cases/calendaryear/add/", form).status_code == 302
    assert 2027 in deadlines.calendar().years  # the post_save signal (cases/apps.py) dropped it
    form = {"date": "2027-01-01", "kind": "rest_day", "holiday": "元旦"}
    assert superuser_client.post("/admin/cases/calendarday/add/", form).status_code == 302
    assert not deadlines.calendar().is_working_day(date(2027, 1, 1))
    deadlines.forget_cached_calendar()


def test_every_model_has_a_readable_str_and_chinese_names():
    from django.apps import apps
    from django.db import models
    from django.utils import translation

    unnamed, default_str = [], []
    with translation.override("zh-hans"):
        for model in apps.get_models():
            if not model.__module__.startswith("ombud"):
                continue
            names = (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
            unnamed.extend((model.__name__, name) for name in names if name.isascii() or name.endswith("s"))
            if model.__str__ is models.Model.__str__:
                default_str.append(model.__name__)
    assert unnamed == []
    assert default_str == []
