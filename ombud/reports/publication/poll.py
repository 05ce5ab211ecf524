"""The readers' poll of a published report: who may vote, and how a vote is kept anonymous.

A reader id is issued by this server for one report (a signed token in the `ombud_reader_id`
cookie, scoped to the report's path); a vote without a valid one is refused. The database
stores only an HMAC of the id, keyed with SECRET_KEY and the report, never the id itself.
Votes per address and report are limited (`poll_limit`). Recording a vote is
`services.react`; the counts are `queries.reaction_counts`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings
from django.core import signing

from ombud.portal import limits
from ombud.reports.models import PublishedReport

VOTER_COOKIE = "ombud_reader_id"
# The cookie of the first poll (any random 32 characters, path "/"): no longer honoured, and
# deleted when a browser sends it, as it would shadow the per-report cookie of the same name.
LEGACY_VOTER_COOKIE = "ombud_reader"
VOTER_COOKIE_AGE = 2 * 365 * 24 * 3600
_VOTER_SALT = "ombud.reports.voter"
_VOTER_RE = re.compile(r"[A-Za-z0-9_-]{32}")
_VOTER_TOKEN_MAX = 200


def poll_limit() -> limits.Limit:
    """Votes per address and report (`OMBUD_POLL_ADDRESS_LIMIT` per `OMBUD_POLL_WINDOW_SECONDS`)."""
    return limits.Limit("poll.address", settings.OMBUD_POLL_ADDRESS_LIMIT, settings.OMBUD_POLL_WINDOW_SECONDS)


def new_voter_token(report: PublishedReport) -> str:
    """A reader id issued by this server for this report: a random id, signed (HMAC with the
    SECRET_KEY, salted) together with the report's public id and the time of issue. The report
    page sets it as the `ombud_reader_id` cookie; a vote without a valid one is refused."""
    return signing.dumps({"r": report.public_id, "v": secrets.token_urlsafe(24)}, salt=_VOTER_SALT)


def voter_id(report: PublishedReport, token: str | None) -> str | None:
    """The reader id in `token` if this server issued it for this report less than two years
    ago; None for a missing, made-up, altered, expired or other report's token."""
    if not token or len(token) > _VOTER_TOKEN_MAX:
        return None
    try:
        data = signing.loads(token, salt=_VOTER_SALT, max_age=VOTER_COOKIE_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(data, dict) or data.get("r") != report.public_id:
        return None
    voter = data.get("v")
    return voter if isinstance(voter, str) and _VOTER_RE.fullmatch(voter) else None


def voter_digest(report: PublishedReport, voter: str) -> str:
    """HMAC-SHA256 of the reader id, keyed with SECRET_KEY and the report: what the database
    stores, so the id itself never reaches it."""
    key = hashlib.sha256(f"ombud.reports.reaction:{settings.SECRET_KEY}:{report.public_id}".encode()).digest()
    return hmac.new(key, voter.encode(), hashlib.sha256).hexdigest()
