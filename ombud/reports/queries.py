"""Campaign statistics: each table is one SQL aggregate over the user's scope.

Counting rules (SEED.md): cases = complaint visits = resolved_on_site + time_limited;
referred = time-limited cases handled by the regulator (递交跟踪处理); practitioners_complained =
distinct practitioners named in complaints.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour

from ombud.campaigns.models import Campaign, RosterEntry, Site, SiteOrganization
from ombud.directory.access import Scope, scope_for
from ombud.directory.models import Organization, Staff, User
from ombud.intake.models import Visit

SHANGHAI = ZoneInfo("Asia/Shanghai")
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


def campaign_report(user: User, campaign: Campaign) -> dict:
    """Province totals, per city and per company, as the user may see them."""
    scope = scope_for(user)
    visits = campaign_visits(scope, campaign)
    totals = visits.aggregate(**_counts())

    by_city: dict[str, dict] = {
        code: {"city_code": code, "city_name": name, **_zero()}
        for code, name in _visible_sites(scope, campaign)
        .order_by("city_id")
        .values_list("city_id", "city__name")
        .distinct()
    }
    for row in visits.exclude(city_id=None).values("city_id", "city__name").annotate(**_counts()):
        code = row.pop("city_id")
        by_city[code] = {"city_code": code, "city_name": row.pop("city__name"), **row}

    roster = city_participation(scope, campaign)
    for code, row in by_city.items():
        row.update(roster.get(code, {"staff": 0, "executives": 0, "companies": 0}))

    by_company = [
        {"company_id": row.pop("company_root_id"), "company_name": row.pop("company_root__name"), **row}
        for row in visits.exclude(company_root_id=None)
        .values("company_root_id", "company_root__name")
        .annotate(**_counts())
        .order_by("-visits", "company_root_id")
    ]
    return {
        "campaign_id": campaign.pk,
        "campaign_name": campaign.name,
        **{k: totals[k] for k in COUNT_KEYS},
        **participation(scope, campaign),
        "by_city": sorted(by_city.values(), key=lambda r: r["city_code"]),
        "by_company": by_company,
    }


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


def participation(scope: Scope, campaign: Campaign) -> dict:
    """Sites, staff, executives and companies rostered where the user can see."""
    sites = _visible_sites(scope, campaign)
    people = RosterEntry.objects.filter(_roster_q(scope), site__in=sites).aggregate(**_people())
    companies = SiteOrganization.objects.filter(site__in=sites, organization__kind__in=COMPANY_KINDS).aggregate(
        n=Count("organization__head_office_id", distinct=True)
    )["n"]
    return {
        "sites": sites.count(),
        "staff": people["n_staff"],
        "executives": people["n_executives"],
        "companies": companies,
    }


def city_participation(scope: Scope, campaign: Campaign) -> dict[str, dict]:
    """Per city: staff, executives and companies rostered (Maoming: 21 companies, ~300 staff)."""
    sites = _visible_sites(scope, campaign)
    out: dict[str, dict] = {}
    for row in (
        RosterEntry.objects.filter(_roster_q(scope), site__in=sites).values("site__city_id").annotate(**_people())
    ):
        out[row["site__city_id"]] = {"staff": row["n_staff"], "executives": row["n_executives"], "companies": 0}
    for row in (
        SiteOrganization.objects.filter(site__in=sites, organization__kind__in=COMPANY_KINDS)
        .values("site__city_id")
        .annotate(companies=Count("organization__head_office_id", distinct=True))
    ):
        out.setdefault(row["site__city_id"], {"staff": 0, "executives": 0, "companies": 0})["companies"] = row[
            "companies"
        ]
    return out


def visits_by_hour(user: User, campaign: Campaign) -> list[dict]:
    """Visits per hour of the day (Asia/Shanghai), for the live dashboard."""
    rows = (
        campaign_visits(scope_for(user), campaign)
        .annotate(hour=TruncHour("received_at", tzinfo=SHANGHAI))
        .values("hour")
        .annotate(visits=Count("id"))
        .order_by("hour")
    )
    return [{"hour": r["hour"].astimezone(SHANGHAI).strftime("%H:00"), "visits": r["visits"]} for r in rows]


def campaign_overview(user: User) -> dict[int, dict]:
    """Visits and cases per campaign that `user` may see: one GROUP BY, for the campaigns list."""
    rows = (
        scope_for(user)
        .filter(Visit.objects.exclude(campaign_id=None))
        .values("campaign_id")
        .annotate(visits=Count("id"), cases=Count("id", filter=_COMPLAINT))
        .order_by()
    )
    return {r["campaign_id"]: {"visits": r["visits"], "cases": r["cases"]} for r in rows}
