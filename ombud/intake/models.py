"""Visits (来访人次) of every channel and kind, and the policy tables intake reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.models import Campaign, Site
from ombud.directory.models import Organization, Practitioner, Region
from ombud.personal_data import EncryptedTextField, mask_id_number, mask_name, mask_phone


class ProductLine(models.Model):
    """An insurance line (险种); data, so that a regulator can add lines without a release."""

    code = models.CharField(_("code"), max_length=32, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64)
    company_type = models.CharField(_("company type"), max_length=24, choices=Organization.CompanyType.choices)
    sort = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name_zh


class Visit(models.Model):
    class Kind(models.TextChoices):
        COMPLAINT = "complaint", _("complaint")
        CONSULTATION = "consultation", _("consultation")
        SUGGESTION = "suggestion", _("suggestion")

    class Channel(models.TextChoices):
        ON_SITE = "on_site", _("on site")
        ONLINE = "online", _("online")
        PHONE = "phone", _("phone")
        LETTER = "letter", _("letter")
        RECEPTION_DAY = "reception_day", _("director's reception day")

    class Outcome(models.TextChoices):
        RESOLVED_ON_SITE = "resolved_on_site", _("resolved on site")
        TIME_LIMITED = "time_limited", _("time-limited")

    class HandledBy(models.TextChoices):
        COMPANY = "company", _("company")
        REGULATOR = "regulator", _("regulator (referred for investigation)")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="visits")
    city = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    visitor_name = EncryptedTextField(_("visitor name"))
    visitor_phone = EncryptedTextField(_("visitor phone"), blank=True)
    visitor_id_number = EncryptedTextField(_("visitor ID-card number"), blank=True)
    # Keyed digest of the phone, to find a consumer's other visits without a clear value.
    visitor_phone_index = models.CharField(max_length=32, blank=True, db_index=True)

    company = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    company_root = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    practitioner = models.ForeignKey(Practitioner, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    product_line = models.ForeignKey(ProductLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(_("summary"))

    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    handled_by = models.CharField(_("handled by"), max_length=16, choices=HandledBy.choices, blank=True)

    tracking_no = models.CharField(_("tracking number"), max_length=16, unique=True)
    secret_code = EncryptedTextField(_("secret code"))
    received_at = models.DateTimeField(_("received at"))  # indexed with the id (visit_recent)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            # The campaign report and its dashboard, every 5 seconds: every column their counts
            # group, scope, filter and count on, so that they read the index alone.
            models.Index(
                fields=[
                    "campaign",
                    "city",
                    "company_root",
                    "site",
                    "kind",
                    "outcome",
                    "handled_by",
                    "practitioner",
                    "received_at",
                    "id",
                ],
                condition=models.Q(campaign__isnull=False),
                name="visit_campaign_figures",
            ),
            # The visits list of a site, newest first (keyset pagination).
            models.Index(fields=["site", "-received_at", "-id"], name="visit_site_recent"),
            # The visits lists newest first: everyone's, a campaign's and a company's (keyset on
            # (received_at, id), ombud/pagination.py).
            models.Index(fields=["-received_at", "-id"], name="visit_recent"),
            models.Index(fields=["campaign", "-received_at", "-id"], name="visit_campaign_recent"),
            models.Index(fields=["company_root", "-received_at", "-id"], name="visit_company_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="complaint", channel="on_site")
                | models.Q(outcome__in=["resolved_on_site", "time_limited"]),
                name="visit_on_site_complaint_has_outcome",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="complaint") | models.Q(outcome=""),
                name="visit_outcome_only_for_complaints",
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome="time_limited") | models.Q(due_date__isnull=False),
                name="visit_time_limited_has_due_date",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no

    @property
    def masked_name(self) -> str:
        return mask_name(self.visitor_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.visitor_phone)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.visitor_id_number)

    @property
    def is_referred(self) -> bool:
        return self.outcome == self.Outcome.TIME_LIMITED and self.handled_by == self.HandledBy.REGULATOR


class IdempotencyKey(models.Model):
    """The visit a request with an `Idempotency-Key` created, returned again when it is retried."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.key[:8]}… → {self.visit_id}"
