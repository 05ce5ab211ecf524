"""Reads of call-backs (回访), always from the regulator's scope (docs/callbacks.md).

Call-backs are the regulator's work: only regulator officers (and admins) see them, each only
in the cities of its jurisdiction, through the case each call-back is about. A company user
gets Forbidden (its figures reach it, if at all, through the published evaluation).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.queries import access_campaign_in_jurisdiction
from ombud.cases.models import Case
from ombud.cases.queries import SATISFIED_FROM, Answers, cases_for, one_if, value_if
from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.oversight.models import CallAttempt, CallBack
from ombud.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from ombud.timebounds import EARLIEST_DAY, LATEST_DAY

ST = CallBack.Status
# Dates a period may name: anything else is a typo (and year 9999 + 1 day would overflow).
EARLIEST, LATEST = EARLIEST_DAY, LATEST_DAY


def callbacks_for(user: User) -> QuerySet[CallBack]:
    """The call-backs of the cases in the user's scope (regulators only)."""
    require_regulator(user)
    return CallBack.objects.filter(scope_for(user).q("case__"))


def access_callback(user: User, callback_id: int, *, for_update: bool = False) -> CallBack:
    """Load a call-back the user may work on: 403 for a non-regulator, 404 outside its scope."""
    qs = callbacks_for(user)
    if for_update:
        # Row lock on PostgreSQL (two officers recording on the same call); SQLite's IMMEDIATE
        # transactions serialise writers anyway.
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related(
            "case", "case__visit", "case__company", "case__company_root", "case__city", "assigned_to"
        ).get(pk=callback_id)
    except CallBack.DoesNotExist:
        raise NotFound(_("No such call-back.")) from None


def attempts_of(callback: CallBack) -> QuerySet[CallAttempt]:
    return callback.attempts.select_related("by").order_by("at", "id")


def period_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """[since 00:00, until+1 00:00) in the time zone of the settings (Asia/Shanghai), the days
    as the regulator reads them."""
    errors = {
        name: _("A date from %(first)s to %(last)s.") % {"first": EARLIEST, "last": LATEST}
        for name, day in (("since", since), ("until", until))
        if day and not EARLIEST <= day <= LATEST
    }
    if errors:
        raise InvalidInput(_("The period is not valid."), fields=errors)
    if since and until and since > until:
        raise InvalidInput(_("The period ends before it starts."), fields={"until": _("on or after the start")})
    start = timezone.make_aware(datetime.combine(since, time.min)) if since else None
    end = timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min)) if until else None
    return start, end


