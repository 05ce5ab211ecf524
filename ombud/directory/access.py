"""Who may see and do what: every access rule of Ombud, in one module.

- **Scopes.** `scope_for(user)` gives the one `Scope` a user has (everything / a bureau's
  cities / a company / rostered sites / nothing); lists start from `scope.filter(queryset)`,
  single objects are loaded through `access_*` helpers in each app that fetch *and* check in
  one step, so loading without checking is never the easy path. Scoping uses the denormalised
  `city_id`, `company_root_id`, `site_id` (and, for cases without a city, `bureau_id`)
  columns, so every check is an indexed equality or IN.
- **Fail closed.** Only a Django superuser, or a regulator admin with the explicit
  `nationwide` flag, sees everything. A regulator or company account without an organization,
  an inactive account and an account without a role see nothing and may do nothing; the
  system check `ombud.W001` (`ombud check`) lists regulator accounts left without a bureau.
- **Roles.** Services call `require_role(user, *roles)` / `require_regulator(user)` /
  `require_company_user(user)`, which raise `Forbidden` (403); writes check the place with
  `require_city(user, city)` / `holds_region(user, region)`.
- **Pages.** `@page(*roles)` is the one decorator of a page view (sign-in, then the roles);
  `DomainErrorPageMiddleware` turns a `NotFound` or `Forbidden` raised in a page view into the
  404 or 403 page (the API maps every `DomainError` to JSON itself, ombud/api.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core import checks
from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _

from ombud.directory.models import Jurisdiction, Organization, Region, Staff, User
from ombud.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from ombud.http import AuthedRequest

REGULATOR_ROLES = (User.Role.REGULATOR_ADMIN, User.Role.REGULATOR_OFFICER)
COMPANY_ROLES = (User.Role.COMPANY_HANDLER, User.Role.EXECUTIVE)
SITE_ROLES = (User.Role.SITE_STAFF,)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    city_codes: frozenset[str] | None = None  # prefecture-level cities visible (regulators)
    bureau_id: int | None = None  # the regulator's bureau: its cases without a city (Case.bureau)
    company_id: int | None = None  # head office whose records are visible (company users)
    company_city_codes: frozenset[str] | None = None  # a branch user's cities within its company
    site_ids: frozenset[int] | None = None  # sites a site staff member is rostered to

    @property
    def sees_nothing(self) -> bool:
        return not self.everything and self.city_codes is None and self.company_id is None and (self.site_ids is None)

    def q(self, prefix: str = "", *, bureau: str | Callable[[int], Q] | None = "bureau_id") -> Q:
        """A filter for any model carrying city_id, company_root_id and site_id columns.

        `bureau` names the supervising-bureau column (relative to `prefix`) of a case without
        a city, or gives the filter on it for a bureau's id, or is None for a model that has
        none: a bureau sees its cities' records and its own city-less cases (a complaint
        against a head office filed without a city).
        """
        if self.everything:
            return Q()
        if self.sees_nothing:
            return Q(pk__in=[])
        q = Q()
        if self.city_codes is not None:
            cities = Q(**{f"{prefix}city_id__in": sorted(self.city_codes)})
            if bureau is not None and self.bureau_id is not None:
                own = bureau(self.bureau_id) if callable(bureau) else Q(**{f"{prefix}{bureau}": self.bureau_id})
                cities |= Q(**{f"{prefix}city_id__isnull": True}) & own
            q &= cities
        if self.company_id is not None:
            q &= Q(**{f"{prefix}company_root_id": self.company_id})
            if self.company_city_codes is not None:
                q &= Q(**{f"{prefix}city_id__in": sorted(self.company_city_codes)})
        if self.site_ids is not None:
            q &= Q(**{f"{prefix}site_id__in": sorted(self.site_ids)})
        return q

    def filter(self, queryset: QuerySet) -> QuerySet:
        return queryset.filter(self.q(bureau=_bureau_lookup(queryset.model)))

    def covers_city(self, city_code: str) -> bool:
        return self.everything or (self.city_codes is not None and city_code in self.city_codes)

    def covers_case(self, city_code: str | None, bureau_id: int | None) -> bool:
        """Does a regulator's scope hold a case of this city (or, without one, of this bureau)?"""
        if self.everything:
            return True
        if city_code:
            return self.covers_city(city_code)
        return self.bureau_id is not None and bureau_id == self.bureau_id


def _bureau_lookup(model: type[Model]) -> str | Callable[[int], Q] | None:
    """The supervising-bureau column of a case, seen from `model`: a case's own; for a visit,
    the visits of the bureau's city-less cases, as a subquery on the cases' bureau index (a
    join would make PostgreSQL hash every case to count one campaign's visits: 0.6 s at a
    million cases); None for models without one."""
    names = {f.name for f in model._meta.get_fields()}
    if "bureau" in names and "city" in names:
        return "bureau_id"
    if "case" in names and "city" in names:
        rel = model._meta.get_field("case")
        cases, visit_column = rel.related_model._base_manager, rel.field.attname  # type: ignore[union-attr]

        def visits_of_bureau(bureau_id: int) -> Q:
            return Q(pk__in=cases.filter(bureau_id=bureau_id, city_id__isnull=True).values(visit_column))

        return visits_of_bureau
    return None


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


