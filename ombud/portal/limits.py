"""Attempt limits kept in the database, so every web worker (and every host) counts together:
the public tracking page (per tracking number and per address, portal/services.py) and the
reader poll of a report to the media (per address and report, reports/publication/poll.py).
`make run` starts no Redis: the database is the store every worker already shares.

A `Limit` is at most `limit` attempts per `window` seconds for one key. `hit` adds one and
returns the new count in a single statement,

    INSERT … ON CONFLICT (scope, key) DO UPDATE SET count = count + 1 … RETURNING count

(SQLite ≥ 3.35 and PostgreSQL), so two workers never see the same count: of any number of
simultaneous hits on a key, exactly `limit` get a count ≤ `limit`. A window opens with the
first attempt on a key and lasts `window` seconds; the first attempt after it opens a new one.
(So at most 2 × `limit` attempts fit in any span of `window` seconds: `limit` at the end of one
window, `limit` at the start of the next.)

Keys are stored as an HMAC-SHA256 of the counted value, keyed with the SECRET_KEY: the table
holds no address and no tracking number. Rows of past windows count as zero; `sweep` deletes
them, run at most once a minute by the hits of each process (a tidying hint only, never part of
a count).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from ombud.errors import DomainError
from ombud.portal.models import AttemptCounter

SWEEP_EVERY_SECONDS = 60
_last_sweep = 0.0

# One statement: the count after this attempt, atomic on SQLite (>= 3.35) and PostgreSQL alike.
# A row whose window has passed starts again at 1 with a new window.
_HIT_SQL = """
INSERT INTO "portal_attemptcounter" ("scope", "key", "count", "expires_at") VALUES (%s, %s, 1, %s)
ON CONFLICT ("scope", "key") DO UPDATE SET
  "count" = CASE WHEN "portal_attemptcounter"."expires_at" <= %s THEN 1
                 ELSE "portal_attemptcounter"."count" + 1 END,
  "expires_at" = CASE WHEN "portal_attemptcounter"."expires_at" <= %s THEN %s
                      ELSE "portal_attemptcounter"."expires_at" END
RETURNING "count"
"""


@dataclass(frozen=True)
class Limit:
    scope: str  # what is counted, e.g. "track.number"
    limit: int  # attempts allowed per window
    window: int  # seconds


class TooManyAttempts(DomainError):
    """A limit is reached: answered 429 with `Retry-After: retry_after`."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str, *, retry_after: int, until: datetime, code: str | None = None):
        super().__init__(message, code=code)
        self.retry_after = retry_after
        self.until = until


@functools.cache
def _trusted(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    try:
        return tuple(ipaddress.ip_network(e, strict=False) for e in entries)
    except ValueError as exc:
        raise ImproperlyConfigured(f"OMBUD_TRUSTED_PROXIES: {exc}") from None


def trusted_proxies() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The networks of `OMBUD_TRUSTED_PROXIES` (checked when the app starts)."""
    return _trusted(tuple(settings.OMBUD_TRUSTED_PROXIES))


def _parse(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as limits count it: the IPv4 address, or the /64
    network of an IPv6 address (one subscriber's usual allocation, so a guesser cannot step
    through its own addresses).

    It is `REMOTE_ADDR`, unless that is one of `OMBUD_TRUSTED_PROXIES`: then the right-most
    address of `X-Forwarded-For` that is not a trusted proxy (what the outermost trusted proxy
    saw; whatever a client wrote further left is ignored)."""
    raw = request.META.get("REMOTE_ADDR", "")
    ip = _parse(raw)
    if ip is None:
        return raw[:64]
    proxies = trusted_proxies()
    if proxies and any(ip in net for net in proxies):
        for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-16:]):
            hop_ip = _parse(hop)
            if hop_ip is None:
                break  # a garbled entry: trust nothing left of it
            ip = hop_ip
            if not any(hop_ip in net for net in proxies):
                break
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(scope: str, value: str) -> str:
    secret = hashlib.sha256(f"ombud.portal.limits:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(secret, f"{scope}\x00{value}".encode(), hashlib.sha256).hexdigest()


def hit(limit: Limit, value: str, *, now: datetime | None = None) -> int:
    """Count one attempt on `value`; the count in the current window, this attempt included.
    Runs in autocommit (or the caller's transaction): call it outside a transaction that may
    roll back, or the attempt is not counted."""
    now = now or timezone.now()
    _maybe_sweep(now)
    at = connection.ops.adapt_datetimefield_value(now)
    ends = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=limit.window))
    with connection.cursor() as cursor:
        cursor.execute(_HIT_SQL, [limit.scope, _key(limit.scope, value), ends, at, at, ends])
        return int(cursor.fetchone()[0])


def refund(limit: Limit, value: str, *, now: datetime | None = None) -> None:
    """Take back one attempt of the current window (one that turned out not to count)."""
    AttemptCounter.objects.filter(
        scope=limit.scope, key=_key(limit.scope, value), count__gt=0, expires_at__gt=now or timezone.now()
    ).update(count=F("count") - 1)


def count(limit: Limit, value: str, *, now: datetime | None = None) -> int:
    """Attempts on `value` in the current window, without counting one."""
    row = (
        AttemptCounter.objects.filter(
            scope=limit.scope, key=_key(limit.scope, value), expires_at__gt=now or timezone.now()
        )
        .values_list("count", flat=True)
        .first()
    )
    return row or 0


def window_end(limit: Limit, value: str, *, now: datetime | None = None) -> datetime:
    """When the current window of `value` ends (now, if there is none)."""
    now = now or timezone.now()
    ends = (
        AttemptCounter.objects.filter(scope=limit.scope, key=_key(limit.scope, value), expires_at__gt=now)
        .values_list("expires_at", flat=True)
        .first()
    )
    return ends or now


def refusal(limit: Limit, value: str, message: str, *, code: str, now: datetime | None = None) -> TooManyAttempts:
    """The error for an attempt over `limit`: `message` with `%(time)s` replaced by the local
    time its window ends, and the seconds until then."""
    now = now or timezone.now()
    until = window_end(limit, value, now=now)
    text = message % {"time": timezone.localtime(until).strftime("%H:%M")}
    return TooManyAttempts(text, retry_after=max(1, math.ceil((until - now).total_seconds())), until=until, code=code)


def sweep(now: datetime | None = None) -> int:
    """Delete the counters of past windows; how many."""
    deleted, _ = AttemptCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def _maybe_sweep(now: datetime) -> None:
    global _last_sweep
    tick = time.monotonic()
    if tick - _last_sweep >= SWEEP_EVERY_SECONDS:
        _last_sweep = tick
        sweep(now)
