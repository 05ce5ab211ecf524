"""Spot checks (抽查): a reproducible stratified sample, findings that reopen or refer cases, and
the pass rate per company.

The population is built with tracking numbers the test chooses, so the pinned sample below is
the same on SQLite and PostgreSQL (CI runs this file on both): that is how "the same seed draws
the same sample on both databases" is proven.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from ombud.cases.models import Case, CaseEvent
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.intake.services import VisitInput, record_visit
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks import queries, sampling, services
from ombud.testing import MAOMING, SHANGHAI, SHENZHEN

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; services speak the active language (Chinese by default)."""
    with translation.override("en"):
        yield


SEED = "20261120"


def make_case(world, n: int, *, company, outcome="", status=None, decision="", city=MAOMING, handled_by=""):
    """One complaint with tracking number 26112000000000nn and summary "case-nn": at the
    Maoming site with a visit outcome, or by phone without one; then put in `status`."""
    if outcome:
        data = VisitInput(
            kind="complaint",
            visitor_name="李秀英",
            summary=f"case-{n:02d}",
            site_id=world.site_mm.pk,
            company_id=company.pk,
            outcome=outcome,
            due_date=timezone.localdate() + timedelta(days=10) if outcome == "time_limited" else None,
            handled_by=handled_by,
        )
    else:
        data = VisitInput(
            kind="complaint",
            channel="phone",
            city_code=city,
            visitor_name="李秀英",
            summary=f"case-{n:02d}",
            company_id=company.pk,
        )
    recorded = record_visit(world.admin, data)
    tracking_no = f"26112000000000{n:02d}"
    Visit.objects.filter(pk=recorded.visit.pk).update(tracking_no=tracking_no)
    fields = {"tracking_no": tracking_no}
    if status:
        fields["status"] = status
    if decision:
        fields["decision"] = decision
    if status == Case.Status.INFORMED:
        fields["informed_at"] = timezone.now()
    Case.objects.filter(pk=recorded.case_id).update(**fields)
    return Case.objects.get(pk=recorded.case_id)


@pytest.fixture
def population(world):
    """20 handled cases in Maoming (Guangdong) in 5 strata, plus cases that are not in it."""
    a, b = world.company_a_maoming, world.company_b
    cases = {}
    n = 0

    def add(count, **kw):
        nonlocal n
        for _ in range(count):
            n += 1
            cases[n] = make_case(world, n, **kw)

    add(6, company=a, outcome="resolved_on_site")  # 1–6: A, resolved on site (closed)
    add(3, company=a, outcome="time_limited", status="informed")  # 7–9: A, time-limited
    add(4, company=b, outcome="resolved_on_site")  # 10–13: B, resolved on site
    add(5, company=b, status="decided", decision="upheld")  # 14–18: B, upheld by phone
    add(2, company=a, status="not_accepted")  # 19–20: A, not accepted
    # Not in the population: still being handled, handled by the regulator, in Shenzhen.
    add(1, company=a, outcome="time_limited")  # 21: in progress
    add(1, company=a, outcome="time_limited", handled_by="regulator", status="closed")  # 22
    add(1, company=b, city=SHENZHEN, status="closed", decision="not_upheld")  # 23
    return cases


def summaries(spot_check: SpotCheck) -> list[str]:
    return [i.case.visit.summary for i in spot_check.items.select_related("case__visit").order_by("position")]


def draw(world, user=None, **kw):
    kw.setdefault("size_mode", "count")
    kw.setdefault("size_value", 2)
    kw.setdefault("seed", SEED)
    return services.draw(user or world.officer, **kw)


# ---- the sampler ---------------------------------------------------------------------------------


def test_the_rank_is_the_sha256_of_seed_slash_tracking_number():
    # The literal comes from `printf '%s' "20261120/2611200000000001" | sha256sum`: anyone can
    # recompute a rank without Ombud, in any language.
    assert sampling.rank(SEED, "2611200000000001") == (
        "f6fb4ce46eaa3bf8639b156ec433e4366574c65cea41704601c8c0143b1e2ec4"
    )


@pytest.mark.parametrize(
    ("size", "mode", "value", "expected"),
    [
        (0, "count", 3, 0),
        (5, "count", 3, 3),
        (2, "count", 3, 2),
        (5, "percent", 30, 2),  # 1.5 → 2
        (3, "percent", 30, 1),  # 0.9 → 1
        (4, "percent", 30, 2),  # 1.2 → 2
        (1, "percent", 1, 1),  # at least 1 of a non-empty stratum
        (200, "percent", 1, 2),
        (7, "percent", 100, 7),
        (10, "percent", 50, 5),
    ],
)
def test_stratum_sample_size(size, mode, value, expected):
    assert sampling.stratum_sample_size(size, mode, value) == expected


