"""Reads of campaigns and sites, scoped to the user."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, Inspection, RosterEntry, Site
from ombud.directory.access import (
    SITE_ROLES,
    Scope,
    bureau_holding,
    has_role,
    is_company_user,
    is_regulator,
    require_regulator,
    scope_for,
    sees_everything,
)
from ombud.directory.models import Jurisdiction, Organization, Region, User
from ombud.errors import Forbidden, InvalidInput, NotFound


def campaigns_for(user: User) -> QuerySet[Campaign]:
    """Campaigns are public events: every signed-in user may list them; what each may see of
    their visits is scoped separately (directory/access.py)."""
    return Campaign.objects.select_related("region").order_by("-starts_at", "id")


def access_campaign(user: User, campaign_id: int) -> Campaign:
    try:
        return campaigns_for(user).get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise NotFound(_("No such campaign."), fields={"campaign_id": _("unknown campaign")}) from None


def access_campaign_in_jurisdiction(user: User, campaign_id: int) -> Campaign:
    """A campaign a regulator works on (call lists, reports): every campaign for a nationwide
    scope; for a bureau one it organised or with a site in its cities. Another bureau's
    campaign is a 404, as if it did not exist (directory/access.py)."""
    require_regulator(user)
    qs = campaigns_for(user)
    if not sees_everything(user):
        bureau = user.organization_id
        in_jurisdiction = Jurisdiction.objects.filter(regulator_id=bureau).filter(
            Q(region_id=OuterRef("city_id")) | Q(region_id=OuterRef("city__parent_id"))
        )
        has_site = Site.objects.filter(campaign_id=OuterRef("pk")).filter(Exists(in_jurisdiction))
        qs = qs.filter(Q(organizer_id=bureau) | Exists(has_site))
    try:
        return qs.get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise NotFound(_("No such campaign."), fields={"campaign_id": _("unknown campaign")}) from None


def campaigns_to_set_up(user: User) -> QuerySet[Campaign]:
    """Campaigns `user` sets up: every one for a nationwide scope, a bureau's those over a region
    its jurisdiction holds (`directory.access.holds_region`), nobody else's any."""
    require_regulator(user)
    qs = campaigns_for(user)
    if sees_everything(user):
        return qs
    regions = set(qs.order_by().values_list("region_id", flat=True).distinct())
    held = sorted(code for code in regions if bureau_holding(code) == user.organization_id)
    return qs.filter(region_id__in=held)


def regions_to_set_up(user: User) -> list[Region]:
    """Regions `user` may run a campaign over (the form's choices): a bureau's provinces it
    holds and its cities; every province and city for a nationwide scope."""
    require_regulator(user)
    levels = (Region.Level.PROVINCE, Region.Level.PREFECTURE)
    if sees_everything(user):
        return list(Region.objects.filter(level__in=levels).order_by("code"))
    scope = scope_for(user)
    cities = sorted(scope.city_codes or ())
    provinces = set(Region.objects.filter(code__in=cities).values_list("parent_id", flat=True)) - {None}
    held = [p for p in sorted(provinces) if bureau_holding(p) == user.organization_id]
    return list(Region.objects.filter(code__in=[*held, *cities], level__in=levels).order_by("code"))


def cities_for_sites(user: User, campaign: Campaign) -> list[Region]:
    """Cities of the campaign's region in `user`'s jurisdiction: where it may add sites."""
    scope = scope_for(user)
    qs = Region.objects.filter(
        Q(code=campaign.region_id) | Q(parent_id=campaign.region_id), level=Region.Level.PREFECTURE
    )
    return [r for r in qs.order_by("code") if scope.covers_city(r.code)]


def access_campaign_to_set_up(user: User, campaign_id: int) -> Campaign:
    """A campaign `user` may set up (403 for a non-regulator, 404 for another bureau's)."""
    try:
        return campaigns_to_set_up(user).get(pk=campaign_id)
    except Campaign.DoesNotExist:
        raise NotFound(_("No such campaign."), fields={"campaign_id": _("unknown campaign")}) from None


def sites_for(user: User, campaign: Campaign) -> QuerySet[Site]:
    qs = Site.objects.filter(campaign=campaign).select_related("city")
    if has_role(user, *SITE_ROLES):
        qs = qs.filter(roster__staff__user=user)
    return qs.order_by("city_id", "id")


