"""The consumer's case page: the lookup with its limits, the proof kept in the session, and the
consumer's actions through the case services (docs/tracking.md).

A secret code has 31^8 ≈ 8.5 × 10^11 values. Two limits, both counted in the database so that
every web worker shares them (portal/limits.py):

- **per tracking number, strict** (`OMBUD_TRACK_NUMBER_LIMIT`, default 10 tries per
  `OMBUD_TRACK_NUMBER_WINDOW_SECONDS`, default one hour): every try on a number is counted
  *before* its code is checked, and a right code is then taken back, so at most 10 wrong codes
  per number and hour are ever checked, from any number of addresses and workers at once —
  searching one number's codes takes ~10^7 years. Past the limit the number is locked for the
  rest of its window for everyone, the right code included (otherwise the lock would not stop
  the guesser). Numbers that do not exist are counted and locked the same way, so a lock says
  nothing about whether a number exists.
- **per address, generous** (`OMBUD_TRACK_ADDRESS_LIMIT`, default 100 failed lookups per
  `OMBUD_TRACK_ADDRESS_WINDOW_SECONDS`, default ten minutes): failures from one address (a
  reception site's visitors share one) are counted after the fact; past the limit every further
  failure from it is answered 429 instead of 404. It never stops a right number and code: a
  consumer behind the same network as a guesser still gets in, as long as their own number is
  not locked. A guesser on one number cannot lock another consumer's number.

Guessing across many numbers from one address gains nothing from the address limit being soft:
a random 16-digit number exists with a chance of about visits-that-day / 10^10 and its code is
then right with 1 / 8.5 × 10^11, and each number's own limit still holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases import lifecycle
from ombud.cases.attachments import Upload
from ombud.cases.services import take_consumer_action
from ombud.errors import Conflict, InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.personal_data import blind_index, normalise_phone
from ombud.portal import limits, verification
from ombud.portal.casepage import queries
from ombud.portal.models import PhoneChallenge


def number_limit() -> limits.Limit:
    return limits.Limit("track.number", settings.OMBUD_TRACK_NUMBER_LIMIT, settings.OMBUD_TRACK_NUMBER_WINDOW_SECONDS)


def address_limit() -> limits.Limit:
    return limits.Limit(
        "track.address", settings.OMBUD_TRACK_ADDRESS_LIMIT, settings.OMBUD_TRACK_ADDRESS_WINDOW_SECONDS
    )


def look_up(tracking_no: str, code: str, address: str) -> Visit:
    """The visit with this number and code, as the public tracking page shows it.

    Raises `limits.TooManyAttempts` (429) when the number is locked, or when the address is
    over its limit and the number or code is wrong; `NotFound` (404) for a wrong number or code.
    """
    now = timezone.now()
    number = queries.normalise_tracking_no(tracking_no)
    per_number, per_address = number_limit(), address_limit()
    if number is not None and limits.hit(per_number, number, now=now) > per_number.limit:
        limits.hit(per_address, address, now=now)
        raise limits.refusal(
            per_number,
            number,
            _(
                "Too many wrong secret codes have been tried for this tracking number. To protect it, it "
                "cannot be looked up until %(time)s."
            ),
            code="tracking_number_locked",
            now=now,
        )
    visit = queries.track(number, code) if number is not None else None
    if visit is not None:
        limits.refund(per_number, number or "", now=now)  # a right code is not a failed try
        return visit
    if limits.hit(per_address, address, now=now) > per_address.limit:
        raise limits.refusal(
            per_address,
            address,
            _(
                "Too many failed lookups have come from your network. The right tracking number and secret "
                "code still work; otherwise please try again after %(time)s."
            ),
            code="address_limited",
            now=now,
        )
    raise NotFound(_("No visit matches this tracking number and secret code."))


# ---- the proof kept in the session --------------------------------------------------------------

SESSION_KEY = "ombud.portal.casepage"
MY_CASES = PhoneChallenge.Purpose.MY_CASES


def prove(session: SessionBase, visit: Visit, *, now: datetime | None = None) -> None:
    """After `look_up`: this browser may see and act on `visit` for half an hour without the code
    again (the session is server-side; the cookie holds neither number nor code)."""
    now = now or timezone.now()
    proofs = {k: v for k, v in (session.get(SESSION_KEY) or {}).items() if v > now.timestamp()}
    first = not proofs
    proofs[visit.tracking_no] = now.timestamp() + verification.SESSION_SECONDS
    session[SESSION_KEY] = proofs
    if first:
        session.cycle_key()  # a new session id once a case is proven (no fixation)


def proven_visit(session: SessionBase, tracking_no: str, *, now: datetime | None = None) -> Visit | None:
    """The visit of `tracking_no` if this browser proved it: with its number and code, or with
    an SMS code to the phone on it ("my cases"); None otherwise, whether or not it exists."""
    now = now or timezone.now()
    number = queries.normalise_tracking_no(tracking_no)
    if number is None:
        return None
    until = (session.get(SESSION_KEY) or {}).get(number, 0)
    phone = verification.verified_phone(session, MY_CASES, now=now)
    if until <= now.timestamp() and phone is None:
        return None
    visit = queries.by_number(number)
    if visit is None:
        return None
    if until > now.timestamp():
        return visit
    if phone and visit.visitor_phone_index and visit.visitor_phone_index == blind_index(normalise_phone(phone)):
        return visit
    return None


def act(visit: Visit, action: str, fields: dict[str, Any], *, upload: Upload | None = None) -> Visit:
    """The consumer's action on the case of a visit they proved (`look_up` or `proven_visit`):
    `cases.services.take_consumer_action`; a visit without a case (a consultation, a
    suggestion) has no action (409). Returns the visit read again."""
    if lifecycle.consumer_transition(action) is None:
        raise InvalidInput(_("Unknown action."), fields={"action": ", ".join(lifecycle.CONSUMER_ACTIONS)})
    case = getattr(visit, "case", None)
    if case is None:
        raise Conflict(_("This cannot be done on your case now."), fields={"action": "—"}, code="action_not_open")
    take_consumer_action(case.pk, action, fields, upload=upload)
    fresh = queries.by_number(visit.tracking_no)
    assert fresh is not None
    return fresh


# ---- my cases: an SMS code to the phone on the cases ---------------------------------------------


def send_my_cases_code(phone: str, address: str) -> verification.Sent:
    """Send a code to `phone` for "my cases": whether or not any visit has this phone (the answer
    never tells)."""
    return verification.send_code(phone, MY_CASES, address)


def verify_my_cases(session: SessionBase, phone: str, code: str) -> None:
    """Check the code and keep the proof in the session (`verification.remember`)."""
    challenge = verification.verify(phone, MY_CASES, code)  # a wrong code counts at once
    with transaction.atomic():
        verification.consume(challenge)
    verification.remember(session, MY_CASES, phone)


def my_visits(session: SessionBase) -> list[Visit] | None:
    """The visits of the phone this browser proved for "my cases"; None without a proof."""
    phone = verification.verified_phone(session, MY_CASES)
    if phone is None:
        return None
    return list(queries.visits_for_phone(phone)[:100])
