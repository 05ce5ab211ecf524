"""Reads of cases, always starting from the user's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases.models import Case
from ombud.directory.access import scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.pagination import Page, newest_first


def cases_for(user: User) -> QuerySet[Case]:
    return scope_for(user).filter(Case.objects.all())


def access_case(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """Load a case the user may see (404 otherwise, never a hint that it exists)."""
    qs = cases_for(user)
    if for_update:
        # Row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway.
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("company", "company_root", "visit").get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(_("No such case.")) from None


@dataclass(frozen=True)
class CaseFilters:
    status: str | None = None
    company_id: int | None = None
    handler: str | None = None  # company | regulator
    overdue: bool | None = None
    due_before: date | None = None


def case_page(user: User, f: CaseFilters, *, cursor: str | None, limit: int) -> Page:
    """Newest first, keyset-paginated; filters on indexed columns."""
    qs = cases_for(user)
    if f.status:
        if f.status not in Case.Status.values:
            raise InvalidInput(_("Unknown status."), fields={"status": ", ".join(Case.Status.values)})
        qs = qs.filter(status=f.status)
    if f.company_id:
        qs = qs.filter(Q(company_root_id=f.company_id) | Q(company_id=f.company_id))
    if f.handler:
        if f.handler not in Visit.HandledBy.values:
            raise InvalidInput(_("Unknown handler."), fields={"handler": "company, regulator"})
        qs = qs.filter(handled_by=f.handler)
    now = timezone.now()
    if f.overdue is True:
        qs = qs.filter(due_at__lt=now)
    elif f.overdue is False:
        qs = qs.filter(Q(due_at__isnull=True) | Q(due_at__gte=now))
    if f.due_before:
        qs = qs.filter(due_date__lt=f.due_before)
    return newest_first(qs, field="opened_at", cursor=cursor, limit=limit)
