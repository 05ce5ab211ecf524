"""Reads of spot checks (抽查), always starting from the user's scope.

Who sees a spot check: regulator users only (company users and everyone else get 403). A
bureau's officers see the spot checks drawn in their bureau; a regulator whose scope is
everything (an administrator without a bureau) sees all of them. The population a spot check
was drawn from is the bureau's jurisdiction (`bureau_scope`), so the sample never holds a case
the bureau's officers could not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import CharField, Count, F, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, Site
from ombud.cases.models import Case
from ombud.directory.access import Scope, jurisdiction_cities, require_regulator, scope_for
from ombud.directory.models import Organization, User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.oversight import sql
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks.sampling import OUTCOME_ORDER, OUTCOMES, Member, Stratum, rank, stratum_sample_size
from ombud.pagination import Page, newest_first

# Handled cases: the handler has decided (and may have told the consumer and closed the case),
# or refused to accept the complaint, which a spot check may find wrong as well.
HANDLED_STATUSES = (
    Case.Status.DECIDED,
    Case.Status.INFORMED,
    Case.Status.CLOSED,
    Case.Status.NOT_ACCEPTED,
)


def bureau_scope(bureau_id: int | None) -> Scope:
    """The cases a spot check of this bureau may sample: its jurisdiction, or everything for a
    spot check drawn without a bureau (by an administrator who sees everything)."""
    if bureau_id is None:
        return Scope(everything=True)
    return Scope(city_codes=jurisdiction_cities(bureau_id), bureau_id=bureau_id)


def drawing_bureau(user: User, scope: Scope) -> Organization | None:
    """The bureau a spot check drawn by `user` (whose scope is `scope`) belongs to: None when
    the user sees everything (so that no bureau's officers see a sample from outside their
    jurisdiction)."""
    require_regulator(user)
    return None if scope.everything else user.organization


def spot_checks_for(user: User) -> QuerySet[SpotCheck]:
    require_regulator(user)
    qs = SpotCheck.objects.all()
    if not scope_for(user).everything:
        qs = qs.filter(bureau_id=user.organization_id) if user.organization_id else qs.none()
    return qs


def access_spot_check(user: User, spot_check_id: int, *, for_update: bool = False) -> SpotCheck:
    """Load a spot check the user may see: 403 for non-regulators, 404 for another bureau's."""
    qs = spot_checks_for(user).select_related("campaign", "drawn_by", "bureau")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=spot_check_id)
    except SpotCheck.DoesNotExist:
        raise NotFound(_("No such spot check.")) from None


def access_item(user: User, spot_check_id: int | None, item_id: int, *, for_update: bool = False) -> SpotCheckItem:
    """Load one sampled case of a spot check the user may see (404 otherwise)."""
    qs = SpotCheckItem.objects.filter(spot_check__in=spot_checks_for(user))
    if spot_check_id is not None:
        qs = qs.filter(spot_check_id=spot_check_id)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("spot_check", "case").get(pk=item_id)
    except SpotCheckItem.DoesNotExist:
        raise NotFound(_("No such case in this spot check.")) from None


def spot_check_page(user: User, *, cursor: str | None, limit: int) -> Page:
    """Newest first, with how many cases each sampled and how many have a finding."""
    qs = (
        spot_checks_for(user)
        .select_related("campaign", "drawn_by")
        .annotate(
            sampled=Count("items"),
            checked=Count("items", filter=~Q(items__finding="")),
            improper=Count("items", filter=Q(items__finding=SpotCheckItem.Finding.IMPROPER)),
        )
    )
    return newest_first(qs, field="drawn_at", cursor=cursor, limit=limit)


