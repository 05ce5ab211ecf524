"""Project-level tables: the fingerprints of the personal-data keys (ombud/keyring.py)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KeyFingerprint(models.Model):
    """A key this database's ciphertexts may be under, named by its fingerprint (never the key).

    `current` encrypts new data; `retiring` keys still hold ciphertexts (a rotation is under
    way); `retired` keys hold none (rotate-key verified it) and are no longer needed."""

    class Kind(models.TextChoices):
        ENCRYPTION = "encryption", _("personal-data encryption key")
        INDEX = "index", _("blind-index key")
        AUDIT = "audit", _("audit chain key")

    class State(models.TextChoices):
        CURRENT = "current", _("current")
        RETIRING = "retiring", _("retiring")
        RETIRED = "retired", _("retired")

    kind = models.CharField(max_length=16, choices=Kind.choices)
    fingerprint = models.CharField(max_length=32)
    state = models.CharField(max_length=16, choices=State.choices)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = _("key fingerprints")
        constraints = [models.UniqueConstraint(fields=["kind", "fingerprint"], name="ombud_key_fingerprint_unique")]
        verbose_name = _("key fingerprint")

    def __str__(self) -> str:
        return f"{self.kind} {self.fingerprint} ({self.state})"
