"""The company scorecard, computed by hand for two companies and compared metric by metric.

Company A (中国人寿): Q1 2026 has 4 complaints, 2 decided (one in time, one late), one review
requested; ¥200m premium, 40,000 policies; Q4 2025 had 1 complaint on ¥100m premium. Spot
checks: 1 proper, 1 improper. Call-back satisfaction: 4.
Company B (平安财险): 2 complaints, 1 decided in time then taken to mediation; ¥100m premium,
10,000 policies; no figures for Q4. Spot check: 1 proper. Satisfaction 5 and 3.

By hand (weights as seeded: per_10k 15, per_100m 15, change 10, volume 5, timeliness 10,
review 5, mediation 5, spot-check 10, satisfaction 10):

    metric          A value  B value   A scaled  B scaled   A points  B points
    volume          4        2         0         1          0         5
    per_100m        2        2         1         1          15        15
    per_10k         1        2         1         0          15        0
    premium_change  1 (2-1)  —         1         —          10        —
    timeliness      0.5      1         0         1          0         10
    review_rate     0.5      0         0         1          0         5
    mediation_rate  0        1         1         0          5         0
    spotcheck_pass  0.5      1         0         1          0         10
    satisfaction    4        4         1         1          10        10
    score           55/85 = 64.7       55/75 = 73.3  → B ranks first

Complaints per 10,000 insured persons is shown (A: 4 × 10,000 / 80,000 = 0.5) with weight 0.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from ombud.cases.models import Case
from ombud.cases.services import ComplaintInput, register_complaint, take_action
from ombud.directory.models import Organization
from ombud.errors import Forbidden, InvalidInput
from ombud.oversight.callbacks import services as callbacks
from ombud.oversight.evaluation.queries import Period, parse_period, scorecard
from ombud.oversight.evaluation.services import FiguresInput, import_figures
from ombud.oversight.models import CallBack, SpotCheck, SpotCheckItem
from ombud.testing import GUANGZHOU, MAOMING

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
Q1 = Period(date(2026, 1, 1), date(2026, 3, 31))
Q4 = Period(date(2025, 10, 1), date(2025, 12, 31))


def at(y, m, d, h=10):
    return datetime(y, m, d, h, tzinfo=SH)


def file_complaint(world, company, city, received_at, summary="理赔被拒"):
    return register_complaint(
        world.admin,
        ComplaintInput(
            company_id=company.pk,
            complainant_name="陈美玲",
            complainant_phone="13912345678",
            summary=summary,
            channel="phone",
            received_at=received_at,
            city_code=city,
        ),
        now=received_at,
    )


def decide(handler, case, when):
    take_action(handler, case.pk, "accept", {}, now=when - timedelta(hours=1))
    return take_action(handler, case.pk, "decide", {"decision": "upheld", "reply": "同意赔付"}, now=when)


@pytest.fixture
def data(world):
    mediator = Organization.objects.create(kind="mediation", name="广东保险纠纷调解中心")
    a = [file_complaint(world, world.company_a_maoming, MAOMING, at(2026, 1, 5)) for _ in range(4)]
    file_complaint(world, world.company_a_maoming, MAOMING, at(2025, 11, 3))  # Q4
    file_complaint(world, world.company_a_maoming, MAOMING, at(2026, 4, 2))  # Q2: not counted
    b = [file_complaint(world, world.company_b, GUANGZHOU, at(2026, 2, 2)) for _ in range(2)]

    decide(world.handler_a, a[0], at(2026, 1, 8))  # in time
    decide(world.handler_a, a[1], at(2026, 3, 20))  # late
    take_action(world.handler_a, a[0].pk, "notify", {}, now=at(2026, 1, 9))
    take_action(world.handler_a, a[0].pk, "request_review", {"reason": "不服"}, now=at(2026, 1, 20))
    decide(world.handler_b, b[0], at(2026, 2, 5))
    take_action(world.handler_b, b[0].pk, "mediate", {"mediation_body_id": mediator.pk}, now=at(2026, 2, 10))

    import_figures(
        world.officer,
        Q1,
        [
            FiguresInput(world.company_a.pk, Decimal("200000000"), 40_000, insured_persons=80_000),
            FiguresInput(world.company_b.pk, Decimal("100000000"), 10_000),
        ],
    )
    import_figures(world.officer, Q4, [FiguresInput(world.company_a.pk, Decimal("100000000"), 20_000)])

    check = SpotCheck.objects.create(
        title="一季度抽查",
        seed="s",
        size_mode="count",
        size_value=2,
        population=4,
        drawn_by=world.officer,
        drawn_at=at(2026, 4, 1),
    )
    for position, (case, company, finding) in enumerate(
        [(a[0], world.company_a, "proper"), (a[1], world.company_a, "improper"), (b[0], world.company_b, "proper")]
    ):
        SpotCheckItem.objects.create(
            spot_check=check,
            case=case,
            case_opened_at=case.opened_at,
            position=position,
            stratum_company=company,
            stratum_outcome="upheld",
            finding=finding,
        )
    SpotCheckItem.objects.create(  # sampled but not yet checked: not counted
        spot_check=check,
        case=a[2],
        case_opened_at=a[2].opened_at,
        position=9,
        stratum_company=world.company_a,
        stratum_outcome="upheld",
    )
    # The calls are recorded as an officer records them (the rollups count what they answer).
    for case, satisfaction in [(a[0], 4), (b[0], 5), (b[1], 3)]:
        listed = CallBack.objects.create(case=case, created_at=at(2026, 4, 1))
        callbacks.record_attempt(world.officer, listed.pk, result="reached", solved=True, satisfaction=satisfaction)
    listed = CallBack.objects.create(case=a[1], created_at=at(2026, 4, 1))
    callbacks.record_attempt(world.officer, listed.pk, result="wrong_number")
    return a, b


def values(row):
    return {code: m.value for code, m in row.metrics.items()}


def test_the_scorecard_equals_the_hand_computation(world, data):
    card = scorecard(world.officer, Q1)
    b, a = card.rows
    assert (a.company_id, b.company_id) == (world.company_a.pk, world.company_b.pk)
    assert values(a) == {
        "volume": 4,
        "per_100m_premium": Decimal("2"),
        "per_10k_policies": Decimal("1"),
        "per_10k_insured": Decimal("0.5"),  # 4 × 10,000 / 80,000; shown, weight 0
        "premium_change": Decimal("1"),
        "timeliness": Decimal("0.5"),
        "review_rate": Decimal("0.5"),
        "mediation_rate": Decimal("0"),
        "spotcheck_pass": Decimal("0.5"),
        "satisfaction": Decimal("4"),
    }
    assert values(b) == {
        "volume": 2,
        "per_100m_premium": Decimal("2"),
        "per_10k_policies": Decimal("2"),
        "per_10k_insured": None,
        "premium_change": None,
        "timeliness": Decimal("1"),
        "review_rate": Decimal("0"),
        "mediation_rate": Decimal("1"),
        "spotcheck_pass": Decimal("1"),
        "satisfaction": Decimal("4"),
    }
    points_a = {code: m.points for code, m in a.metrics.items()}
    points_b = {code: m.points for code, m in b.metrics.items()}
    assert points_a == {
        "volume": 0,
        "per_100m_premium": 15,
        "per_10k_policies": 15,
        "per_10k_insured": 0,
        "premium_change": 10,
        "timeliness": 0,
        "review_rate": 0,
        "mediation_rate": 5,
        "spotcheck_pass": 0,
        "satisfaction": 10,
    }
    assert points_b == {
        "volume": 5,
        "per_100m_premium": 15,
        "per_10k_policies": 0,
        "per_10k_insured": None,
        "premium_change": None,
        "timeliness": 10,
        "review_rate": 5,
        "mediation_rate": 0,
        "spotcheck_pass": 10,
        "satisfaction": 10,
    }
    assert (a.score, b.score) == (Decimal("64.7"), Decimal("73.3"))
    assert (b.rank, a.rank) == (1, 2)


def test_weights_are_data(world, data):
    from ombud.oversight.models import EvaluationWeight

    EvaluationWeight.objects.exclude(metric="volume").update(weight=0)
    card = scorecard(world.officer, Q1)
    # Volume alone: B (2 complaints) scores 100, A (4) scores 0.
    assert [(r.company_id, r.score) for r in card.rows] == [(world.company_b.pk, 100), (world.company_a.pk, 0)]


def test_the_scorecard_is_scoped_and_regulator_only(world, data):
    assert [r.company_id for r in scorecard(world.sz_officer, Q1).rows if r.complaints] == []
    with pytest.raises(Forbidden):
        scorecard(world.handler_a, Q1)


def test_the_query_count_does_not_grow_with_the_data(world, data, django_assert_max_num_queries):
    # the scorecard's own queries, and three for the three rates (response, ratings, call-backs)
    with django_assert_max_num_queries(18):
        scorecard(world.officer, Q1)


def test_figures_import_checks_every_row_and_writes_none_on_error(world):
    with pytest.raises(InvalidInput) as e:
        import_figures(
            world.officer,
            Q1,
            [
                FiguresInput(world.company_a.pk, Decimal("1000"), 10),
                FiguresInput(world.company_a_maoming.pk, Decimal("1000"), 10),  # a branch
                FiguresInput(world.company_b.pk, Decimal("0"), 0),
                FiguresInput(world.company_a.pk, Decimal("1000"), 10),  # twice
            ],
        )
    assert set(e.value.fields) == {"rows.1.company_id", "rows.2.premium", "rows.2.policies", "rows.3.company_id"}
    from ombud.oversight.models import CompanyFigures

    assert not CompanyFigures.objects.exists()
    with pytest.raises(Forbidden):
        import_figures(world.handler_a, Q1, [FiguresInput(world.company_a.pk, Decimal("1000"), 10)])


def test_each_bureau_reads_and_writes_only_its_own_figures(world, data):
    """A Shenzhen officer's import neither overwrites nor shows Guangdong's figures (and a
    bureau-less officer imports nothing)."""
    from ombud.oversight.evaluation.queries import figure_periods
    from ombud.oversight.models import CompanyFigures

    guangdong = CompanyFigures.objects.get(bureau=world.gd_bureau, company=world.company_a, period_start=Q1.start)
    import_figures(world.sz_officer, Q1, [FiguresInput(world.company_a.pk, Decimal("7"), 7)])
    guangdong.refresh_from_db()
    assert guangdong.premium == Decimal("200000000.00")
    assert CompanyFigures.objects.get(bureau=world.sz_bureau, company=world.company_a).premium == Decimal("7.00")
    assert [(p.start, p.end) for p in figure_periods(world.sz_officer)] == [(Q1.start, Q1.end)]
    assert len(figure_periods(world.officer)) == 2
    row_a = next(r for r in scorecard(world.officer, Q1).rows if r.company_id == world.company_a.pk)
    assert row_a.metrics["per_100m_premium"].value == 2  # its 4 Q1 complaints / Guangdong's ¥2 亿, not / ¥7
    assert figure_periods(world.admin) == []  # nationwide figures are a store of their own
    with pytest.raises(Forbidden):
        import_figures(world.officer_no_bureau, Q1, [FiguresInput(world.company_a.pk, Decimal("1"), 1)])


def test_period_validation():
    with pytest.raises(InvalidInput) as e:
        parse_period(date(2026, 3, 1), date(2026, 1, 1))
    assert "period_end" in e.value.fields
    assert not Case.objects.exists()


def test_the_api_returns_the_scorecard_and_imports_figures(world, data):
    api = world.api(world.officer)
    r = api.get("/api/v1/evaluation", period_start="2026-01-01", period_end="2026-03-31")
    assert r.status_code == 200, r.content
    body = r.json()
    assert [(row["rank"], row["company_id"], row["score"]) for row in body["rows"]] == [
        (1, world.company_b.pk, "73.3"),
        (2, world.company_a.pk, "64.7"),
    ]
    assert body["rows"][1]["metrics"]["per_100m_premium"] == {
        "value": "2.0000",
        "scaled": "1.0000",
        "points": "15.0000",
    }
    assert [m["metric"] for m in body["metrics"]][:3] == ["per_10k_policies", "per_100m_premium", "per_10k_insured"]

    bad = api.get("/api/v1/evaluation", period_start="2026-03-31", period_end="2026-01-01")
    assert bad.status_code == 400 and "period_end" in bad.json()["error"]["fields"]
    assert (
        world.api(world.handler_a)
        .get("/api/v1/evaluation", period_start="2026-01-01", period_end="2026-03-31")
        .status_code
        == 403
    )

    r = api.post(
        "/api/v1/evaluation/figures",
        {
            "period_start": "2026-04-01",
            "period_end": "2026-06-30",
            "rows": [{"company_id": world.company_a.pk, "premium": "5000000.00", "policies": 900}],
        },
    )
    assert r.status_code == 200 and r.json() == {"imported": 1}
    r = api.post(
        "/api/v1/evaluation/figures",
        {
            "period_start": "2026-04-01",
            "period_end": "2026-06-30",
            "rows": [{"company_id": 999999, "premium": "1", "policies": 1}],
        },
    )
    assert r.status_code == 400 and "rows.0.company_id" in r.json()["error"]["fields"]


def test_the_page_shows_the_ranking_to_the_regulator_only(world, data):
    page = world.browser_client(world.officer).get("/oversight/evaluation/")
    assert page.status_code == 200
    html = page.content.decode()
    # The latest period with figures is chosen; B's row comes first.
    assert html.index(f'data-company="{world.company_b.pk}"') < html.index(f'data-company="{world.company_a.pk}"')
    assert "73.3" in html and 'id="evaluation-data"' in html
    assert world.browser_client(world.handler_a).get("/oversight/evaluation/").status_code == 403
    bad = world.browser_client(world.officer).get(
        "/oversight/evaluation/?period_start=2026-03-01&period_end=2026-01-01"
    )
    assert bad.status_code == 200 and 'class="form-error"' in bad.content.decode()


def test_dates_far_out_of_range_are_a_400_not_an_overflow(world):
    r = world.api(world.officer).get("/api/v1/evaluation", period_start="0001-01-01", period_end="9999-12-31")
    assert r.status_code == 400
    assert set(r.json()["error"]["fields"]) == {"period_start", "period_end"}
