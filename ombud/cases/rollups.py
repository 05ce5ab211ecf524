"""The rollups: what the statistics count, kept exact in the transaction of each change.

Five tables (cases/models.py). `CaseTally` counts the cases per tuple — opening day (Asia/
Shanghai) × head office × handling organisation × city × supervising bureau × site × campaign
× category × product line × channel × status × handler × resolved on site × decided ×
decided in time × went to review × went to mediation — with the three rates' answers of those
cases beside the count, and `DecisionTally` counts the decided
cases per opening day × head office × city × bureau × site × campaign × time to decision in
hundredths of a day (the histogram the medians are read from). Coarser ones serve long
periods: `CaseMonthTally` sums the figures the readers need (opened, decided, in time, review,
mediation, the three rates' response figures and every answer source's answers) per opening
month × head office × city × bureau × site × campaign, 14 times fewer rows than `CaseTally`;
`DecisionTenths` and `DecisionDays` count the decided cases of all time per tenth of a day to
decision and per ten tenths, with the same columns: the medians' first passes, 7 and 28 times
fewer rows than `DecisionTally`. The scoping columns are the ones
`directory.access.Scope` filters on, so `scope.filter(CaseTally.objects…)` shows a reader
exactly the counts of the cases `cases_for(user)` shows them.

Every change of a counted attribute calls `move(before, after)` once, inside its transaction,
with the case's `place_of` before and after the change: opening a case (intake's CaseOpening
hook, `services.open_case_for_visit`), every lifecycle action (`take_action`), every consumer
action (`take_consumer_action`), a category set after opening (`services.set_category`). The
backlog import and the demo go through those services. An answer that changes without a
case action (a call-back reached: oversight's `record_attempt`) moves the case the same way. A
write that bypasses them (a bulk SQL load, a hand-made UPDATE) leaves the rollups stale until
`ombud rebuild-rollups`.

How a count moves (docs/statistics.md "Rollups"): one statement per tuple,
``INSERT … VALUES (…, ±1) ON CONFLICT (tuple) DO UPDATE SET n = n + excluded.n RETURNING id, n``
— atomic on both databases, so two transactions adding to the same tuple never lose one (on
PostgreSQL the second waits for the first's row lock, or for its uncommitted insert, then
adds to the committed row); a tuple that reaches 0 is deleted in the same transaction. The
tallies add their other figures the same way (`SET opened = opened + excluded.opened, …`).
A move touches its tuples in one fixed order (table by table, sorted), so two moves in opposite
directions cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import (
    BooleanField,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models import Case as CaseWhen
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from ombud.cases import lifecycle
from ombud.cases.models import (
    ANSWER_COLUMNS,
    ANSWER_FIGURES,
    ANSWER_SOURCE_NAMES,
    DAYS_TUPLE,
    DECISION_TUPLE,
    MONTH_SUMS,
    MONTH_TUPLE,
    TALLY_TUPLE,
    TENTHS_TUPLE,
    Case,
    CaseMonthTally,
    CaseTally,
    DecisionDays,
    DecisionTally,
    DecisionTenths,
)
from ombud.cases.queries import ANSWER_EXPRESSIONS, Answers, one_if
from ombud.directory.access import Scope, scope_for
from ombud.directory.models import User

# A bucket of the decision histogram: a hundredth of a day. The shown median has one decimal;
# why a hundredth keeps it equal to the exact median's is in docs/statistics.md.
BUCKET = timedelta(seconds=864)
BUCKET_MICROSECONDS = 864_000_000


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


# ---- where a case counts ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """The tuples one case counts in: its CaseTally tuple, and its DecisionTally tuple when
    decided (values in the order of TALLY_TUPLE / DECISION_TUPLE, ids for the foreign keys);
    its CaseMonthTally tuple and what it adds there (MONTH_TUPLE, MONTH_SUMS), and its
    DecisionTenths and DecisionDays tuples when decided (TENTHS_TUPLE, DAYS_TUPLE)."""

    tally: tuple
    decision: tuple | None
    month: tuple
    sums: tuple[int, ...]
    tenths: tuple | None
    days: tuple | None


# What a case without a rating or a call-back adds to the answer columns of its month.
NO_ANSWERS: tuple[int, ...] = (0,) * (len(ANSWER_SOURCE_NAMES) * len(ANSWER_FIGURES))


def _answer_expressions() -> dict[str, Any]:
    """Every answer source's figures of a case, named as the month tally's columns."""
    out: dict[str, Any] = {}
    for source in ANSWER_SOURCE_NAMES:
        expressions = ANSWER_EXPRESSIONS[source]() if source in ANSWER_EXPRESSIONS else {}
        for figure in ANSWER_FIGURES:
            out[f"{source}_{figure}"] = expressions.get(figure, Value(0))
    return out


def answers_of(case: Case) -> tuple[int, ...]:
    """The answer figures of one saved case now (the month tally's answer columns, in order):
    one query on the case's rating and call-back."""
    expressions = _answer_expressions()
    row = Case._base_manager.filter(pk=case.pk).values(**expressions).first()
    return tuple(int(row[name] or 0) for name in expressions) if row else NO_ANSWERS


def place_of(case: Case, *, answers: tuple[int, ...] | None = None) -> Place:
    """Where `case` counts now. Reads `case.visit` (campaign, product line, channel: fixed
    when the visit is recorded): load it with the case (`select_related("visit")`). The
    answers of its rating and call-back are read from the database (`answers_of`) unless
    given (`NO_ANSWERS` for a case just opened)."""
    visit = case.visit
    day = timezone.localtime(case.opened_at, _zone()).date()
    where = (case.city_id, case.bureau_id, case.site_id, visit.campaign_id)  # what scopes and filters read
    decided = case.decided_at is not None
    in_time = decided and case.decided_in_time is True
    tally = (
        day,
        case.company_root_id,
        case.company_id,
        *where,
        case.category,
        visit.product_line_id,
        visit.channel,
        case.status,
        case.handled_by,
        case.resolved_on_site,
        decided,
        case.decided_in_time is True,
        case.had_review,
        case.had_mediation,
    )
    decision = tenths = days = None
    if case.decided_at is not None:
        hundredths = (case.decided_at - case.opened_at) // BUCKET
        decision = (day, case.company_root_id, *where, hundredths)
        tenth = tenth_of(hundredths)
        tenths, days = (case.company_root_id, *where, tenth), (case.company_root_id, *where, tenth // 10)
    sums = (
        1,
        int(decided),
        int(in_time),
        int(case.had_review),
        int(case.had_mediation),
        int(case.resolved_on_site or in_time),
        int(case.resolved_on_site or decided),
        *(answers_of(case) if answers is None else answers),
    )
    return Place(tally, decision, (day.replace(day=1), case.company_root_id, *where), sums, tenths, days)


def tenth_of(hundredths: int) -> int:
    """The tenth of a day a time of `hundredths` (rounded down) rounds to, half up: the tenth
    t with 10·t − 5 ≤ hundredths ≤ 10·t + 4."""
    return (hundredths + 5) // 10


ROLLUP_MODELS: tuple[type[Model], ...] = (CaseTally, DecisionTally, CaseMonthTally, DecisionTenths, DecisionDays)


def _entries(place: Place) -> list[tuple[type[Model], tuple | None, tuple[int, ...]]]:
    """(rollup, tuple, what the case adds to its counted columns) for each rollup."""
    answers = place.sums[len(place.sums) - len(ANSWER_COLUMNS) :]
    return [
        (CaseTally, place.tally, (1, *answers)),
        (DecisionTally, place.decision, (1,)),
        (CaseMonthTally, place.month, place.sums),
        (DecisionTenths, place.tenths, (1,)),
        (DecisionDays, place.days, (1,)),
    ]


def move(before: Place | None, after: Place | None) -> None:
    """Move one case from the tuples of `before` to those of `after` (None: it did not count /
    no longer counts): in each rollup, what it added before taken away from its old tuple and
    what it adds now added to its new one, one statement where they are the same tuple and
    nothing where nothing changes. Call it inside the transaction of the change, after the
    change is saved."""
    assert transaction.get_connection().in_atomic_block, "call inside the change's transaction"
    if before == after:
        return
    moves: dict[type[Model], dict[tuple, list[int]]] = {}
    for place, sign in ((before, -1), (after, 1)):
        if place is None:
            continue
        for model, key, vector in _entries(place):
            if key is not None:
                row = moves.setdefault(model, {}).setdefault(key, [0] * len(vector))
                for i, value in enumerate(vector):
                    row[i] += sign * value
    # One order for every transaction (table by table, tuples sorted): opposite moves never
    # wait for each other's rows.
    for model in ROLLUP_MODELS:
        for key, deltas in sorted(moves.get(model, {}).items(), key=lambda item: repr(item[0])):
            if any(deltas):
                _add(model, key, deltas)


# ---- reading ------------------------------------------------------------------------------------


def tallies_for(user: User, scope: Scope | None = None) -> QuerySet[CaseTally]:
    """The case tallies of the cases `user` may see (`cases.queries.cases_for`'s scope, on the
    same columns). A reader that needs the scope more than once passes it (`scope_for` costs
    queries for a bureau's jurisdiction)."""
    return (scope or scope_for(user)).filter(CaseTally.objects.all())


def decisions_for(user: User, scope: Scope | None = None) -> QuerySet[DecisionTally]:
    """The decision histogram of the decided cases `user` may see."""
    return (scope or scope_for(user)).filter(DecisionTally.objects.all())


def month_tallies_for(user: User, scope: Scope | None = None) -> QuerySet[CaseMonthTally]:
    """The month tallies of the cases `user` may see."""
    return (scope or scope_for(user)).filter(CaseMonthTally.objects.all())


@dataclass(frozen=True)
class Histograms:
    """The all-time histograms of one reader's decided cases (scoped and filtered alike)."""

    tenths: QuerySet[DecisionTenths]
    days: QuerySet[DecisionDays]

    def filter(self, **lookups: Any) -> Histograms:
        return Histograms(self.tenths.filter(**lookups), self.days.filter(**lookups))


def histograms_for(user: User, scope: Scope | None = None) -> Histograms:
    """The all-time histograms (tenths, ten tenths) of the decided cases `user` may see."""
    scope = scope or scope_for(user)
    return Histograms(scope.filter(DecisionTenths.objects.all()), scope.filter(DecisionDays.objects.all()))


@dataclass(frozen=True)
class PeriodParts:
    """A period of opening days [since, until] (None: open on that side) cut into the whole
    months in it, read from `CaseMonthTally` (`months`: the first day of the first one and of
    the month after the last one, None for open; None when there is no whole month), and the
    days at its ends outside them, read from `CaseTally` (`days`: inclusive ranges)."""

    months: tuple[date | None, date | None] | None
    days: tuple[tuple[date | None, date | None], ...]

    def of_months(self, qs: QuerySet[CaseMonthTally]) -> QuerySet[CaseMonthTally]:
        if self.months is None:
            return qs.none()
        first, after = self.months
        if first is not None:
            qs = qs.filter(month__gte=first)
        if after is not None:
            qs = qs.filter(month__lt=after)
        return qs

    def of_days(self, qs: QuerySet) -> QuerySet:
        """The rows of a day rollup (`CaseTally`, `DecisionTally`) on the days at the ends."""
        if not self.days:
            return qs.none()
        q = Q()
        for low, high in self.days:
            part = Q()
            if low:
                part &= Q(day__gte=low)
            if high:
                part &= Q(day__lte=high)
            q |= part
        return qs.filter(q)


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_period(since: date | None, until: date | None) -> PeriodParts:
    """`PeriodParts` of [since, until] (Beijing dates, both included; since ≤ until)."""
    first = since if since is None or since.day == 1 else _month_after(since)
    after = (
        None
        if until is None
        else (until + timedelta(days=1) if (until + timedelta(days=1)).day == 1 else until.replace(day=1))
    )
    if first is not None and after is not None and first >= after:
        return PeriodParts(None, ((since, until),))
    days = []
    if since is not None and first is not None and since < first:
        days.append((since, first - timedelta(days=1)))
    if until is not None and after is not None and after <= until:
        days.append((after, until))
    return PeriodParts((first, after), tuple(days))


def month_sums() -> dict[str, Sum]:
    """`tally_sums`, over `CaseMonthTally`."""
    return {
        name: Sum(name)
        for name in ("opened", "decisions", "decisions_in_time", "reviews", "mediations", "responded", "owed")
    }


def answer_sums() -> dict[str, Sum]:
    """The answer columns summed (`a_<column>`), over either tally: what `answers_of_rows`
    reads."""
    return {f"a_{c}": Sum(c) for c in ANSWER_COLUMNS}


def answers_of_rows(rows: Iterable[dict]) -> dict[str, dict[int, Answers]]:
    """Every answer source's answers per head office from rows carrying `company_root_id` and
    `answer_sums()` (several rows of one head office are added)."""
    out: dict[str, dict[int, Answers]] = {source: {} for source in ANSWER_SOURCE_NAMES}
    for row in rows:
        for source in ANSWER_SOURCE_NAMES:
            found = Answers(*(int(row.get(f"a_{source}_{figure}") or 0) for figure in ANSWER_FIGURES))
            if found != Answers():
                into = out[source]
                into[row["company_root_id"]] = into.get(row["company_root_id"], Answers()) + found
    return out


def answers_in(tallies: QuerySet) -> dict[str, dict[int, Answers]]:
    """Every answer source's answers per head office, summed over the tallies given (month or
    day tallies): what the sources (cases.queries.ANSWER_SOURCES) count over the same cases.
    One GROUP BY."""
    return answers_of_rows(tallies.order_by().values("company_root_id").annotate(**answer_sums()))


def opened_between(qs: QuerySet, since: date | None, until: date | None) -> QuerySet:
    """Rollup rows of the cases opened in [since, until], Beijing dates, both included."""
    if since:
        qs = qs.filter(day__gte=since)
    if until:
        qs = qs.filter(day__lte=until)
    return qs


# What the readers sum over the tallies. `responded` and `owed` are the three rates' response
# figures (cases.queries.three_rates) that do not depend on now: answered within the deadline
# (resolved on site, or decided in time) and had to be answered (resolved on site, or decided);
# the open cases past their due date undecided, the rest of `owed`, are in `open_counts`.
# (Named apart from the tally's fields: an annotation named like a field would shadow it in
# the filters that follow.)
def tally_sums() -> dict[str, Sum]:
    return {
        "opened": Sum("n"),
        "decisions": Sum("n", filter=Q(decided=True)),
        "decisions_in_time": Sum("n", filter=Q(decided=True, decided_in_time=True)),
        "reviews": Sum("n", filter=Q(had_review=True)),
        "mediations": Sum("n", filter=Q(had_mediation=True)),
        "responded": Sum("n", filter=Q(resolved_on_site=True) | Q(decided=True, decided_in_time=True)),
        "owed": Sum("n", filter=Q(resolved_on_site=True) | Q(decided=True)),
    }


def open_cases(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The open ones of `cases` (lifecycle.OPEN): what depends on now is read from them, not
    from a rollup — the partial index of open cases by (company_root, due_at) serves it."""
    return cases.filter(status__in=sorted(lifecycle.OPEN))


def open_counts(now: datetime) -> dict[str, Count]:
    """Over `open_cases`: open, overdue (due before now), and overdue undecided (the three
    rates' `owed` beyond the tallies' part: not resolved on site either)."""
    return {
        "open": Count("pk"),
        "overdue": Count("pk", filter=Q(due_at__lt=now)),
        # (not resolved on site: a reopened one is in `owed` already)
        "owed_overdue": Count("pk", filter=Q(decided_at__isnull=True, resolved_on_site=False, due_at__lt=now)),
    }


# The three groupings `medians` answers for: everything, per head office, per city.
ALL, COMPANY, CITY = "all", "company", "city"


def medians(decisions: QuerySet[DecisionTally], histograms: Histograms | None = None) -> dict[tuple[str, Any], float]:
    """Median days to decision of the histogram rows given (already scoped and filtered), in
    total (key `(ALL, None)`), per head office (`(COMPANY, id)`) and per city (`(CITY, code)`,
    None for cases without a city): one query, whatever the number of rows.

    The median is the middle value of the hundredths, the mean of the middle two for an even
    count, each bucket counted at its lower edge, then rounded half up to one decimal of a
    day: with buckets of 0.01 day no bucket straddles a rounding boundary (x.x5 is an edge),
    so the shown median equals the exact median's rounding (docs/statistics.md "Medians").

    In three passes inside the one statement, each reading few rows: the ten tenths ("day")
    each middle value lies in and how many cases took less; the tenth it rounds to, from the
    tenths of those days only; where the two middle values round to the same tenth that tenth
    is the median, and where they fall in two tenths (an even count only) the largest
    hundredth of the lower and the smallest of the upper one, read from `decisions` (its
    index on `hundredths`), give it as above. The first two passes read `histograms`, the
    all-time `DecisionDays` / `DecisionTenths` of the same cases, when given (a reader of all
    time), else `decisions` grouped the same way."""
    fine = decisions.order_by().values("company_root_id", "city_id", "hundredths", "n")
    place = ("company_root_id", "city_id")
    if histograms is not None:
        days = histograms.days.order_by().values(*place, bin=F("days"), m=F("n"))
        tenths = histograms.tenths.order_by().values(*place, bin=F("tenth"), m=F("n"))
        tenths_of_day = "t.bin >= 10 * days.d AND t.bin < 10 * days.d + 10"
    else:
        h = F("hundredths")
        days = decisions.order_by().values(*place, bin=_FloorDiv(h + 5, 100), m=F("n"))
        tenths = decisions.order_by().values(*place, bin=_FloorDiv(h + 5, 10), m=F("n"), h=h)
        tenths_of_day = "t.h >= 100 * days.d - 5 AND t.h < 100 * days.d + 95"  # on its index
    try:
        days_sql, days_params = days.query.sql_with_params()
        tenths_sql, tenths_params = tenths.query.sql_with_params()
        fine_sql, fine_params = fine.query.sql_with_params()
    except EmptyResultSet:  # a scope that sees nothing
        return {}
    # `a` is read twice; PostgreSQL would store it first (materialize) unless told not to.
    inline = "NOT MATERIALIZED" if connection.vendor == "postgresql" else ""
    of_group = "(r.k = 0 OR (r.k = 1 AND d.company_root_id = r.gc) OR (r.k = 2 AND COALESCE(d.city_id, '') = r.gy))"

    def edge(aggregate: str, tenth: str) -> str:
        return (
            f"(SELECT {aggregate}(d.hundredths) FROM ({fine_sql}) d"  # noqa: S608 (Django's query; values are parameters)
            f" WHERE d.hundredths BETWEEN 10 * r.{tenth} - 5 AND 10 * r.{tenth} + 4 AND {of_group})"
        )

    def expanded(rows: str, columns: str) -> str:
        """Each row of `rows` once for all (k 0), its head office (1) and its city (2)."""
        return f"""
            SELECT 0 AS k, 0 AS gc, '' AS gy, {columns} FROM {rows}
            UNION ALL
            SELECT 1, company_root_id, '', {columns} FROM {rows}
            UNION ALL
            SELECT 2, 0, COALESCE(city_id, ''), {columns} FROM {rows}"""  # noqa: S608 (our names)

    # A group: k = 0 all, 1 a head office (gc), 2 a city (gy, '' for none). Ranks are 1-based:
    # the lower middle is the first value where 2·cum ≥ total, the upper the first where
    # 2·cum > total (the same one for an odd total); `below`, the cases in earlier days.
    query = f"""
        WITH a AS {inline} ({days_sql}),
        hc AS (SELECT company_root_id, bin, SUM(m) AS m FROM a GROUP BY company_root_id, bin),
        hs AS (
            SELECT 0 AS k, 0 AS gc, '' AS gy, bin, SUM(m) AS m FROM hc GROUP BY bin
            UNION ALL
            SELECT 1, company_root_id, '', bin, m FROM hc
            UNION ALL
            SELECT 2, 0, COALESCE(city_id, ''), bin, SUM(m) FROM a GROUP BY COALESCE(city_id, ''), bin
        ),
        c AS (
            SELECT k, gc, gy, bin, m,
                   SUM(m) OVER (PARTITION BY k, gc, gy ORDER BY bin) AS cum,
                   SUM(m) OVER (PARTITION BY k, gc, gy) AS total
              FROM hs
        ),
        mid AS (
            SELECT k, gc, gy, MAX(total) AS total,
                   MIN(CASE WHEN 2 * cum >= total THEN bin END) AS d1,
                   MIN(CASE WHEN 2 * cum >= total THEN cum - m END) AS below1,
                   MIN(CASE WHEN 2 * cum > total THEN bin END) AS d2,
                   MIN(CASE WHEN 2 * cum > total THEN cum - m END) AS below2
              FROM c GROUP BY k, gc, gy
        ),
        days AS (SELECT d1 AS d FROM mid UNION SELECT d2 FROM mid),
        tt AS (
            SELECT t.company_root_id, t.city_id, t.bin, t.m, days.d
              FROM days JOIN ({tenths_sql}) t ON {tenths_of_day}
        ),
        e AS ({expanded("tt", "d, bin, m")}),
        f AS (
            SELECT e.k, e.gc, e.gy, e.d, e.bin, SUM(e.m) AS m, MIN(mid.total) AS total,
                   MIN(CASE WHEN e.d = mid.d1 THEN mid.below1 ELSE mid.below2 END) AS below,
                   MAX(CASE WHEN e.d = mid.d1 THEN 1 ELSE 0 END) AS lower_day,
                   MAX(CASE WHEN e.d = mid.d2 THEN 1 ELSE 0 END) AS upper_day
              FROM e JOIN mid ON mid.k = e.k AND mid.gc = e.gc AND mid.gy = e.gy AND (e.d = mid.d1 OR e.d = mid.d2)
             GROUP BY e.k, e.gc, e.gy, e.d, e.bin
        ),
        g AS (
            SELECT k, gc, gy, bin, total, lower_day, upper_day,
                   below + SUM(m) OVER (PARTITION BY k, gc, gy, d ORDER BY bin) AS cum
              FROM f
        ),
        r AS (
            SELECT k, gc, gy,
                   MIN(CASE WHEN lower_day = 1 AND 2 * cum >= total THEN bin END) AS t1,
                   MIN(CASE WHEN upper_day = 1 AND 2 * cum > total THEN bin END) AS t2
              FROM g GROUP BY k, gc, gy
        )
        SELECT k, gc, gy, t1, t2,
               CASE WHEN t1 <> t2 THEN {edge("MAX", "t1")} END,
               CASE WHEN t1 <> t2 THEN {edge("MIN", "t2")} END
          FROM r
    """  # noqa: S608 (the inner queries are Django's, their values are parameters)
    out: dict[tuple[str, Any], float] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, [*days_params, *tenths_params, *fine_params, *fine_params])
        for k, gc, gy, t1, t2, low, high in cursor.fetchall():
            key = (ALL, None) if k == 0 else (COMPANY, gc) if k == 1 else (CITY, gy or None)
            out[key] = int(t1) / 10 if t1 == t2 else median_days(int(low), int(high))
    return out


def median_days(low: int, high: int) -> float:
    """The median of two middle buckets (hundredths of a day) in days, rounded half up to one
    decimal: floor((low + high) / 200 · 10 + 1/2) tenths, in integers (a tie goes toward +∞,
    also for a negative time, so that no bucket straddles a rounding boundary)."""
    return ((low + high + 10) // 20) / 10


# ---- the SQL of a step -------------------------------------------------------------------------


_TUPLES = {
    "casetally": TALLY_TUPLE,
    "decisiontally": DECISION_TUPLE,
    "casemonthtally": MONTH_TUPLE,
    "decisiontenths": TENTHS_TUPLE,
    "decisiondays": DAYS_TUPLE,
}


def _names(model: type[Model]) -> tuple[str, ...]:
    """The tuple members of a rollup model (the current one, or a migration's historical one)."""
    return _TUPLES[str(model._meta.model_name)]


def _counted(model: type[Model]) -> tuple[str, ...]:
    """The columns a rollup model counts in: `n` (and the case tally's answers), or the month
    tally's figures."""
    name = model._meta.model_name
    if name == "casemonthtally":
        return MONTH_SUMS
    if name == "casetally":  # (a migration's historical model before the answers: `n` alone)
        has = {f.name for f in model._meta.get_fields()}
        return ("n", *(c for c in ANSWER_COLUMNS if c in has))
    return ("n",)


def _columns(model: type[Model]) -> list[tuple[str, Any]]:
    """(column, field) of each tuple member of a rollup model, in tuple order."""
    fields: list[Any] = [model._meta.get_field(name) for name in _names(model)]
    return [(f.column, f) for f in fields]


def _conflict_target(model: type[Model]) -> str:
    """The tuple's unique index, spelt as cases/models.py `_key` declares it."""
    qn = connection.ops.quote_name
    parts = []
    for column, field in _columns(model):
        if field.null:
            blank = "''" if field.target_field.get_internal_type() == "CharField" else "0"
            parts.append(f"COALESCE({qn(column)}, {blank})")
        else:
            parts.append(qn(column))
    return ", ".join(parts)


def _adapt(field: Any, value: Any) -> Any:
    if value is None:
        return None
    if field.get_internal_type() == "DateField":
        return connection.ops.adapt_datefield_value(value)
    return value


_SQL: dict[tuple[str, type[Model]], str] = {}


def _upsert_sql(model: type[Model]) -> str:
    key = (connection.vendor, model)
    if key not in _SQL:
        qn = connection.ops.quote_name
        table = qn(model._meta.db_table)
        columns = [qn(c) for c, _f in _columns(model)]
        counted = [qn(c) for c in _counted(model)]
        # Names from the model's meta; every value is a parameter. The first counted column
        # (`n`, the month's `opened`) is 0 exactly when no case counts in the tuple any more.
        _SQL[key] = (
            f"INSERT INTO {table} ({', '.join(columns + counted)}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * (len(columns) + len(counted)))}) "
            f"ON CONFLICT ({_conflict_target(model)}) "
            f"DO UPDATE SET {', '.join(f'{c} = {table}.{c} + excluded.{c}' for c in counted)} "
            f"RETURNING {qn('id')}, {counted[0]}"
        )
    return _SQL[key]


def _add(model: type[Model], key: tuple, deltas: list[int]) -> None:
    params = [_adapt(field, value) for (_c, field), value in zip(_columns(model), key, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(model), [*params, *deltas])
        row_id, n = cursor.fetchone()
        if n == 0:
            # Nobody else can have added to it meanwhile: this transaction holds the row's lock
            # since its UPDATE. A later +1 on the tuple inserts it afresh.
            qn = connection.ops.quote_name
            table, first = qn(model._meta.db_table), qn(_counted(model)[0])
            cursor.execute(f'DELETE FROM {table} WHERE "id" = %s AND {first} = 0', [row_id])  # noqa: S608 (the model's table)


# ---- the aggregate over the raw rows: the rebuild and the check ----------------------------------


class _Hundredths(Func):
    """floor((decided_at − opened_at) / 864 s): the bucket `place_of` computes, in SQL."""

    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])  # an interval
        return f"FLOOR(EXTRACT(EPOCH FROM ({sql})) / 864)::integer", list(params)

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list]:
        # Django's SQLite subtraction of two datetimes gives integer microseconds; a floored
        # integer division (SQLite's `/` and `%` truncate toward zero).
        sql, params = compiler.compile(self.source_expressions[0])
        b = BUCKET_MICROSECONDS
        return f"(({sql}) - ((({sql}) %% {b}) + {b}) %% {b}) / {b}", [*params, *params]


class _FloorDiv(Func):
    """floor(x / k) of an integer x and a positive integer k, also below zero (PostgreSQL's
    and SQLite's `/` and `%` truncate toward zero)."""

    output_field = IntegerField()

    def __init__(self, expression: Any, divisor: int) -> None:
        super().__init__(expression)
        self.divisor = int(divisor)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> tuple[str, list]:
        sql, params = compiler.compile(self.source_expressions[0])
        k = self.divisor
        return f"(({sql}) - ((({sql}) %% {k}) + {k}) %% {k}) / {k}", [*params, *params]


def _flag(q: Q) -> CaseWhen:
    return CaseWhen(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def _place_expressions() -> dict[str, Any]:
    """`place_of` in SQL: the expression of every tuple member over a Case row."""
    day = TruncDate("opened_at", tzinfo=_zone())
    to_decision = ExpressionWrapper(F("decided_at") - F("opened_at"), output_field=DurationField())
    return {
        "day": day,
        "company_root": F("company_root_id"),
        "company": F("company_id"),
        "city": F("city_id"),
        "bureau": F("bureau_id"),
        "site": F("site_id"),
        "campaign": F("visit__campaign_id"),
        "category": F("category"),
        "product_line": F("visit__product_line_id"),
        "channel": F("visit__channel"),
        "status": F("status"),
        "handled_by": F("handled_by"),
        "resolved_on_site": F("resolved_on_site"),
        "decided": _flag(Q(decided_at__isnull=False)),
        "decided_in_time": _flag(Q(decided_in_time=True)),
        "had_review": F("had_review"),
        "had_mediation": F("had_mediation"),
        "hundredths": _Hundredths(to_decision),
        "month": TruncMonth("opened_at", tzinfo=_zone(), output_field=DateField()),
        "tenth": _FloorDiv(_Hundredths(to_decision) + 5, 10),
        "days": _FloorDiv(_Hundredths(to_decision) + 5, 100),
    }


def _sum_expressions() -> dict[str, Any]:
    """What `place_of` adds to a case's month (MONTH_SUMS), in SQL over a Case row."""
    decided = Q(decided_at__isnull=False)
    in_time = decided & Q(decided_in_time=True)
    figures = {
        "opened": Value(1),
        "decisions": one_if(decided),
        "decisions_in_time": one_if(in_time),
        "reviews": one_if(Q(had_review=True)),
        "mediations": one_if(Q(had_mediation=True)),
        "responded": one_if(Q(resolved_on_site=True) | in_time),
        "owed": one_if(Q(resolved_on_site=True) | decided),
        **_answer_expressions(),
    }
    return {name: figures[name] for name in MONTH_SUMS}


def fresh(model: type[Model], cases: QuerySet) -> QuerySet:
    """The rows `model` should hold, aggregated from `cases` (all of them: `Case.objects`):
    one GROUP BY, values named `t_<member>` in tuple order, then `s_<counted column>`."""
    names = _names(model)
    expressions = _place_expressions()
    qs = cases.order_by()
    if names in (DECISION_TUPLE, TENTHS_TUPLE, DAYS_TUPLE):
        qs = qs.filter(decided_at__isnull=False)
    qs = qs.values(**{f"t_{name}": expressions[name] for name in names})
    if names is MONTH_TUPLE:
        return qs.annotate(**{f"s_{name}": Sum(e) for name, e in _sum_expressions().items()})
    if names is TALLY_TUPLE:
        answers = _answer_expressions()
        counted = _counted(model)[1:]
        return qs.annotate(s_n=Count("id"), **{f"s_{name}": Sum(answers[name]) for name in counted})
    return qs.annotate(s_n=Count("id"))


def _insert_select(model: type[Model], cases: QuerySet) -> int:
    # In tuple order, so that the rows of one day (or month, or head office) lie together on
    # disk: a period's ends read a few pages, not one row per page.
    qs = fresh(model, cases).order_by(*(f"t_{name}" for name in _names(model)))
    query = qs.query
    order = [*query.values_select, *query.annotation_select]  # the SELECT's order (Django's own)
    by_name = {f"t_{name}": column for name, (column, _f) in zip(_names(model), _columns(model), strict=True)}
    by_name.update({f"s_{name}": model._meta.get_field(name).column for name in _counted(model)})  # type: ignore[union-attr, misc]
    qn = connection.ops.quote_name
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(by_name[name]) for name in order)}) {sql}",
            params,
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Rebuilt:
    tallies: int
    decisions: int
    months: int
    tenths: int
    days: int


