"""The call-back build inside the database lists exactly the cases the Python draw listed.

The build used to read every eligible case into Python and list `random.Random(seed).sample`
of the sorted ids; now one aggregate counts and one INSERT … SELECT lists the cases at the
positions that the same `Random(seed).sample` draws over `range(n)`. These tests keep the old
draw as the reference and require the same cases, counts and rows, on SQLite and PostgreSQL
(CI runs this file on both).
"""

from __future__ import annotations

import random

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ombud.cases.models import Case
from ombud.intake.models import Visit
from ombud.oversight.callbacks import services
from ombud.oversight.callbacks.queries import eligible_cases
from ombud.oversight.models import CallBack
from ombud.testing import MAOMING, SHENZHEN

pytestmark = pytest.mark.django_db


# ---- positions: the same draw as Random.sample over the ids --------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    ids=st.lists(st.integers(1, 10**9), unique=True, max_size=3000),
    data=st.data(),
    seed=st.text(max_size=64),
)
def test_sample_positions_pick_what_random_sample_picks_from_the_sorted_ids(ids, data, seed):
    ids = sorted(ids)
    k = data.draw(st.integers(0, len(ids)))
    expected = sorted(random.Random(seed).sample(ids, k))
    assert [ids[i] for i in services.sample_positions(seed, len(ids), k)] == expected


# ---- the build: SQL == the Python draw ------------------------------------------------------------


def bulk_cases(world, specs: list[dict]) -> list[Case]:
    """Phone complaints of the campaign written directly: closed (now) unless `open`, in
    Maoming unless `city`, with a phone unless `phone` is ""; `listed` puts one on the list."""
    now = timezone.now()
    visits = [
        Visit(
            kind=Visit.Kind.COMPLAINT,
            channel=Visit.Channel.PHONE,
            campaign=world.campaign,
            city_id=spec.get("city", MAOMING),
            visitor_name="李秀英",
            visitor_phone=spec.get("phone", "13800000000"),
            summary="case",
            company=world.company_b,
            company_root=world.company_b,
            tracking_no=f"2611209{i:09d}",
            secret_code="123456",
            received_at=now,
        )
        for i, spec in enumerate(specs)
    ]
    Visit.objects.bulk_create(visits)
    cases = Case.objects.bulk_create(
        Case(
            visit=visit,
            tracking_no=visit.tracking_no,
            status=Case.Status.IN_PROGRESS if spec.get("open") else Case.Status.CLOSED,
            handled_by="company",
            company=world.company_b,
            company_root=world.company_b,
            city_id=visit.city_id,
            opened_at=now,
            closed_at=None if spec.get("open") else now,
            has_phone=bool(visit.visitor_phone),  # as the case's opening sets it
        )
        for spec, visit in zip(specs, visits, strict=True)
    )
    CallBack.objects.bulk_create(
        CallBack(case=case, campaign=world.campaign, created_at=now)
        for case, spec in zip(cases, specs, strict=True)
        if spec.get("listed")
    )
    return cases


def python_draw(world, size: int | None, seed: str) -> tuple[int, int, list[int]]:
    """The build as it was written before it ran in SQL: (eligible, already listed, the case
    ids it adds)."""
    cases = eligible_cases(world.officer, campaign_id=world.campaign.pk)
    eligible = cases.count()
    fresh = dict(cases.filter(callback__isnull=True).values_list("pk", "visit__campaign_id"))
    listed = eligible - len(fresh)
    chosen = sorted(fresh)
    if size is not None:
        want = max(0, size - listed)
        chosen = sorted(random.Random(seed).sample(chosen, min(want, len(chosen))))
    return eligible, listed, chosen


case_specs = st.fixed_dictionaries(
    {},
    optional={
        "open": st.booleans(),
        "city": st.sampled_from([MAOMING, SHENZHEN]),
        "phone": st.sampled_from(["", "13900000001"]),
        "listed": st.booleans(),
    },
)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    specs=st.lists(case_specs, max_size=40),
    size=st.one_of(st.none(), st.integers(1, 45)),
    seed=st.text(st.characters(whitelist_categories=("L", "N", "P", "S")), min_size=1, max_size=64),
)
def test_the_build_lists_the_cases_the_python_draw_listed(world, specs, size, seed):
    with transaction.atomic():
        bulk_cases(world, specs)
        before = set(CallBack.objects.values_list("pk", flat=True))
        eligible, listed, chosen = python_draw(world, size, seed)
        result = services.build_call_list(world.officer, campaign_id=world.campaign.pk, sample_size=size, seed=seed)
        assert (result.eligible, result.already_listed, result.added) == (eligible, listed, len(chosen))
        assert result.seed == ("" if size is None else seed)
        new = list(CallBack.objects.exclude(pk__in=before).select_related("case__visit").order_by("pk"))
        assert [cb.case_id for cb in new] == chosen  # listed in case id order
        for cb in new:
            assert (cb.status, cb.campaign_id, cb.comment, cb.solved, cb.satisfaction) == (
                CallBack.Status.PENDING,
                cb.case.visit.campaign_id,
                "",
                None,
                None,
            )
        assert len({cb.created_at for cb in new}) <= 1
        transaction.set_rollback(True)


def test_a_large_sample_is_listed_in_one_insert(world):
    """2,500 eligible cases, 300 of them listed already: a sample of 1,000 adds the 700 the
    Python draw adds, in as many queries as a sample of 310 (10 added) or the whole list."""
    bulk_cases(world, [{"listed": i < 300} for i in range(2500)])
    counts = []
    for size in (310, None, 1000):
        with transaction.atomic(), CaptureQueriesContext(connection) as ctx:
            eligible, listed, chosen = python_draw(world, size, "s1")
            start = len(ctx)
            result = services.build_call_list(world.officer, campaign_id=world.campaign.pk, sample_size=size, seed="s1")
            counts.append(len(ctx) - start)
            assert (result.eligible, result.already_listed) == (eligible, listed) == (2500, 300)
            assert result.added == len(chosen) == {310: 10, None: 2200, 1000: 700}[size]
            added = CallBack.objects.order_by("pk").values_list("case_id", flat=True)[300:]
            assert list(added) == chosen
            transaction.set_rollback(True)
    assert counts[0] == counts[1] == counts[2]