def items_of(spot_check: SpotCheck) -> QuerySet[SpotCheckItem]:
    return (
        spot_check.items.select_related("case", "stratum_company", "checked_by")
        .only(
            "spot_check_id",
            "position",
            "stratum_company__name",
            "stratum_company__short_name",
            "stratum_outcome",
            "finding",
            "reasons",
            "follow_up",
            "checked_by__username",
            "checked_by__first_name",
            "checked_by__last_name",
            "checked_at",
            "case__tracking_no",
            "case__status",
        )
        .order_by("position")
    )


def campaign_choices(user: User, scope: Scope | None = None) -> QuerySet[Campaign]:
    """Campaigns a regulator may draw from: those with a site in its jurisdiction."""
    require_regulator(user)
    scope = scope or scope_for(user)
    qs = Campaign.objects.order_by("-starts_at", "id")
    if not scope.everything:
        sites = Site.objects.filter(city_id__in=sorted(scope.city_codes or ()))
        qs = qs.filter(pk__in=sites.values("campaign_id"))
    return qs


def campaign_in_scope(user: User, campaign_id: int, scope: Scope | None = None) -> Campaign | None:
    return campaign_choices(user, scope).filter(pk=campaign_id).first()


# ---- the population -----------------------------------------------------------------------------


FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 12, 31)


def day_start(d: date) -> datetime:
    """The first instant of day `d` in the time zone of the settings (Asia/Shanghai)."""
    return timezone.make_aware(datetime.combine(d, time.min))


def check_period(since: date | None, until: date | None) -> dict[str, str]:
    """Errors of a received-from/until period: inside 1990–2100, and not ending before it
    starts."""
    errors: dict[str, str] = {}
    for name, d in (("since", since), ("until", until)):
        if d is not None and not FIRST_DAY <= d <= LAST_DAY:
            errors[name] = _("Give a date between %(first)s and %(last)s.") % {
                "first": FIRST_DAY.isoformat(),
                "last": LAST_DAY.isoformat(),
            }
    if not errors and since and until and since > until:
        errors["until"] = _("The period ends before it starts.")
    return errors


def outcome_of(visit_outcome: str, decision: str) -> str:
    """The outcome stratum of a case (docs/spot-checks.md):

    a complaint settled at a reception site keeps the outcome recorded at the visit —
    `resolved_on_site` or `time_limited` (taken away with a promised date) — because that is
    what the reception day reports and what the spot check tests; a complaint that came
    without a visit outcome (phone, letter, online, backlog) is stratified by the decision:
    `upheld`, `partly_upheld`, `not_upheld`, or `not_accepted` when there is none (the only
    handled case without a decision is one that was not accepted).
    """
    if visit_outcome in (Visit.Outcome.RESOLVED_ON_SITE, Visit.Outcome.TIME_LIMITED):
        return visit_outcome
    return decision or Case.Status.NOT_ACCEPTED


def outcome_expression() -> SqlCase:
    """`outcome_of` as an SQL CASE over the case row alone — its visit's outcome is kept on it
    (`resolved_on_site`, `time_limited`), so the draw reads no visit — and its decision, so
    that the strata are formed inside the database (the tests check it equals `outcome_of`
    over the visits for every combination)."""
    return SqlCase(
        When(resolved_on_site=True, then=Value(Visit.Outcome.RESOLVED_ON_SITE.value)),
        When(time_limited=True, then=Value(Visit.Outcome.TIME_LIMITED.value)),
        When(Q(decision="") | Q(decision__isnull=True), then=Value(Case.Status.NOT_ACCEPTED.value)),
        default=F("decision"),
        output_field=CharField(),
    )


