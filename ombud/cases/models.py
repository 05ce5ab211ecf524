"""Cases (投诉/上访案件): complaints that must be resolved, and their timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.models import Site
from ombud.directory.models import Organization, Region
from ombud.intake.models import Visit


class Case(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", _("received")
        ACCEPTED = "accepted", _("accepted")
        NOT_ACCEPTED = "not_accepted", _("not accepted")
        IN_PROGRESS = "in_progress", _("in progress")
        DECIDED = "decided", _("decided")
        INFORMED = "informed", _("consumer informed")
        CLOSED = "closed", _("closed")

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="case")
    tracking_no = models.CharField(_("tracking number"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    handled_by = models.CharField(_("handled by"), max_length=16, choices=Visit.HandledBy.choices)
    # Denormalised from the visit for scoping and statistics (see directory/access.py).
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    company_root = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    resolved_on_site = models.BooleanField(_("resolved on site"), default=False)
    opened_at = models.DateTimeField(_("opened at"))
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # A company handler's queue: open cases of the company by due date.
            models.Index(fields=["company_root", "status", "due_date"], name="case_company_queue"),
        ]

    def __str__(self) -> str:
        return self.tracking_no


class CaseEvent(models.Model):
    """One entry of a case's timeline; written only through `cases/events.py`."""

    class Type(models.TextChoices):
        RESOLVED_ON_SITE = "resolved_on_site", _("resolved on site")
        PROMISED = "promised", _("resolution promised by a date")
        REFERRED = "referred", _("referred to the regulator for investigation")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="caseevent_case_time")]
