"""Fuzz every API route from its own OpenAPI document (schemathesis): whatever arrives, the
answer is never a 5xx, and every 4xx is the documented JSON error."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from ombud.testing import ApiClient, make_world
from ombud.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's test client stops `close_old_connections` from closing the test transaction's
    connection at the end of each request; schemathesis calls the WSGI app directly, so do the
    same here (on PostgreSQL the connection would otherwise be closed after the first call)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token_headers(db):
    world = make_world()
    return ApiClient(world.admin).headers["HTTP_AUTHORIZATION"]


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_never_fails_with_a_server_error(case, token_headers):
    response = case.call(headers={"Authorization": token_headers})
    assert response.status_code < 500, (case.method, case.path, case.body, response.text[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "fields"}, response.text
