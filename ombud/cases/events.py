"""The one way to write a case's timeline: one small function per event type.

Callers never build `CaseEvent` rows by hand. Each function is called inside the transaction
of the change it records, so the timeline, the audit trail and the statistics it feeds can
never disagree with the case.
"""

from __future__ import annotations

from datetime import date, datetime

from ombud.cases.models import Case, CaseEvent
from ombud.directory.models import User


def _event(case: Case, type_: str, actor: User | None, at: datetime, **data) -> CaseEvent:
    return CaseEvent.objects.create(case=case, type=type_, actor=actor, created_at=at, data=data)


def case_resolved_on_site_event(case: Case, actor: User | None, at: datetime) -> CaseEvent:
    return _event(case, CaseEvent.Type.RESOLVED_ON_SITE, actor, at)


def case_promised_event(case: Case, actor: User | None, at: datetime, *, due_date: date) -> CaseEvent:
    return _event(case, CaseEvent.Type.PROMISED, actor, at, due_date=due_date.isoformat())


def case_referred_event(case: Case, actor: User | None, at: datetime, *, due_date: date) -> CaseEvent:
    return _event(case, CaseEvent.Type.REFERRED, actor, at, due_date=due_date.isoformat())


def case_transition_event(case: Case, type_: str, actor: User | None, at: datetime, **data) -> CaseEvent:
    """The timeline entry of a lifecycle action (cases/services.py `take_action`)."""
    return _event(case, type_, actor, at, **data)
