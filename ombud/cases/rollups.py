"""The rollups: what the statistics count, kept exact in the transaction of each change.

Two tables (cases/models.py): `CaseTally` counts the cases per tuple — opening day (Asia/
Shanghai) × head office × handling organisation × city × supervising bureau × site × campaign
× category × product line × channel × status × handler × resolved on site × decided ×
decided in time × went to review × went to mediation — and `DecisionTally` counts the decided
cases per opening day × head office × city × bureau × site × campaign × time to decision in
hundredths of a day (the histogram the medians are read from). The scoping columns are the
ones `directory.access.Scope` filters on, so `scope.filter(CaseTally.objects…)` shows a reader
exactly the counts of the cases `cases_for(user)` shows them.

Every change of a counted attribute calls `move(before, after)` once, inside its transaction,
with the case's `place_of` before and after the change: opening a case (intake's CaseOpening
hook, `services.open_case_for_visit`), every lifecycle action (`take_action`), every consumer
action (`take_consumer_action`), a category set after opening (`services.set_category`). The
backlog import and the demo go through those services. A write that bypasses them (a bulk SQL
load, a hand-made UPDATE) leaves the rollups stale until `ombud rebuild-rollups`.

How a count moves (docs/statistics.md "Rollups"): one statement per tuple,
``INSERT … VALUES (…, ±1) ON CONFLICT (tuple) DO UPDATE SET n = n + excluded.n RETURNING id, n``
— atomic on both databases, so two transactions adding to the same tuple never lose one (on
PostgreSQL the second waits for the first's row lock, or for its uncommitted insert, then
adds to the committed row); a tuple that reaches 0 is deleted in the same transaction. A move
touches its tuples in one fixed order (sorted), so two moves in opposite directions cannot
deadlock.
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
from django.db.models.functions import TruncDate
from django.utils import timezone

from ombud.cases import lifecycle
from ombud.cases.models import DECISION_TUPLE, TALLY_TUPLE, Case, CaseTally, DecisionTally
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
    decided (values in the order of TALLY_TUPLE / DECISION_TUPLE, ids for the foreign keys)."""

    tally: tuple
    decision: tuple | None


