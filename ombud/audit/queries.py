"""Reads of the audit log."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from ombud.audit.models import AuditEntry
from ombud.audit.services import object_ref


def entries_for(obj: models.Model, *, action: str | None = None) -> QuerySet[AuditEntry]:
    """The entries about one object, oldest first (the `audit_object` index)."""
    object_type, object_id = object_ref(obj)
    qs = AuditEntry.objects.filter(object_type=object_type, object_id=object_id)
    if action:
        qs = qs.filter(action=action)
    return qs.select_related("actor").order_by("seq")
