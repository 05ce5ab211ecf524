"""Reads of reports, statistics and public pages from a PostgreSQL streaming replica.

With `DATABASE_REPLICA_URL` set, settings add the database alias `replica`, the router below
and `ReadYourWritesMiddleware`; without it none of this is installed and every query goes to
the one database, as before (docs/scale.md).

A view marked `@replica_reads` (or `@decorate_view(replica_reads)` on an API handler) reads
from the replica when all of these hold, and from the primary otherwise:

- the request is a GET or HEAD;
- the client wrote nothing in the last `OMBUD_READ_YOUR_WRITES_SECONDS`: every non-safe request
  (POST, PUT, PATCH, DELETE) is answered with a signed cookie carrying its time, so the next
  page this browser (or API client keeping cookies) reads shows what it just changed;
- the replica answered the last check, taken at most `OMBUD_REPLICA_CHECK_SECONDS` ago in this
  process, and is at most `OMBUD_REPLICA_MAX_LAG_SECONDS` behind the primary (that bound plus
  the age of the check). Settings refuse a lag limit above the read-your-writes window, so a
  client whose cookie has expired finds its write on the replica too.

Inside such a view, a read still goes to the primary when it runs in a transaction, when the
view has already written (the router is asked where to write: from then on everything is
primary), and for the credentials (sessions, users, tokens, login attempts): a token revoked or
a user deactivated is refused at once, as on the primary. Writes always go to the primary.
A database error met on the replica (it went away, a recovery conflict cancelled the query)
marks it unusable until the next check and runs the view again on the primary: these views
only read, so running one twice is safe (one that wrote is not run again).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("ombud.replica")

REPLICA = "replica"
READ_METHODS = ("GET", "HEAD")  # what a replica may serve
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")  # what sets no cookie (RFC 9110 safe methods)
WROTE_COOKIE = "ombud_wrote"
_WROTE_SALT = "ombud.replica.wrote"

# Read from the primary whatever the view: a revoked token, an ended session, a deactivated
# user or a lockout must take effect at once (app labels, and app_label.model_name).
PRIMARY_ONLY = frozenset({"sessions", "axes", "directory.user", "directory.apitoken"})


@dataclass
class _Reads:
    """The request being served by a `@replica_reads` view."""

    wrote: bool = False


_View = TypeVar("_View", bound=Callable[..., Any])
_current: ContextVar[_Reads | None] = ContextVar("ombud_replica_reads", default=None)


def _primary_only(model: type) -> bool:
    meta = model._meta  # type: ignore[attr-defined]
    return meta.app_label in PRIMARY_ONLY or meta.label_lower in PRIMARY_ONLY


class ReplicaRouter:
    """Installed only with a replica (settings). Never returns None for reads or writes:
    Django would then use the database an instance was read from, and an object read on the
    replica would be saved to it."""

    def db_for_read(self, model: type, **hints: object) -> str:
        reads = _current.get()
        if reads is None or reads.wrote or connections[DEFAULT_DB_ALIAS].in_atomic_block or _primary_only(model):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type, **hints: object) -> str:
        reads = _current.get()
        if reads is not None:
            reads.wrote = True  # the rest of this request reads what it wrote: the primary
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: object, obj2: object, **hints: object) -> bool | None:
        # The replica holds the primary's rows: an object read there may point at one read here.
        dbs = {obj1._state.db, obj2._state.db}  # type: ignore[attr-defined]
        return True if dbs <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool | None:
        return False if db == REPLICA else None  # the replica replays the primary's migrations


# ---- is the replica usable? -------------------------------------------------------------------

# (monotonic time of the last check, seconds the replica was behind then or None if unusable),
# per process; replaced as a whole, so threads never see half an update.
_checked: tuple[float, float | None] | None = None


def _measure() -> tuple[float | None, str]:
    """(seconds the replica is behind the primary now, or None if it cannot be used; why not).

    The primary's WAL position is read first; a replica that has replayed up to it holds every
    commit made before that moment (lag 0). Otherwise it holds every commit up to its last
    replayed one, so it is behind by at most the time since that commit (on the replica's
    clock; keep the machines' clocks in sync)."""
    replica = connections[REPLICA]
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            (primary_lsn,) = cursor.fetchone()
        with replica.cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn, "
                "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8",
                [primary_lsn],
            )
            in_recovery, caught_up, behind = cursor.fetchone()
    except DatabaseError as exc:
        replica.close()
        return None, f"{type(exc).__name__} during the check"
    if not in_recovery:
        return None, "DATABASE_REPLICA_URL names a server that is not a standby"
    if caught_up:
        return 0.0, ""
    if behind is None:
        return None, "it has replayed no transaction since it started"
    return max(float(behind), 0.0), ""