def sees_everything(user: Any) -> bool:
    """Only an active superuser, or an active regulator admin with the nationwide flag."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or (user.effective_role == User.Role.REGULATOR_ADMIN and user.nationwide)


def scope_for(user: User) -> Scope:
    if not user.is_active:
        return Scope()
    role = user.effective_role
    org: Organization | None = user.organization
    if sees_everything(user):
        return Scope(everything=True)
    if role in REGULATOR_ROLES:
        # Fail closed: a regulator account without a bureau sees nothing (ombud.W001 reports it).
        if org is None:
            return Scope()
        return Scope(city_codes=jurisdiction_cities(org.pk), bureau_id=org.pk)
    if role in COMPANY_ROLES and org is not None:
        head = org.head_office_id or org.pk
        if org.pk == head or org.region_id is None:
            return Scope(company_id=head)
        return Scope(company_id=head, company_city_codes=cities_under([org.region_id]))
    if role == User.Role.SITE_STAFF:
        # The sites the staff member is rostered to, through the reverse relation of
        # campaigns' RosterEntry.staff: directory sits below campaigns and imports nothing of it.
        rostered = Staff.objects.filter(user=user, roster_entries__isnull=False).order_by()
        return Scope(site_ids=frozenset(rostered.values_list("roster_entries__site_id", flat=True)))
    return Scope()


# ---- roles ---------------------------------------------------------------------------------------


def has_role(user: Any, *roles: str) -> bool:
    """Is `user` signed in, active, of one of `roles` and attached where the role needs it?

    A regulator needs a bureau (or to see everything), a company user its organization: an
    account missing one holds the role's name but none of its rights.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    role = user.effective_role
    if role not in roles:
        return False
    if role in REGULATOR_ROLES:
        return user.organization_id is not None or sees_everything(user)
    if role in COMPANY_ROLES:
        return user.organization_id is not None
    return True


def require_role(user: Any, *roles: str, message: str | None = None) -> None:
    """Raise Forbidden (403) unless `has_role(user, *roles)`."""
    if not has_role(user, *roles):
        raise Forbidden(message or _("Your account may not do this."))


def is_regulator(user: Any) -> bool:
    return has_role(user, *REGULATOR_ROLES)


def is_company_user(user: Any) -> bool:
    return has_role(user, *COMPANY_ROLES)


def require_regulator(user: Any, message: str | None = None) -> None:
    """A regulator with a bureau (or nationwide); Forbidden otherwise."""
    require_role(user, *REGULATOR_ROLES, message=message or _("Only the regulator's officers may do this."))


def require_company_user(user: Any, message: str | None = None) -> None:
    """A company handler or executive of an organization; Forbidden otherwise."""
    require_role(user, *COMPANY_ROLES, message=message or _("Only a company's staff may do this."))


# ---- places: may this user write here? ----------------------------------------------------------


def bureau_holding(region_code: str) -> int | None:
    """The bureau whose jurisdiction holds a region: for a city (a county: its city) the bureau
    supervising it; for a province the bureau supervising the province itself or most of its
    cities (Guangdong's bureau holds Guangdong; Shenzhen's, with one of its 21 cities, does
    not). None when no bureau does."""
    region = Region.objects.filter(code=region_code).only("code", "level", "parent_id").first()
    if region is None:
        return None
    if region.level == Region.Level.PROVINCE:
        direct = Jurisdiction.objects.filter(region_id=region.code).values_list("regulator_id", flat=True).first()
        if direct is not None:
            return direct
        cities = list(
            Region.objects.filter(parent_id=region.code, level=Region.Level.PREFECTURE).values_list("code", flat=True)
        )
        counts = Counter(Jurisdiction.objects.filter(region_id__in=cities).values_list("regulator_id", flat=True))
        if counts:
            best, held = min(counts.items(), key=lambda item: (-item[1], item[0]))
            if 2 * held > len(cities):
                return best
        return None
    city = region.code if region.level == Region.Level.PREFECTURE else region.parent_id
    rows = dict(
        Jurisdiction.objects.filter(region_id__in=[region.code, city])
        .order_by("-region_id")
        .values_list("region_id", "regulator_id")
    )
    # The most specific row first: the county's own, then its city's.
    for code in (region.code, city):
        if code in rows:
            return rows[code]
    # A bureau supervising the whole province holds each of its cities.
    province = Region.objects.filter(code=city).values_list("parent_id", flat=True).first()
    return Jurisdiction.objects.filter(region_id=province).values_list("regulator_id", flat=True).first()


