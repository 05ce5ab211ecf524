"""The audit log: append-only entries, each sealed with the hash of the one before.

An entry records who did what to which object (the opening of a consumer's unmasked phone
number, a call list built with its seed, ...). Its `hash` is an HMAC-SHA256, under a key kept
outside the database (`settings.AUDIT_KEY`), over a canonical JSON of its own fields and
`prev_hash`, the previous entry's hash, so that changing or removing any entry breaks the chain
from there on and `audit.services.verify()` reports where; without the key nobody can
recompute a valid chain. Entries written before the chain was keyed keep their plain SHA-256
(`alg`), sealed by the first keyed entry. Entries are written only by
`audit.services.record()`; nothing updates or deletes them (docs/audit.md): the ORM refuses,
and so do triggers on PostgreSQL and SQLite.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("the audit log is append-only: entries are never updated")

    def delete(self):
        raise AppendOnly("the audit log is append-only: entries are never deleted")


class Alg(models.TextChoices):
    """How an entry's hash is computed (audit.services.entry_hash)."""

    LEGACY = "sha256", _("SHA-256 (written before the chain was keyed)")
    KEYED = "hmac-sha256", _("HMAC-SHA256 (keyed)")


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField(_("sequence number"), unique=True)
    at = models.DateTimeField(_("at"))
    # PROTECT: a user who appears in the log cannot be deleted (deactivate instead); the hash
    # covers the actor's id, so SET_NULL would break the chain.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    # Facts about the action, never clear personal data (which field was opened, a tracking no).
    data = models.JSONField(_("data"), default=dict, blank=True)
    # Unique: no two entries may follow the same one, so the chain cannot fork even if the
    # append lock were bypassed; the second writer gets an IntegrityError instead.
    prev_hash = models.CharField(_("previous hash"), max_length=64, unique=True)
    hash = models.CharField(_("hash"), max_length=64, unique=True)
    alg = models.CharField(_("algorithm"), max_length=16, choices=Alg.choices)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id", "seq"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("the audit log is append-only: entries are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("the audit log is append-only: entries are never deleted")
