"""The public side: a consumer follows a visit with its tracking number and secret code."""

from __future__ import annotations

import hmac
import re

from django.core.cache import cache

from ombud.intake.models import Visit

ATTEMPTS_PER_WINDOW = 20
WINDOW_SECONDS = 600


def too_many_attempts(client_key: str) -> bool:
    """A per-address limit on lookups, so secret codes cannot be guessed online.

    The code has 31^8 ≈ 8.5e11 values; at 20 tries per 10 minutes a guess takes ~10^7 years.
    The counter lives in Django's cache (per process by default; a shared cache makes it exact).
    """
    key = f"portal-track:{client_key}"
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > ATTEMPTS_PER_WINDOW


def track(tracking_no: str, code: str) -> Visit | None:
    """The visit with this number *and* code; None for an unknown number or a wrong code alike,
    so that the page never tells which numbers exist."""
    number = re.sub(r"[\s-]", "", tracking_no or "")
    if not re.fullmatch(r"\d{16}", number):
        return None
    visit = Visit.objects.select_related("company", "site", "case").filter(tracking_no=number).first()
    given = (code or "").strip().upper().encode()
    if visit is None or not hmac.compare_digest(visit.secret_code.encode(), given):
        return None
    return visit