def test_the_sampler_ignores_the_order_of_the_population():
    from ombud.oversight.spotchecks.sampling import Member

    members = [Member(i, f"26112000000{i:05d}", 1 + i % 3, "upheld") for i in range(60)]
    picked = [
        [m.case_id for s in sampling.select(order, "x", "count", 4) for m in s.sample]
        for order in (members, list(reversed(members)), sorted(members, key=lambda m: m.tracking_no[::-1]))
    ]
    assert picked[0] == picked[1] == picked[2] and len(picked[0]) == 12


def test_a_case_added_to_one_stratum_leaves_the_others_sample_alone():
    from ombud.oversight.spotchecks.sampling import Member

    members = [Member(i, f"26112000000{i:05d}", 1 + i % 2, "upheld") for i in range(40)]
    before = sampling.select(members, SEED, "count", 3)
    after = sampling.select([*members, Member(99, "2611200000099999", 1, "upheld")], SEED, "count", 3)
    assert before[1].sample == after[1].sample  # company 2 untouched


# ---- drawing -------------------------------------------------------------------------------------


def test_the_same_seed_draws_the_same_sample(world, population):
    first, second = draw(world), draw(world)
    ids = lambda sc: list(sc.items.order_by("position").values_list("case_id", flat=True))  # noqa: E731
    assert ids(first) == ids(second) and len(ids(first)) == 10
    assert list(first.items.order_by("position").values_list("position", flat=True)) == list(range(1, 11))
    assert first.seed == second.seed == SEED and first.population == second.population == 20


def test_the_sample_is_pinned_for_a_fixed_population_and_seed(world, population):
    """The exact sample of seed 20261120, 2 per stratum: the same on every database and every
    Python version. Strata in order: company A (resolved on site, time-limited, not accepted),
    company B (resolved on site, upheld); within each, by rank."""
    spot_check = draw(world)
    assert summaries(spot_check) == [
        "case-02", "case-05",  # A, resolved on site (of 1–6)
        "case-09", "case-08",  # A, time-limited (of 7–9)
        "case-20", "case-19",  # A, not accepted
        "case-11", "case-12",  # B, resolved on site (of 10–13)
        "case-16", "case-18",  # B, upheld (of 14–18)
    ]  # fmt: skip
    strata = [(i.stratum_company_id, i.stratum_outcome) for i in spot_check.items.order_by("position")]
    a, b = world.company_a.pk, world.company_b.pk
    assert (
        strata
        == [(a, "resolved_on_site")] * 2
        + [(a, "time_limited")] * 2
        + [(a, "not_accepted")] * 2
        + [(b, "resolved_on_site")] * 2
        + [(b, "upheld")] * 2
    )


def test_the_pinned_sample_follows_the_documented_rule(world, population):
    """The same sample, recomputed from the rule alone: lowest SHA-256 ranks per stratum."""
    spot_check = draw(world)
    drawn = set(spot_check.items.values_list("case__tracking_no", flat=True))
    expected = set()
    for n_range in (range(1, 7), range(7, 10), range(10, 14), range(14, 19), range(19, 21)):
        tracking = [f"26112000000000{n:02d}" for n in n_range]
        ranked = sorted(tracking, key=lambda t: hashlib.sha256(f"{SEED}/{t}".encode()).hexdigest())
        expected |= set(ranked[:2])
    assert drawn == expected


def test_a_different_seed_draws_a_different_sample(world, population):
    one = summaries(draw(world, seed="1"))
    other = summaries(draw(world, seed="2"))
    assert one != other
    assert Counter(len(summaries(draw(world, seed=str(s)))) for s in range(3)) == Counter({10: 3})


def test_a_seed_not_given_is_generated_stored_and_redraws_the_same(world, population):
    first = draw(world, seed=None)
    assert len(first.seed) == 8 and first.seed.isdigit()
    again = draw(world, seed=first.seed)
    assert summaries(again) == summaries(first)
    assert draw(world, seed="").seed != ""


def test_strata_sizes_add_up_in_count_mode(world, population):
    spot_check = draw(world, size_value=4)
    d = queries.describe(world.officer, spot_check.pk)
    assert sum(s["sample"] for s in d.strata) == spot_check.items.count() == len(d.items)
    assert sum(s["population"] for s in d.strata) == spot_check.population == 20
    sizes = {(s["company_id"], s["outcome"]): (s["population"], s["sample"]) for s in d.strata}
    a, b = world.company_a.pk, world.company_b.pk
    assert sizes == {
        (a, "resolved_on_site"): (6, 4),
        (a, "time_limited"): (3, 3),
        (a, "not_accepted"): (2, 2),
        (b, "resolved_on_site"): (4, 4),
        (b, "upheld"): (5, 4),
    }
    for pop, sample in sizes.values():
        assert sample <= pop


