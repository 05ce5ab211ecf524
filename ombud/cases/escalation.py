"""The deadline sweep: reminders before a case's deadline, escalation once it has passed.

`sweep()` is run every OMBUD_SWEEP_SECONDS by `ombud worker` (and once by `ombud worker
--batch`). It is idempotent, and safe to run in several processes at once or to kill at any
point, because each alert is a durable row:

- Candidates come from one indexed query: open cases whose `due_at` lies in the window, with
  no alert of that kind for that very `due_at` (NOT EXISTS on the unique key).
- Each case is handled in its own transaction: lock the case row, re-check it, INSERT the
  `Alert` inside a savepoint, write the timeline event and the notifications. The unique
  (case, kind, due_at) makes the INSERT fail for a second worker (IntegrityError → skip);
  a crash before commit rolls everything back, and the next sweep does it again.
- A new deadline (an extension, a review) is a new `due_at`, hence a new reminder and, if it
  passes too, a new escalation.

Reminders: when at most N working days remain before the deadline (DeadlineRule
`alert.reminder`, seeded at 2 working days; inactive → no reminders). Counting working days,
not hours, means a deadline on Monday is announced on Thursday, not at midnight on Saturday,
and one after the National Day week before the break. They go to the handlers: the company's
complaint handlers, or the regulator's officers when the regulator handles the case.

Escalation: once `due_at` has passed and the case is still open. The company's responsible
executives (Staff of rank head/deputy with a login, of the handling company, else its head
office; else users with the executive role) and the regulator's officers of the case's city
are alerted; `escalated_at` is set if empty. Who handles the case does not change: that is
the manual `escalate` action. A case the regulator handles alerts its officers only.

Staff are notified by e-mail (users without an e-mail address are skipped); see
docs/notifications.md.

After the alerts, every sweep recovers what dead workers left: outbox rows stuck in `sending`
(cases/notify.py `recover`) and task rows stuck in RUNNING (cases/tasks.py
`recover_lost_tasks`), so recovery runs wherever a worker runs.
"""

from __future__ import annotations

import logging
from dataclasses import astuple, dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ombud.cases import deadlines, events, lifecycle, notify, tasks
from ombud.cases.models import Alert, Case, DeadlineRule, Notification
from ombud.directory.models import Jurisdiction, Staff, User
from ombud.intake.models import Visit

logger = logging.getLogger("ombud.escalation")

REMINDER_RULE = "alert.reminder"
DEFAULT_REMINDER = (2, DeadlineRule.Unit.WORKING)
BATCH = 200
MAX_BATCHES = 50  # per phase and sweep: a huge backlog is worked off over several sweeps


@dataclass
class SweepResult:
    reminded: int = 0  # cases reminded
    escalated: int = 0  # cases escalated
    released: int = 0  # notifications released from a dead worker's claim
    requeued: int = 0  # pending notifications (lost task, retry due) sent by the sweep
    failed: int = 0  # cases whose alert raised an error (rolled back; retried next sweep)
    tasks_requeued: int = 0  # task rows a dead worker left RUNNING, queued again
    tasks_failed: int = 0  # such rows claimed too often, marked failed

    def __bool__(self) -> bool:
        return any(astuple(self))


def sweep(now: datetime | None = None) -> SweepResult:
    """Raise the reminders and escalations that are due, then recover the outbox and the task
    rows of dead workers (cases/tasks.py `recover_lost_tasks`)."""
    now = now or timezone.now()
    result = SweepResult()
    cutoff = reminder_cutoff(now)
    if cutoff is not None:
        result.reminded, failed = _phase(Alert.Kind.REMINDER, now, cutoff)
        result.failed += failed
    result.escalated, failed = _phase(Alert.Kind.ESCALATION, now, None)
    result.failed += failed
    result.released, result.requeued = notify.recover(now)
    lost = tasks.recover_lost_tasks(now)
    result.tasks_requeued, result.tasks_failed = lost.requeued, lost.failed
    if result:
        logger.info("Deadline sweep: %s", result)
    return result


def reminder_cutoff(now: datetime) -> datetime | None:
    """Remind cases due before this moment: the end of the Nth working day after today."""
    rule = DeadlineRule.objects.filter(code=REMINDER_RULE).first()
    if rule is not None and not rule.is_active:
        return None
    days, unit = (rule.days, rule.unit) if rule is not None else DEFAULT_REMINDER
    roll = rule.roll_to_working_day if rule is not None else True
    due = deadlines.add_days(deadlines.local_date(now), days, unit, deadlines.calendar(), roll_to_working_day=roll)
    return due.at


def candidates(kind: str, now: datetime, cutoff: datetime | None = None) -> QuerySet[Case]:
    """Open cases owed an alert of `kind`: one query on the indexed `due_at`, NOT EXISTS on the
    alert's unique key."""
    alerted = Alert.objects.filter(case=OuterRef("pk"), kind=kind, due_at=OuterRef("due_at"))
    window = Q(due_at__gt=now, due_at__lte=cutoff) if kind == Alert.Kind.REMINDER else Q(due_at__lte=now)
    open_cases = Case.objects.filter(window, status__in=sorted(lifecycle.OPEN))
    return open_cases.filter(~Exists(alerted)).order_by("due_at", "pk")