ROLLUPS = ("CaseTally", "DecisionTally", "CaseMonthTally", "DecisionTenths", "DecisionDays")


def _models(apps: Any) -> tuple[type[Model], list[type[Model]]]:
    """The Case model and the rollup models (those a migration's historical state has)."""
    if apps is None:
        return Case, list(ROLLUP_MODELS)
    models = []
    for name in ROLLUPS:
        try:
            models.append(apps.get_model("cases", name))
        except LookupError:  # a migration before it was added
            continue
    return apps.get_model("cases", "Case"), models


@transaction.atomic
def rebuild(apps: Any = None) -> Rebuilt:
    """Empty the rollups and fill them from the cases (INSERT … SELECT … GROUP BY), in one
    transaction. On PostgreSQL the tables are locked first (EXCLUSIVE: readers go on,
    writers wait), so a change committed meanwhile is either in the SELECT or applied after.
    `apps`: a migration's historical models (the migrations that add a rollup fill it so)."""
    case, models = _models(apps)
    qn = connection.ops.quote_name
    tables = [qn(m._meta.db_table) for m in models]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (the models' tables)
    cases = case._default_manager.all()
    counts = {m._meta.model_name: _insert_select(m, cases) for m in models}
    return Rebuilt(
        counts.get("casetally", 0),
        counts.get("decisiontally", 0),
        counts.get("casemonthtally", 0),
        counts.get("decisiontenths", 0),
        counts.get("decisiondays", 0),
    )


@dataclass(frozen=True)
class Difference:
    """A tuple whose stored count differs from the count over the cases."""

    table: str
    tuple: dict[str, Any]
    stored: int
    expected: int

    def __str__(self) -> str:
        members = ", ".join(f"{k}={v}" for k, v in self.tuple.items())
        return f"{self.table}({members}): stored {self.stored}, cases {self.expected}"


def _counts(rows: Iterable[tuple], width: int) -> dict[tuple, tuple]:
    out: dict[tuple, tuple] = {}
    for row in rows:
        key, values = tuple(row[:-width]), row[-width:]
        before = out.get(key, (0,) * width)
        out[key] = tuple(int(a) + int(b or 0) for a, b in zip(before, values, strict=True))
    return out


def differences() -> list[Difference]:
    """Every tuple of the rollups whose stored figures are not those over the cases now (an
    absent tuple counts 0): what `ombud rebuild-rollups --check` prints, one line per tuple
    and figure (`n`, or a month tally's column)."""
    out: list[Difference] = []
    for model in ROLLUP_MODELS:
        names, counted = _names(model), _counted(model)
        zero = (0,) * len(counted)
        stored = _counts(model._default_manager.order_by().values_list(*names, *counted), len(counted))
        fresh_rows = fresh(model, Case.objects.all()).values_list(
            *(f"t_{n}" for n in names), *(f"s_{c}" for c in counted)
        )
        expected = _counts(fresh_rows, len(counted))
        for key in sorted(stored.keys() | expected.keys(), key=repr):
            have, want = stored.get(key, zero), expected.get(key, zero)
            for column, a, b in zip(counted, have, want, strict=True):
                if a != b:
                    members = dict(zip(names, key, strict=True))
                    if len(counted) > 1:
                        members["figure"] = column
                    out.append(Difference(model.__name__, members, a, b))
    return out
