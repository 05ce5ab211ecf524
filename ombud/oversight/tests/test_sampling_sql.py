"""The spot-check draw inside the database equals the reference sampler.

`queries.draw_sample` ranks, counts and picks in SQL (SHA-256 on PostgreSQL, `sha256_hex` on
SQLite); `sampling.select` over `queries.population` is the rule written in Python. These tests
draw both over random populations — strata of every size, empty ones, cases outside the
population, seeds in any script, count and percent modes, sample sizes equal to or above a
stratum, with and without the prefilter, and with a prefilter made to keep too few — and
require the same strata, sizes and samples, in the same order. CI runs this file on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombud.cases.models import Case
from ombud.directory.access import Scope, scope_for
from ombud.intake.models import Visit
from ombud.oversight import sql
from ombud.oversight.spotchecks import queries, sampling
from ombud.testing import MAOMING, SHENZHEN

pytestmark = pytest.mark.django_db

HANDLED = [s.value for s in queries.HANDLED_STATUSES]
VISIT_OUTCOMES = ["", *Visit.Outcome.values]
DECISIONS = ["", *Case.Decision.values]


def bulk_cases(world, specs: list[dict]) -> list[Case]:
    """Visits and cases written directly (two INSERTs), one per spec: tracking_no, company
    ("a" for company A's Maoming branch, "b"), visit outcome, decision, status, handled_by,
    city (None: a case without a city, supervised by the Guangdong bureau)."""
    now = timezone.now()
    companies = {"a": (world.company_a_maoming, world.company_a), "b": (world.company_b, world.company_b)}
    visits = []
    for spec in specs:
        company, root = companies[spec.get("company", "a")]
        outcome = spec.get("outcome", "")
        visits.append(
            Visit(
                kind=Visit.Kind.COMPLAINT,
                channel=Visit.Channel.ON_SITE if outcome else Visit.Channel.PHONE,
                city_id=spec.get("city", MAOMING),
                visitor_name="李秀英",
                summary="case",
                company=company,
                company_root=root,
                outcome=outcome,
                due_date=now.date() + timedelta(days=10) if outcome == Visit.Outcome.TIME_LIMITED else None,
                handled_by=spec.get("handled_by", "company"),
                tracking_no=spec["tracking_no"],
                secret_code="123456",
                received_at=now,
            )
        )
    Visit.objects.bulk_create(visits)
    cases = []
    for spec, visit in zip(specs, visits, strict=True):
        company, root = companies[spec.get("company", "a")]
        city = spec.get("city", MAOMING)
        cases.append(
            Case(
                visit=visit,
                tracking_no=spec["tracking_no"],
                status=spec.get("status", Case.Status.CLOSED),
                handled_by=spec.get("handled_by", "company"),
                company=company,
                company_root=root,
                city_id=city,
                bureau=None if city else world.gd_bureau,
                opened_at=now,
                decision=spec.get("decision", ""),
                # the visit's outcome, kept on the case as its opening keeps it
                resolved_on_site=visit.outcome == Visit.Outcome.RESOLVED_ON_SITE,
                time_limited=visit.outcome == Visit.Outcome.TIME_LIMITED,
            )
        )
    return Case.objects.bulk_create(cases)


def reference(scope: Scope, seed: str, mode: str, value: int) -> list[sampling.Stratum]:
    return sampling.select(queries.population(scope), seed, mode, value)


def as_rows(strata: list[sampling.Stratum]) -> list[tuple]:
    return [(s.company_id, s.outcome, s.population, [(m.case_id, m.tracking_no) for m in s.sample]) for s in strata]


# ---- the outcome stratum as SQL -----------------------------------------------------------------


def test_the_outcome_case_expression_equals_outcome_of_for_every_combination(world):
    (case,) = bulk_cases(world, [{"tracking_no": "2611200000000001"}])
    for visit_outcome, decision in itertools.product(VISIT_OUTCOMES, [*DECISIONS, "something_else"]):
        Visit.objects.filter(pk=case.visit_id).update(
            outcome=visit_outcome,
            channel=Visit.Channel.ON_SITE if visit_outcome else Visit.Channel.PHONE,
            due_date=timezone.localdate() if visit_outcome == Visit.Outcome.TIME_LIMITED else None,
        )
        Case.objects.filter(pk=case.pk).update(
            decision=decision,
            resolved_on_site=visit_outcome == Visit.Outcome.RESOLVED_ON_SITE,
            time_limited=visit_outcome == Visit.Outcome.TIME_LIMITED,
        )
        in_sql = Case.objects.filter(pk=case.pk).annotate(o=queries.outcome_expression()).values_list("o", flat=True)
        assert in_sql.get() == queries.outcome_of(visit_outcome, decision), (visit_outcome, decision)


def test_the_rank_in_sql_is_the_sha256_hex_digest_in_order(world):
    """SHA-256 of the database and of Python agree byte for byte, and the SQL rank sorts as the
    hex digests do (a bytea on PostgreSQL, the hex text on SQLite)."""
    texts = ["20261120/2611200000000001", "种子/2611200000000002", "é/x", "", "a b/😀"]
    rank = sql.rank(connection, "%s")
    with connection.cursor() as cursor:
        got = []
        for text in texts:
            cursor.execute(f"SELECT {rank}", [text])
            value = cursor.fetchone()[0]
            got.append(bytes(value).hex() if isinstance(value, bytes | memoryview) else value)
        values = " UNION ALL ".join(f"SELECT %s AS x, {sql.rank(connection, '%s')} AS h" for _ in texts)
        cursor.execute(
            f"SELECT x FROM ({values}) v ORDER BY h",  # noqa: S608 (no value in the text)
            [p for t in texts for p in (t, t)],
        )
        in_order = [row[0] for row in cursor.fetchall()]
    assert got == [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    assert in_order == sorted(texts, key=lambda t: hashlib.sha256(t.encode()).hexdigest())


@pytest.mark.parametrize("mode", ["count", "percent"])
def test_the_stratum_sample_size_in_sql_equals_the_reference_for_every_size(mode):
    """Every stratum size 1–300 and every value 1–100: the integer SQL of the draw gives
    `sampling.stratum_sample_size` (ceil in percent mode, the whole stratum when it is small)."""
    numbers = "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 300)"
    with connection.cursor() as cursor:
        for value in range(1, 101):
            size, params = queries._size_sql(mode, value)
            cursor.execute(f"{numbers} SELECT n, {size} AS k FROM g", params)  # noqa: S608 (the draw's own SQL)
            got = dict(cursor.fetchall())
            assert got == {n: sampling.stratum_sample_size(n, mode, value) for n in range(1, 301)}, value


# ---- the draw: SQL == reference -----------------------------------------------------------------

tracking_numbers = st.text(alphabet="0123456789ABXYé中", min_size=1, max_size=16)
case_specs = st.fixed_dictionaries(
    {
        "company": st.sampled_from(["a", "b"]),
        "outcome": st.sampled_from(VISIT_OUTCOMES),
        "decision": st.sampled_from(DECISIONS),
        "status": st.sampled_from([*HANDLED, *HANDLED, Case.Status.IN_PROGRESS]),
        "handled_by": st.sampled_from(["company", "company", "company", "regulator"]),
        "city": st.sampled_from([MAOMING, MAOMING, SHENZHEN, None]),
    }
)
seeds = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=64)
sizes = st.one_of(
    st.tuples(st.just("count"), st.integers(1, 12)),
    st.tuples(st.just("percent"), st.integers(1, 100)),
)
margins = st.sampled_from([queries.PREFILTER_MARGIN, None, (1, 0), (0, 1), (1, 1), (2, 0)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(case_specs, max_size=45),
    numbers=st.lists(tracking_numbers, min_size=45, max_size=45, unique=True),
    seed=seeds,
    size=sizes,
    margin=margins,
    everything=st.booleans(),
)
def test_the_sql_draw_equals_the_reference_sampler(world, specs, numbers, seed, size, margin, everything):
    mode, value = size
    with transaction.atomic():
        bulk_cases(world, [{**spec, "tracking_no": tn} for spec, tn in zip(specs, numbers, strict=False)])
        scope = scope_for(world.admin if everything else world.officer)
        drawn = queries.draw_sample(scope, seed=seed, size_mode=mode, size_value=value, margin=margin)
        expected = reference(scope, seed, mode, value)
        assert as_rows(drawn.strata) == as_rows(expected)
        assert drawn.strata == expected
        assert drawn.population == sum(s.population for s in expected)
        assert drawn.total == sum(len(s.sample) for s in expected)
        assert queries.population_counts(scope) == {(s.company_id, s.outcome): s.population for s in expected}
        transaction.set_rollback(True)


def large_population(world, per_stratum: int = 150) -> None:
    """Three strata large enough for the prefilter to act: A resolved on site, A upheld, B
    not upheld; plus cases outside the population."""
    specs = []
    for i in range(per_stratum):
        specs.append({"tracking_no": f"26112000001{i:05d}", "company": "a", "outcome": "resolved_on_site"})
        specs.append({"tracking_no": f"26112000002{i:05d}", "company": "a", "decision": "upheld"})
        specs.append({"tracking_no": f"26112000003{i:05d}", "company": "b", "decision": "not_upheld"})
        specs.append({"tracking_no": f"26112000004{i:05d}", "company": "b", "status": Case.Status.IN_PROGRESS})
    bulk_cases(world, specs)


@pytest.mark.parametrize(
    ("mode", "value"), [("count", 1), ("count", 3), ("count", 40), ("percent", 2), ("percent", 10)]
)
@pytest.mark.parametrize("seed", ["20261120", "种子", ""])
def test_a_large_population_is_drawn_with_the_prefilter_in_two_queries(world, mode, value, seed):
    """The stratum sizes, then the prefiltered draw (which fetches only the cases kept)."""
    large_population(world)
    scope = scope_for(world.officer)
    with CaptureQueriesContext(connection) as ctx:
        drawn = queries.draw_sample(scope, seed=seed, size_mode=mode, size_value=value)
    assert len(ctx) == 2 and drawn.passes == 1
    assert drawn.strata == reference(scope, seed, mode, value)
    assert [s.population for s in drawn.strata] == [150, 150, 150]


def test_a_prefilter_that_keeps_too_few_is_followed_by_a_full_ranking(world):
    """With a margin of exactly k expected cases, some stratum keeps fewer than k: the draw runs
    again over every case, and the sample is still the reference's."""
    large_population(world)
    scope = scope_for(world.officer)
    passes = set()
    for seed in ("1", "2", "3", "4"):
        drawn = queries.draw_sample(scope, seed=seed, size_mode="count", size_value=20, margin=(1, 0))
        passes.add(drawn.passes)
        assert drawn.strata == reference(scope, seed, "count", 20)
    assert 2 in passes


def test_a_sample_above_the_cap_fetches_no_cases_but_says_its_size(world):
    large_population(world, per_stratum=10)
    scope = scope_for(world.officer)
    drawn = queries.draw_sample(scope, seed="x", size_mode="count", size_value=4, max_total=11)
    assert drawn.total == 12 and drawn.population == 30
    assert [(s.population, s.sample) for s in drawn.strata] == [(10, [])] * 3
    within = queries.draw_sample(scope, seed="x", size_mode="count", size_value=4, max_total=12)
    assert within.strata == reference(scope, "x", "count", 4)


def test_an_empty_population_draws_nothing(world):
    drawn = queries.draw_sample(scope_for(world.officer), seed="x", size_mode="percent", size_value=50)
    assert (drawn.strata, drawn.population, drawn.total) == ([], 0, 0)
