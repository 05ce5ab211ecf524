"""Outages in-process: /healthz and /readyz, and a database out of reach answered 503 with
Retry-After (JSON on the API, a page on the web) while a genuine query error stays a 500.

The outage is real, not mocked: the request's connection is swapped for one to a port nobody
listens on (psycopg: connection refused) or to a SQLite file that cannot be opened, and a
"bug" is a real query against a database without tables. The whole thing with PostgreSQL
restarted under load is in test_faults.py.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections
from django.db.utils import load_backend
from django.test import Client
from django.utils.translation import gettext as _

from ombud.health import RETRY_AFTER_SECONDS, is_outage

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wrapper(settings_dict: dict):
    cfg = connections.configure_settings({DEFAULT_DB_ALIAS: settings_dict})[DEFAULT_DB_ALIAS]
    return load_backend(cfg["ENGINE"]).DatabaseWrapper(cfg, DEFAULT_DB_ALIAS)


def refused_postgresql():
    return _wrapper(
        {"ENGINE": "django.db.backends.postgresql", "NAME": "ombud", "USER": "postgres", "HOST": "127.0.0.1"}
        | {"PORT": str(_closed_port()), "OPTIONS": {"connect_timeout": 2}}
    )


def unopenable_sqlite(tmp_path):
    return _wrapper({"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "no" / "such" / "dir.sqlite3")})


def empty_sqlite(tmp_path):
    """A database that answers but has no tables: every query of the app is a genuine error."""
    return _wrapper({"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "empty.sqlite3")})


@contextlib.contextmanager
def database(wrapper) -> Iterator[None]:
    """Serve the requests of this thread from `wrapper` instead of the test database."""
    original = connections[DEFAULT_DB_ALIAS]
    connections[DEFAULT_DB_ALIAS] = wrapper
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            wrapper.close()
        connections[DEFAULT_DB_ALIAS] = original


def _error(wrapper) -> OperationalError:
    with database(wrapper), pytest.raises(OperationalError) as caught:
        connections[DEFAULT_DB_ALIAS].ensure_connection()
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT * FROM intake_visit")
    return caught.value


def test_outages_are_told_from_bugs(tmp_path):
    assert is_outage(_error(refused_postgresql()))
    assert is_outage(_error(unopenable_sqlite(tmp_path)))
    assert not is_outage(_error(empty_sqlite(tmp_path)))  # "no such table": a bug, not an outage


def test_healthz_answers_without_touching_the_database(django_assert_num_queries):
    client = Client()
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    with database(refused_postgresql()):
        assert Client().get("/healthz").status_code == 200  # alive, even with the database down


def test_readyz_is_ready_on_a_migrated_database():
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "ok"
    assert body["checks"]["key"] == "ok"


def test_readyz_is_503_when_the_database_is_down_or_not_migrated(tmp_path):
    with database(refused_postgresql()):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["checks"]["database"].startswith("unreachable")
    with database(empty_sqlite(tmp_path)):
        response = Client().get("/readyz")
    assert response.status_code == 503
    assert "not applied" in response.json()["checks"]["migrations"]


@pytest.mark.parametrize("outage", ["refused_postgresql", "unopenable_sqlite"])
def test_the_api_answers_503_json_with_retry_after_during_an_outage(world, outage, tmp_path):
    api = world.api(world.admin)
    wrapper = refused_postgresql() if outage == "refused_postgresql" else unopenable_sqlite(tmp_path)
    api.client.raise_request_exception = False
    with database(wrapper):
        listed = api.get("/api/v1/campaigns")
        posted = api.post("/api/v1/visits", {"kind": "suggestion", "city_code": "440100", "summary": "x"})
        anonymous = Client(raise_request_exception=False).post(
            "/api/v1/auth/token", {"username": "a", "password": "b"}, content_type="application/json"
        )
    for response in (listed, posted, anonymous):
        assert response.status_code == 503, response.content
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert response.json()["error"]["code"] == "unavailable"


def test_a_page_answers_a_short_503_page_when_the_session_cannot_be_loaded(world):
    client = world.browser_client(world.officer)  # a session in the database, read on each request
    client.raise_request_exception = False
    with database(refused_postgresql()):
        page = client.get("/visits/")
        login = Client(raise_request_exception=False).post("/accounts/login/", {"username": "x", "password": "y"})
    for response in (page, login):
        assert response.status_code == 503
        assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert _("Briefly unavailable") in response.content.decode()


def test_a_genuine_database_error_stays_a_500(world, tmp_path):
    api = world.api(world.admin)
    api.client.raise_request_exception = False
    page_client = world.browser_client(world.officer)
    page_client.raise_request_exception = False
    with database(empty_sqlite(tmp_path)):
        listed = api.get("/api/v1/campaigns")
        page = page_client.get("/visits/")
    assert listed.status_code == 500
    assert listed.json()["error"]["code"] == "server_error"
    assert page.status_code == 500
    assert "Retry-After" not in page


def reads_the_user(get_response):
    """A middleware that loads the user (as django-axes or an access middleware may): an outage
    here is raised outside any view."""

    def middleware(request):
        bool(request.user.is_authenticated)
        return get_response(request)

    return middleware


def test_an_outage_met_in_a_middleware_is_a_503_too(world, settings):
    stack = list(settings.MIDDLEWARE)
    after_auth = stack.index("ombud.middleware.AuthenticationMiddleware") + 1
    stack.insert(after_auth, f"{__name__}.reads_the_user")
    settings.MIDDLEWARE = stack
    client = world.browser_client(world.officer)
    client.raise_request_exception = False
    token = world.api(world.officer)
    token.client.raise_request_exception = False
    assert client.get("/healthz").status_code == 200
    with database(refused_postgresql()):
        page = client.get("/healthz")  # the view needs no database; the middleware does
        # An API request has no page user to load (ombud/middleware.py): it meets the outage
        # at its first query, the cache generation read when the token is checked.
        api = token.get("/api/v1/campaigns")
    assert page.status_code == 503
    assert _("Briefly unavailable") in page.content.decode()
    assert api.status_code == 503
    assert api.json()["error"]["code"] == "unavailable"


def test_readyz_says_a_key_mismatch_without_showing_paths_or_fingerprints(caplog):
    from ombud.keyring import ring
    from ombud.models import KeyFingerprint

    KeyFingerprint.objects.filter(kind=KeyFingerprint.Kind.ENCRYPTION).delete()
    KeyFingerprint.objects.create(kind=KeyFingerprint.Kind.ENCRYPTION, fingerprint="0123456789abcdef", state="current")
    response = Client().get("/readyz")
    assert response.status_code == 503
    key = response.json()["checks"]["key"]
    assert key.startswith("mismatch")
    assert "0123456789abcdef" not in response.content.decode()
    assert "/" not in key.replace("see the server log", "")
    assert ring().current.fingerprint not in response.content.decode()
    assert "0123456789abcdef" in caplog.text  # the operator reads the detail in the log
