"""Who changed which policy row in the admin, and how: one audit entry per add, change or
delete (`policy.add`, `policy.change`, `policy.delete`), in the same transaction as the edit.

Policy rows hold rules, sources, weights and template texts, never personal data, so the
entry carries the changed fields' old and new values (a long text by its length and SHA-256; only
the field names when a value looks like personal data, which `record` refuses)."""

from __future__ import annotations

import hashlib
from typing import Any

from django.contrib import admin
from django.db import transaction

from ombud.audit.services import record

LONG_TEXT = 200  # longer values (template bodies) are recorded by length and digest


def _text(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    text = str(value)
    if len(text) > LONG_TEXT:
        return {"chars": len(text), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    return text


class AuditedPolicyAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        fields = [name for name in form.changed_data if name in {f.name for f in obj._meta.concrete_fields}]
        before = {}
        if change and fields:
            columns = [obj._meta.get_field(name).attname for name in fields]
            row = type(obj)._default_manager.filter(pk=obj.pk).values(*columns).first() or {}
            before = {name: row.get(column) for name, column in zip(fields, columns, strict=True)}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if change and not fields:
                return
            changes = {
                name: [_text(before.get(name)), _text(getattr(obj, obj._meta.get_field(name).attname))]
                for name in fields
            }
            action = "policy.change" if change else "policy.add"
            try:
                with transaction.atomic():
                    record(request.user, action, obj, fields=changes)
            except ValueError:
                # A value `record` will not store (it looks like personal data): the field names.
                record(request.user, action, obj, fields=sorted(changes))

    def delete_model(self, request, obj):
        with transaction.atomic():
            record(request.user, "policy.delete", obj, was=str(obj))
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                record(request.user, "policy.delete", obj, was=str(obj))
            super().delete_queryset(request, queryset)