def test_percent_mode_rounds_up_each_stratum(world, population):
    spot_check = draw(world, size_mode="percent", size_value=30)
    d = queries.describe(world.officer, spot_check.pk)
    got = {(s["population"], s["sample"]) for s in d.strata}
    # 30% of 6 = 1.8 → 2; of 3 → 1; of 2 → 1; of 4 = 1.2 → 2; of 5 = 1.5 → 2
    assert got == {(6, 2), (3, 1), (2, 1), (4, 2), (5, 2)}
    assert spot_check.items.count() == 8 == sum(s["sample"] for s in d.strata)
    everything = draw(world, size_mode="percent", size_value=100)
    assert everything.items.count() == 20


def test_the_population_is_handled_company_cases_in_scope(world, population):
    spot_check = draw(world, size_value=100)
    drawn = set(summaries(spot_check))
    assert drawn == {f"case-{n:02d}" for n in range(1, 21)}
    assert not drawn & {"case-21", "case-22", "case-23"}


def test_a_campaign_and_a_period_narrow_the_population(world, population):
    by_campaign = draw(world, campaign_id=world.campaign.pk, size_value=100)
    # Only visits at the campaign's sites: 1–13; the phone complaints have no campaign.
    assert set(summaries(by_campaign)) == {f"case-{n:02d}" for n in range(1, 14)}
    old = population[14]
    Case.objects.filter(pk=old.pk).update(opened_at=datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI))
    Case.objects.filter(pk=population[15].pk).update(opened_at=datetime(2026, 3, 2, 0, 0, tzinfo=SHANGHAI))
    one_day = draw(world, since=date(2026, 3, 1), until=date(2026, 3, 1), size_value=100)
    assert summaries(one_day) == ["case-14"]  # the day ends at 24:00 Shanghai time


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"size_mode": "count", "size_value": 0}, "size_value"),
        ({"size_mode": "count", "size_value": -3}, "size_value"),
        ({"size_mode": "count", "size_value": None}, "size_value"),
        ({"size_mode": "percent", "size_value": 101}, "size_value"),
        ({"size_mode": "count", "size_value": 10_001}, "size_value"),
        ({"size_mode": "half"}, "size_mode"),
        ({"since": date(2026, 5, 2), "until": date(2026, 5, 1)}, "until"),
        ({"until": date.max}, "until"),
        ({"since": date.min}, "since"),
        ({"campaign_id": 987654}, "campaign_id"),
        ({"seed": "x" * 65}, "seed"),
        ({"seed": "a\nb"}, "seed"),
        ({"title": "t" * 101}, "title"),
    ],
)
def test_bad_draws_are_refused_and_write_nothing(world, population, kw, field):
    with pytest.raises(InvalidInput) as e:
        draw(world, **kw)
    assert field in e.value.fields
    assert SpotCheck.objects.count() == 0 and SpotCheckItem.objects.count() == 0


def test_an_empty_population_is_a_clear_400(world, population):
    with pytest.raises(InvalidInput) as e:
        draw(world, since=date(2020, 1, 1), until=date(2020, 1, 31))
    assert e.value.code == "empty_population" and "nothing to sample" in e.value.message
    assert SpotCheck.objects.count() == 0


def test_a_sample_too_big_to_check_is_refused(world, population, monkeypatch):
    monkeypatch.setattr(services, "SAMPLE_MAX", 9)
    with pytest.raises(InvalidInput) as e:
        draw(world)  # 10 cases
    assert "size_value" in e.value.fields and SpotCheck.objects.count() == 0


def test_shenzhen_sees_none_of_guangdong(world, population):
    sz = draw(world, world.sz_officer, size_value=100)
    assert summaries(sz) == ["case-23"] and sz.bureau_id == world.sz_bureau.pk
    with pytest.raises(InvalidInput) as e:
        draw(world, world.sz_officer, campaign_id=world.campaign.pk)  # no site in Shenzhen
    assert "campaign_id" in e.value.fields
    gd = draw(world, size_value=100)
    assert "case-23" not in summaries(gd) and gd.bureau_id == world.gd_bureau.pk
    # Each bureau sees its own spot checks; the administrator sees both.
    with pytest.raises(NotFound):
        queries.describe(world.sz_officer, gd.pk)
    with pytest.raises(NotFound):
        queries.describe(world.officer, sz.pk)
    admin_sc = draw(world, world.admin, size_value=100)
    assert admin_sc.bureau_id is None and "case-23" in summaries(admin_sc)
    with pytest.raises(NotFound):
        queries.describe(world.officer, admin_sc.pk)  # its population is beyond Guangdong
    assert queries.describe(world.admin, gd.pk).spot_check == gd