def _phase(kind: str, now: datetime, cutoff: datetime | None) -> tuple[int, int]:
    done = 0
    failed_ids: list[int] = []
    for _ in range(MAX_BATCHES):
        todo = candidates(kind, now, cutoff).exclude(pk__in=failed_ids).values_list("pk", "due_at")[:BATCH]
        rows = notify.retry_when_locked(lambda q=todo: list(q))
        for case_id, due_at in rows:
            try:
                done += notify.retry_when_locked(raise_alert, case_id, kind, due_at, now)
            except Exception:
                # Rolled back; logged (ids only) and retried by the next sweep.
                logger.exception("Deadline %s for case %s failed", kind, case_id)
                failed_ids.append(case_id)
        if len(rows) < BATCH:
            break
    return done, len(failed_ids)


def raise_alert(case_id: int, kind: str, due_at: datetime, now: datetime) -> bool:
    """Remind or escalate one case, exactly once per deadline; False if there was nothing to
    do (another worker did it, or the case changed since it was selected)."""
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("company", "company_root", "city")
            .filter(pk=case_id, status__in=sorted(lifecycle.OPEN), due_at=due_at)
            .first()
        )
        if case is None:
            return False
        try:
            with transaction.atomic():
                alert = Alert.objects.create(case=case, kind=kind, due_at=due_at, created_at=now)
        except IntegrityError:
            return False  # the unique (case, kind, due_at): another worker raised it
        if kind == Alert.Kind.REMINDER:
            sent = _remind(case, alert, now)
            events.case_reminded_event(case, now, due_at=due_at, recipients=len(sent))
        else:
            sent = _escalate(case, alert, now)
            Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(escalated_at=now)
            events.case_overdue_event(case, now, due_at=due_at, recipients=len(sent))
    return True


def _by_email(users: list[User]) -> list[notify.Recipient]:
    return [notify.Recipient(Notification.Channel.EMAIL, u.email, u) for u in users]


def _remind(case: Case, alert: Alert, now: datetime) -> list[Notification]:
    if case.handled_by == Visit.HandledBy.REGULATOR:
        return notify.queue(case, "regulator.reminder", _by_email(regulator_officers(case)), alert=alert, now=now)
    return notify.queue(case, "handler.reminder", _by_email(company_handlers(case)), alert=alert, now=now)


def _escalate(case: Case, alert: Alert, now: datetime) -> list[Notification]:
    context = notify.case_context(case)
    told = []
    if case.handled_by != Visit.HandledBy.REGULATOR:
        execs = _by_email(executives(case))
        told = notify.queue(case, "executive.overdue", execs, context=context, alert=alert, now=now)
    context["executives_told"] = len(told)
    officers = _by_email(regulator_officers(case))
    return told + notify.queue(case, "regulator.overdue", officers, context=context, alert=alert, now=now)


# ---- who is told ----------------------------------------------------------------------------


def _reachable(qs: QuerySet[User]) -> list[User]:
    return list(qs.filter(is_active=True).exclude(email="").order_by("pk").distinct())


def _companies(case: Case) -> list[int]:
    return list(dict.fromkeys([case.company_id, case.company_root_id]))


def company_handlers(case: Case) -> list[User]:
    """The complaint handlers of the handling company and of its head office."""
    return _reachable(User.objects.filter(role=User.Role.COMPANY_HANDLER, organization_id__in=_companies(case)))


def executives(case: Case) -> list[User]:
    """The company's responsible executives: Staff of rank head or deputy with a login, of the
    handling company, else of its head office; failing those, users with the executive role."""
    ranks = [Staff.Rank.HEAD, Staff.Rank.DEPUTY]
    for org in _companies(case):
        found = _reachable(User.objects.filter(staff_profile__organization_id=org, staff_profile__rank__in=ranks))
        if found:
            return found
    for org in _companies(case):
        found = _reachable(User.objects.filter(role=User.Role.EXECUTIVE, organization_id=org))
        if found:
            return found
    return []


def regulator_officers(case: Case) -> list[User]:
    """Officers and admins of the bureaus whose jurisdiction covers the case's city (the city,
    its province, or a county of it: directory/access.py `cities_under`); for a case without a
    city, of the bureau supervising it (`Case.bureau`)."""
    roles = [User.Role.REGULATOR_OFFICER, User.Role.REGULATOR_ADMIN]
    if not case.city_id:
        if not case.bureau_id:
            return []
        return _reachable(User.objects.filter(role__in=roles, organization_id=case.bureau_id))
    bureaus = Jurisdiction.objects.filter(
        Q(region_id=case.city_id) | Q(region__children=case.city_id) | Q(region__parent_id=case.city_id)
    ).values("regulator_id")
    return _reachable(User.objects.filter(role__in=roles, organization_id__in=bureaus))
