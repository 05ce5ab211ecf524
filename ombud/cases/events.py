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


def case_attached_event(
    case: Case, actor: User | None, at: datetime, *, attachment_id: int, filename: str
) -> CaseEvent:
    return _event(case, CaseEvent.Type.ATTACHED, actor, at, attachment_id=attachment_id, filename=filename)


def case_imported_event(case: Case, actor: User | None, at: datetime, *, source: str, row: int) -> CaseEvent:
    """The case came from a backlog spreadsheet (cases/imports/): which file, which row."""
    return _event(case, CaseEvent.Type.IMPORTED, actor, at, source=source, row=row)


def case_reminded_event(case: Case, at: datetime, *, due_at: datetime, recipients: int) -> CaseEvent:
    return _event(case, CaseEvent.Type.REMINDED, None, at, due_at=due_at.isoformat(), recipients=recipients)


def case_overdue_event(case: Case, at: datetime, *, due_at: datetime, recipients: int) -> CaseEvent:
    return _event(case, CaseEvent.Type.OVERDUE, None, at, due_at=due_at.isoformat(), recipients=recipients)


def case_notified_event(case: Case, at: datetime, **data) -> CaseEvent:
    """What was sent to whom (masked address, channel, text): written when a notification is
    delivered (or finally fails), by the worker that delivered it."""
    return _event(case, CaseEvent.Type.NOTIFIED, None, at, **data)


def case_notification_failed_event(case: Case, at: datetime, **data) -> CaseEvent:
    return _event(case, CaseEvent.Type.NOTIFICATION_FAILED, None, at, **data)


def case_notification_resent_event(case: Case, at: datetime, **data) -> CaseEvent:
    """A notification handed over again after an interrupted hand-over (its worker died between
    handing it over and marking it sent): written with its NOTIFIED event, with the attempt
    number and the idempotency id both hand-overs carried."""
    return _event(case, CaseEvent.Type.NOTIFICATION_RESENT, None, at, **data)
