"""The public side: a consumer follows a visit with its tracking number and secret code."""

from __future__ import annotations

import hmac
import re

from ombud.intake.models import Visit


def normalise_tracking_no(tracking_no: str) -> str | None:
    """The 16 digits of a tracking number as typed (spaces and dashes forgiven); None if it
    cannot be one."""
    number = re.sub(r"[\s-]", "", tracking_no or "")
    return number if re.fullmatch(r"\d{16}", number) else None


def track(tracking_no: str, code: str) -> Visit | None:
    """The visit with this number *and* code; None for an unknown number or a wrong code alike,
    so that the page never tells which numbers exist. Not limited: the page calls
    `portal.services.look_up`, which counts the tries."""
    number = normalise_tracking_no(tracking_no)
    if number is None:
        return None
    visit = Visit.objects.select_related("company", "site", "case").filter(tracking_no=number).first()
    given = (code or "").strip().upper().encode()
    if visit is None or not hmac.compare_digest(visit.secret_code.encode(), given):
        return None
    return visit