@pytest.mark.parametrize("user", ["handler_a", "handler_b", "staff_mm", "nobody"])
def test_only_regulators_draw_or_read(world, population, user):
    persona = getattr(world, user)
    with pytest.raises(Forbidden):
        draw(world, persona)
    spot_check = draw(world)
    with pytest.raises(Forbidden):
        queries.describe(persona, spot_check.pk)
    item = spot_check.items.first()
    with pytest.raises(Forbidden):
        services.record_finding(persona, item.pk, finding="proper")
    with pytest.raises(Forbidden):
        queries.pass_rates(persona)
    assert SpotCheck.objects.count() == 1


def test_drawing_costs_the_same_queries_for_any_population_or_sample(world, population):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (1, 100):
        with CaptureQueriesContext(connection) as ctx:
            draw(world, size_value=size, campaign_id=world.campaign.pk)
        counts.append(len(ctx))
    # The strata, the prefiltered draw, the sampled cases' opening times, the writes: a fixed number.
    assert counts[0] == counts[1] <= 11


# ---- findings ------------------------------------------------------------------------------------


def item_of(spot_check: SpotCheck, summary: str) -> SpotCheckItem:
    return spot_check.items.select_related("case").get(case__visit__summary=summary)


def test_a_proper_finding_is_recorded(world, population):
    spot_check = draw(world)
    item = spot_check.items.get(position=1)
    saved = services.record_finding(world.officer, item.pk, finding="proper", reasons="")
    item.refresh_from_db()
    assert saved.pk == item.pk and item.finding == "proper" and item.checked_by == world.officer
    assert item.checked_at is not None and item.follow_up == ""


def test_an_improper_finding_needs_reasons(world, population):
    item = draw(world).items.get(position=1)
    for bad in ({"finding": "improper", "reasons": "  "}, {"finding": "maybe"}, {"finding": ""}):
        with pytest.raises(InvalidInput):
            services.record_finding(world.officer, item.pk, **bad)
    with pytest.raises(InvalidInput) as e:
        services.record_finding(world.officer, item.pk, finding="proper", follow_up="reopen")
    assert "follow_up" in e.value.fields
    with pytest.raises(InvalidInput):
        services.record_finding(world.officer, item.pk, finding="improper", reasons="x", follow_up="delete")
    item.refresh_from_db()
    assert item.finding == "" and item.checked_at is None


def test_reopening_from_a_finding_puts_the_case_back_and_on_its_timeline(world, population):
    spot_check = draw(world)
    item = item_of(spot_check, "case-02")  # resolved on site: closed
    assert item.case.status == "closed"
    services.record_finding(world.officer, item.pk, finding="improper", reasons="未说明拒赔依据", follow_up="reopen")
    item.refresh_from_db()
    case = Case.objects.get(pk=item.case_id)
    assert item.finding == "improper" and item.follow_up == "reopened" and item.reasons == "未说明拒赔依据"
    assert case.status == "in_progress" and case.due_at is not None
    event = case.events.order_by("-created_at", "-id").first()
    assert event.type == CaseEvent.Type.REOPENED and event.data["reason"] == "未说明拒赔依据"
    assert event.actor == world.officer


def test_referring_from_a_finding_writes_the_referral(world, population):
    spot_check = draw(world)
    item = item_of(spot_check, "case-16")  # decided (upheld), still open
    services.record_finding(world.officer, item.pk, finding="improper", reasons="涉嫌销售误导", follow_up="refer")
    item.refresh_from_db()
    assert item.follow_up == "referred"
    event = CaseEvent.objects.filter(case_id=item.case_id).order_by("-id").first()
    assert event.type == CaseEvent.Type.REFERRED_FOR_ENFORCEMENT and event.data["reason"] == "涉嫌销售误导"


@pytest.mark.parametrize(
    ("summary", "follow_up"),
    [("case-16", "reopen"), ("case-19", "reopen")],  # decided; not accepted (refer is allowed from any status)
)
def test_a_refused_follow_up_leaves_the_finding_unsaved(world, population, summary, follow_up):
    spot_check = draw(world)
    item = item_of(spot_check, summary)
    status, events = item.case.status, CaseEvent.objects.filter(case_id=item.case_id).count()
    with pytest.raises(Conflict) as e:
        services.record_finding(world.officer, item.pk, finding="improper", reasons="理由", follow_up=follow_up)
    assert e.value.message.startswith("The finding was not saved")
    assert "follow_up" in e.value.fields
    item.refresh_from_db()
    assert item.finding == "" and item.reasons == "" and item.follow_up == "" and item.checked_at is None
    assert Case.objects.get(pk=item.case_id).status == status
    assert CaseEvent.objects.filter(case_id=item.case_id).count() == events


