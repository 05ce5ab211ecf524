"""Campaign and case statistics: each table is one SQL aggregate over the user's scope.

Counting rules (SEED.md): cases = complaint visits = resolved_on_site + time_limited;
referred = time-limited cases handled by the regulator (递交跟踪处理); practitioners_complained =
distinct practitioners named in complaints.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, RosterEntry, Site, SiteOrganization
from ombud.campaigns.queries import access_campaign
from ombud.cases import rollups
from ombud.cases.models import Case, CaseMonthTally, CaseTally
from ombud.cases.queries import cases_for, three_rates
from ombud.directory.access import Scope, scope_for
from ombud.directory.models import Organization, Region, Staff, User
from ombud.errors import InvalidInput
from ombud.intake.models import Visit

COUNT_KEYS = (
    "visits",
    "cases",
    "resolved_on_site",
    "time_limited",
    "referred",
    "consultations",
    "suggestions",
    "practitioners_complained",
)
_COMPLAINT = Q(kind=Visit.Kind.COMPLAINT)
EXECUTIVE_RANKS = [Staff.Rank.HEAD, Staff.Rank.DEPUTY]
COMPANY_KINDS = [Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY]


def _counts() -> dict:
    return {
        "visits": Count("id"),
        "cases": Count("id", filter=_COMPLAINT),
        "resolved_on_site": Count("id", filter=_COMPLAINT & Q(outcome=Visit.Outcome.RESOLVED_ON_SITE)),
        "time_limited": Count("id", filter=_COMPLAINT & Q(outcome=Visit.Outcome.TIME_LIMITED)),
        "referred": Count(
            "id", filter=_COMPLAINT & Q(outcome=Visit.Outcome.TIME_LIMITED, handled_by=Visit.HandledBy.REGULATOR)
        ),
        "consultations": Count("id", filter=Q(kind=Visit.Kind.CONSULTATION)),
        "suggestions": Count("id", filter=Q(kind=Visit.Kind.SUGGESTION)),
        "practitioners_complained": Count("practitioner_id", filter=_COMPLAINT, distinct=True),
    }


def _zero() -> dict:
    return dict.fromkeys(COUNT_KEYS, 0)


def campaign_visits(scope: Scope, campaign: Campaign) -> QuerySet[Visit]:
    return scope.filter(Visit.objects.filter(campaign=campaign))


def _visible_sites(scope: Scope, campaign: Campaign) -> QuerySet[Site]:
    sites = Site.objects.filter(campaign=campaign)
    if scope.everything:
        return sites
    if scope.site_ids is not None:
        return sites.filter(pk__in=sorted(scope.site_ids))
    if scope.city_codes is not None:
        return sites.filter(city_id__in=sorted(scope.city_codes))
    if scope.company_city_codes is not None:
        return sites.filter(city_id__in=sorted(scope.company_city_codes))
    if scope.company_id is not None:
        return sites
    return sites.none()


def _breakdown(visits: QuerySet[Visit]) -> tuple[dict, list[dict], list[dict]]:
    """The counts of `visits` in total, per city and per company (head office): three
    aggregates, whatever the number of visits, grouped by the ids alone (a hash aggregate
    over the visits' covering index, no join), and the names of the few groups found."""
    totals = visits.aggregate(**_counts())
    cities = list(visits.exclude(city_id=None).order_by().values("city_id").annotate(**_counts()))
    companies = list(visits.exclude(company_root_id=None).order_by().values("company_root_id").annotate(**_counts()))
    city_names = dict(Region.objects.filter(code__in=sorted(r["city_id"] for r in cities)).values_list("code", "name"))
    company_names = dict(
        Organization.objects.filter(pk__in=sorted(r["company_root_id"] for r in companies)).values_list("pk", "name")
    )
    by_city = [
        {
            "city_code": row["city_id"],
            "city_name": city_names.get(row["city_id"], ""),
            **{k: row[k] for k in COUNT_KEYS},
        }
        for row in cities
    ]
    by_company = [
        {
            "company_id": row["company_root_id"],
            "company_name": company_names.get(row["company_root_id"], ""),
            **{k: row[k] for k in COUNT_KEYS},
        }
        for row in sorted(companies, key=lambda r: (-r["visits"], r["company_root_id"]))
    ]
    return {k: totals[k] for k in COUNT_KEYS}, by_city, by_company


def campaign_report(user: User, campaign: Campaign, scope: Scope | None = None) -> dict:
    """Province totals, per city and per company, as the user may see them (`scope`: the user's,
    when the caller has it already)."""
    scope = scope if scope is not None else scope_for(user)
    totals, cities, by_company = _breakdown(campaign_visits(scope, campaign))

    # The sites the user may see, read once: their cities head the table, their ids (a list the
    # planner can weigh, not a subquery) select the rosters.
    sites = list(_visible_sites(scope, campaign).order_by("pk").values_list("pk", "city_id", "city__name"))
    site_ids = [pk for pk, _city, _name in sites]
    by_city: dict[str, dict] = {
        code: {"city_code": code, "city_name": name, **_zero()} for _pk, code, name in sorted(sites, key=lambda s: s[1])
    }
    by_city.update({row["city_code"]: row for row in cities})
    roster = city_participation(scope, campaign, site_ids)
    for code, row in by_city.items():
        row.update(roster.get(code, {"staff": 0, "executives": 0, "companies": 0}))
    return {
        "campaign_id": campaign.pk,
        "campaign_name": campaign.name,
        **totals,
        **participation(scope, campaign, site_ids),
        "by_city": sorted(by_city.values(), key=lambda r: r["city_code"]),
        "by_company": by_company,
    }


def period_report(user: User, starts_at: datetime, ends_at: datetime) -> dict:
    """The same counts for the visits received in [starts_at, ends_at), of any campaign or
    none, as the user may see them (no rosters: a period has no sites of its own)."""
    visits = scope_for(user).filter(Visit.objects.filter(received_at__gte=starts_at, received_at__lt=ends_at))
    totals, by_city, by_company = _breakdown(visits)
    for row in by_city:
        row.update(companies=0, staff=0)
    return {**totals, "by_city": sorted(by_city, key=lambda r: r["city_code"]), "by_company": by_company}


def _roster_q(scope: Scope) -> Q:
    if scope.company_id is None:
        return Q()
    return Q(organization_id=scope.company_id) | Q(organization__head_office_id=scope.company_id)


def _people() -> dict:
    # Named n_* because "staff" is a field of RosterEntry and may not be shadowed.
    return {
        "n_staff": Count("staff_id", distinct=True),
        "n_executives": Count("staff_id", distinct=True, filter=Q(staff__rank__in=EXECUTIVE_RANKS)),
    }


def participation(scope: Scope, campaign: Campaign, site_ids: list[int] | None = None) -> dict:
    """Sites, staff, executives and companies rostered where the user can see (`site_ids`: those
    sites, when the caller has read them already)."""
    if site_ids is None:
        site_ids = list(_visible_sites(scope, campaign).values_list("pk", flat=True))
    people = RosterEntry.objects.filter(_roster_q(scope), site_id__in=site_ids).aggregate(**_people())
    companies = SiteOrganization.objects.filter(site_id__in=site_ids, organization__kind__in=COMPANY_KINDS).aggregate(
        n=Count("organization__head_office_id", distinct=True)
    )["n"]
    return {
        "sites": len(site_ids),
        "staff": people["n_staff"],
        "executives": people["n_executives"],
        "companies": companies,
    }


def city_participation(scope: Scope, campaign: Campaign, site_ids: list[int] | None = None) -> dict[str, dict]:
    """Per city: staff, executives and companies rostered (Maoming: 21 companies, ~300 staff)."""
    if site_ids is None:
        site_ids = list(_visible_sites(scope, campaign).values_list("pk", flat=True))
    out: dict[str, dict] = {}
    for row in (
        RosterEntry.objects.filter(_roster_q(scope), site_id__in=site_ids).values("site__city_id").annotate(**_people())
    ):
        out[row["site__city_id"]] = {"staff": row["n_staff"], "executives": row["n_executives"], "companies": 0}
    for row in (
        SiteOrganization.objects.filter(site_id__in=site_ids, organization__kind__in=COMPANY_KINDS)
        .values("site__city_id")
        .annotate(companies=Count("organization__head_office_id", distinct=True))
    ):
        out.setdefault(row["site__city_id"], {"staff": 0, "executives": 0, "companies": 0})["companies"] = row[
            "companies"
        ]
    return out


def visits_by_hour(user: User, campaign: Campaign, scope: Scope | None = None) -> list[dict]:
    """Visits per hour of the day (Asia/Shanghai), for the live dashboard."""
    rows = (
        campaign_visits(scope if scope is not None else scope_for(user), campaign)
        .annotate(hour=TruncHour("received_at"))  # in the current time zone, Asia/Shanghai
        .values("hour")
        .annotate(visits=Count("id"))
        .order_by("hour")
    )
    return [{"hour": timezone.localtime(r["hour"]).strftime("%H:00"), "visits": r["visits"]} for r in rows]


def campaign_overview(user: User) -> dict[int, dict]:
    """Visits and cases per campaign that `user` may see: one GROUP BY, for the campaigns list."""
    rows = (
        scope_for(user)
        .filter(Visit.objects.filter(campaign__isnull=False))
        .values("campaign_id")
        .annotate(visits=Count("id"), cases=Count("id", filter=_COMPLAINT))
        .order_by()
    )
    return {r["campaign_id"]: {"visits": r["visits"], "cases": r["cases"]} for r in rows}


# ---- case statistics (per company and city) ---------------------------------------------------

CASE_COUNT_KEYS = ("opened", "open", "overdue", "decided", "decided_in_time", "reviews", "mediations")
CASE_STAT_KEYS = (*CASE_COUNT_KEYS, "decided_in_time_pct", "median_days_to_decision")
# Summed per (head office, city) group besides the shown counts: the three rates' response figures.
_RESPONSE_KEYS = ("responded", "owed", "owed_overdue")
_SHOWN_AS = {"decisions": "decided", "decisions_in_time": "decided_in_time"}


def _finish(row: dict, median_days: float | None) -> dict:
    """Counts as ints, the in-time share in % (1 decimal) and the median in days (None = no decision)."""
    counts = {k: int(row.get(k) or 0) for k in CASE_COUNT_KEYS}
    decided = counts["decided"]
    out: dict[str, int | float | None] = dict(counts)
    out["decided_in_time_pct"] = round(100 * counts["decided_in_time"] / decided, 1) if decided else None
    out["median_days_to_decision"] = median_days
    return out


def _groups(
    parts: rollups.PeriodParts,
    months: QuerySet[CaseMonthTally],
    days: QuerySet[CaseTally],
    open_cases: QuerySet[Case],
    now: datetime,
) -> dict[tuple, dict]:
    """Per (head office, city): the rollups' sums (opened, decided, in time, reviews,
    mediations, the response figures, the answers as `a_*`) — the whole months' from the
    month tallies, the days' at the ends from the day tallies — and the open cases' counts
    (open, overdue): a GROUP BY over each part of the period and one over the open cases."""
    # Grouped by the ids alone (a hash aggregate, no join); the names are read after, for the
    # few groups found.
    ids = ("company_root_id", "city_id")
    groups: dict[tuple, dict] = {}
    sources: list[QuerySet] = []
    answers = rollups.answer_sums()  # the three rates' answers, read with the counts
    if parts.months is not None:
        sources.append(parts.of_months(months).order_by().values(*ids).annotate(**rollups.month_sums(), **answers))
    if parts.days:
        sources.append(parts.of_days(days).order_by().values(*ids).annotate(**rollups.tally_sums(), **answers))
    sources.append(open_cases.order_by().values(*ids).annotate(**rollups.open_counts(now)))
    for rows in sources:
        for row in rows:
            group = groups.setdefault((row["company_root_id"], row["city_id"]), {k: row[k] for k in ids})
            for key, value in row.items():
                if key not in ids:
                    key = _SHOWN_AS.get(key, key)
                    group[key] = group.get(key, 0) + (value or 0)
    companies = {
        pk: (name, short)
        for pk, name, short in Organization.objects.filter(
            pk__in=sorted({company for company, _city in groups})
        ).values_list("pk", "name", "short_name")
    }
    cities = dict(Region.objects.filter(code__in=sorted({c for _co, c in groups if c})).values_list("code", "name"))
    for (company, city), group in groups.items():
        group["company_name"], group["company_short_name"] = companies.get(company, ("", ""))
        group["city_name"] = cities.get(city, "")
    return groups


def _sum(rows: list[dict]) -> dict:
    return {k: sum(r.get(k, 0) for r in rows) for k in (*CASE_COUNT_KEYS, *_RESPONSE_KEYS)}


def case_statistics(
    user: User,
    *,
    since: date | None = None,
    until: date | None = None,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> dict:
    """Cases the user may see, opened in [since, until] (Beijing dates, both included) and, if
    given, born at a campaign: per head office, per city and in total — opened, open, overdue
    (open and past due now), decided, decided within the deadline (count and %), median days
    from opening to decision, and the cases that went to review or mediation; per head office
    and in total, the three rates (三率, `cases.queries.three_rates`: consumer ratings beside
    the call-backs).

    What does not depend on now is read from the rollups (cases/rollups.py): the counts and
    the three rates' answers from `CaseMonthTally` for the whole months of the period and from
    `CaseTally` for the days at its ends; the medians from the all-time
    `DecisionDays` and `DecisionTenths` (all time) or the `DecisionTally` histogram (a period);
    open and overdue from the open cases alone (their covering index). A fixed number of
    queries whatever the data: the rollups and the open cases (one GROUP BY by head office and
    city each, the answers read with the counts, summed here into companies, cities and the
    total), their names (two), the medians (one), plus the campaign check when a campaign is
    given.
    """
    if since and until and since > until:
        raise InvalidInput(_("The period starts after it ends."), fields={"since": _("after until")})
    now = now or timezone.now()
    scope = scope_for(user)
    parts = rollups.split_period(since, until)
    months = rollups.month_tallies_for(user, scope)
    days = rollups.tallies_for(user, scope)
    decisions = rollups.opened_between(rollups.decisions_for(user, scope), since, until)
    histograms = rollups.histograms_for(user, scope) if since is None and until is None else None
    cases = cases_for(user, scope)
    if since:
        cases = cases.filter(opened_at__gte=_day_start(since))
    if until:
        cases = cases.filter(opened_at__lt=_day_start(until + timedelta(days=1)))
    if campaign_id is not None:
        access_campaign(user, campaign_id)
        months = months.filter(campaign_id=campaign_id)
        days = days.filter(campaign_id=campaign_id)
        decisions = decisions.filter(campaign_id=campaign_id)
        histograms = histograms.filter(campaign_id=campaign_id) if histograms is not None else None
        # The open cases through their own site (indexed), not their visit: a case opened at a
        # campaign has the site of its visit, and a site belongs to one campaign.
        cases = cases.filter(site__campaign_id=campaign_id)

    groups = list(_groups(parts, months, days, rollups.open_cases(cases), now).values())
    by_company: dict[int, list[dict]] = {}
    by_city: dict[str | None, list[dict]] = {}
    for group in groups:
        by_company.setdefault(group["company_root_id"], []).append(group)
        by_city.setdefault(group["city_id"], []).append(group)
    medians = rollups.medians(decisions, histograms)
    companies = sorted(
        ({**_sum(rows), "first": rows[0], "id": company_id} for company_id, rows in by_company.items()),
        key=lambda r: (-r["opened"], r["id"]),
    )
    cities = sorted(
        ({**_sum(rows), "first": rows[0], "id": city_id} for city_id, rows in by_city.items()),
        key=lambda r: (r["id"] is None, r["id"] or ""),
    )
    response = {c["id"]: (c["responded"], c["owed"] + c["owed_overdue"]) for c in companies}
    rates = three_rates(cases, now=now, response=response, answers=rollups.answers_of_rows(groups))
    return {
        "since": since,
        "until": until,
        "campaign_id": campaign_id,
        "totals": _finish(_sum(groups), medians.get((rollups.ALL, None))),
        "rates": rates[None],
        "companies": [
            {
                "company_id": c["id"],
                "company_name": c["first"]["company_name"],
                "company_short_name": c["first"]["company_short_name"] or c["first"]["company_name"],
                **_finish(c, medians.get((rollups.COMPANY, c["id"]))),
                "rates": rates[c["id"]],
            }
            for c in companies
        ],
        "cities": [
            {
                "city_code": c["id"],
                "city_name": c["first"]["city_name"] or "",
                **_finish(c, medians.get((rollups.CITY, c["id"]))),
            }
            for c in cities
        ],
    }


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
