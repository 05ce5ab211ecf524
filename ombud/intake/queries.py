"""Reads of visits, always starting from the user's scope."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from ombud.directory.access import scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.pagination import Page, newest_first


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
