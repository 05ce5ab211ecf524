"""Reads of cases, always starting from the user's scope."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases.models import Case
from ombud.directory.access import scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.pagination import MAX_LIMIT, Page, newest_first


def cases_for(user: User) -> QuerySet[Case]:
    return scope_for(user).filter(Case.objects.all())


def access_case(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """Load a case the user may see (404 otherwise, never a hint that it exists)."""
    qs = cases_for(user)
    if for_update:
        # Row lock on PostgreSQL (SQLite's IMMEDIATE transactions serialise writers anyway),
        # taken on the row alone, then the row read through the scope. A locking query with
        # joins would, after waiting for a concurrent change, re-check the changed row against
        # the joined rows it saw before it waited (PostgreSQL's EvalPlanQual): a reroute's new
        # company would make the case vanish for the request behind it (404, not 409). Read
        # after the lock, the case is the committed one.
        list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    try:
        return qs.select_related("company", "company_root", "visit").get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(_("No such case.")) from None


# ---- the case list: one filter definition for the queue page and GET /cases ---------------------

QUEUE_ALL = "all"  # the queue page's status choice for every status (closed included)
SOON_DAYS = 3


def _open_statuses() -> list[str]:
    from ombud.cases.lifecycle import OPEN

    return sorted(OPEN)


def normalise_tracking_no(text: str) -> str:
    """What a handler types or pastes from a receipt ("240324 1234 5678 90") → the stored form."""
    return "".join(ch for ch in text if ch.isalnum()).upper()


@dataclass(frozen=True)
class CaseFilters:
    """The filters of a list of cases, for the queue page (`forms.QueueFilterForm.filters`) and
    the API (`GET /cases`, `api.list_cases`); every field left at its default filters nothing.

    Built from what either side parsed, it checks the coded values itself (an unknown status or
    handler is an `InvalidInput`), so both sides refuse the same values with the same words;
    `apply` narrows a queryset (the user's scope, from `cases_for`)."""

    status: str | None = None  # one Case.Status value
    open_only: bool = False  # every status whose clock may still be running (lifecycle.OPEN)
    overdue: bool | None = None  # True: past its deadline; False: not past it, or no deadline
    due_soon: bool = False  # due within SOON_DAYS, not yet overdue
    due_before: date | None = None  # due date earlier than this day
    company_id: int | None = None  # head office or branch
    handler: str | None = None  # company | regulator
    tracking_no: str | None = None  # as typed; normalised when applied

    def __post_init__(self) -> None:
        if self.status and self.status not in Case.Status.values:
            raise InvalidInput(_("Unknown status."), fields={"status": ", ".join(Case.Status.values)})
        if self.handler and self.handler not in Visit.HandledBy.values:
            raise InvalidInput(_("Unknown handler."), fields={"handler": "company, regulator"})

    def apply(self, qs: QuerySet[Case], *, now: datetime) -> QuerySet[Case]:
        if self.open_only:
            qs = qs.filter(status__in=_open_statuses())
        if self.status:
            qs = qs.filter(status=self.status)
        if self.overdue is True:
            qs = qs.filter(due_at__lt=now)
        elif self.overdue is False:
            qs = qs.filter(Q(due_at__isnull=True) | Q(due_at__gte=now))
        if self.due_soon:
            qs = qs.filter(due_at__gte=now, due_at__lt=now + timedelta(days=SOON_DAYS))
        if self.due_before:
            qs = qs.filter(due_date__lt=self.due_before)
        if self.company_id:
            qs = qs.filter(Q(company_root_id=self.company_id) | Q(company_id=self.company_id))
        if self.handler:
            qs = qs.filter(handled_by=self.handler)
        if self.tracking_no:
            qs = qs.filter(tracking_no=normalise_tracking_no(self.tracking_no))
        return qs


def case_page(user: User, f: CaseFilters, *, cursor: str | None, limit: int) -> Page:
    """The API's list: newest first, keyset-paginated; filters on indexed columns."""
    qs = f.apply(cases_for(user), now=timezone.now())
    return newest_first(qs, field="opened_at", cursor=cursor, limit=limit)


# ---- the workspace: a handler's queue, a case's timeline, reply templates -----------------------


def _encode_queue_cursor(due: date | None, pk: int) -> str:
    raw = json.dumps([due.isoformat() if due else None, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_queue_cursor(cursor: str) -> tuple[date | None, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        due, pk = json.loads(base64.urlsafe_b64decode(padded))
        return (date.fromisoformat(due) if due is not None else None), int(pk)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise InvalidInput(_("Bad cursor."), fields={"cursor": _("not a cursor this server issued")}) from None


def queue_page(user: User, f: CaseFilters, *, cursor: str | None, limit: int, now: datetime | None = None) -> Page:
    """Most urgent first: by due date (overdue ones are the earliest), then cases without a
    running deadline; keyset-paginated on (due_date, id), which the queue index
    (company_root, status, due_date) serves. `due_at` is always the end of `due_date`, so
    ordering by the date is ordering by the deadline."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_("Bad limit."), fields={"limit": _("between 1 and %d") % MAX_LIMIT})
    qs = f.apply(cases_for(user), now=now or timezone.now())
    if cursor:
        due, pk = _decode_queue_cursor(cursor)
        if due is None:
            qs = qs.filter(due_date__isnull=True, pk__gt=pk)
        else:
            qs = qs.filter(Q(due_date__gt=due) | Q(due_date=due, pk__gt=pk) | Q(due_date__isnull=True))
    qs = (
        qs.select_related("company", "visit")
        .only(
            *QUEUE_CASE_FIELDS,
            "company__name",
            "company__short_name",
            "visit__summary",
        )
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = _encode_queue_cursor(rows[-1].due_date, rows[-1].pk) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


QUEUE_CASE_FIELDS = (
    "tracking_no",
    "status",
    "handled_by",
    "company",
    "company_root",
    "opened_at",
    "due_date",
    "due_at",
    "due_provisional",
    "category",
    "visit",
)


def queue_counts(user: User, *, now: datetime | None = None) -> dict[str, int]:
    """How many open cases in the user's scope are overdue, and how many fall due within
    SOON_DAYS: one aggregate over the indexed `due_at` range that matters."""
    now = now or timezone.now()
    soon = now + timedelta(days=SOON_DAYS)
    counts = (
        cases_for(user)
        .filter(status__in=_open_statuses(), due_at__lt=soon)
        .aggregate(overdue=Count("pk", filter=Q(due_at__lt=now)), due_soon=Count("pk", filter=Q(due_at__gte=now)))
    )
    return {"overdue": counts["overdue"] or 0, "due_soon": counts["due_soon"] or 0}


def due_state(case: Case, now: datetime | None = None) -> dict:
    """What a list shows next to a due date: overdue or not, whole days left (negative when
    late) counted in calendar days of settings.TIME_ZONE (Beijing time), and whether it is due soon."""
    if case.due_at is None or case.due_date is None:
        return {"overdue": False, "days_left": None, "soon": False}
    now = now or timezone.now()
    today = timezone.localdate(now)
    days_left = (case.due_date - today).days
    overdue = case.due_at < now
    soon = not overdue and case.due_at < now + timedelta(days=SOON_DAYS)
    return {"overdue": overdue, "days_left": days_left, "soon": soon}


def timeline(case: Case) -> QuerySet:
    """A case's events, oldest first (the order the API and the case page show)."""
    return case.events.select_related("actor").order_by("created_at", "id")


def reply_templates_for(user: User) -> QuerySet:
    """Active reply templates a user may use: shared ones and those of the user's organization
    or its head office."""
    from ombud.cases.models import ReplyTemplate

    orgs = set()
    if user.organization_id:
        orgs.add(user.organization_id)
        head = user.organization.head_office_id if user.organization else None
        if head:
            orgs.add(head)
    return ReplyTemplate.objects.filter(is_active=True).filter(
        Q(organization__isnull=True) | Q(organization_id__in=sorted(orgs))
    )
