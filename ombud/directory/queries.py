"""Reads of the directory. Regions and organizations are public reference data."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from ombud.directory.models import Organization, Region
from ombud.errors import InvalidInput


def regions(*, parent: str | None = None, level: str | None = None) -> list[Mapping[str, Any]]:
    qs = Region.objects.all()
    if parent is not None:
        if not Region.objects.filter(code=parent).exists():
            raise InvalidInput(_("Unknown region code."), fields={"parent": "unknown region"})
        qs = qs.filter(parent_id=parent)
    elif level is None:
        qs = qs.filter(level=Region.Level.PROVINCE)
    if level is not None:
        if level not in Region.Level.values:
            raise InvalidInput(_("Unknown level."), fields={"level": "use province, prefecture or county"})
        qs = qs.filter(level=level)
    return list(qs.values("code", "name", "level", parent_code=F("parent_id")))


def organizations(
    *, kind: str | None = None, parent_id: int | None = None, region_code: str | None = None
) -> list[Mapping[str, Any]]:
    qs = Organization.objects.filter(is_active=True)
    if kind is not None:
        if kind not in Organization.Kind.values:
            raise InvalidInput(_("Unknown kind."), fields={"kind": "use " + ", ".join(Organization.Kind.values)})
        qs = qs.filter(kind=kind)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    if region_code is not None:
        qs = qs.filter(region_id=region_code)
    return list(
        qs.order_by("kind", "parent_id", "name").values(
            "id", "name", "kind", "parent_id", "company_type", "short_name", region_code=F("region_id")
        )
    )
