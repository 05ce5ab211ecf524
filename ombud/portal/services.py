"""The tracking page's lookup, with its limits (docs/tracking.md).

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

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.errors import NotFound
from ombud.intake.models import Visit
from ombud.portal import limits, queries


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
