"""Reception events (大接访活动), their sites (接待点), rosters and participating organizations."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ombud.directory.models import Organization, Region, Staff


class Campaign(models.Model):
    name = models.CharField(_("name"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    organizer = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organizer"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_at", "id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="campaign_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    # A campaign's state follows from its dates alone: finishing one early moves its end to the
    # moment it was finished (campaigns/services.py: finish_campaign), so visits, attendance and
    # every page agree on when it ended.
    def status_at(self, now: datetime | None = None) -> str:
        """ "upcoming", "running" or "finished" at `now` (default: now)."""
        now = now or timezone.now()
        if now < self.starts_at:
            return "upcoming"
        return "running" if now <= self.ends_at else "finished"

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def is_live(self) -> bool:
        """Running now: only then do pages label it live and poll for new figures."""
        return self.status_at() == "running"

    @property
    def is_finished(self) -> bool:
        return self.status_at() == "finished"


class Site(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sites")
    city = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("city"))
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign_id", "city_id", "id"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="site_name_unique_in_campaign")]

    def __str__(self) -> str:
        return self.name


class SiteOrganization(models.Model):
    """An organization taking part at a site (Maoming: 21 insurers at the cultural square)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="organizations")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("participating organization")
        verbose_name_plural = _("participating organizations")
        ordering = ["site_id", "organization_id"]
        constraints = [models.UniqueConstraint(fields=["site", "organization"], name="site_organization_unique")]

    def __str__(self) -> str:
        return f"{self.site_id} · {self.organization_id}"


class RosterEntry(models.Model):
    """A person rostered to a site; executives must attend in person (SEED principle 2)."""

    class Duty(models.TextChoices):
        RECEPTION = "reception", _("reception")
        EXECUTIVE = "executive", _("executive on duty")
        COORDINATOR = "coordinator", _("coordinator")

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="roster")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="roster_entries")
    # Copied from staff at rostering so per-company attendance is one GROUP BY.
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    duty = models.CharField(_("duty"), max_length=16, choices=Duty.choices, default=Duty.RECEPTION)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    # Who pressed the button: the person themselves, the site's staff or an officer
    # (campaigns/attendance.py); null for rows from before attendance was recorded.
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["site_id", "organization_id", "id"]
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        constraints = [
            models.UniqueConstraint(fields=["site", "staff"], name="roster_unique"),
            models.CheckConstraint(
                condition=models.Q(checked_out_at__isnull=True)
                | models.Q(checked_in_at__isnull=False, checked_out_at__gte=models.F("checked_in_at")),
                name="roster_check_out_after_check_in",
            ),
        ]
        # The attendance report filters a campaign's sites by duty and groups by city/company.
        indexes = [models.Index(fields=["site", "duty"], name="roster_site_duty")]

    def __str__(self) -> str:
        return f"{self.site_id} · {self.staff_id} ({self.duty})"


class Inspection(models.Model):
    """A regulator's inspection visit to a site (检查指导): who, when, what was found."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="inspections")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("officer")
    )
    # The leader of the visit when it is not the officer who records it, e.g. "deputy director".
    led_by = models.CharField(_("led by"), max_length=100, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    issues_found = models.BooleanField(_("issues found"), default=False)
    findings = models.TextField(_("findings"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["started_at", "id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gt=models.F("started_at")),
                name="inspection_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.started_at:%Y-%m-%d %H:%M}"
