"""Counters of attempts, shared by every web worker: the tracking page's guessing limits and
the reader poll's vote limit (portal/limits.py).

One row per (scope, key) while its window lasts. The key is an HMAC of what is counted (a
tracking number, an address, a report and an address), never the value itself: the table holds
no address. Rows whose window has passed count as zero and are deleted by `limits.sweep`.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AttemptCounter(models.Model):
    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)  # hex HMAC-SHA256 of the counted value
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)  # the window's end

    class Meta:
        verbose_name = _("attempt counter")
        verbose_name_plural = _("attempt counters")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="attempt_counter_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}… {self.count}"