def test_a_finding_may_change_until_a_follow_up_is_taken(world, population):
    spot_check = draw(world)
    item = item_of(spot_check, "case-02")
    services.record_finding(world.officer, item.pk, finding="proper")
    services.record_finding(world.admin, item.pk, finding="improper", reasons="复核后改判")
    item.refresh_from_db()
    assert item.finding == "improper" and item.checked_by == world.admin
    services.record_finding(world.officer, item.pk, finding="improper", reasons="重开", follow_up="reopen")
    with pytest.raises(Conflict) as e:
        services.record_finding(world.officer, item.pk, finding="proper")
    assert e.value.code == "finding_final"
    item.refresh_from_db()
    assert item.finding == "improper" and item.follow_up == "reopened"


def test_an_item_of_another_bureau_or_spot_check_is_not_found(world, population):
    gd = draw(world)
    item = gd.items.first()
    with pytest.raises(NotFound):
        services.record_finding(world.sz_officer, item.pk, finding="proper")
    other = draw(world, seed="other")
    with pytest.raises(NotFound):
        services.record_finding(world.officer, item.pk, spot_check_id=other.pk, finding="proper")


def test_the_redraw_check_notices_a_changed_population(world, population):
    spot_check = draw(world)
    assert queries.describe(world.officer, spot_check.pk).again.same_sample is True
    item = item_of(spot_check, "case-02")
    services.record_finding(world.officer, item.pk, finding="improper", reasons="重开", follow_up="reopen")
    again = queries.describe(world.officer, spot_check.pk).again
    assert again.same_sample is False and again.population == 19


def test_a_large_population_is_redrawn_only_on_request(world, population, monkeypatch):
    spot_check = draw(world)
    monkeypatch.setattr(queries, "AUTO_VERIFY_MAX", 19)
    d = queries.describe(world.officer, spot_check.pk)
    assert d.again is None and d.population_now == 20 and sum(s["population"] for s in d.strata) == 20
    verified = queries.describe(world.officer, spot_check.pk, verify=True)
    assert verified.again.same_sample is True
    # The strata table's SQL aggregate and the redraw agree stratum by stratum.
    redrawn = {(s.company_id, s.outcome): s.population for s in verified.again.strata}
    assert {(s["company_id"], s["outcome"]): s["population"] for s in d.strata} == redrawn
    api = world.api(world.officer)
    assert api.get(f"/api/v1/spot-checks/{spot_check.pk}").json()["same_sample_now"] is None
    assert api.get(f"/api/v1/spot-checks/{spot_check.pk}", verify="true").json()["same_sample_now"] is True
    browser = world.browser_client(world.officer)
    browser.cookies["django_language"] = "en"
    assert 'id="spotcheck-verify"' in browser.get(f"/oversight/spot-checks/{spot_check.pk}/").content.decode()
    verified_page = browser.get(f"/oversight/spot-checks/{spot_check.pk}/?verify=1").content.decode()
    assert 'data-same="true"' in verified_page


def test_a_large_population_just_drawn_is_not_counted_again(world, population, monkeypatch):
    """The 201 of a draw too large to redraw shows the populations the draw stored (the same
    strata table as a count), without a second pass over the population."""
    monkeypatch.setattr(queries, "AUTO_VERIFY_MAX", 19)
    counted = []
    real_counts = queries.population_counts
    monkeypatch.setattr(queries, "population_counts", lambda *a, **kw: counted.append(1) or real_counts(*a, **kw))
    body = world.api(world.officer).post("/api/v1/spot-checks", {"size_mode": "count", "size_value": 2}).json()
    assert len(counted) == 1  # the draw's own first statement, not the 201's strata table
    assert body["population_now"] == 20 and body["same_sample_now"] is None
    d = queries.describe(world.officer, body["id"])  # counted now: the same table
    assert [(s["company_id"], s["outcome"], s["population"]) for s in body["strata"]] == [
        (s["company_id"], s["outcome"], s["population"]) for s in d.strata
    ]


# ---- pass rates ----------------------------------------------------------------------------------