def place_of(case: Case) -> Place:
    """Where `case` counts now. Reads `case.visit` (campaign, product line, channel: fixed
    when the visit is recorded): load it with the case (`select_related("visit")`)."""
    visit = case.visit
    day = timezone.localtime(case.opened_at, _zone()).date()
    where = (case.city_id, case.bureau_id, case.site_id, visit.campaign_id)  # what scopes and filters read
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
        case.decided_at is not None,
        case.decided_in_time is True,
        case.had_review,
        case.had_mediation,
    )
    decision = None
    if case.decided_at is not None:
        decision = (day, case.company_root_id, *where, (case.decided_at - case.opened_at) // BUCKET)
    return Place(tally, decision)


def move(before: Place | None, after: Place | None) -> None:
    """Move one case from the tuples of `before` to those of `after` (None: it did not count /
    no longer counts): -1 on each old tuple, +1 on each new one, nothing where they agree. Call
    it inside the transaction of the change, after the change is saved."""
    assert transaction.get_connection().in_atomic_block, "call inside the change's transaction"
    if before == after:
        return
    pairs: list[tuple[type[Model], tuple | None, tuple | None]] = [
        (CaseTally, before.tally if before else None, after.tally if after else None),
        (DecisionTally, before.decision if before else None, after.decision if after else None),
    ]
    for model, old, new in pairs:
        if old == new:
            continue
        steps = [(key, delta) for key, delta in ((old, -1), (new, 1)) if key is not None]
        # One order for every transaction: opposite moves never wait for each other's rows.
        for key, delta in sorted(steps, key=lambda step: repr(step[0])):
            _add(model, key, delta)


# ---- reading ------------------------------------------------------------------------------------


def tallies_for(user: User, scope: Scope | None = None) -> QuerySet[CaseTally]:
    """The case tallies of the cases `user` may see (`cases.queries.cases_for`'s scope, on the
    same columns). A reader that needs the scope more than once passes it (`scope_for` costs
    queries for a bureau's jurisdiction)."""
    return (scope or scope_for(user)).filter(CaseTally.objects.all())


def decisions_for(user: User, scope: Scope | None = None) -> QuerySet[DecisionTally]:
    """The decision histogram of the decided cases `user` may see."""
    return (scope or scope_for(user)).filter(DecisionTally.objects.all())


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
    rates' `owed` beyond the tallies' part)."""
    return {
        "open": Count("pk"),
        "overdue": Count("pk", filter=Q(due_at__lt=now)),
        "owed_overdue": Count("pk", filter=Q(decided_at__isnull=True, due_at__lt=now)),
    }


# The three groupings `medians` answers for: everything, per head office, per city.
ALL, COMPANY, CITY = "all", "company", "city"


def medians(decisions: QuerySet[DecisionTally]) -> dict[tuple[str, Any], float]:
    """Median days to decision of the histogram rows given (already scoped and filtered), in
    total (key `(ALL, None)`), per head office (`(COMPANY, id)`) and per city (`(CITY, code)`,
    None for cases without a city): one query, whatever the number of rows.

    The median is the middle value of the hundredths, the mean of the middle two for an even
    count, each bucket counted at its lower edge, then rounded half up to one decimal of a
    day: with buckets of 0.01 day no bucket straddles a rounding boundary (x.x5 is an edge),
    so the shown median equals the exact one's rounding (docs/statistics.md "Medians")."""
    inner = decisions.order_by().values("company_root_id", "city_id", "hundredths").annotate(m=Sum("n"))
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a scope that sees nothing
        return {}
    # Ranks 1-based: the lower middle is the first bucket where 2·cum ≥ total, the upper the
    # first where 2·cum > total (the same bucket for an odd total).
    query = f"""
        WITH h0 AS ({sql}),
        hs AS (
            SELECT 0 AS k, NULL AS company_root_id, NULL AS city_id, hundredths, SUM(m) AS m
              FROM h0 GROUP BY hundredths
            UNION ALL
            SELECT 1, company_root_id, NULL, hundredths, SUM(m) FROM h0 GROUP BY company_root_id, hundredths
            UNION ALL
            SELECT 2, NULL, city_id, hundredths, SUM(m) FROM h0 GROUP BY city_id, hundredths
        ),
        c AS (
            SELECT k, company_root_id, city_id, hundredths,
                   SUM(m) OVER (PARTITION BY k, company_root_id, city_id ORDER BY hundredths) AS cum,
                   SUM(m) OVER (PARTITION BY k, company_root_id, city_id) AS total
              FROM hs
        )
        SELECT k, company_root_id, city_id,
               MIN(CASE WHEN 2 * cum >= total THEN hundredths END),
               MIN(CASE WHEN 2 * cum > total THEN hundredths END)
          FROM c GROUP BY k, company_root_id, city_id
    """  # noqa: S608 (the inner query is Django's, its values are parameters)
    out: dict[tuple[str, Any], float] = {}
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        for k, company_root_id, city_id, low, high in cursor.fetchall():
            key = (ALL, None) if k == 0 else (COMPANY, company_root_id) if k == 1 else (CITY, city_id)
            out[key] = median_days(int(low), int(high))
    return out


