"""The one floor and ceiling for dates of things that happened (docs/api.md, "Dates").

A complaint received, a visit recorded, a day a report or a call list covers: nothing Ombud
holds happened before 2000-01-01 (Beijing time; the oldest backlog an insurer keeps is far
younger, and CIRC's complaint rules date from 2013), and nothing is received in the future
beyond a few minutes of clock skew between a hotline system and the server. Without the floor a
`received_at` of `0` (1970-01-01) is accepted and the case is overdue before it exists.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2099, 12, 31)  # a period's last day; later is a typo (and 9999-12-31 + 1 overflows)
EARLIEST = timezone.make_aware(datetime.combine(EARLIEST_DAY, time.min), timezone.get_default_timezone())  # Beijing
CLOCK_SKEW = timedelta(minutes=5)  # how far in the future a "now" of another machine may be


def occurred_error(moment: datetime, now: datetime, *, future: str | None = None) -> str | None:
    """Why `moment` cannot be when something happened (a message for its field), or None.
    `future` is the caller's own wording for a moment in the future."""
    if moment.tzinfo is None:
        return _("Give a time zone, e.g. 2026-11-20T09:30:00+08:00.")
    if moment < EARLIEST:
        return _("A date from %(first)s on.") % {"first": EARLIEST_DAY.isoformat()}
    if moment > now + CLOCK_SKEW:
        return future or _("This cannot be in the future.")
    return None
