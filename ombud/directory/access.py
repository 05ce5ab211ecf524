"""What a user may see: one `Scope` per request, applied where data is fetched.

List queries start from `scope.filter(queryset)`; single objects are loaded through `access_*`
helpers in each app that fetch *and* check in one step, so loading without checking is never
the easy path. Scoping uses the denormalised `city_id`, `company_root_id` and `site_id` columns
that visits and cases carry, so every check is an indexed equality or IN.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ombud.directory.models import Jurisdiction, Organization, Region, User


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    city_codes: frozenset[str] | None = None  # prefecture-level cities visible (regulators)
    company_id: int | None = None  # head office whose records are visible (company users)
    company_city_codes: frozenset[str] | None = None  # a branch user's cities within its company
    site_ids: frozenset[int] | None = None  # sites a site staff member is rostered to

    @property
    def sees_nothing(self) -> bool:
        return not self.everything and self.city_codes is None and self.company_id is None and (self.site_ids is None)

    def q(self, prefix: str = "") -> Q:
        """A filter for any model carrying city_id, company_root_id and site_id columns."""
        if self.everything:
            return Q()
        if self.sees_nothing:
            return Q(pk__in=[])
        q = Q()
        if self.city_codes is not None:
            q &= Q(**{f"{prefix}city_id__in": sorted(self.city_codes)})
        if self.company_id is not None:
            q &= Q(**{f"{prefix}company_root_id": self.company_id})
            if self.company_city_codes is not None:
                q &= Q(**{f"{prefix}city_id__in": sorted(self.company_city_codes)})
        if self.site_ids is not None:
            q &= Q(**{f"{prefix}site_id__in": sorted(self.site_ids)})
        return q

    def filter(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(self.q())

    def covers_city(self, city_code: str) -> bool:
        return self.everything or (self.city_codes is not None and city_code in self.city_codes)


def cities_under(region_codes: list[str]) -> frozenset[str]:
    """Prefecture-level city codes in or under the given regions."""
    cities = set(
        Region.objects.filter(
            Q(code__in=region_codes, level=Region.Level.PREFECTURE)
            | Q(parent_id__in=region_codes, level=Region.Level.PREFECTURE)
        ).values_list("code", flat=True)
    )
    # A county in a jurisdiction list still means its city's records are partly visible;
    # county-level scoping is not modelled yet, so it grants the city.
    cities |= set(
        Region.objects.filter(code__in=region_codes, level=Region.Level.COUNTY).values_list("parent_id", flat=True)
    )
    return frozenset(cities)


def jurisdiction_cities(regulator_id: int) -> frozenset[str]:
    codes = list(Jurisdiction.objects.filter(regulator_id=regulator_id).values_list("region_id", flat=True))
    return cities_under(codes)


def scope_for(user: User) -> Scope:
    if not user.is_active:
        return Scope()
    role = user.effective_role
    org: Organization | None = user.organization
    if user.is_superuser or (role == User.Role.REGULATOR_ADMIN and user.nationwide):
        return Scope(everything=True)
    if role in (User.Role.REGULATOR_ADMIN, User.Role.REGULATOR_OFFICER):
        # Fail closed: a regulator account without a bureau sees nothing (ombud.W001 reports it).
        if org is None:
            return Scope()
        return Scope(city_codes=jurisdiction_cities(org.pk))
    if role in (User.Role.COMPANY_HANDLER, User.Role.EXECUTIVE) and org is not None:
        head = org.head_office_id or org.pk
        if org.pk == head or org.region_id is None:
            return Scope(company_id=head)
        return Scope(company_id=head, company_city_codes=cities_under([org.region_id]))
    if role == User.Role.SITE_STAFF:
        from ombud.campaigns.queries import site_ids_for_user

        return Scope(site_ids=frozenset(site_ids_for_user(user)))
    return Scope()
