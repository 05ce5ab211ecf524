"""Reads of cases, always starting from the user's scope."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ombud.cases.models import Case
from ombud.directory.access import scope_for
from ombud.directory.models import User
from ombud.errors import NotFound


def cases_for(user: User) -> QuerySet[Case]:
    return scope_for(user).filter(Case.objects.all())


def access_case(user: User, case_id: int, *, for_update: bool = False) -> Case:
    """Load a case the user may see (404 otherwise, never a hint that it exists)."""
    qs = cases_for(user)
    if for_update:
        # Row lock on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers anyway.
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("company", "company_root").get(pk=case_id)
    except Case.DoesNotExist:
        raise NotFound(_("No such case.")) from None