def _population_qs(
    scope: Scope, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> QuerySet[Case]:
    qs = scope.filter(Case.objects.all()).filter(
        status__in=HANDLED_STATUSES, handled_by=Visit.HandledBy.COMPANY, company_root__isnull=False
    )
    if campaign_id is not None:
        qs = qs.filter(visit__campaign_id=campaign_id)
    if since is not None:
        qs = qs.filter(opened_at__gte=day_start(since))
    if until is not None:
        qs = qs.filter(opened_at__lt=day_start(until + timedelta(days=1)))
    return qs


def population(
    scope: Scope, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> list[Member]:
    """The handled cases a spot check samples, in no particular order (the sampler does not
    depend on it): cases in `scope`, handled by the company (the regulator does not
    spot-check its own handling), in a handled status, of the campaign and/or received
    (Asia/Shanghai days) from `since` to `until` inclusive. One query, every row: the input of
    the reference sampler `sampling.select`; a draw runs in SQL (`draw_sample`)."""
    qs = _population_qs(scope, campaign_id=campaign_id, since=since, until=until)
    rows = qs.values_list("pk", "tracking_no", "company_root_id", "visit__outcome", "decision")
    return [Member(pk, tn, company, outcome_of(vo or "", dec or "")) for pk, tn, company, vo, dec in rows]


def population_counts(
    scope: Scope, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> dict[tuple[int, str], int]:
    """The size of each stratum of the same population, as one SQL aggregate."""
    qs = _population_qs(scope, campaign_id=campaign_id, since=since, until=until)
    rows = (
        qs.annotate(stratum_outcome=outcome_expression())
        .values("company_root_id", "stratum_outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(r["company_root_id"], r["stratum_outcome"]): r["n"] for r in rows}


# ---- the draw, in SQL ---------------------------------------------------------------------------

# Before ranking, each stratum of n cases keeps only the cases whose rank starts below
# (F × k + E) / n of the range of SHA-256, k its sample size: about F × k + E of them, which
# are sorted instead of n (docs/spot-checks.md). Fewer than k kept (a chance below 1e-12 for
# any k with these figures) and the draw runs again without this filter.
PREFILTER_MARGIN = (2, 32)


@dataclass
class SqlDraw:
    """What `draw_sample` found: the strata with their sizes and samples, as `sampling.select`
    returns them; `total` sample cases; `passes`, 1, or 2 when the prefilter kept too few."""

    strata: list[Stratum]
    population: int
    total: int
    passes: int = 1


def _size_sql(size_mode: str, size_value: int) -> tuple[str, list[int]]:
    """`sampling.stratum_sample_size` of the stratum size `n` (> 0), in integer SQL."""
    if size_mode == SpotCheck.SizeMode.PERCENT:
        k = "(n * %s + 99) / 100"  # ceil(n × p / 100) for n, p ≥ 0
        return f"CASE WHEN {k} < n THEN {k} ELSE n END", [size_value, size_value]
    return "CASE WHEN n < %s THEN n ELSE %s END", [size_value, size_value]


def _ranked_sql(
    population_sql: str, population_params: tuple, seed: str, size_mode: str, size_value: int, *, max_total: int | None
) -> tuple[str, list]:
    """The full ranking, one statement, so one snapshot of the data (docs/spot-checks.md):

    p: the population (case id, tracking number, company, outcome), read once; its stratum
       as one text key "<company id>/<outcome>", which the planner joins by hashing;
    s: per stratum, its size n and its sample size k;
    c: every case with its rank, the SHA-256 of "<seed>/<tracking number>"; none when the
       sample sizes add up above `max_total`;
    then the strata rows (part 0: company, outcome, n, k) and the sampled rows (part 1:
    company, outcome, case id, tracking number, rank in the stratum ≤ k)."""
    rank_sql = sql.rank(connection, "CAST(%s AS TEXT) || '/' || p.sample_tn")
    byte_order = sql.byte_order(connection)
    size, size_params = _size_sql(size_mode, size_value)
    params: list = [*population_params, *size_params, seed]
    cap = "1 = 1"
    if max_total is not None:
        cap = "(SELECT SUM(k) FROM s) <= %s"
        params.append(max_total)
    statement = f"""
WITH p AS {sql.materialized(connection)} (
    SELECT q.sample_id, q.sample_tn, q.sample_company, q.sample_outcome,
        CAST(q.sample_company AS TEXT) || '/' || q.sample_outcome AS sample_key
    FROM ({population_sql}) q
),
s AS (
    SELECT sample_key, sample_company, sample_outcome, n, {size} AS k
    FROM (
        SELECT sample_key, MIN(sample_company) AS sample_company, MIN(sample_outcome) AS sample_outcome,
            COUNT(*) AS n
        FROM p GROUP BY sample_key
    ) g
),
c AS (
    SELECT p.sample_id, p.sample_tn, s.sample_key, s.sample_company, s.sample_outcome, s.k, {rank_sql} AS h
    FROM p JOIN s ON s.sample_key = p.sample_key
    WHERE {cap}
)
SELECT 0, sample_company, sample_outcome, n, k, NULL, NULL, NULL FROM s
UNION ALL
SELECT 1, sample_company, sample_outcome, NULL, NULL, sample_id, sample_tn, rn FROM (
    SELECT c.sample_id, c.sample_tn, c.sample_company, c.sample_outcome, c.k,
        ROW_NUMBER() OVER (PARTITION BY c.sample_key{byte_order} ORDER BY c.h, c.sample_tn{byte_order}) AS rn
    FROM c
) r
WHERE rn <= k"""  # noqa: S608 (our SQL and Django's compiled population; values are parameters)
    return statement, params


def _kept_sql(
    population_sql: str, population_params: tuple, seed: str, thresholds: dict[tuple[int, str], bytes | str]
) -> tuple[str, list]:
    """The prefiltered draw: one statement, one snapshot, one pass over the population. Each
    case's group is its stratum and, when its rank is below its stratum's threshold (always,
    for a stratum without one), its tracking number: every case dropped falls into its
    stratum's one group without a number. So the rows are, per stratum, one row per case kept
    (company, outcome, tracking number, case id, 1) and one for the rest (company, outcome,
    NULL, any id, their count): the counts add up to the stratum's size. An aggregate with
    no materialized CTE and no window, so PostgreSQL hashes and counts in parallel workers;
    Python ranks the few cases kept (`sampling.rank`, the reference's own rank)."""
    kept_tn = "q.sample_tn"
    with_th = join = ""
    params: list = []
    if thresholds:
        rows = ", ".join(["(CAST(%s AS BIGINT), CAST(%s AS TEXT), %s)"] * len(thresholds))
        with_th = f"WITH th(sample_company, sample_outcome, t) AS (VALUES {rows})"
        for (company, outcome), t in sorted(thresholds.items()):
            params += [company, outcome, t]
        join = "LEFT JOIN th ON th.sample_company = q.sample_company AND th.sample_outcome = q.sample_outcome"
        rank_sql = sql.rank(connection, "CAST(%s AS TEXT) || '/' || q.sample_tn")
        kept_tn = f"CASE WHEN th.t IS NULL OR {rank_sql} < th.t THEN q.sample_tn END"
        params.append(seed)
    params += population_params  # in the order of the statement: thresholds, seed, population
    statement = f"""{with_th}
SELECT q.sample_company, q.sample_outcome, {kept_tn} AS kept_tn, MIN(q.sample_id), COUNT(*)
FROM ({population_sql}) q {join}
GROUP BY q.sample_company, q.sample_outcome, kept_tn"""  # noqa: S608 (our SQL and Django's compiled population; values are parameters)
    return statement, params


def draw_sample(
    scope: Scope,
    *,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    seed: str,
    size_mode: str,
    size_value: int,
    max_total: int | None = None,
    margin: tuple[int, int] | None = PREFILTER_MARGIN,
) -> SqlDraw:
    """`sampling.select(population(...), seed, size_mode, size_value)`, computed inside the
    database: it ranks, counts and picks there and returns only the strata and the cases kept
    (docs/spot-checks.md). With `max_total`, a draw whose sample would be larger fetches no
    sampled cases (the strata and `total` say how large it would be).

    With the prefilter (`margin`): two queries, the stratum sizes (which set each stratum's
    threshold) and then the prefiltered draw, which counts again in its own snapshot; a third,
    the full ranking, when a stratum kept too few. Without it (`margin` None): the full ranking
    alone."""
    qs = (
        _population_qs(scope, campaign_id=campaign_id, since=since, until=until)
        .annotate(
            sample_id=F("pk"),
            sample_tn=F("tracking_no"),
            sample_company=F("company_root_id"),
            sample_outcome=outcome_expression(),
        )
        .values("sample_id", "sample_tn", "sample_company", "sample_outcome")
        .order_by()
    )
    population_sql, population_params = qs.query.sql_with_params()
    if margin is not None:
        hint = population_counts(scope, campaign_id=campaign_id, since=since, until=until)
        hinted = {key: stratum_sample_size(n, size_mode, size_value) for key, n in hint.items()}
        if max_total is not None and sum(hinted.values()) > max_total:
            return _drawn(hint, hinted, {}, passes=1)  # too large: the sizes alone, one snapshot
        thresholds = {}
        for key, n in hint.items():
            want = margin[0] * hinted[key] + margin[1]
            if want < n:
                thresholds[key] = sql.rank_below(connection, want * 4294967296 // n)
        statement, params = _kept_sql(population_sql, population_params, seed, thresholds)
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
        sizes: dict[tuple[int, str], int] = {}
        kept: dict[tuple[int, str], list[tuple[str, str, int]]] = {}
        for company, outcome, tracking_no, case_id, n in rows:
            key = (int(company), outcome)
            sizes[key] = sizes.get(key, 0) + int(n)
            if tracking_no is not None:
                kept.setdefault(key, []).append((rank(seed, tracking_no), tracking_no, int(case_id)))
        wanted = {key: stratum_sample_size(n, size_mode, size_value) for key, n in sizes.items()}
        if max_total is not None and sum(wanted.values()) > max_total:
            return _drawn(sizes, wanted, {}, passes=1)
        if all(len(kept.get(key, ())) >= k for key, k in wanted.items()):
            picked = {
                key: [(tn, case_id) for _h, tn, case_id in sorted(kept.get(key, []))[:k]] for key, k in wanted.items()
            }
            return _drawn(sizes, wanted, picked, passes=1)
    # The full ranking: no prefilter asked for, or a stratum kept fewer than its sample size.
    statement, params = _ranked_sql(population_sql, population_params, seed, size_mode, size_value, max_total=max_total)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    sizes, wanted = {}, {}
    numbered: dict[tuple[int, str], list[tuple[int, str, int]]] = {}
    for part, company, outcome, n, k, case_id, tracking_no, rn in rows:
        key = (int(company), outcome)
        if part == 0:
            sizes[key], wanted[key] = int(n), int(k)
        else:
            numbered.setdefault(key, []).append((int(rn), tracking_no, int(case_id)))
    if max_total is not None and sum(wanted.values()) > max_total:
        numbered = {}
    picked = {key: [(tn, case_id) for _rn, tn, case_id in sorted(ranked)] for key, ranked in numbered.items()}
    return _drawn(sizes, wanted, picked, passes=1 if margin is None else 2)


def _drawn(
    sizes: dict[tuple[int, str], int],
    wanted: dict[tuple[int, str], int],
    picked: dict[tuple[int, str], list[tuple[str, int]]],
    *,
    passes: int,
) -> SqlDraw:
    """The draw as `sampling.select` returns it: strata by (company id, outcome order), each
    with its sample in rank order (`picked`: tracking number and case id, ranked)."""
    strata = []
    for company, outcome in sorted(sizes, key=lambda key: (key[0], OUTCOME_ORDER.get(key[1], 99), key[1])):
        sample = [Member(case_id, tn, company, outcome) for tn, case_id in picked.get((company, outcome), [])]
        strata.append(Stratum(company, outcome, sizes[(company, outcome)], sample))
    return SqlDraw(strata=strata, population=sum(sizes.values()), total=sum(wanted.values()), passes=passes)


def company_names(ids: set[int]) -> dict[int, str]:
    rows = Organization.objects.filter(pk__in=sorted(ids)).values_list("pk", "short_name", "name")
    return {pk: short or name for pk, short, name in rows}


# ---- a redraw and the strata table --------------------------------------------------------------


@dataclass
class Redraw:
    """A spot check's sample drawn again now, from the same parameters and seed."""

    population: int
    strata: list[Stratum]
    case_ids: list[int]
    same_sample: bool


def redraw(spot_check: SpotCheck, sample_ids: list[int]) -> Redraw:
    """Draw again (in SQL) with the stored parameters over the population as it is now, within
    the spot check's bureau's jurisdiction. `same_sample` says whether the stored sample (case
    ids in position order) comes out again; it does not when cases joined or left the
    population since (new decisions, a case reopened by a finding)."""
    drawn = draw_sample(
        bureau_scope(spot_check.bureau_id),
        campaign_id=spot_check.campaign_id,
        since=spot_check.since,
        until=spot_check.until,
        seed=spot_check.seed,
        size_mode=spot_check.size_mode,
        size_value=spot_check.size_value,
    )
    ids = [m.case_id for s in drawn.strata for m in s.sample]
    return Redraw(population=drawn.population, strata=drawn.strata, case_ids=ids, same_sample=ids == sample_ids)


def strata_table(
    items: list[SpotCheckItem], counts: dict[tuple[int, str], int], drawn: list[dict] | None = None
) -> list[dict]:
    """Per stratum: the population at the draw and now, the sample drawn, and the findings so far."""
    at_draw = {(r["company_id"], r["outcome"]): r["population"] for r in drawn or []}
    rows: dict[tuple[int, str], dict] = {}
    for (company_id, outcome), n in counts.items():
        rows[(company_id, outcome)] = {
            "company_id": company_id,
            "outcome": outcome,
            "population": n,
            "sample": 0,
            "checked": 0,
            "improper": 0,
        }
    for item in items:
        row = rows.setdefault(
            (item.stratum_company_id, item.stratum_outcome),
            {
                "company_id": item.stratum_company_id,
                "outcome": item.stratum_outcome,
                "population": 0,
                "sample": 0,
                "checked": 0,
                "improper": 0,
            },
        )
        row["sample"] += 1
        row["checked"] += item.finding != ""
        row["improper"] += item.finding == SpotCheckItem.Finding.IMPROPER
    for key in at_draw:
        rows.setdefault(
            key,
            {"company_id": key[0], "outcome": key[1], "population": 0, "sample": 0, "checked": 0, "improper": 0},
        )
    for key, row in rows.items():
        row["population_drawn"] = at_draw.get(key, 0)
    names = company_names({k[0] for k in rows})
    ordered = sorted(rows.values(), key=lambda r: (r["company_id"], OUTCOME_ORDER.get(r["outcome"], 99)))
    for r in ordered:
        r["company_name"] = names.get(r["company_id"], "")
        r["outcome_label"] = str(OUTCOMES.get(r["outcome"], r["outcome"]))
    return ordered


# ---- the pass-rate report -----------------------------------------------------------------------


def pass_rates(
    user: User,
    *,
    spot_check_id: int | None = None,
    campaign_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> list[dict]:
    """Spot-check pass rate per company (head office), one SQL aggregate.

    Counts sampled items (a case sampled by two spot checks counts twice) of cases in the
    user's scope — whichever spot check sampled them — optionally of one spot check, of the
    cases of one campaign, or of cases received (Asia/Shanghai) from `since` to `until`.
    Regulators only (403). Returns, sorted by company name:

        [{"company_id": int, "company_name": str, "sampled": int, "checked": int,
          "proper": int, "improper": int, "pass_rate": float | None}]

    `pass_rate` = proper / checked, between 0 and 1; None when nothing is checked yet.
    """
    require_regulator(user)
    errors = check_period(since, until)
    if errors:
        raise InvalidInput(_("Bad period."), fields=errors)
    qs = SpotCheckItem.objects.filter(scope_for(user).q("case__"))
    if spot_check_id is not None:
        qs = qs.filter(spot_check=access_spot_check(user, spot_check_id))
    if campaign_id is not None:
        qs = qs.filter(case__visit__campaign_id=campaign_id)
    # The period through the items' own copy of the opening time (indexed): the join with the
    # cases is then one lookup per item of the period, not a scan of every case opened in it.
    if since is not None:
        qs = qs.filter(case_opened_at__gte=day_start(since))
    if until is not None:
        qs = qs.filter(case_opened_at__lt=day_start(until + timedelta(days=1)))
    rows = (
        qs.values("stratum_company_id", "stratum_company__name", "stratum_company__short_name")
        .annotate(
            sampled=Count("pk"),
            checked=Count("pk", filter=~Q(finding="")),
            proper=Count("pk", filter=Q(finding=SpotCheckItem.Finding.PROPER)),
            improper=Count("pk", filter=Q(finding=SpotCheckItem.Finding.IMPROPER)),
        )
        .order_by("stratum_company__name", "stratum_company_id")
    )
    return [
        {
            "company_id": r["stratum_company_id"],
            "company_name": r["stratum_company__name"],
            "company_short_name": r["stratum_company__short_name"] or r["stratum_company__name"],
            "sampled": r["sampled"],
            "checked": r["checked"],
            "proper": r["proper"],
            "improper": r["improper"],
            "pass_rate": r["proper"] / r["checked"] if r["checked"] else None,
        }
        for r in rows
    ]


# ---- one spot check as the pages and the API show it --------------------------------------------


# Above this population, a page view does not redraw by itself (the database hashes the whole
# population); `verify=True` asks for it.
AUTO_VERIFY_MAX = 20_000


@dataclass
class Described:
    spot_check: SpotCheck
    items: list[SpotCheckItem]
    strata: list[dict]
    population_now: int
    again: Redraw | None  # None: not redrawn (population above AUTO_VERIFY_MAX, not asked)

    @property
    def checked(self) -> int:
        return sum(1 for i in self.items if i.finding)

    @property
    def improper(self) -> int:
        return sum(1 for i in self.items if i.finding == SpotCheckItem.Finding.IMPROPER)


def describe(user: User, spot_check_id: int, *, verify: bool | None = None, just_drawn: bool = False) -> Described:
    """A spot check with its items, its strata table (populations now) and, when `verify` is
    true, or not given and the population is small, a fresh redraw, which counts the strata
    too (else one aggregate does) (scoped: 403/404). `just_drawn`: the spot check was drawn by
    this request, so the populations it stored (of a moment ago, in the draw's own snapshot)
    are shown as the populations now rather than counted again."""
    spot_check = access_spot_check(user, spot_check_id)
    items = list(items_of(spot_check))
    if verify is None:
        verify = spot_check.population <= AUTO_VERIFY_MAX
    again = redraw(spot_check, [i.case_id for i in items]) if verify else None
    if again is not None:  # the redraw counted the strata (in the same query)
        counts = {(st.company_id, st.outcome): st.population for st in again.strata}
    elif just_drawn:
        counts = {(int(st["company_id"]), st["outcome"]): int(st["population"]) for st in spot_check.strata}
    else:
        counts = population_counts(
            bureau_scope(spot_check.bureau_id),
            campaign_id=spot_check.campaign_id,
            since=spot_check.since,
            until=spot_check.until,
        )
    table = strata_table(items, counts, spot_check.strata)
    return Described(spot_check, items, table, sum(counts.values()), again)