def may_record_at(user: User) -> Q | Exists | None:
    """An expression true for sites where `user` may record visits; None = every site.

    The same rules as `directory.access.scope_for`, as one EXISTS computed with the site row:
    a bureau its jurisdiction, site staff their rostered sites, company staff the sites where
    their company takes part (a branch: in its cities); nobody else anywhere (fail closed).
    """
    if is_regulator(user):
        if sees_everything(user):
            return None
        return Exists(
            Jurisdiction.objects.filter(regulator_id=user.organization_id).filter(
                Q(region_id=OuterRef("city_id")) | Q(region_id=OuterRef("city__parent_id"))
            )
        )
    if has_role(user, *SITE_ROLES):
        return Exists(RosterEntry.objects.filter(site_id=OuterRef("pk"), staff__user=user))
    if is_company_user(user):
        # Company staff record at sites where their company takes part.
        from ombud.campaigns.models import SiteOrganization

        scope = scope_for(user)
        takes_part = Exists(
            SiteOrganization.objects.filter(site_id=OuterRef("pk")).filter(
                Q(organization_id=scope.company_id) | Q(organization__head_office_id=scope.company_id)
            )
        )
        if scope.company_city_codes is not None:
            return takes_part & Q(city_id__in=sorted(scope.company_city_codes))
        return takes_part
    return Q(pk__in=[])


def access_site_for_intake(user: User, site_id: int) -> Site:
    """Load a site with its campaign and city, checking that `user` may record visits there.

    One query: the permission is an EXISTS computed with the row.
    """
    qs = Site.objects.select_related("campaign", "city")
    allowed = may_record_at(user)
    if allowed is not None:
        qs = qs.annotate(allowed=allowed)
    try:
        site = qs.get(pk=site_id)
    except Site.DoesNotExist:
        raise InvalidInput(_("No such site."), fields={"site_id": _("unknown site")}) from None
    if allowed is not None and not getattr(site, "allowed", False):  # the annotation above
        raise Forbidden(_("You may not record visits at this site."), fields={"site_id": _("not your site")})
    return site


def sites_for_intake(user: User, *, at: datetime | None = None) -> QuerySet[Site]:
    """Sites of campaigns running at `at` where `user` may record visits (the form's choices):
    the same permission `access_site_for_intake` checks, as one EXISTS."""
    at = at or timezone.now()
    qs = Site.objects.filter(campaign__starts_at__lte=at, campaign__ends_at__gte=at).select_related("campaign", "city")
    allowed = may_record_at(user)
    if allowed is not None:
        qs = qs.filter(allowed)
    return qs.order_by("-campaign__starts_at", "city_id", "id")


# ---- rosters, attendance and inspections ---------------------------------------------------


def roster_q(scope: Scope) -> Q:
    """A filter on RosterEntry for what `scope` may see: a bureau its cities, site staff their
    sites, a company its own people (a branch user: in its cities)."""
    if scope.everything:
        return Q()
    if scope.sees_nothing:
        return Q(pk__in=[])
    q = Q()
    if scope.city_codes is not None:
        q &= Q(site__city_id__in=sorted(scope.city_codes))
    if scope.company_id is not None:
        q &= Q(organization__head_office_id=scope.company_id)
        if scope.company_city_codes is not None:
            q &= Q(site__city_id__in=sorted(scope.company_city_codes))
    if scope.site_ids is not None:
        q &= Q(site_id__in=sorted(scope.site_ids))
    return q


def visible_roster(user: User, scope: Scope | None = None) -> QuerySet[RosterEntry]:
    """Roster entries `user` may see: those in scope, and always their own."""
    scope = scope or scope_for(user)
    if scope.everything:
        # Q() | Q(...) would be just the second Q: Django drops an empty Q in an OR.
        return RosterEntry.objects.all()
    return RosterEntry.objects.filter(roster_q(scope) | Q(staff__user_id=user.pk))


def marks_whole_site(user: User, scope: Scope, site: Site) -> bool:
    """May `user` check in anybody on this site's roster? The bureau covering the city and the
    site's own staff may; everybody else only themselves (campaigns/attendance.py)."""
    if is_regulator(user):
        return scope.covers_city(site.city_id)
    if has_role(user, *SITE_ROLES):
        return scope.site_ids is not None and site.pk in scope.site_ids
    return False


