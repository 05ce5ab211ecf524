"""Policy tables intake reads on every visit, cached briefly in the process.

Product lines change a few times a year; reading them on every visit would add a round trip to
the hottest path. A minute's staleness after an admin edit is acceptable.
"""

from __future__ import annotations

import time

from ombud.intake.models import ProductLine

_TTL_SECONDS = 60.0
_cache: tuple[float, frozenset[str]] | None = None


def active_product_lines() -> frozenset[str]:
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > _TTL_SECONDS:
        codes = frozenset(ProductLine.objects.filter(is_active=True).values_list("code", flat=True))
        _cache = (now, codes)
    return _cache[1]


def forget_cached_policy() -> None:
    global _cache
    _cache = None