def test_pass_rates_by_hand(world, population):
    spot_check = draw(world)  # A: 6 items, B: 4 items
    find = lambda s, **kw: services.record_finding(world.officer, item_of(spot_check, s).pk, **kw)  # noqa: E731
    find("case-02", finding="proper")
    find("case-05", finding="proper")
    find("case-09", finding="improper", reasons="超期未答复")
    find("case-19", finding="proper")  # A: 4 checked, 3 proper, 1 improper, 2 not checked
    find("case-11", finding="improper", reasons="x")
    find("case-16", finding="improper", reasons="y")  # B: 2 checked, 0 proper
    rows = queries.pass_rates(world.officer)
    by_company = {r["company_id"]: r for r in rows}
    assert by_company[world.company_a.pk] == {
        "company_id": world.company_a.pk,
        "company_name": "中国人寿保险股份有限公司",
        "company_short_name": "中国人寿",
        "sampled": 6,
        "checked": 4,
        "proper": 3,
        "improper": 1,
        "pass_rate": 0.75,
    }
    b = by_company[world.company_b.pk]
    assert (b["sampled"], b["checked"], b["proper"], b["improper"], b["pass_rate"]) == (4, 2, 0, 2, 0.0)
    # A second spot check's unchecked items count as sampled, not as checked.
    draw(world, seed="another")
    b = {r["company_id"]: r for r in queries.pass_rates(world.officer)}[world.company_b.pk]
    assert (b["sampled"], b["checked"]) == (8, 2)
    only_first = {r["company_id"]: r for r in queries.pass_rates(world.officer, spot_check_id=spot_check.pk)}
    assert only_first[world.company_b.pk]["sampled"] == 4
    # The campaign's cases: A 1–9, B 10–13 (the phone cases have no campaign).
    in_campaign = {r["company_id"]: r for r in queries.pass_rates(world.officer, campaign_id=world.campaign.pk)}
    assert in_campaign[world.company_a.pk]["checked"] == 3 and in_campaign[world.company_a.pk]["proper"] == 2
    assert queries.pass_rates(world.sz_officer) == []


def test_the_pass_rates_of_a_period_count_the_items_of_cases_opened_in_it(world, population):
    """Items keep their case's opening time when drawn, and a period's pass rates read it: the
    same items as joining the cases opened in the period (Asia/Shanghai days, both ends)."""
    spot_check = draw(world)
    items = list(SpotCheckItem.objects.filter(spot_check=spot_check).select_related("case"))
    assert items and all(i.case_opened_at == i.case.opened_at for i in items)
    days = sorted({timezone.localtime(i.case_opened_at).date() for i in items})
    for since, until in [(days[0], days[0]), (days[0], days[-1]), (days[-1], None), (None, days[0])]:
        expected: dict[int, int] = {}
        cases = SpotCheckItem.objects.all()
        if since:
            cases = cases.filter(case__opened_at__gte=queries.day_start(since))
        if until:
            cases = cases.filter(case__opened_at__lt=queries.day_start(until + timedelta(days=1)))
        for company_id in cases.values_list("stratum_company_id", flat=True):
            expected[company_id] = expected.get(company_id, 0) + 1
        rows = queries.pass_rates(world.officer, since=since, until=until)
        assert {r["company_id"]: r["sampled"] for r in rows} == expected


def test_a_company_with_nothing_checked_has_no_pass_rate(world, population):
    draw(world)
    assert {r["pass_rate"] for r in queries.pass_rates(world.officer)} == {None}


# ---- the API -------------------------------------------------------------------------------------


