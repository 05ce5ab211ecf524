"""Case statistics per company and city: every figure from hand-built case histories, the
user's scope, the period and campaign filters, and a fixed number of queries."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from ombud.cases.models import Case
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.directory.models import Organization
from ombud.errors import InvalidInput, NotFound
from ombud.intake.services import VisitInput, record_visit
from ombud.reports.statistics.queries import CASE_STAT_KEYS, case_statistics
from ombud.testing import GUANGZHOU, MAOMING, SHANGHAI, SHENZHEN

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=SHANGHAI)
DECIDE = {"decision": "partly_upheld", "reply": "同意赔付部分费用"}


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def complaint(world, company, city, received, *, handler):
    case = register_complaint(
        world.admin,
        ComplaintInput(
            company_id=company.pk,
            complainant_name="陈建华",
            summary="理赔拖延",
            channel="phone",
            received_at=received,
            city_code=city,
        ),
        now=NOW,
    )
    case.handler = handler  # who acts for the company in the steps below
    return case


def act(case, action, when, **fields):
    return take_action(case.handler, case.pk, action, fields, now=when)


@pytest.fixture
def history(world):
    """Company A (head office; the Maoming ones go to its Maoming branch) and company B:

    a1 Maoming  09-20 decided 09-25 (5 days, in time), informed, closed
    a2 Maoming  09-01 decided 10-01 (30 days, late), informed, review requested 10-05 → open, overdue
    a3 Maoming  10-01 received, never accepted → open, overdue
    a4 Guangzhou 11-20 received → open, due 12-07: not overdue on 11-27
    a5 Maoming  10-25 decided 11-01 (7 days, in time), mediation → open, no due date
    b1 Guangzhou 10-10 decided 10-12 (2 days, in time), informed, closed
    sz Shenzhen 10-20 (company B) received → open, overdue; outside the Guangdong bureau
    """
    mediator = Organization.objects.create(kind="mediation", name="广东保险纠纷调解中心")
    a, b = world.company_a, world.company_b
    h_a, h_b = world.handler_a, world.handler_b

    a1 = complaint(world, a, MAOMING, at(9, 20), handler=h_a)
    act(a1, "accept", at(9, 21))
    act(a1, "decide", at(9, 25), **DECIDE)
    act(a1, "notify", at(9, 26))
    act(a1, "close", at(9, 27))

    a2 = complaint(world, a, MAOMING, at(9, 1), handler=h_a)
    act(a2, "accept", at(9, 2))
    act(a2, "decide", at(10, 1), **DECIDE)
    act(a2, "notify", at(10, 2))
    act(a2, "request_review", at(10, 5), reason="不服")

    complaint(world, a, MAOMING, at(10, 1), handler=h_a)  # a3
    complaint(world, a, GUANGZHOU, at(11, 20), handler=h_a)  # a4

    a5 = complaint(world, a, MAOMING, at(10, 25), handler=h_a)
    act(a5, "accept", at(10, 26))
    act(a5, "decide", at(11, 1), **DECIDE)
    act(a5, "mediate", at(11, 2), mediation_body_id=mediator.pk)

    b1 = complaint(world, b, GUANGZHOU, at(10, 10), handler=h_b)
    act(b1, "accept", at(10, 11))
    act(b1, "decide", at(10, 12), **DECIDE)
    act(b1, "notify", at(10, 13))
    act(b1, "close", at(10, 14))

    complaint(world, b, SHENZHEN, at(10, 20), handler=h_b)  # sz
    return world


def figures(opened, open_, overdue, decided, in_time, pct, median, reviews, mediations):
    return dict(
        zip(
            CASE_STAT_KEYS,
            (opened, open_, overdue, decided, in_time, reviews, mediations, pct, median),
            strict=True,
        )
    )


def stats_of(rows, key):
    return {r[key]: {k: r[k] for k in CASE_STAT_KEYS} for r in rows}


COMPANY_A = figures(5, 4, 2, 3, 2, 66.7, 7.0, 1, 1)  # decisions in 5, 30 and 7 days
COMPANY_B_GD = figures(1, 0, 0, 1, 1, 100.0, 2.0, 0, 0)
MAOMING_FIGURES = figures(4, 3, 2, 3, 2, 66.7, 7.0, 1, 1)
GUANGZHOU_FIGURES = figures(2, 1, 0, 1, 1, 100.0, 2.0, 0, 0)
SHENZHEN_FIGURES = figures(1, 1, 1, 0, 0, None, None, 0, 0)


def test_every_figure_per_company_per_city_and_in_total(history):
    w = history
    s = case_statistics(w.officer, now=NOW)
    assert s["totals"] == figures(6, 4, 2, 4, 3, 75.0, 6.0, 1, 1)  # median of 2, 5, 7, 30 days
    assert stats_of(s["companies"], "company_id") == {w.company_a.pk: COMPANY_A, w.company_b.pk: COMPANY_B_GD}
    assert stats_of(s["cities"], "city_code") == {MAOMING: MAOMING_FIGURES, GUANGZHOU: GUANGZHOU_FIGURES}
    # Companies by cases opened, cities by code; names for the tables.
    assert [r["company_name"] for r in s["companies"]] == ["中国人寿保险股份有限公司", "中国平安财产保险股份有限公司"]
    assert [(r["city_code"], r["city_name"]) for r in s["cities"]] == [("440100", "广州市"), ("440900", "茂名市")]


def test_the_regulator_admin_sees_every_bureau(history):
    s = case_statistics(history.admin, now=NOW)
    assert s["totals"] == figures(7, 5, 3, 4, 3, 75.0, 6.0, 1, 1)
    assert stats_of(s["cities"], "city_code")[SHENZHEN] == SHENZHEN_FIGURES
    assert stats_of(s["companies"], "company_id")[history.company_b.pk] == figures(2, 1, 1, 1, 1, 100.0, 2.0, 0, 0)


def test_a_company_user_sees_only_its_company(history):
    s = case_statistics(history.handler_a, now=NOW)
    assert s["totals"] == COMPANY_A
    assert list(stats_of(s["companies"], "company_id")) == [history.company_a.pk]
    assert stats_of(s["cities"], "city_code") == {
        MAOMING: MAOMING_FIGURES,
        GUANGZHOU: figures(1, 1, 0, 0, 0, None, None, 0, 0),
    }
    b = case_statistics(history.handler_b, now=NOW)
    assert list(stats_of(b["companies"], "company_id")) == [history.company_b.pk]
    assert b["totals"]["opened"] == 2  # Guangzhou and Shenzhen: a company is national


def test_the_shenzhen_officer_sees_none_of_guangdongs_cases(history):
    s = case_statistics(history.sz_officer, now=NOW)
    assert s["totals"] == SHENZHEN_FIGURES
    assert list(stats_of(s["cities"], "city_code")) == [SHENZHEN]
    assert case_statistics(history.nobody, now=NOW)["totals"] == figures(0, 0, 0, 0, 0, None, None, 0, 0)


def test_the_period_counts_cases_opened_between_the_two_beijing_dates_inclusive(history):
    october = case_statistics(history.officer, since=date(2026, 10, 1), until=date(2026, 10, 31), now=NOW)
    assert october["totals"] == figures(3, 2, 1, 2, 2, 100.0, 4.5, 0, 1)  # a3, a5, b1
    assert case_statistics(history.officer, until=date(2026, 9, 20), now=NOW)["totals"]["opened"] == 2  # a1, a2
    assert case_statistics(history.officer, since=date(2026, 9, 21), now=NOW)["totals"]["opened"] == 4
    with pytest.raises(InvalidInput):
        case_statistics(history.officer, since=date(2026, 10, 2), until=date(2026, 10, 1))


def test_the_campaign_filter_counts_the_cases_born_at_its_sites(history):
    w = history
    record_visit(
        w.staff_mm,
        VisitInput(
            kind="complaint",
            visitor_name="李秀英",
            summary="理赔被拒",
            site_id=w.site_mm.pk,
            company_id=w.company_a_maoming.pk,
            outcome="time_limited",
            due_date=timezone.localdate() + timedelta(days=10),
        ),
    )
    s = case_statistics(w.officer, campaign_id=w.campaign.pk)
    assert s["totals"]["opened"] == 1 and s["totals"]["open"] == 1
    assert [r["company_id"] for r in s["companies"]] == [w.company_a.pk]
    with pytest.raises(NotFound):
        case_statistics(w.officer, campaign_id=w.campaign.pk + 99)


def test_a_fixed_number_of_queries_whatever_the_data(history, django_assert_num_queries):
    # All time: the month tallies (the counts and the three rates' answers) and the open cases,
    # by head office and city; the names of the head offices and of the cities; the medians
    # (the all-time histograms). A period that starts and ends within months adds the day
    # tallies of its ends. The same on both databases.
    all_time, period = 5, 6
    admin = history.admin
    with django_assert_num_queries(all_time):
        case_statistics(admin, now=NOW)
    between = {"since": date(2026, 9, 15), "until": date(2026, 11, 20)}
    with django_assert_num_queries(period):
        decided = case_statistics(admin, **between, now=NOW)["totals"]["decided"]
    for _ in range(5):
        c = complaint(history, history.company_b, GUANGZHOU, at(11, 1), handler=history.handler_b)
        act(c, "accept", at(11, 2))
        act(c, "decide", at(11, 3), **DECIDE)
    with django_assert_num_queries(all_time):
        assert case_statistics(admin, now=NOW)["totals"]["decided"] == 9
    with django_assert_num_queries(period):
        assert case_statistics(admin, **between, now=NOW)["totals"]["decided"] == decided + 5


def test_the_median_of_an_even_count_is_the_mean_of_the_middle_two(history):
    only_b = case_statistics(history.handler_b, now=NOW)
    assert only_b["totals"]["median_days_to_decision"] == 2.0
    c = complaint(history, history.company_b, GUANGZHOU, at(11, 1), handler=history.handler_b)
    act(c, "accept", at(11, 2))
    act(c, "decide", at(11, 4, 22), **DECIDE)  # 3.5 days
    assert case_statistics(history.handler_b, now=NOW)["totals"]["median_days_to_decision"] == 2.8  # (2 + 3.5) / 2


# ---- API and page ---------------------------------------------------------------------------------


def test_the_api_returns_totals_companies_and_cities(history):
    api = history.api(history.officer)
    r = api.get("/api/v1/reports/cases", since="2026-09-01", until="2026-11-30")
    assert r.status_code == 200, r.content
    body = r.json()
    assert set(body) == {"since", "until", "campaign_id", "totals", "companies", "cities", "rates"}
    assert body["totals"]["opened"] == 6 and body["totals"]["decided_in_time_pct"] == 75.0
    assert body["totals"]["median_days_to_decision"] == 6.0
    row = next(c for c in body["companies"] if c["company_id"] == history.company_a.pk)
    assert row["company_name"] == "中国人寿保险股份有限公司"
    assert (row["decided"], row["reviews"], row["mediations"]) == (3, 1, 1)
    assert {c["city_code"] for c in body["cities"]} == {MAOMING, GUANGZHOU}
    assert history.api(history.sz_officer).get("/api/v1/reports/cases").json()["totals"]["opened"] == 1


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"since": "2026-10-02", "until": "2026-10-01"}, 400, "invalid"),
        ({"since": "yesterday"}, 400, "invalid"),
        ({"campaign_id": "0"}, 400, "invalid"),
        ({"campaign_id": "999999"}, 404, "not_found"),
    ],
)
def test_the_api_refuses_bad_filters(history, params, status, code):
    r = history.api(history.officer).get("/api/v1/reports/cases", **params)
    assert r.status_code == status and r.json()["error"]["code"] == code


def test_the_api_needs_a_token(world):
    assert world.api(None).get("/api/v1/reports/cases").status_code == 401


def english_client(world, user):
    client = world.browser_client(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_page_shows_both_tables_the_totals_and_highlights_overdue(history, monkeypatch):
    # The page reads the clock; the history's figures are those of NOW (a4 falls due on 12-07).
    monkeypatch.setattr("ombud.reports.statistics.queries.timezone.now", lambda: NOW)
    client = english_client(history, history.officer)
    r = client.get(reverse("reports:cases"))
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-table="case-companies"' in html and 'data-table="case-cities"' in html
    assert f'data-company="{history.company_a.pk}"' in html and f'data-city="{MAOMING}"' in html
    assert 'data-kpi="overdue">2<' in html and 'data-kpi="decided_in_time_pct">75.0%<' in html
    assert '<span class="tag tag-referred">2</span>' in html  # company A's two overdue cases
    assert "深圳" not in html
    with translation.override("en"):
        filtered = client.get(reverse("reports:cases"), {"since": "2026-10-01", "until": "2026-10-31"})
    assert 'data-kpi="opened">3<' in filtered.content.decode()


def test_the_page_shows_a_bad_period_as_a_form_error(history):
    client = english_client(history, history.officer)
    r = client.get(reverse("reports:cases"), {"since": "2026-10-02", "until": "2026-10-01"})
    assert r.status_code == 400 and "The period ends before it starts." in r.content.decode()
    assert client.get(reverse("reports:cases"), {"since": "not a date"}).status_code == 400


def test_the_page_needs_a_login(world):
    from django.test import Client

    assert Client().get(reverse("reports:cases")).status_code == 302


def test_the_campaign_dashboard_shows_case_handling_by_company(world):
    record_visit(
        world.staff_mm,
        VisitInput(
            kind="complaint",
            visitor_name="李秀英",
            summary="理赔被拒",
            site_id=world.site_mm.pk,
            company_id=world.company_a_maoming.pk,
            outcome="time_limited",
            due_date=timezone.localdate() + timedelta(days=10),
        ),
    )
    html = english_client(world, world.officer).get(reverse("reports:dashboard", args=[world.campaign.pk])).content
    html = html.decode()
    assert "Case handling by company" in html
    start = html.index('data-table="case-companies"')
    assert f'data-company="{world.company_a.pk}"' in html[start:]
    assert Case.objects.count() == 1
