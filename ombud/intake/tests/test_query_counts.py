"""Round trips on the intake hot path, pinned: a new query here costs every visit of the day.

Counts include the SAVEPOINT/RELEASE pair the test transaction turns the service's atomic
block into (BEGIN/COMMIT in production).
"""

import pytest

from ombud.testing import complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(world):
    api = world.api(world.staff_mm)
    api.post("/api/v1/visits", complaint(world))  # fills the product-line cache
    return api


def test_a_consultation_costs_four_queries(world, api, django_assert_num_queries):
    body = complaint(world, kind="consultation", outcome=None, practitioner=None)
    # token ⋈ user, site ⋈ campaign ⋈ city + permission, company, insert (no transaction needed).
    # Inside a transaction (this test's, the demo's) the insert takes a savepoint, so that a
    # tracking-number collision can be retried on PostgreSQL: + SAVEPOINT/RELEASE here; a
    # request runs in autocommit and takes none (intake/services.py).
    with django_assert_num_queries(4 + 2):
        assert api.post("/api/v1/visits", body).status_code == 201


def test_a_complaint_with_practitioner_and_idempotency_key_costs_twelve(world, api, django_assert_num_queries):
    # + idempotency lookup, practitioner lookup, case, its tally (the rollups' one upsert,
    # cases/rollups.py), case event, idempotency insert
    with django_assert_num_queries(12):
        assert api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k-1").status_code == 201


def test_an_idempotent_replay_costs_three(world, api, django_assert_num_queries):
    api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k-2")
    # token, the stored key ⋈ visit ⋈ case; nothing else runs
    with django_assert_num_queries(2):
        assert api.post("/api/v1/visits", complaint(world), HTTP_IDEMPOTENCY_KEY="k-2").status_code == 201


def test_the_report_is_a_fixed_number_of_aggregates(world, api, django_assert_num_queries):
    for _ in range(5):
        api.post("/api/v1/visits", complaint(world))
    admin = world.api(world.admin)
    # token, campaign, totals, site cities, by city, city roster, city companies, by company,
    # roster, companies, sites
    with django_assert_num_queries(11):
        assert admin.get(f"/api/v1/campaigns/{world.campaign.pk}/report").status_code == 200


def test_a_visits_page_is_two_queries_whatever_its_size(world, api, django_assert_num_queries):
    for _ in range(5):
        api.post("/api/v1/visits", complaint(world))
    admin = world.api(world.admin)
    with django_assert_num_queries(2):
        assert len(admin.get("/api/v1/visits", limit=3).json()["items"]) == 3