def access_roster_site(user: User, campaign: Campaign, site_id: int, scope: Scope | None = None) -> Site:
    """A site of `campaign` whose roster `user` may open (404 otherwise): a bureau's city, a
    site staff member's site, a site where the user's company or the user is rostered."""
    scope = scope or scope_for(user)
    site = Site.objects.select_related("city", "campaign").filter(campaign=campaign, pk=site_id).first()
    if site is None:
        raise NotFound(_("No such site in this campaign."), fields={"site_id": _("unknown site")})
    if marks_whole_site(user, scope, site) or scope.everything:
        return site
    if visible_roster(user, scope).filter(site=site).exists():
        return site
    raise NotFound(_("No such site in this campaign."), fields={"site_id": _("unknown site")})


def roster_sites(user: User, campaign: Campaign) -> list[Site]:
    """Sites of `campaign` whose roster `user` may open, with roster counts (one query)."""
    scope = scope_for(user)
    visible = visible_roster(user, scope).filter(site_id=OuterRef("pk"))
    qs = Site.objects.filter(campaign=campaign).select_related("city")
    if not scope.everything:
        whole = Q(pk__in=[])
        if is_regulator(user) and scope.city_codes is not None:
            whole = Q(city_id__in=sorted(scope.city_codes))
        qs = qs.filter(whole | Exists(visible))
    return list(qs.order_by("city_id", "id"))


def inspections_scope(user: User, campaign: Campaign) -> QuerySet[Site]:
    """Sites whose inspections `user` may read: a bureau's cities, site staff their own sites;
    companies read none (403)."""
    scope = scope_for(user)
    sites = Site.objects.filter(campaign=campaign)
    if is_regulator(user):
        return sites if scope.everything else sites.filter(city_id__in=sorted(scope.city_codes or ()))
    if has_role(user, *SITE_ROLES):
        return sites.filter(pk__in=sorted(scope.site_ids or ()))
    raise Forbidden(_("Only the regulator and the site's staff see inspections."))


def inspections_for(user: User, campaign: Campaign) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(site__in=inspections_scope(user, campaign))
        .select_related("site__city", "officer")
        .order_by("started_at", "id")
    )


_EXECUTIVE = Q(duty=RosterEntry.Duty.EXECUTIVE)
_PRESENT = Q(checked_in_at__isnull=False)
COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)
ATTENDANCE_KEYS = ("executives", "executives_present", "executives_absent", "executives_late", "staff", "staff_present")


def _attendance_counts(rows: list[dict]) -> dict:
    counts = dict.fromkeys(ATTENDANCE_KEYS, 0)
    for row in rows:
        for key in ATTENDANCE_KEYS:
            counts[key] += row[key]
    rate = round(100 * counts["executives_present"] / counts["executives"], 1) if counts["executives"] else None
    return {**counts, "rate": rate}