def holds_region(user: User, region_code: str) -> bool:
    """May a regulator act over a whole region (e.g. a campaign's)? A nationwide scope may; a
    bureau when its jurisdiction holds the region (`bureau_holding`)."""
    if not is_regulator(user):
        return False
    scope = scope_for(user)
    if scope.everything:
        return True
    return scope.bureau_id is not None and bureau_holding(region_code) == scope.bureau_id


def require_city(user: User, city_code: str, *, company_root_id: int | None = None, scope: Scope | None = None) -> None:
    """May `user` record something in this city (about this company)? Regulators inside their
    jurisdiction, company users about their own company in its cities (a branch user: its
    city); site staff only at their sites (never by city); accounts without a role nowhere."""
    scope = scope if scope is not None else scope_for(user)
    outside = _("This city is outside your jurisdiction.")
    if is_regulator(user):
        if not scope.covers_city(city_code):
            raise Forbidden(outside, fields={"city_code": _("outside your jurisdiction")})
        return
    if is_company_user(user):
        _require_own_company(scope, company_root_id)
        if scope.company_city_codes is not None and city_code not in scope.company_city_codes:
            raise Forbidden(
                _("This city is outside your branch's area."), fields={"city_code": _("outside your branch's area")}
            )
        return
    raise Forbidden(_("Your account may not record visits without a site."))


def require_bureau(
    user: User, bureau_id: int, *, company_root_id: int | None = None, scope: Scope | None = None
) -> None:
    """May `user` file a case without a city that `bureau_id` supervises? That bureau's
    officers (or a nationwide admin), and a company's head-office users about their company."""
    scope = scope if scope is not None else scope_for(user)
    if is_regulator(user):
        if not (scope.everything or scope.bureau_id == bureau_id):
            raise Forbidden(
                _("This company is supervised by another bureau."), fields={"company_id": _("another bureau's")}
            )
        return
    if is_company_user(user):
        _require_own_company(scope, company_root_id)
        if scope.company_city_codes is not None:
            raise Forbidden(
                _("Give the consumer's city: a branch records only in its own city."),
                fields={"city_code": _("required for a branch")},
            )
        return
    raise Forbidden(_("Your account may not record complaints."))


def _require_own_company(scope: Scope, company_root_id: int | None) -> None:
    if company_root_id is None or company_root_id != scope.company_id:
        raise Forbidden(
            _("You may record visits only about your own company."), fields={"company_id": _("not your company")}
        )


# ---- pages ---------------------------------------------------------------------------------------


_P = ParamSpec("_P")
_R = TypeVar("_R", bound=HttpResponseBase)


def page(
    *roles: str,
) -> Callable[[Callable[Concatenate[AuthedRequest, _P], _R]], Callable[Concatenate[HttpRequest, _P], _R]]:
    """The one decorator of a page view: sign-in required (redirect to the login page), then,
    when `roles` are given, one of them (403 page otherwise). The view may take its request as
    an `ombud.http.AuthedRequest`: no anonymous request gets past this decorator."""

    def decorate(view: Callable[Concatenate[AuthedRequest, _P], _R]) -> Callable[Concatenate[HttpRequest, _P], _R]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: _P.args, **kwargs: _P.kwargs) -> _R:
            if roles:
                require_role(request.user, *roles)
            # login_required (below) let only a signed-in user through: this is where a page
            # request becomes an AuthedRequest.
            return view(cast("AuthedRequest", request), *args, **kwargs)

        return login_required(wrapped)

    return decorate


class DomainErrorPageMiddleware:
    """A `NotFound` or `Forbidden` that a page view lets through becomes the 404 or 403 page,
    so that views never translate them by hand. The API answers them as JSON before this
    runs (ombud/api.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, NotFound):
            return response_for_exception(request, Http404(str(exception.message)))
        if isinstance(exception, Forbidden):
            return response_for_exception(request, PermissionDenied(str(exception.message)))
        return None


# ---- `ombud check` -------------------------------------------------------------------------------


def check_regulators_have_a_bureau(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """ombud.W001: active regulator accounts without a bureau and without the nationwide flag
    see nothing; an admin should attach them to a bureau (or mark a national admin)."""
    from django.db import DatabaseError

    try:
        names = list(
            User.objects.filter(is_active=True, is_superuser=False, role__in=REGULATOR_ROLES, organization__isnull=True)
            .exclude(role=User.Role.REGULATOR_ADMIN, nationwide=True)
            .order_by("username")
            .values_list("username", flat=True)[:50]
        )
    except DatabaseError:
        return []  # no database yet (before `migrate`): nothing to report
    if not names:
        return []
    return [
        checks.Warning(
            f"Regulator accounts without a bureau see nothing: {', '.join(names)}.",
            hint="Give each account its bureau (organization), or, for a national admin, the role "
            "regulator_admin with the nationwide flag.",
            obj="directory.User",
            id="ombud.W001",
        )
    ]