def median_days(low: int, high: int) -> float:
    """The median of two middle buckets (hundredths of a day) in days, rounded half up to one
    decimal: floor((low + high) / 200 · 10 + 1/2) tenths, in integers (a tie goes toward +∞,
    also for a negative time, so that no bucket straddles a rounding boundary)."""
    return ((low + high + 10) // 20) / 10


# ---- the SQL of a step -------------------------------------------------------------------------


def _names(model: type[Model]) -> tuple[str, ...]:
    """The tuple members of a rollup model (the current one, or a migration's historical one)."""
    return TALLY_TUPLE if model._meta.model_name == "casetally" else DECISION_TUPLE


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
        # Names from the model's meta; every value is a parameter.
        _SQL[key] = (
            f"INSERT INTO {table} ({', '.join(columns)}, {qn('n')}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * (len(columns) + 1))}) "
            f"ON CONFLICT ({_conflict_target(model)}) "
            f"DO UPDATE SET {qn('n')} = {table}.{qn('n')} + excluded.{qn('n')} "
            f"RETURNING {qn('id')}, {qn('n')}"
        )
    return _SQL[key]


def _add(model: type[Model], key: tuple, delta: int) -> None:
    params = [_adapt(field, value) for (_c, field), value in zip(_columns(model), key, strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(model), [*params, delta])
        row_id, n = cursor.fetchone()
        if n == 0:
            # Nobody else can have added to it meanwhile: this transaction holds the row's lock
            # since its UPDATE. A later +1 on the tuple inserts it afresh.
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f'DELETE FROM {table} WHERE "id" = %s AND "n" = 0', [row_id])  # noqa: S608 (the model's table)


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
        return f"(({sql}) - ((({sql}) %% {b}) + {b}) %% {b}) / {b}", [*params, *params, *params]


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
    }


def fresh(model: type[Model], cases: QuerySet) -> QuerySet:
    """The rows `model` should hold, aggregated from `cases` (all of them: `Case.objects`):
    one GROUP BY, values named `t_<member>` in tuple order, then `n`."""
    names = _names(model)
    expressions = _place_expressions()
    qs = cases.order_by()
    if names is DECISION_TUPLE:
        qs = qs.filter(decided_at__isnull=False)
    return qs.values(**{f"t_{name}": expressions[name] for name in names}).annotate(n=Count("id"))


def _insert_select(model: type[Model], cases: QuerySet) -> int:
    qs = fresh(model, cases)
    query = qs.query
    order = [*query.values_select, *query.annotation_select]  # the SELECT's order (Django's own)
    by_name = {f"t_{name}": column for name, (column, _f) in zip(_names(model), _columns(model), strict=True)}
    by_name["n"] = "n"
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


def _models(apps: Any) -> tuple[type[Model], type[Model], type[Model]]:
    if apps is None:
        return Case, CaseTally, DecisionTally
    case, tally, decision = (apps.get_model("cases", name) for name in ("Case", "CaseTally", "DecisionTally"))
    return case, tally, decision


@transaction.atomic
def rebuild(apps: Any = None) -> Rebuilt:
    """Empty both rollups and fill them from the cases (INSERT … SELECT … GROUP BY), in one
    transaction. On PostgreSQL the two tables are locked first (EXCLUSIVE: readers go on,
    writers wait), so a change committed meanwhile is either in the SELECT or applied after.
    `apps`: a migration's historical models (migration 0022 builds the rollups this way)."""
    case, tally, decision = _models(apps)
    qn = connection.ops.quote_name
    tables = [qn(m._meta.db_table) for m in (tally, decision)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (the models' tables)
    cases = case._default_manager.all()
    return Rebuilt(_insert_select(tally, cases), _insert_select(decision, cases))


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


def _counts(rows: Iterable[tuple]) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for *key, n in rows:
        out[tuple(key)] = out.get(tuple(key), 0) + n
    return out


def differences() -> list[Difference]:
    """Every tuple of both rollups whose stored `n` is not the count over the cases now
    (an absent tuple counts 0): what `ombud rebuild-rollups --check` prints."""
    out: list[Difference] = []
    for model in (CaseTally, DecisionTally):
        names = _names(model)
        stored = _counts(model.objects.order_by().values_list(*names, "n"))
        expected = _counts(fresh(model, Case.objects.all()).values_list(*(f"t_{n}" for n in names), "n"))
        out.extend(
            Difference(model.__name__, dict(zip(names, key, strict=True)), stored.get(key, 0), expected.get(key, 0))
            for key in sorted(stored.keys() | expected.keys(), key=repr)
            if stored.get(key, 0) != expected.get(key, 0)
        )
    return out
