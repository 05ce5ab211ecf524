"""Reads of cases, always starting from the user's scope."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases.models import ANSWER_SOURCE_NAMES, OPEN_STATUSES, Case, Rating
from ombud.directory.access import Scope, scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.pagination import MAX_LIMIT, Page, newest_first


def cases_for(user: User, scope: Scope | None = None) -> QuerySet[Case]:
    """The cases `user` may see; a reader that needs the scope for other tables too (the
    rollups) passes it, since `scope_for` costs queries for a bureau's jurisdiction."""
    return (scope or scope_for(user)).filter(Case.objects.all())


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
    """The open statuses as the partial indexes of open cases list them (models.OPEN_STATUSES)."""
    return list(OPEN_STATUSES)


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


# ---- the three rates (三率): response, resolution, satisfaction -----------------------------------
#
# The one definition the case statistics (reports/statistics) and the company evaluation
# (oversight/evaluation) show per company (docs/statistics.md "The three rates"):
#
#   response rate     = cases answered within their deadline / cases that had to be answered by now
#                       answered within the deadline: resolved on site, or (last) decided with
#                       decided_in_time; had to be answered: those, cases decided late, and open
#                       cases past their due date undecided. Not accepted and withdrawn before a
#                       decision: not counted.
#   resolution rate   = answers "solved" / answers to "was it solved?"
#   satisfaction rate = answers with satisfaction >= 4 (of 1–5) / answers giving a satisfaction
#
# The answers are the consumers' own ratings on the case page (cases.Rating, one per case) and,
# beside them, the reached call-backs (oversight.CallBack), which the oversight app registers as
# an answer source (cases never imports oversight). Each answer counts once: a case with a
# rating and a call-back counts in both. Rates are per cent with one decimal, None when nothing
# is counted.

SATISFIED_FROM = 4


@dataclass(frozen=True)
class Answers:
    """What consumers answered about one company's cases, from one source."""

    answers: int = 0
    solved: int = 0
    solved_of: int = 0
    satisfied: int = 0
    satisfaction_of: int = 0
    satisfaction_sum: int = 0  # the satisfactions given (1–5) added up: the mean's numerator

    def __add__(self, other: Answers) -> Answers:
        return Answers(
            self.answers + other.answers,
            self.solved + other.solved,
            self.solved_of + other.solved_of,
            self.satisfied + other.satisfied,
            self.satisfaction_of + other.satisfaction_of,
            self.satisfaction_sum + other.satisfaction_sum,
        )


AnswerSource = Callable[[QuerySet[Case]], dict[int, Answers]]
# The same answers of one case as SQL expressions over a Case row (0 or 1 each, the satisfaction
# for `satisfaction_sum`), named as models.ANSWER_FIGURES: what the rollups add up
# (cases/rollups.py), so that their sums are the source's own GROUP BY over the same cases (the
# rollup tests check it).
AnswerExpressions = Callable[[], dict[str, Any]]
# source name → answers per head office (company_root) for the cases given; "ratings" is here,
# "callbacks" is registered by the oversight app (OversightConfig.ready).
ANSWER_SOURCES: dict[str, AnswerSource] = {}
ANSWER_EXPRESSIONS: dict[str, AnswerExpressions] = {}


def register_answer_source(name: str, source: AnswerSource, expressions: AnswerExpressions) -> None:
    if name not in ANSWER_SOURCE_NAMES:
        raise ValueError(f"{name}: the month rollup has no columns for this answer source")
    ANSWER_SOURCES[name] = source
    ANSWER_EXPRESSIONS[name] = expressions


def one_if(condition: Q) -> CaseWhen:
    """1 where `condition` holds, else 0: a figure of an answer source's expressions."""
    return value_if(condition, Value(1))


def value_if(condition: Q, value: Any) -> CaseWhen:
    """`value` (an integer expression) where `condition` holds, else 0."""
    return CaseWhen(When(condition, then=value), default=Value(0), output_field=IntegerField())


