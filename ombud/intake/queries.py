"""Reads of visits, always starting from the user's scope."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ombud.campaigns.models import Site
from ombud.campaigns.queries import campaigns_for
from ombud.directory.access import scope_for
from ombud.directory.models import Organization, User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import ProductLine, Visit
from ombud.pagination import Page, newest_first

COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)


def visits_for(user: User) -> QuerySet[Visit]:
    return scope_for(user).filter(Visit.objects.all())


def access_visit(user: User, visit_id: int) -> Visit:
    visit = (
        visits_for(user)
        .select_related("site", "city", "company", "practitioner", "product_line", "campaign")
        .filter(pk=visit_id)
        .first()
    )
    if visit is None:
        raise NotFound(_("No such visit."))
    return visit


@dataclass(frozen=True)
class VisitFilters:
    campaign_id: int | None = None
    site_id: int | None = None
    city_code: str | None = None
    kind: str | None = None
    outcome: str | None = None
    company_id: int | None = None
    tracking_no: str | None = None


def filtered_visits(user: User, f: VisitFilters) -> QuerySet[Visit]:
    qs = visits_for(user)
    if f.kind:
        if f.kind not in Visit.Kind.values:
            raise InvalidInput(_("Unknown kind."), fields={"kind": "unknown"})
        qs = qs.filter(kind=f.kind)
    if f.outcome:
        if f.outcome not in Visit.Outcome.values and f.outcome != "referred":
            raise InvalidInput(_("Unknown outcome."), fields={"outcome": "unknown"})
        qs = (
            qs.filter(outcome=Visit.Outcome.TIME_LIMITED, handled_by=Visit.HandledBy.REGULATOR)
            if f.outcome == "referred"
            else qs.filter(outcome=f.outcome)
        )
    if f.campaign_id:
        qs = qs.filter(campaign_id=f.campaign_id)
    if f.site_id:
        qs = qs.filter(site_id=f.site_id)
    if f.city_code:
        qs = qs.filter(city_id=f.city_code)
    if f.company_id:
        qs = qs.filter(Q(company_root_id=f.company_id) | Q(company_id=f.company_id))
    if f.tracking_no:
        qs = qs.filter(tracking_no=f.tracking_no.replace(" ", ""))
    return qs


def visit_page(user: User, f: VisitFilters, *, cursor: str | None, limit: int) -> Page:
    qs = filtered_visits(user, f).select_related("site", "city", "company", "product_line")
    return newest_first(qs, field="received_at", cursor=cursor, limit=limit)


# ---- the site intake form ------------------------------------------------------------------


def intake_companies(city_codes: set[str] | frozenset[str]) -> list[Mapping[str, Any]]:
    """Insurers (and intermediaries) a visit can name: head offices and the branches in the
    given cities, by name. Public reference data, one query."""
    return list(
        Organization.objects.filter(kind__in=COMPANY_KINDS, is_active=True)
        .filter(Q(parent_id=None) | Q(region_id__in=sorted(city_codes)))
        .order_by("name")
        .values("id", "name", "short_name", "parent_id")
    )


def company_id_by_name(text: str) -> int | None:
    """The company a receptionist typed: its full name, or the short name of a head office."""
    text = text.strip()
    if not text:
        return None
    ids = list(
        Organization.objects.filter(kind__in=COMPANY_KINDS)
        .filter(Q(name=text) | Q(short_name=text, parent_id=None))
        .order_by("kind", "id")
        .values_list("id", "name")[:3]
    )
    exact = [pk for pk, name in ids if name == text]
    if exact:
        return exact[0]
    return ids[0][0] if len(ids) == 1 else None


def product_line_choices(language: str) -> list[tuple[str, str]]:
    """Active product lines as (code, name in the UI language)."""
    rows = ProductLine.objects.filter(is_active=True).order_by("sort", "code").values_list("code", "name_zh", "name_en")
    zh = language.startswith("zh")
    return [(code, name_zh if zh else name_en) for code, name_zh, name_en in rows]


def filter_choices(user: User) -> dict:
    """What the visits list can be filtered by, limited to what `user` may see."""
    scope = scope_for(user)
    sites = Site.objects.select_related("city", "campaign").order_by("-campaign__starts_at", "city_id", "id")
    if scope.site_ids is not None:
        sites = sites.filter(pk__in=sorted(scope.site_ids))
    elif scope.city_codes is not None:
        sites = sites.filter(city_id__in=sorted(scope.city_codes))
    elif scope.company_city_codes is not None:
        sites = sites.filter(city_id__in=sorted(scope.company_city_codes))
    elif scope.sees_nothing:
        sites = sites.none()
    site_rows = list(sites.values("id", "name", "city_id", "city__name", "campaign_id"))
    companies = Organization.objects.filter(kind__in=COMPANY_KINDS, parent_id=None)
    if scope.company_id is not None:
        companies = companies.filter(pk=scope.company_id)
    return {
        "campaigns": list(campaigns_for(user).values_list("id", "name")),
        "sites": [(r["id"], f"{r['city__name']} · {r['name']}") for r in site_rows],
        "cities": sorted({(r["city_id"], r["city__name"]) for r in site_rows}),
        "companies": list(companies.order_by("name").values_list("id", "name")),
    }
