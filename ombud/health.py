"""Faults: telling a database outage from a bug, the 503 answers, and the health endpoints.

A database that refuses connections, is starting up or shutting down, dropped the connection,
or has no free connection slot is an *outage*: the request is answered 503 with `Retry-After`
(JSON on the API, a short page on the web), the worker backs off and goes on, and nothing is
half-written because every write is one transaction. Any other database error (a bad query, a
missing table, a constraint) stays a 500: it is a bug and must be seen as one.

`GET /healthz` says the process is alive (it touches no database); `GET /readyz` says whether
this process can serve: the database answers, every migration is applied and the personal-data
key matches the database's. Both are JSON, for load balancers, with no sign-in.
"""

from __future__ import annotations

import logging
import random
import sys

from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("ombud.health")

# What clients are told to wait before retrying: a restart of PostgreSQL takes a few seconds.
RETRY_AFTER_SECONDS = 2

# PostgreSQL SQLSTATEs of an outage: class 08 (connection exception) plus these.
_OUTAGE_SQLSTATES = {
    "57P01",  # admin_shutdown: terminating connection due to administrator command
    "57P02",  # crash_shutdown
    "57P03",  # cannot_connect_now: the database system is starting up / shutting down
    "53300",  # too_many_connections: no free slot
}
# SQLite: another writer holds the lock beyond the timeout, or the file cannot be opened.
_SQLITE_OUTAGE_MESSAGES = ("database is locked", "database table is locked", "unable to open database file")


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says the database cannot be reached right now, not that a query is wrong."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None)
    module = type(cause).__module__
    if module.startswith("psycopg"):
        if isinstance(exc, InterfaceError):
            # psycopg's InterfaceError is mostly misuse ("the cursor is closed"); a connection
            # in a bad state is the one outage it reports.
            return "connection" in str(cause)
        # Client-side errors (refused, lost, socket closed, timeout) carry no SQLSTATE; the
        # server's carry one, and only the classes above are an outage.
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _OUTAGE_SQLSTATES
    if module == "sqlite3":
        message = str(cause).lower()
        return any(m in message for m in _SQLITE_OUTAGE_MESSAGES)
    return False


def describe(exc: BaseException) -> str:
    """A log line's worth of an outage: the error class and SQLSTATE, never query text or values."""
    cause = exc.__cause__ or exc
    sqlstate = getattr(cause, "sqlstate", None)
    return f"{type(cause).__name__}" + (f" {sqlstate}" if sqlstate else "")


def backoff_delay(failures: int, *, base: float = 0.5, cap: float = 10.0) -> float:
    """Capped exponential backoff with jitter: ~base, 2·base, 4·base … up to `cap` seconds."""
    delay = min(cap, base * (2 ** min(failures, 16)))
    return delay * random.uniform(0.8, 1.0)  # noqa: S311 (jitter, not security)


# ---- the 503 answers ----------------------------------------------------------------------


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 with Retry-After: the API's error shape under /api/, a short page elsewhere.

    Logged as one warning line (the error class, the path), not as Django's traceback of a 5xx:
    during an outage every request fails the same way and the access log counts them.
    """
    logger.warning("Database unavailable (%s): 503 on %s %s", describe(exc), request.method, request.path)
    if request.path.startswith("/api/"):
        message = _("The service is briefly unavailable: the database cannot be reached. Retry in a few seconds.")
        response: HttpResponse = JsonResponse(
            {"error": {"code": "unavailable", "message": message, "fields": {}}}, status=503
        )
    else:
        # Rendered without the request: context processors would reach for the session and the
        # user, that is for the database that is down.
        html = render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # django.utils.log.log_response: logged above already
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage is a 503, anything else Django's 500 page.

    Django turns an exception into a response at every middleware layer (so a middleware never
    sees an exception raised inside another one, such as the session or the user being loaded),
    and it calls this handler each time, with the exception being handled. This is the one
    place that sees them all: views, the session, authentication, django-axes.
    """
    exc = sys.exc_info()[1]
    if exc is not None and is_outage(exc):
        return unavailable_response(request, exc)
    return defaults.server_error(request)


# ---- health endpoints ---------------------------------------------------------------------


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is alive and answers. No database query."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """This process can serve: database reachable, migrations applied, key matches."""
    checks: dict[str, str] = {}
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except DatabaseError as exc:
        checks["database"] = f"unreachable ({describe(exc)})"
    if checks["database"] == "ok":
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            checks["migrations"] = "ok" if not plan else f"{len(plan)} not applied: run `ombud migrate`"
        except DatabaseError as exc:
            checks["migrations"] = f"cannot be read ({describe(exc)})"
        checks["key"] = _key_check()
    ready = all(v == "ok" for v in checks.values())
    response = JsonResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
    if not ready:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response._has_been_logged = True  # an answer, not an error: the access log has it
    return response


def _key_check() -> str:
    """`ok`, or what is wrong with the personal-data key (ombud.keyring.check_key)."""
    from ombud.keyring import check_key  # imported late: it loads models

    problem = check_key()
    if problem is None:
        return "ok"
    # /readyz is public: the detail (key file paths, fingerprints) goes to the log only.
    logger.error("Personal-data key check failed: %s", problem)
    return "mismatch: the configured key does not match this database (see the server log)"