def attendance_report(user: User, campaign_id: int) -> dict:
    """Executives' attendance per city and per company, and the absent executives by name.

    An executive is an entry rostered with duty `executive`; present = checked in; late =
    checked in after the campaign started. The counts are one GROUP BY (city, company); the
    city, company and total rows are sums of those groups; the absent list is one query. A
    company sees only its own people, a bureau its cities, site staff their sites.
    """
    campaign = access_campaign(user, campaign_id)
    scope = scope_for(user)
    if scope.sees_nothing:
        raise Forbidden(_("You may not see attendance."))
    entries = RosterEntry.objects.filter(roster_q(scope), site__campaign=campaign)
    groups = list(
        entries.values(
            "site__city_id",
            "site__city__name",
            "organization__head_office_id",
            "organization__head_office__name",
            "organization__head_office__short_name",
            "organization__kind",
        )
        .annotate(
            executives=Count("id", filter=_EXECUTIVE),
            executives_present=Count("id", filter=_EXECUTIVE & _PRESENT),
            executives_late=Count("id", filter=_EXECUTIVE & Q(checked_in_at__gt=campaign.starts_at)),
            staff=Count("id"),
            staff_present=Count("id", filter=_PRESENT),
        )
        .order_by("site__city_id", "organization__head_office_id")
    )
    for g in groups:
        g["executives_absent"] = g["executives"] - g["executives_present"]

    def company_row(g: dict) -> dict:
        return {
            "company_id": g["organization__head_office_id"],
            "company_name": g["organization__head_office__name"],
            "company_short_name": g["organization__head_office__short_name"] or g["organization__head_office__name"],
        }

    by_city: dict[str, dict] = {}
    by_company: dict[int, dict] = {}
    for g in groups:
        city = by_city.setdefault(
            g["site__city_id"], {"city_code": g["site__city_id"], "city_name": g["site__city__name"], "groups": []}
        )
        city["groups"].append(g)
        if g["organization__kind"] in COMPANY_KINDS:
            by_company.setdefault(g["organization__head_office_id"], {**company_row(g), "groups": []})["groups"].append(
                g
            )
    cities = []
    for city in by_city.values():
        companies = [
            {**company_row(g), **_attendance_counts([g])}
            for g in city["groups"]
            if g["organization__kind"] in COMPANY_KINDS
        ]
        cities.append(
            {
                "city_code": city["city_code"],
                "city_name": city["city_name"],
                **_attendance_counts(city["groups"]),
                "companies": companies,
            }
        )
    companies = sorted(
        (
            {**{k: v for k, v in c.items() if k != "groups"}, **_attendance_counts(c["groups"])}
            for c in by_company.values()
        ),
        key=lambda r: (-r["executives_absent"], -r["executives"], r["company_id"]),
    )
    absent = [
        {
            "entry_id": r["id"],
            "city_code": r["site__city_id"],
            "city_name": r["site__city__name"],
            "site_id": r["site_id"],
            "site_name": r["site__name"],
            "company_id": r["organization__head_office_id"],
            "company_name": r["organization__head_office__name"],
            "organization_id": r["organization_id"],
            "organization_name": r["organization__name"],
            "name": r["staff__name"],
            "title": r["staff__title"],
            "rank": r["staff__rank"],
        }
        for r in entries.filter(_EXECUTIVE, checked_in_at__isnull=True)
        .values(
            "id",
            "site__city_id",
            "site__city__name",
            "site_id",
            "site__name",
            "organization__head_office_id",
            "organization__head_office__name",
            "organization_id",
            "organization__name",
            "staff__name",
            "staff__title",
            "staff__rank",
        )
        .order_by("site__city_id", "organization__head_office_id", "-staff__rank", "staff__name", "id")
    ]
    return {
        "campaign_id": campaign.pk,
        "campaign_name": campaign.name,
        # Until the campaign ends, "absent" means "not checked in yet".
        "final": timezone.now() > campaign.ends_at,
        **_attendance_counts(groups),
        "by_city": cities,
        "by_company": companies,
        "absent": absent,
    }


def roster_for(
    user: User,
    campaign: Campaign,
    *,
    site_id: int | None = None,
    duty: str | None = None,
    name: str = "",
    present: bool | None = None,
) -> QuerySet[RosterEntry]:
    """The campaign's roster as `user` may see it, filtered; with person, company and site."""
    scope = scope_for(user)
    qs = visible_roster(user, scope).filter(site__campaign=campaign)
    if site_id is not None:
        try:
            access_roster_site(user, campaign, site_id, scope)
        except NotFound as e:
            raise InvalidInput(e.message, fields=e.fields) from None
        qs = qs.filter(site_id=site_id)
    return filter_roster(qs, duty=duty, name=name, present=present).select_related(
        "staff", "organization__head_office", "site__city"
    )


def filter_roster(
    qs: QuerySet[RosterEntry], *, duty: str | None = None, name: str = "", present: bool | None = None
) -> QuerySet[RosterEntry]:
    """The one roster filter, in SQL, of the API (`roster_for`) and the site's roster page:
    by duty, by a part of the person's name, by checked in or not."""
    if duty:
        if duty not in RosterEntry.Duty.values:
            raise InvalidInput(
                _("Unknown duty; use one of: %s.") % ", ".join(RosterEntry.Duty.values),
                fields={"duty": _("unknown duty")},
            )
        qs = qs.filter(duty=duty)
    if name.strip():
        qs = qs.filter(staff__name__contains=name.strip())
    if present is not None:
        qs = qs.filter(checked_in_at__isnull=not present)
    return qs


def site_counts(user: User, site: Site, scope: Scope | None = None) -> dict:
    """Executives and everybody rostered at `site` that `user` sees, and how many checked in."""
    return (
        visible_roster(user, scope)
        .filter(site=site)
        .aggregate(
            executives=Count("id", filter=_EXECUTIVE),
            executives_present=Count("id", filter=_EXECUTIVE & _PRESENT),
            staff=Count("id"),
            staff_present=Count("id", filter=_PRESENT),
        )
    )
