"""Round trips on the intake hot path, pinned: a new query here costs every visit of the day.

Counts include the SAVEPOINT/RELEASE pair the test transaction turns the service's atomic
block into (BEGIN/COMMIT in production). Every API request starts with the cache generation
(directory/generation.py), which in production replaces the connection's `SELECT 1` health
check; the token, the site and the company then come from the process's caches while the
generation stays the same.
"""

import pytest

from ombud.testing import complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    api = world.api(world.staff_mm)
    api.post("/api/v1/visits", complaint(world))  # fills the product-line cache
    return api


def test_a_consultation_costs_two_queries(world, api, django_assert_num_queries):
    body = complaint(world, kind="consultation", outcome=None, practitioner=None)
    # The generation, the insert (no transaction needed): the token, the site (with campaign,
    # city and permission) and the company are cached by the complaint before.
    # Inside a transaction (this test's, the demo's) the insert takes a savepoint, so that a
    # tracking-number collision can be retried on PostgreSQL: + SAVEPOINT/RELEASE here; a
    # request runs in autocommit and takes none (intake/services.py).
    with django_assert_num_queries(2 + 2):
        assert api.post("/api/v1/visits", body).status_code == 201


def test_a_first_consultation_costs_five_queries(world, django_assert_num_queries):
    api = world.api(world.staff_mm)
    api.post("/api/v1/visits", complaint(world))  # fills the product-line cache
    body = complaint(world, kind="consultation", outcome=None, practitioner=None)
    world.site_mm.save()  # any change to a watched table: every cache of every process is stale
    # generation, token ⋈ user ⋈ organization, site ⋈ campaign ⋈ city + permission, company, insert
    with django_assert_num_queries(5 + 2):
        assert api.post("/api/v1/visits", body).status_code == 201
    with django_assert_num_queries(2 + 2):
        assert api.post("/api/v1/visits", body).status_code == 201


def test_a_complaint_with_practitioner_and_idempotency_key_costs_ten(world, api, django_assert_num_queries):
    # generation, SAVEPOINT, practitioner lookup, visit, case, its day's and its month's tally
    # (the rollups' two upserts, cases/rollups.py), case event, idempotency insert, RELEASE:
    # the key is not looked up first (its unique constraint finds a retry)
    with django_assert_num_queries(10):
        assert api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201


def test_an_idempotent_replay_writes_and_rolls_back_then_finds_the_key(world, api, django_assert_num_queries):
    api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k-2")
    # the ten above (the tallies' upserts rolled back with the rest), the insert of the key
    # failing (+ ROLLBACK TO SAVEPOINT before the RELEASE; in production a ROLLBACK instead of
    # the COMMIT), then the stored key ⋈ visit ⋈ case
    with django_assert_num_queries(12):
        r = api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k-2")
    assert r.status_code == 201 and r["Idempotent-Replayed"] == "true"


def test_the_report_is_a_fixed_number_of_aggregates(world, api, django_assert_num_queries):
    for _ in range(5):
        api.post("/api/v1/visits", complaint(world))
    admin = world.api(world.admin)
    # generation, token, campaign, totals, by city, by company, their city names, their company
    # names, the visible sites, city roster, city companies, roster, companies
    with django_assert_num_queries(13):
        assert admin.get(f"/api/v1/campaigns/{world.campaign.pk}/report").status_code == 200


def test_a_visits_page_is_three_queries_whatever_its_size(world, api, django_assert_num_queries):
    for _ in range(5):
        api.post("/api/v1/visits", complaint(world))
    admin = world.api(world.admin)
    # generation, token (a new one), the page
    with django_assert_num_queries(3):
        assert len(admin.get("/api/v1/visits", limit=3).json()["items"]) == 3
    with django_assert_num_queries(2):
        assert len(admin.get("/api/v1/visits", limit=3).json()["items"]) == 3