def eligible_cases(
    actor: User, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[Case]:
    """Closed cases in the actor's scope whose consumer left a phone number: closed after a
    decision, not accepted, or resolved on site (those consumers are asked too: was it really
    settled?). `since`/`until` bound the day the case closed."""
    qs = cases_for(actor).filter(status=Case.Status.CLOSED, has_phone=True)  # (the visit's phone, kept on the case)
    if campaign_id:
        qs = qs.filter(visit__campaign_id=campaign_id)
    start, end = period_bounds(since, until)
    if start:
        qs = qs.filter(closed_at__gte=start)
    if end:
        qs = qs.filter(closed_at__lt=end)
    return qs


@dataclass(frozen=True)
class CallBackFilters:
    status: str | None = None
    campaign_id: int | None = None


def filtered(user: User, f: CallBackFilters) -> QuerySet[CallBack]:
    qs = callbacks_for(user)
    if f.status:
        if f.status not in ST.values:
            raise InvalidInput(_("Unknown status."), fields={"status": ", ".join(ST.values)})
        qs = qs.filter(status=f.status)
    if f.campaign_id:
        qs = qs.filter(campaign_id=f.campaign_id)
    return qs


def attempt_count() -> Coalesce:
    """The number of call attempts of a call-back, as a subquery evaluated for the rows a
    page shows only (a GROUP BY over the joined list would read every call-back first)."""
    attempts = CallAttempt.objects.filter(callback=OuterRef("pk")).order_by().values("callback").annotate(n=Count("pk"))
    return Coalesce(Subquery(attempts.values("n")), 0)


def callback_page(user: User, f: CallBackFilters, *, cursor: str | None, limit: int) -> Page:
    """Oldest listed first (the order to call in), keyset-paginated on (created_at, id): one
    query reading the page's rows only, along the `callback_order` index (created_at, id),
    `callback_list` (status, created_at, id) with a status, `callback_campaign` (campaign,
    created_at, id) with a campaign. Rows carry their case, visit (for the masked name and
    phone), company and city, and `attempt_count`."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(_("Bad limit."), fields={"limit": _("between 1 and %d") % MAX_LIMIT})
    qs = filtered(user, f)
    if cursor:
        at, pk = decode_cursor(cursor)
        # The redundant `created_at >= at` is what an index range can start from; the OR alone
        # is a filter on every row before it.
        qs = qs.filter(Q(created_at__gte=at), Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk))
    qs = (
        qs.select_related("case", "case__visit", "case__company_root", "case__city", "assigned_to")
        .annotate(attempt_count=attempt_count())
        .order_by("created_at", "pk")
    )
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].pk) if more and rows else None
    return Page(items=rows, next_cursor=next_cursor)


def status_counts(user: User, f: CallBackFilters) -> dict[str, int]:
    """How many call-backs of the (campaign-)filtered list are in each status: one query."""
    qs = filtered(user, CallBackFilters(campaign_id=f.campaign_id))
    counts = qs.aggregate(**{s: Count("id", filter=Q(status=s)) for s in ST.values})
    return {s: counts[s] or 0 for s in ST.values}


# ---- the report ---------------------------------------------------------------------------------

COUNT_KEYS = ("listed", "pending", "reached", "unreachable", "answered", "refused", "solved", "satisfied")
RATE_KEYS = ("reach_rate", "solved_rate", "mean_satisfaction", "satisfied_rate")


def _aggregates() -> dict:
    reached = Q(status=ST.REACHED)
    return {
        "listed": Count("id"),
        "pending": Count("id", filter=Q(status=ST.PENDING)),
        "reached": Count("id", filter=reached),
        "unreachable": Count("id", filter=Q(status=ST.UNREACHABLE)),
        "answered": Count("id", filter=reached & Q(satisfaction__isnull=False)),
        "solved": Count("id", filter=reached & Q(solved=True)),
        "satisfied": Count("id", filter=reached & Q(satisfaction__gte=4)),
        "satisfaction_sum": Sum("satisfaction", filter=reached),
    }


def _ratio(num: int, den: int, places: int = 4) -> float | None:
    return round(num / den, places) if den else None


def _figures(row: dict) -> dict:
    counts = {k: int(row.get(k) or 0) for k in ("listed", "pending", "reached", "unreachable", "answered", "solved")}
    counts["satisfied"] = int(row.get("satisfied") or 0)
    counts["refused"] = counts["reached"] - counts["answered"]
    total = int(row.get("satisfaction_sum") or 0)
    completed = counts["reached"] + counts["unreachable"]
    return {
        **counts,
        "satisfaction_sum": total,
        "reach_rate": _ratio(counts["reached"], completed),
        "solved_rate": _ratio(counts["solved"], counts["answered"]),
        "mean_satisfaction": _ratio(total, counts["answered"], 2),
        "satisfied_rate": _ratio(counts["satisfied"], counts["answered"]),
    }


def report_queryset(
    user: User, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[CallBack]:
    qs = callbacks_for(user)
    if campaign_id:
        access_campaign_in_jurisdiction(user, campaign_id)
        qs = qs.filter(campaign_id=campaign_id)
    start, end = period_bounds(since, until)
    if start:
        qs = qs.filter(case__closed_at__gte=start)
    if end:
        qs = qs.filter(case__closed_at__lt=end)
    return qs


def callback_report(
    user: User, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> dict:
    """Call-back figures per company (head office) and per city, in the user's scope.

    Filters: the call-backs listed for a campaign, and/or of cases closed in [since, until]
    (Asia/Shanghai days). Two SQL aggregates (GROUP BY company, GROUP BY city); the totals are
    their sums. Returns::

        {"totals": F,
         "by_company": {company_root_id: {"name": str, **F}},
         "by_city": {city_code or "": {"name": str, **F}}}

    where F holds counts — listed, pending, reached, unreachable, answered (reached and took
    the survey), refused (reached, declined the survey), solved (answered yes), satisfied
    (satisfaction 4 or 5), satisfaction_sum — and rates, each None when its denominator is 0:
    reach_rate = reached / (reached + unreachable) (pending calls are not counted yet);
    solved_rate = solved / answered; mean_satisfaction = satisfaction_sum / answered (2
    places); satisfied_rate = satisfied / answered. Rates are floats in [0, 1], 4 places.
    """
    qs = report_queryset(user, campaign_id=campaign_id, since=since, until=until)
    by_company: dict[int, dict] = {}
    rows = qs.values("case__company_root_id", "case__company_root__name", "case__company_root__short_name")
    for row in rows.annotate(**_aggregates()).order_by("case__company_root_id"):
        name = row["case__company_root__short_name"] or row["case__company_root__name"]
        by_company[row["case__company_root_id"]] = {"name": name, **_figures(row)}
    by_city: dict[str, dict] = {}
    for row in qs.values("case__city_id", "case__city__name").annotate(**_aggregates()).order_by("case__city_id"):
        by_city[row["case__city_id"] or ""] = {"name": row["case__city__name"] or _("no city"), **_figures(row)}
    sums = {k: sum(f[k] for f in by_company.values()) for k in (*COUNT_KEYS, "satisfaction_sum")}
    return {"totals": _figures(sums), "by_company": by_company, "by_city": by_city}


def callback_expressions() -> dict[str, Any]:
    """`callback_answers` of one case, over a Case row (its call-back, if reached)."""
    reached = Q(callback__status=ST.REACHED)
    return {
        "answers": one_if(reached),
        "solved": one_if(reached & Q(callback__solved=True)),
        "solved_of": one_if(reached & Q(callback__solved__isnull=False)),
        "satisfied": one_if(reached & Q(callback__satisfaction__gte=SATISFIED_FROM)),
        "satisfaction_of": one_if(reached & Q(callback__satisfaction__isnull=False)),
        "satisfaction_sum": value_if(reached & Q(callback__satisfaction__isnull=False), F("callback__satisfaction")),
    }


def callback_answers(cases: QuerySet[Case]) -> dict[int, Answers]:
    """The reached call-backs of `cases`, per head office, as answers to the three rates
    (cases/queries.py `three_rates`; registered in OversightConfig.ready): one GROUP BY."""
    rows = (
        CallBack.objects.filter(case__in=cases.values("pk"), status=ST.REACHED)
        .order_by()
        .values("case__company_root_id")
        .annotate(
            n=Count("pk"),
            n_solved=Count("pk", filter=Q(solved=True)),
            n_solved_of=Count("pk", filter=Q(solved__isnull=False)),
            n_satisfied=Count("pk", filter=Q(satisfaction__gte=SATISFIED_FROM)),
            n_satisfaction_of=Count("pk", filter=Q(satisfaction__isnull=False)),
            n_satisfaction_sum=Sum("satisfaction"),
        )
    )
    # (n_*: an annotation named like a field, "solved", would shadow it inside the filters)
    return {
        r["case__company_root_id"]: Answers(
            r["n"],
            r["n_solved"],
            r["n_solved_of"],
            r["n_satisfied"],
            r["n_satisfaction_of"],
            r["n_satisfaction_sum"] or 0,
        )
        for r in rows
    }
