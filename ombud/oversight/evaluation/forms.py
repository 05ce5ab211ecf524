"""The form of the scorecard page: the period in the query string."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from ombud.forms import ServiceErrorsMixin


class _DayOrNone(forms.Field):
    """An ISO date (`2026-03-31`), or None for an empty or unreadable value: the period
    check (`queries.parse_period`) then says which day is missing."""

    def to_python(self, value: Any) -> date | None:
        try:
            return date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None


class PeriodForm(ServiceErrorsMixin, forms.Form):
    """`?period_start=&period_end=`; `parse_period`'s refusal lands on the two days."""

    period_start = _DayOrNone(required=False)
    period_end = _DayOrNone(required=False)

    def error_text(self) -> str:
        """Every message, in one line, for the alert above the scorecard."""
        return " ".join(str(message) for messages in self.errors.values() for message in messages)
