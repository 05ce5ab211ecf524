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

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, Site
from ombud.cases.models import Case
from ombud.directory.access import Scope, jurisdiction_cities, require_regulator, scope_for
from ombud.directory.models import Organization, User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks.sampling import OUTCOME_ORDER, OUTCOMES, Member, Stratum, select
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
    (Asia/Shanghai days) from `since` to `until` inclusive. One query."""
    qs = _population_qs(scope, campaign_id=campaign_id, since=since, until=until)
    rows = qs.values_list("pk", "tracking_no", "company_root_id", "visit__outcome", "decision")
    return [Member(pk, tn, company, outcome_of(vo or "", dec or "")) for pk, tn, company, vo, dec in rows]


def population_counts(
    scope: Scope, *, campaign_id: int | None = None, since: date | None = None, until: date | None = None
) -> dict[tuple[int, str], int]:
    """The size of each stratum of the same population, as one SQL aggregate."""
    qs = _population_qs(scope, campaign_id=campaign_id, since=since, until=until)
    counts: dict[tuple[int, str], int] = {}
    for row in qs.values("company_root_id", "visit__outcome", "decision").annotate(n=Count("pk")).order_by():
        key = (row["company_root_id"], outcome_of(row["visit__outcome"] or "", row["decision"] or ""))
        counts[key] = counts.get(key, 0) + row["n"]
    return counts


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
    """Draw again with the stored parameters over the population as it is now, within the
    spot check's bureau's jurisdiction. `same_sample` says whether the stored sample (case ids
    in position order) comes out again; it does not when cases joined or left the population
    since (new decisions, a case reopened by a finding)."""
    members = population(
        bureau_scope(spot_check.bureau_id),
        campaign_id=spot_check.campaign_id,
        since=spot_check.since,
        until=spot_check.until,
    )
    strata = select(members, spot_check.seed, spot_check.size_mode, spot_check.size_value)
    ids = [m.case_id for s in strata for m in s.sample]
    return Redraw(population=len(members), strata=strata, case_ids=ids, same_sample=ids == sample_ids)


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
    if since is not None:
        qs = qs.filter(case__opened_at__gte=day_start(since))
    if until is not None:
        qs = qs.filter(case__opened_at__lt=day_start(until + timedelta(days=1)))
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


# Above this population, a page view does not redraw by itself (it loads and hashes the whole
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


def describe(user: User, spot_check_id: int, *, verify: bool | None = None) -> Described:
    """A spot check with its items, its strata table (populations now, one aggregate) and,
    when `verify` is true, or not given and the population is small, a fresh redraw
    (scoped: 403/404)."""
    spot_check = access_spot_check(user, spot_check_id)
    items = list(items_of(spot_check))
    counts = population_counts(
        bureau_scope(spot_check.bureau_id),
        campaign_id=spot_check.campaign_id,
        since=spot_check.since,
        until=spot_check.until,
    )
    if verify is None:
        verify = spot_check.population <= AUTO_VERIFY_MAX
    again = redraw(spot_check, [i.case_id for i in items]) if verify else None
    table = strata_table(items, counts, spot_check.strata)
    return Described(spot_check, items, table, sum(counts.values()), again)