def replica_lag() -> float | None:
    """An upper bound of how far behind the replica is (seconds), measured at most every
    OMBUD_REPLICA_CHECK_SECONDS in this process; None when it is not usable. A change between
    usable and not is logged once, not at every check."""
    global _checked
    now = time.monotonic()
    checked = _checked
    if checked is None or now - checked[0] >= settings.OMBUD_REPLICA_CHECK_SECONDS:
        lag, why = _measure()
        if lag is None and (checked is None or checked[1] is not None):
            logger.warning("Replica not used: %s", why)
        elif lag is not None and checked is not None and checked[1] is None:
            logger.warning("Replica used again")
        checked = _checked = (now, lag)
    at, lag = checked
    return None if lag is None else lag + (now - at)


def _mark_unusable() -> None:
    global _checked
    _checked = (time.monotonic(), None)


def wrote_recently(request: HttpRequest) -> bool:
    """This client sent a non-safe request within OMBUD_READ_YOUR_WRITES_SECONDS (a cookie
    signed by this server: a made-up or expired one counts as none)."""
    return (
        request.get_signed_cookie(
            WROTE_COOKIE, default=None, salt=_WROTE_SALT, max_age=settings.OMBUD_READ_YOUR_WRITES_SECONDS
        )
        is not None
    )


def _may_read_replica(request: HttpRequest) -> bool:
    if REPLICA not in settings.DATABASES or request.method not in READ_METHODS:
        return False
    if _current.get() is not None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return False
    if wrote_recently(request):
        return False
    lag = replica_lag()
    return lag is not None and lag <= settings.OMBUD_REPLICA_MAX_LAG_SECONDS


# ---- marking views and remembering writes ----------------------------------------------------


def replica_reads(view: _View) -> _View:
    """Serve this read-only view from the replica when that is safe (see the module's doc).
    On an API handler: `@decorate_view(replica_reads)` under the route decorator."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not _may_read_replica(request):
            return view(request, *args, **kwargs)
        reads = _Reads()
        replica = connections[REPLICA]
        replica.errors_occurred = False  # set again by any error on the replica below
        token = _current.set(reads)
        try:
            response = view(request, *args, **kwargs)
        except Exception:
            if reads.wrote or not replica.errors_occurred:
                raise
            response = None
        finally:
            _current.reset(token)
        # django-ninja answers an error itself (503 or 500), so look at the status too.
        if response is not None and (response.status_code < 500 or reads.wrote or not replica.errors_occurred):
            return response
        logger.warning("Replica failed during %s %s: read from the primary", request.method, request.path)
        _mark_unusable()
        replica.close()
        return view(request, *args, **kwargs)

    return cast(_View, wrapper)


class ReadYourWritesMiddleware:
    """Answers every non-safe request with the signed `ombud_wrote` cookie (its time of issue),
    so this client's reads go to the primary for OMBUD_READ_YOUR_WRITES_SECONDS. Set whatever
    the outcome: a refused request may have written (a login attempt, a limit's counter)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                salt=_WROTE_SALT,
                max_age=settings.OMBUD_READ_YOUR_WRITES_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
