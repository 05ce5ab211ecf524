"""Notifications: a transactional outbox of messages to consumers and staff.

Writing: `queue()` renders a `MessageTemplate` (data, editable in the admin) in zh-hans with a
case's public fields, inserts one `Notification` row per recipient in the caller's
transaction, and registers `transaction.on_commit` to enqueue a `deliver_notification` task
per row. A rolled-back change queues nothing; a committed one always leaves its rows, even if
the enqueue after commit is lost (the deadline sweep picks up pending rows that wait too long).

Sending: `deliver()` claims a row with a conditional UPDATE (pending → sending, attempts + 1),
so two workers never send the same row; hands it to the channel's backend
(cases/notify_backends.py); then, in one transaction, marks it sent and writes the NOTIFIED
event (masked address, template, text) on the case's timeline. A backend error puts the row
back to pending until MAX_ATTEMPTS, then marks it failed with a NOTIFICATION_FAILED event.
The claim is the mark "handing over, attempt N" made before the backend is called. A worker
killed between claim and mark leaves the row in `sending`; `recover()` releases it after
OMBUD_NOTIFY_STUCK_SECONDS, counting the interrupted hand-over, and sends it again: at least
once toward the backend, always with the same idempotency id (`Message.idempotency_id`: the
e-mail's Message-ID, the SMS gateway's Idempotency-Key), so a backend that honours it delivers
once. The timeline stays honest: exactly one NOTIFIED event per row, and a re-send after an
interrupted hand-over adds a NOTIFICATION_RESENT event with its attempt number.

Consumer milestones (`case_milestone`) go by SMS to the complainant's mobile phone; a case
without a mobile number gets no consumer notification and nothing is recorded for it.
See docs/notifications.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import timezone, translation

from ombud.cases import events
from ombud.cases.models import Alert, Case, CaseEvent, MessageTemplate, Notification
from ombud.cases.notify_backends import Message, backend_for, mask_address
from ombud.directory.models import Jurisdiction, User
from ombud.intake.models import Visit
from ombud.intake.tracking import tracking_url
from ombud.logfilters import scrub
from ombud.personal_data import MOBILE_RE, normalise_phone

logger = logging.getLogger("ombud.notify")
T = TypeVar("T")

MAX_ATTEMPTS = 3
# A consumer is not told by SMS of a milestone older than this (e.g. a backlog being imported):
# news of last month is no news, and its dates would mislead.
MILESTONE_MAX_AGE = timedelta(days=7)
BATCH = 200
LOCKED_TRIES = 100  # about 9 s of waiting in all

# Event type → the consumer's template. Events not listed here send nothing to the consumer.
CONSUMER_TEMPLATES: dict[str, str] = {
    CaseEvent.Type.RECEIVED: "consumer.received",
    CaseEvent.Type.ACCEPTED: "consumer.accepted",
    CaseEvent.Type.NOT_ACCEPTED: "consumer.not_accepted",
    CaseEvent.Type.EXTENDED: "consumer.extended",
    CaseEvent.Type.DECIDED: "consumer.decided",
    CaseEvent.Type.REVIEW_REQUESTED: "consumer.review_requested",
    CaseEvent.Type.REVIEW_DECIDED: "consumer.review_decided",
    CaseEvent.Type.MEDIATION_STARTED: "consumer.mediation",
    CaseEvent.Type.CLOSED: "consumer.closed",
    CaseEvent.Type.WITHDRAWN: "consumer.withdrawn",
}

_muted: ContextVar[bool] = ContextVar("ombud_notify_muted", default=False)


@contextmanager
def muted() -> Iterator[None]:
    """Queue no consumer notification inside this block (a backlog import, a demo replay)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


@dataclass(frozen=True)
class Recipient:
    channel: str  # Notification.Channel
    address: str  # phone or e-mail address, clear (stored encrypted)
    user: User | None = None


# ---- rendering ----------------------------------------------------------------------------------

# Plain text (SMS, e-mail): no HTML escaping; a missing variable renders as nothing.
_ENGINE = Engine(autoescape=False)


