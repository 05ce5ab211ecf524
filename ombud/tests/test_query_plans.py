"""The lists read through their indexes, on the database the suite runs on.

A million cases make a list fast only if the database walks an index in the list's order and
stops after one page (bench/reads.py measures it). These tests take the SQL the API really runs
and ask the database's planner how it would run it. The tables here are tiny, so a planner left
to itself would rightly scan them; PostgreSQL is told to avoid sequential scans and sorts
(`enable_seqscan`, `enable_sort` off, as at a million rows, where they cost seconds) and must
then find an index that yields the rows in order with the cursor as an index condition. SQLite's
plan must name the index and need no temporary B-tree for the ORDER BY.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ombud.cases import lifecycle
from ombud.cases.models import OPEN_STATUSES, Case
from ombud.cases.queries import queue_counts
from ombud.testing import complaint

pytestmark = pytest.mark.django_db


def _open_cases(world, n=6):
    due = (timezone.localdate() + timedelta(days=10)).isoformat()
    api = world.api(world.staff_mm)
    for _ in range(n):
        r = api.post("/api/v1/visits", complaint(world, outcome="time_limited", due_date=due))
        assert r.status_code == 201, r.content


def _select_of(queries, table):
    """The SQL of the one SELECT that reads `table` with LIMIT (the page)."""
    pages = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"]]
    pages = [sql for sql in pages if "LIMIT" in sql]
    assert pages, f"no page query on {table}"
    return pages[-1]


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def _assert_ordered_by_index(plan: str, index: str, *, bound_on: str | None = None, sqlite_may_choose: bool = False):
    if connection.vendor == "postgresql":
        assert index in plan, plan
        assert not re.search(r"\bSort\b", plan), plan  # rows come in order, no top-N sort
        assert "Seq Scan" not in plan, plan
        if bound_on:
            # The cursor bounds the scan (an Index Cond), not a filter over every row before it.
            conds = [line for line in plan.splitlines() if "Index Cond" in line]
            assert any(bound_on in line for line in conds), plan
    elif sqlite_may_choose and f"INDEX {index}" not in plan:
        # SQLite without statistics on a tiny table prefers the scope's own indexes (a bureau's
        # cities) and sorts what they find; it must still not read the whole table.
        assert not re.search(r"^SCAN cases_case\b|^SCAN intake_visit\b", plan, re.M), plan
    else:
        assert f"INDEX {index}" in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan, plan


def _fetch(api, path, **params):
    with CaptureQueriesContext(connection) as ctx:
        r = api.get(path, **params)
    assert r.status_code == 200, r.content
    return r.json(), ctx.captured_queries


def test_open_statuses_of_the_partial_indexes_are_the_lifecycles():
    assert sorted(lifecycle.OPEN) == OPEN_STATUSES


@pytest.mark.parametrize("persona", ["admin", "officer"])
def test_the_case_list_and_a_deep_page_walk_the_recent_index(world, persona):
    _open_cases(world)
    api = world.api(getattr(world, persona))
    scoped = persona == "officer"
    page, queries = _fetch(api, "/api/v1/cases", limit=2)
    _assert_ordered_by_index(_plan(_select_of(queries, "cases_case")), "case_recent", sqlite_may_choose=scoped)
    assert page["next_cursor"]
    _, queries = _fetch(api, "/api/v1/cases", limit=2, cursor=page["next_cursor"])
    plan = _plan(_select_of(queries, "cases_case"))
    _assert_ordered_by_index(plan, "case_recent", bound_on="opened_at", sqlite_may_choose=scoped)


def test_a_companys_list_walks_the_company_index(world):
    _open_cases(world)
    api = world.api(world.handler_a)
    page, queries = _fetch(api, "/api/v1/cases", limit=2)
    _assert_ordered_by_index(_plan(_select_of(queries, "cases_case")), "case_company_recent")
    _, queries = _fetch(api, "/api/v1/cases", limit=2, cursor=page["next_cursor"])
    _assert_ordered_by_index(_plan(_select_of(queries, "cases_case")), "case_company_recent", bound_on="opened_at")


def test_a_status_filter_walks_the_status_index(world):
    _open_cases(world)
    Case.objects.update(status=Case.Status.CLOSED)
    _, queries = _fetch(world.api(world.admin), "/api/v1/cases", limit=2, status="closed")
    _assert_ordered_by_index(_plan(_select_of(queries, "cases_case")), "case_status_recent")


def test_a_campaigns_visits_walk_the_campaign_index(world):
    _open_cases(world)
    api = world.api(world.admin)
    page, queries = _fetch(api, "/api/v1/visits", limit=2, campaign_id=world.campaign.pk)
    _assert_ordered_by_index(_plan(_select_of(queries, "intake_visit")), "visit_campaign_recent")
    _, queries = _fetch(api, "/api/v1/visits", limit=2, campaign_id=world.campaign.pk, cursor=page["next_cursor"])
    plan = _plan(_select_of(queries, "intake_visit"))
    _assert_ordered_by_index(plan, "visit_campaign_recent", bound_on="received_at")


def test_the_queue_counts_read_only_open_cases(world):
    _open_cases(world, n=3)
    with CaptureQueriesContext(connection) as ctx:
        counts = queue_counts(world.handler_a)
    assert counts == {"overdue": 0, "due_soon": 0}
    sql = next(q["sql"] for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"])
    plan = _plan(sql)
    # A partial index of open cases: its size follows the backlog, not the years of closed cases.
    assert any(name in plan for name in ("case_company_open_due", "case_open_due", "case_open_figures")), plan


def test_postgresql_connections_run_without_jit():
    """JIT compilation added seconds to large plans (docs/scale.md); every connection turns it off."""
    if connection.vendor != "postgresql":
        assert "options" not in connection.settings_dict.get("OPTIONS", {})
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