def test_api_draw_read_find_and_report(world, population):
    api = world.api(world.officer)
    r = api.post("/api/v1/spot-checks", {"size_mode": "count", "size_value": 2, "seed": SEED})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["seed"] == SEED and body["population"] == 20 and body["sampled"] == 10
    assert body["same_sample_now"] is True and body["population_now"] == 20
    assert [i["position"] for i in body["items"]] == list(range(1, 11))
    assert sum(s["sample"] for s in body["strata"]) == 10 and sum(s["population"] for s in body["strata"]) == 20
    first = body["items"][0]
    assert first["tracking_no"] == "2611200000000002" and first["outcome"] == "resolved_on_site"
    assert first["company_name"] == "中国人寿" and first["finding"] == "" and first["case_status"] == "closed"
    # The same seed through the API: the same items.
    again = api.post("/api/v1/spot-checks", {"size_mode": "count", "size_value": 2, "seed": SEED}).json()
    assert [i["case_id"] for i in again["items"]] == [i["case_id"] for i in body["items"]]

    listed = api.get("/api/v1/spot-checks").json()["items"]
    assert [x["id"] for x in listed] == [again["id"], body["id"]]
    assert api.get(f"/api/v1/spot-checks/{body['id']}").json()["items"] == body["items"]

    url = f"/api/v1/spot-checks/{body['id']}/items/{first['id']}/finding"
    r = api.post(url, {"finding": "improper", "reasons": "未告知核查途径", "follow_up": "reopen"})
    assert r.status_code == 200, r.content
    assert r.json()["follow_up"] == "reopened" and r.json()["case_status"] == "in_progress"
    r = api.post(url, {"finding": "proper"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "finding_final"
    second = body["items"][1]
    r = api.post(f"/api/v1/spot-checks/{body['id']}/items/{second['id']}/finding", {"finding": "improper"})
    assert r.status_code == 400 and "reasons" in r.json()["error"]["fields"]

    rates = api.get("/api/v1/spot-checks/pass-rates").json()
    a = next(x for x in rates if x["company_id"] == world.company_a.pk)
    assert (a["sampled"], a["checked"], a["proper"], a["pass_rate"]) == (12, 1, 0, 0.0)
    assert api.get("/api/v1/spot-checks/pass-rates", campaign_id=world.campaign.pk).status_code == 200
    r = api.get("/api/v1/spot-checks/pass-rates", until="9999-12-31")
    assert r.status_code == 400 and "until" in r.json()["error"]["fields"]


def test_api_errors(world, population):
    api = world.api(world.officer)
    r = api.post("/api/v1/spot-checks", {"size_mode": "percent", "size_value": 150})
    assert r.status_code == 400 and "size_value" in r.json()["error"]["fields"]
    r = api.post(
        "/api/v1/spot-checks", {"size_mode": "count", "size_value": 2, "since": "2020-01-01", "until": "2020-01-02"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "empty_population"
    r = api.post("/api/v1/spot-checks", {"size_value": 2})
    assert r.status_code == 400 and "size_mode" in r.json()["error"]["fields"]
    r = api.post("/api/v1/spot-checks", {"size_mode": "count", "size_value": 2**70})
    assert r.status_code == 400
    assert api.get("/api/v1/spot-checks/999999").status_code == 404
    assert SpotCheck.objects.count() == 0
    gd = api.post("/api/v1/spot-checks", {"size_mode": "count", "size_value": 1}).json()
    sz = world.api(world.sz_officer)
    assert sz.get(f"/api/v1/spot-checks/{gd['id']}").status_code == 404
    assert sz.get("/api/v1/spot-checks").json()["items"] == []
    item = gd["items"][0]["id"]
    assert sz.post(f"/api/v1/spot-checks/{gd['id']}/items/{item}/finding", {"finding": "proper"}).status_code == 404
    company = world.api(world.handler_a)
    assert company.post("/api/v1/spot-checks", {"size_mode": "count", "size_value": 1}).status_code == 403
    assert company.get("/api/v1/spot-checks").status_code == 403
    assert company.get(f"/api/v1/spot-checks/{gd['id']}").status_code == 403
    assert company.get("/api/v1/spot-checks/pass-rates").status_code == 403
    assert world.api(None).get("/api/v1/spot-checks").status_code == 401


# ---- the pages -----------------------------------------------------------------------------------


def test_the_officer_draws_and_records_a_finding_on_the_pages(world, population):
    browser = world.browser_client(world.officer)
    browser.cookies["django_language"] = "en"
    page = browser.get("/oversight/spot-checks/")
    assert page.status_code == 200
    html = page.content.decode()
    for element in (
        'id="spotcheck-draw"',
        'id="id_campaign"',
        'id="id_size_mode"',
        'id="id_size_value"',
        'id="id_seed"',
        'id="spotcheck-draw-submit"',
    ):
        assert element in html
    assert "<script>" not in html and " style=" not in html  # strict CSP: nothing inline
    r = browser.post(
        "/oversight/spot-checks/",
        {"campaign": world.campaign.pk, "size_mode": "count", "size_value": "2", "seed": SEED},
    )
    assert r.status_code == 302
    spot_check = SpotCheck.objects.get()
    assert r["Location"] == f"/oversight/spot-checks/{spot_check.pk}/"
    detail = browser.get(r["Location"])
    html = detail.content.decode()
    assert detail.status_code == 200 and f'id="spotcheck-seed">{SEED}<' in html
    assert 'id="item-1"' in html and 'id="finding-1-proper"' in html and 'id="reasons-1"' in html
    assert 'id="follow-up-1"' in html and 'id="finding-1-submit"' in html
    # The follow-ups offered are those the case's status allows: a closed case may be reopened
    # or referred.
    row1 = html[html.index('id="item-1"') : html.index('id="item-2"')]
    assert 'value="reopen"' in row1 and 'value="refer"' in row1
    assert 'data-same="true"' in html and f"/cases/{spot_check.items.get(position=1).case_id}/" in html
    assert " style=" not in html and "<script>" not in html
    item = spot_check.items.get(position=1)
    url = f"/oversight/spot-checks/{spot_check.pk}/items/{item.pk}/finding/"
    bad = browser.post(url, {"finding": "improper", "reasons": ""})
    assert bad.status_code == 400 and 'id="finding-1-error"' in bad.content.decode()
    item.refresh_from_db()
    assert item.finding == ""
    ok = browser.post(url, {"finding": "improper", "reasons": "未说明依据", "follow_up": "reopen"})
    assert ok.status_code == 302 and ok["Location"].endswith("#item-1")
    item.refresh_from_db()
    assert item.finding == "improper" and item.follow_up == "reopened"
    html = browser.get(f"/oversight/spot-checks/{spot_check.pk}/").content.decode()
    assert 'id="item-1-follow-up"' in html and 'id="finding-1"' not in html  # final: no form
    refused = browser.post(
        f"/oversight/spot-checks/{spot_check.pk}/items/{item.pk}/finding/",
        {"finding": "proper"},  # final once followed up
    )
    assert refused.status_code == 302
    assert "This finding is final" in browser.get(refused["Location"]).content.decode()


def test_the_draw_form_shows_errors(world, population):
    browser = world.browser_client(world.officer)
    browser.cookies["django_language"] = "en"
    r = browser.post("/oversight/spot-checks/", {"size_mode": "percent", "size_value": "150"})
    assert r.status_code == 400 and "A percentage is at most 100." in r.content.decode()
    r = browser.post(
        "/oversight/spot-checks/",
        {"size_mode": "count", "size_value": "1", "since": "2020-01-01", "until": "2020-01-02"},
    )
    assert r.status_code == 400 and 'id="spotcheck-draw-errors"' in r.content.decode()
    r = browser.post("/oversight/spot-checks/", {"size_mode": "count", "size_value": "abc"})
    assert r.status_code == 400
    assert SpotCheck.objects.count() == 0


def test_the_redraw_link_prefills_the_form(world, population):
    spot_check = draw(world, campaign_id=world.campaign.pk, size_mode="percent", size_value=40)
    browser = world.browser_client(world.officer)
    browser.cookies["django_language"] = "en"
    html = browser.get(f"/oversight/spot-checks/{spot_check.pk}/").content.decode()
    assert f"seed={SEED}" in html and "size_mode=percent" in html
    form = browser.get(f"/oversight/spot-checks/?seed={SEED}&size_mode=percent&size_value=40").content.decode()
    assert f'value="{SEED}"' in form and 'value="40"' in form


def test_the_report_page_shows_pass_rates(world, population):
    spot_check = draw(world)
    services.record_finding(world.officer, item_of(spot_check, "case-02").pk, finding="proper")
    services.record_finding(world.officer, item_of(spot_check, "case-05").pk, finding="proper")
    services.record_finding(world.officer, item_of(spot_check, "case-09").pk, finding="improper", reasons="x")
    html = world.browser_client(world.officer).get("/oversight/spot-checks/report/").content.decode()
    assert 'id="pass-rates"' in html and "66.7%" in html and 'data-pass-rate="0.6667"' in html


@pytest.mark.parametrize("user", ["handler_a", "staff_mm", "nobody"])
def test_pages_are_for_regulators(world, population, user):
    spot_check = draw(world)
    browser = world.browser_client(getattr(world, user))
    item = spot_check.items.first()
    for url in (
        "/oversight/spot-checks/",
        f"/oversight/spot-checks/{spot_check.pk}/",
        "/oversight/spot-checks/report/",
    ):
        assert browser.get(url).status_code == 403
    url = f"/oversight/spot-checks/{spot_check.pk}/items/{item.pk}/finding/"
    assert browser.post(url, {"finding": "proper"}).status_code == 403
    assert browser.post("/oversight/spot-checks/", {"size_mode": "count", "size_value": "1"}).status_code == 403
    item.refresh_from_db()
    assert item.finding == "" and SpotCheck.objects.count() == 1


def test_another_bureaus_spot_check_page_is_not_found(world, population):
    spot_check = draw(world)
    assert world.browser_client(world.sz_officer).get(f"/oversight/spot-checks/{spot_check.pk}/").status_code == 404
    assert world.browser_client(world.admin).get(f"/oversight/spot-checks/{spot_check.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        ("closed", ["reopen", "refer"]),
        ("informed", ["reopen", "refer"]),
        ("decided", ["refer"]),
        ("not_accepted", ["refer"]),
    ],
)
def test_the_follow_ups_offered_follow_the_lifecycle(status, offered):
    assert services.follow_ups_allowed(status) == offered


def test_the_strata_populations_at_the_draw_are_kept(world, population):
    spot_check = draw(world)
    stored = {(s["company_id"], s["outcome"]): s["population"] for s in spot_check.strata}
    assert sum(stored.values()) == spot_check.population
    described = queries.describe(world.officer, spot_check.pk, verify=False)
    assert {(r["company_id"], r["outcome"]): r["population_drawn"] for r in described.strata} == stored
    assert all(r["sample"] <= r["population_drawn"] for r in described.strata)