def rating_answers(cases: QuerySet[Case]) -> dict[int, Answers]:
    """The consumers' ratings of `cases`, per head office: one GROUP BY."""
    rows = (
        Rating.objects.filter(case__in=cases.values("pk"))
        .order_by()
        .values("case__company_root_id")
        .annotate(
            n=Count("pk"),
            n_solved=Count("pk", filter=Q(solved=True)),
            n_satisfied=Count("pk", filter=Q(satisfaction__gte=SATISFIED_FROM)),
            n_satisfaction_sum=Sum("satisfaction"),
        )
    )
    return {
        r["case__company_root_id"]: Answers(
            r["n"], r["n_solved"], r["n"], r["n_satisfied"], r["n"], r["n_satisfaction_sum"] or 0
        )
        for r in rows
    }


def rating_expressions() -> dict[str, Any]:
    """`rating_answers` of one case, over a Case row."""
    rated = Q(rating__isnull=False)
    return {
        "answers": one_if(rated),
        "solved": one_if(Q(rating__solved=True)),
        "solved_of": one_if(rated),
        "satisfied": one_if(Q(rating__satisfaction__gte=SATISFIED_FROM)),
        "satisfaction_of": one_if(rated),
        "satisfaction_sum": value_if(rated, F("rating__satisfaction")),
    }


register_answer_source("ratings", rating_answers, rating_expressions)


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _rates(responded: int, due: int, by_source: dict[str, Answers]) -> dict[str, Any]:
    total = sum(by_source.values(), Answers())
    return {
        "responded": responded,
        "due": due,
        "response_rate": _pct(responded, due),
        "ratings_answers": 0,
        "callbacks_answers": 0,
        **{f"{name}_answers": a.answers for name, a in by_source.items()},
        "solved": total.solved,
        "solved_of": total.solved_of,
        "resolution_rate": _pct(total.solved, total.solved_of),
        "satisfied": total.satisfied,
        "satisfaction_of": total.satisfaction_of,
        "satisfaction_rate": _pct(total.satisfied, total.satisfaction_of),
    }


RATE_KEYS = ("response_rate", "resolution_rate", "satisfaction_rate")


def three_rates(
    cases: QuerySet[Case],
    *,
    now: datetime | None = None,
    response: dict[int, tuple[int, int]] | None = None,
    answers: dict[str, dict[int, Answers]] | None = None,
) -> dict[int | None, dict[str, Any]]:
    """The three rates of `cases` (already scoped and filtered by the caller) per head office,
    and under the key None for all of them together: one GROUP BY for the response rate, one
    per answer source. A caller that has the response figures already (responded, due) per
    head office — the statistics and the evaluation read them from the rollups,
    cases/rollups.py `tally_sums` + `open_counts` — passes them as `response`: one GROUP BY
    less, and no scan of every case. Likewise `answers`, every source's answers per head office
    (the rollups', `rollups.answers_of_rows`): no query of the sources."""
    from ombud.cases.lifecycle import OPEN

    now = now or timezone.now()
    if response is None:
        in_time = Q(resolved_on_site=True) | Q(decided_at__isnull=False, decided_in_time=True)
        due = (
            Q(resolved_on_site=True)
            | Q(decided_at__isnull=False)
            | Q(status__in=sorted(OPEN), decided_at__isnull=True, due_at__lt=now)
        )
        response = {
            r["company_root_id"]: (r["responded"], r["due"])
            for r in cases.order_by()
            .values("company_root_id")
            .annotate(responded=Count("pk", filter=in_time), due=Count("pk", filter=due))
        }
    if answers is None:
        answers = {name: source(cases) for name, source in ANSWER_SOURCES.items()}
    companies = set(response) | {c for per in answers.values() for c in per}
    out: dict[int | None, dict[str, Any]] = {}
    for company in companies:
        responded, owed = response.get(company, (0, 0))
        out[company] = _rates(responded, owed, {n: per.get(company, Answers()) for n, per in answers.items()})
    out[None] = _rates(
        sum(r for r, _d in response.values()),
        sum(d for _r, d in response.values()),
        {n: sum(per.values(), Answers()) for n, per in answers.items()},
    )
    return out