def check_template(text: str) -> None:
    """Raise TemplateSyntaxError if `text` is not a valid template (the admin form uses it)."""
    Template(text, engine=_ENGINE)


def render(text: str, context: dict[str, Any]) -> str:
    with translation.override("zh-hans"):
        return Template(text, engine=_ENGINE).render(Context(context, autoescape=False)).strip()


def _bureau_name(city_id: str | None) -> str:
    """The regulator bureau supervising a city (a direct listing first, then its province)."""
    if not city_id:
        return ""
    rows = Jurisdiction.objects.filter(Q(region_id=city_id) | Q(region__children=city_id)).select_related("regulator")
    best = sorted(rows, key=lambda j: (j.region_id != city_id, j.pk))
    return best[0].regulator.name if best else ""


def case_context(case: Case, event: CaseEvent | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """What a template may use: the case's public fields only — never the consumer's name,
    phone or ID number. Values that cost a query are callables, evaluated only if used.
    `overdue` is decided when the text is rendered (`now`): a message must not promise a date
    that has already passed."""
    data = event.data if event is not None else {}
    by_regulator = case.handled_by == Visit.HandledBy.REGULATOR
    now = now or timezone.now()
    return {
        "tracking_no": case.tracking_no,
        # The consumer's page for this case: the number only, never the secret code.
        "tracking_url": tracking_url(case.tracking_no),
        "hotline": settings.OMBUD_HOTLINE,
        "overdue": case.due_at is not None and case.due_at < now,
        "company": lambda: case.company.name,  # the company complained about (branch)
        "company_root": lambda: case.company_root.name,  # its head office
        "handler": lambda: _bureau_name(case.city_id) if by_regulator else case.company.name,
        "regulator": lambda: _bureau_name(case.city_id),
        "by_regulator": by_regulator,
        "city": lambda: case.city.name if case.city is not None else "",
        "status": case.status,
        "status_display": case.get_status_display(),
        "due_date": case.due_date,
        "due_at": case.due_at,
        "opened_at": case.opened_at,
        "decision": case.decision,
        "decision_display": case.get_decision_display() if case.decision else "",
        "reply": case.reply,
        "amount": case.amount_paid,
        "level": data.get("level", ""),
        "reason": data.get("reason", ""),
        "mediation_body": lambda: case.mediation_body.name if case.mediation_body is not None else "",
    }


# ---- queueing -----------------------------------------------------------------------------------


def queue(
    case: Case,
    template_code: str,
    recipients: Iterable[Recipient],
    *,
    context: dict[str, Any] | None = None,
    alert: Alert | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Render the template for the case and insert one pending notification per recipient, in
    the caller's transaction; their delivery is enqueued after commit. An inactive or missing
    template queues nothing (an admin can switch a message off)."""
    recipients = list(recipients)
    if not recipients:
        return []
    template = MessageTemplate.objects.filter(code=template_code, is_active=True).first()
    if template is None:
        logger.info("No active message template %s: nothing queued for case %s", template_code, case.pk)
        return []
    ctx = context if context is not None else case_context(case)
    try:
        subject, body = render(template.subject, ctx), render(template.body, ctx)
    except TemplateSyntaxError:
        # The admin form refuses invalid templates; one edited around it must not block the
        # change it reports. Logged for the admin to fix.
        logger.exception("Message template %s does not render: nothing queued for case %s", template_code, case.pk)
        return []
    now = now or timezone.now()
    rows = Notification.objects.bulk_create(
        [
            Notification(
                case=case,
                alert=alert,
                template=template,
                audience=template.audience,
                channel=r.channel,
                recipient_user=r.user,
                address=r.address,
                subject=subject[:200],
                body=body,
                created_at=now,
            )
            for r in recipients
        ]
    )
    ids = [n.pk for n in rows]

    def enqueue_after_commit() -> None:
        _enqueue(ids)

    transaction.on_commit(enqueue_after_commit)
    return rows


def _enqueue(ids: list[int]) -> None:
    """One delivery task per row. Only a nudge: if it fails, the rows are committed anyway and
    the sweep sends them after OMBUD_NOTIFY_RETRY_SECONDS, so the error is logged, not raised
    into the request or the sweep that queued them."""
    from ombud.cases.tasks import deliver_notification

    try:
        for pk in ids:
            retry_when_locked(deliver_notification.enqueue, pk)
    except Exception:
        logger.exception("Could not enqueue the delivery of notifications %s; the sweep will send them", ids)


def consumer_mobile(case: Case) -> str:
    """The complainant's mobile number (SMS cannot reach a landline), or ''."""
    phone = normalise_phone(case.visit.visitor_phone or "")
    return phone if MOBILE_RE.match(phone) else ""


def case_milestone(case: Case, event: CaseEvent, *, now: datetime | None = None) -> list[Notification]:
    """Tell the consumer of a milestone of their case by SMS (the hook services call after
    writing the event). Nothing without a mobile number, for a stale event, or when muted."""
    code = CONSUMER_TEMPLATES.get(event.type)
    if code is None or _muted.get():
        return []
    now = now or timezone.now()
    if event.created_at < now - MILESTONE_MAX_AGE:
        return []
    phone = consumer_mobile(case)
    if not phone:
        return []
    context = case_context(case, event, now=now)
    return queue(case, code, [Recipient(Notification.Channel.SMS, phone)], context=context, now=now)


# ---- delivering ---------------------------------------------------------------------------------


def retry_when_locked(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` (one statement or one whole transaction) again if SQLite says the database is
    locked: a writer held it past the busy timeout or, with the tests' shared in-memory
    database, at all. PostgreSQL waits on row locks instead and never raises this."""
    for attempt in range(LOCKED_TRIES):
        try:
            return fn(*args, **kwargs)
        except OperationalError as exc:
            spoilt = transaction.get_connection().in_atomic_block  # only the caller can start over
            if "locked" not in str(exc).lower() or spoilt or attempt == LOCKED_TRIES - 1:
                raise
            time.sleep(min(0.005 * (attempt + 1), 0.1))
    raise AssertionError("unreachable")


def _timeline_data(n: Notification, token: int) -> dict[str, Any]:
    data = {
        "notification_id": n.pk,
        "template": n.template_id,
        "audience": n.audience,
        "channel": n.channel,
        "to": mask_address(n.channel, n.address),
        "recipient_user_id": n.recipient_user_id,
        "attempts": token,
    }
    if n.interrupted:
        data["interrupted"] = n.interrupted
    return data


def message_for(n: Notification, attempt: int) -> Message:
    """What the backend gets: the same idempotency id on every attempt (derived from the row)."""
    return Message(id=n.pk, channel=n.channel, address=n.address, subject=n.subject, body=n.body, attempt=attempt)


def deliver(notification_id: int, *, now: datetime | None = None) -> str:
    """Send one pending notification: "sent", "retry" (back to pending), "failed" (for good),
    or "skipped" (not pending: another worker has it, or it is done)."""
    now = now or timezone.now()
    claim = Notification.objects.filter(
        pk=notification_id, status=Notification.Status.PENDING, attempts__lt=MAX_ATTEMPTS
    )
    changes = {"status": Notification.Status.SENDING, "claimed_at": now, "attempts": F("attempts") + 1}
    if not retry_when_locked(claim.update, **changes):
        return "skipped"
    n = retry_when_locked(Notification.objects.select_related("case").get, pk=notification_id)
    token = n.attempts  # the fencing token: a later claim of this row has a higher one
    message = message_for(n, token)
    try:
        backend_for(n.channel).send(message)
    except Exception as exc:
        error = scrub(f"{type(exc).__name__}: {exc}")[:300]
        final = token >= MAX_ATTEMPTS
        logger.warning(
            "Notification %s (case %s, %s to %s) attempt %s failed: %s",
            n.pk,
            n.case_id,
            n.channel,
            mask_address(n.channel, n.address),
            token,
            error,
        )
        retry_when_locked(_mark_failed, n, token, error, final, now)
        return "failed" if final else "retry"
    retry_when_locked(_mark_sent, n, token, now)
    return "sent"


@transaction.atomic
def _mark_sent(n: Notification, token: int, now: datetime) -> None:
    # Still ours (pending too: the sweep may have released a slow claim that nobody took since).
    mine = Notification.objects.filter(
        pk=n.pk, attempts=token, status__in=[Notification.Status.SENDING, Notification.Status.PENDING]
    )
    if mine.update(status=Notification.Status.SENT, sent_at=now, last_error=""):
        if n.interrupted:
            # An earlier hand-over of this row may have reached the backend before its worker
            # died: say so, rather than show one clean delivery.
            events.case_notification_resent_event(
                n.case, now, **_timeline_data(n, token), idempotency_id=message_for(n, token).idempotency_id
            )
        events.case_notified_event(n.case, now, **_timeline_data(n, token), subject=n.subject, body=n.body)


@transaction.atomic
def _mark_failed(n: Notification, token: int, error: str, final: bool, now: datetime) -> None:
    mine = Notification.objects.filter(pk=n.pk, attempts=token, status=Notification.Status.SENDING)
    status = Notification.Status.FAILED if final else Notification.Status.PENDING
    if mine.update(status=status, last_error=error) and final:
        events.case_notification_failed_event(n.case, now, **_timeline_data(n, token), error=error)


@transaction.atomic
def _release(pk: int, attempts: int, now: datetime) -> int:
    """A row stuck in `sending` back to pending, or to failed if it used its last attempt; either
    way its hand-over is counted as interrupted (it may have reached the backend)."""
    mine = Notification.objects.filter(pk=pk, status=Notification.Status.SENDING, attempts=attempts)
    if attempts < MAX_ATTEMPTS:
        return mine.update(status=Notification.Status.PENDING, interrupted=F("interrupted") + 1)
    error = "no answer from the worker that claimed it"
    if mine.update(status=Notification.Status.FAILED, last_error=error, interrupted=F("interrupted") + 1):
        n = Notification.objects.select_related("case").get(pk=pk)
        events.case_notification_failed_event(n.case, now, **_timeline_data(n, attempts), error=error)
    return 0


def retry_delay(attempts: int) -> timedelta:
    """How long a pending row waits before the sweep (re)sends it: the lost-enqueue grace for a
    row never tried, then a backoff of 1×, 5×, 25× … OMBUD_NOTIFY_RETRY_SECONDS."""
    base = settings.OMBUD_NOTIFY_RETRY_SECONDS
    return timedelta(seconds=base * (5 ** max(0, attempts - 1)))


def recover(now: datetime | None = None, *, limit: int = BATCH) -> tuple[int, int]:
    """What the deadline sweep does for the outbox: release rows stuck in `sending` (a worker
    died between claim and mark) after OMBUD_NOTIFY_STUCK_SECONDS, then send pending rows whose
    task was lost or whose retry is due. Returns (released, tried)."""
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.OMBUD_NOTIFY_STUCK_SECONDS)
    stuck = Notification.objects.filter(status=Notification.Status.SENDING, claimed_at__lte=stuck_before)
    released = 0
    for pk, attempts in retry_when_locked(lambda: list(stuck.values_list("pk", "attempts")[:limit])):
        released += retry_when_locked(_release, pk, attempts, now)
    due = Q(attempts=0, created_at__lte=now - retry_delay(0))
    for attempts in range(1, MAX_ATTEMPTS):
        due |= Q(attempts=attempts, claimed_at__lte=now - retry_delay(attempts))
    pending = Notification.objects.filter(due, status=Notification.Status.PENDING).order_by("created_at", "pk")
    ids = retry_when_locked(lambda: list(pending.values_list("pk", flat=True)[:limit]))
    return released, sum(deliver(pk, now=now) != "skipped" for pk in ids)


def deliver_pending(now: datetime | None = None) -> int:
    """Try every pending notification once, now, whatever its age or backoff (tests, and
    callers that cannot wait for the sweep). Returns how many were tried."""
    ids = list(
        Notification.objects.filter(status=Notification.Status.PENDING, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    return sum(deliver(pk, now=now) != "skipped" for pk in ids)
