"""Reads of the backlog import: who may import, the companies and cities a file names, and
those a user may name (the template's sheet of allowed values)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from ombud.directory.access import REGULATOR_ROLES, has_role, scope_for
from ombud.directory.models import Organization, Region, User

COMPANY_KINDS = (Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY)
# Regulator officers and admins (for their jurisdiction) and company complaint handlers (for
# their own company) import backlogs; executives, site staff and others do not.
IMPORT_ROLES: tuple[str, ...] = (*REGULATOR_ROLES, User.Role.COMPANY_HANDLER)


def may_import(user: User) -> bool:
    """Regulator officers and admins (for their jurisdiction) and company complaint handlers
    (for their own company) import backlogs; executives, site staff and others do not."""
    return has_role(user, *IMPORT_ROLES)


def companies_named(names: Iterable[str]) -> dict[str, list[int]]:
    """Insurers and intermediaries by exact name → their ids (more than one: the name is ambiguous)."""
    found: dict[str, list[int]] = {}
    rows = Organization.objects.filter(name__in=sorted(names), kind__in=COMPANY_KINDS).values_list("pk", "name")
    for pk, name in rows:
        found.setdefault(name, []).append(pk)
    return found


def cities_named(names: Iterable[str]) -> dict[str, list[str]]:
    """Prefecture-level cities by exact name → their GB/T 2260 codes."""
    found: dict[str, list[str]] = {}
    rows = Region.objects.filter(level=Region.Level.PREFECTURE, name__in=sorted(names)).values_list("code", "name")
    for code, name in rows:
        found.setdefault(name, []).append(code)
    return found


def companies_for(user: User) -> list[tuple[int, str, str]]:
    """(id, name, head office name) of the active companies the user may import cases for."""
    qs = Organization.objects.filter(kind__in=COMPANY_KINDS, is_active=True)
    if user.is_company_user:
        org = user.organization
        head = (org.head_office_id or org.pk) if org else None
        qs = qs.filter(head_office_id=head)
    elif not user.is_regulator:
        qs = qs.none()
    return list(qs.order_by("head_office__name", "parent_id", "name").values_list("pk", "name", "head_office__name"))


def cities_for(user: User) -> list[tuple[str, str]]:
    """(code, name) of the prefecture-level cities in the user's scope."""
    scope = scope_for(user)
    qs = Region.objects.filter(level=Region.Level.PREFECTURE)
    if scope.city_codes is not None:
        qs = qs.filter(code__in=sorted(scope.city_codes))
    elif scope.company_city_codes is not None:
        qs = qs.filter(code__in=sorted(scope.company_city_codes))
    elif not scope.everything and scope.company_id is None:
        qs = qs.filter(Q(pk__in=[]))
    return list(qs.order_by("code").values_list("code", "name"))
