"""Oversight (监督): what the regulator checks after companies handled their cases.

Spot checks (抽查) of handled cases, call-backs (回访) to consumers, company evaluation (考评)
from the data, and typical cases (典型案例) published as warnings. Each part is a sub-package
(spotchecks/, callbacks/, evaluation/, typical/) with its own services and queries; views and
the API only parse, call them and render.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.models import Campaign
from ombud.cases.models import Case
from ombud.directory.models import Organization
from ombud.personal_data import EncryptedTextField


class SpotCheck(models.Model):
    """A reproducible, stratified sample of handled cases.

    The population is the handled (decided, informed or closed) cases in the drawer's scope,
    of a campaign or received in a period; strata are (company head office, outcome). The seed
    is stored and shown, so anyone can redraw the same sample from the same population.
    """

    class SizeMode(models.TextChoices):
        COUNT = "count", _("a number of cases per stratum")
        PERCENT = "percent", _("a percentage of each stratum")

    title = models.CharField(_("title"), max_length=100)
    bureau = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau")
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("campaign")
    )
    since = models.DateField(_("received from"), null=True, blank=True)
    until = models.DateField(_("received until"), null=True, blank=True)
    seed = models.CharField(_("seed"), max_length=64)
    size_mode = models.CharField(_("sample size by"), max_length=8, choices=SizeMode.choices)
    size_value = models.PositiveIntegerField(_("sample size"))
    population = models.PositiveIntegerField(_("population"), default=0)
    # Each stratum's population at the draw: [{"company_id", "outcome", "population"}], so the
    # strata table shows what the sample was drawn from even after cases move on.
    strata = models.JSONField(_("strata at the draw"), default=list, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("drawn at"))

    class Meta:
        verbose_name_plural = _("spot checks")
        ordering = ["-drawn_at", "-id"]
        verbose_name = _("spot check")

    def __str__(self) -> str:
        return self.title


class SpotCheckItem(models.Model):
    """One sampled case and the officer's finding on how it was handled."""

    class Finding(models.TextChoices):
        PENDING = "", _("not checked yet")
        PROPER = "proper", _("handled properly")
        IMPROPER = "improper", _("not handled properly")

    class FollowUp(models.TextChoices):
        NONE = "", _("none")
        REOPENED = "reopened", _("case reopened")
        REFERRED = "referred", _("referred for enforcement")

    spot_check = models.ForeignKey(SpotCheck, on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    # The case's opening time, copied when it is sampled (a case's opening never changes): the
    # pass rates of a period filter the items by it through their own index, not through a
    # join with every case opened in the period.
    case_opened_at = models.DateTimeField(_("case opened at"))
    position = models.PositiveIntegerField(_("position in the sample"))
    stratum_company = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    stratum_outcome = models.CharField(_("outcome"), max_length=32)
    finding = models.CharField(_("finding"), max_length=8, choices=Finding.choices, blank=True, default="")
    reasons = models.TextField(_("reasons"), blank=True)
    follow_up = models.CharField(_("follow-up"), max_length=8, choices=FollowUp.choices, blank=True, default="")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("spot-check items")
        ordering = ["spot_check_id", "position"]
        verbose_name = _("spot-check item")
        constraints = [
            models.UniqueConstraint(fields=["spot_check", "case"], name="spotcheck_case_once"),
            models.UniqueConstraint(fields=["spot_check", "position"], name="spotcheck_position_once"),
        ]
        indexes = [models.Index(fields=["case_opened_at"], name="spotcheck_item_case_opened")]

    def __str__(self) -> str:
        return f"{self.spot_check_id} #{self.position} · {self.case_id}"


class CallBack(models.Model):
    """回访: a call to a consumer whose case closed, to learn whether it was solved."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to call")
        REACHED = "reached", _("reached")
        UNREACHABLE = "unreachable", _("unreachable")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="callback")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solved = models.BooleanField(_("solved"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    comment = EncryptedTextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("listed at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("call-backs")
        ordering = ["created_at", "id"]
        verbose_name = _("call-back")
        # The call list, oldest first, keyset-paginated on (created_at, id): all of it, by status,
        # by campaign (callbacks/queries.py `callback_page`).
        indexes = [
            models.Index(fields=["created_at", "id"], name="callback_order"),
            models.Index(fields=["status", "created_at", "id"], name="callback_list"),
            models.Index(fields=["campaign", "created_at", "id"], name="callback_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.status}"


class CallAttempt(models.Model):
    class Result(models.TextChoices):
        REACHED = "reached", _("reached")
        NO_ANSWER = "no_answer", _("no answer")
        BUSY = "busy", _("busy")
        WRONG_NUMBER = "wrong_number", _("wrong number")
        REFUSED = "refused", _("refused to answer")

    callback = models.ForeignKey(CallBack, on_delete=models.CASCADE, related_name="attempts")
    result = models.CharField(_("result"), max_length=16, choices=Result.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name_plural = _("call attempts")
        ordering = ["at", "id"]
        verbose_name = _("call attempt")

    def __str__(self) -> str:
        return f"{self.callback_id} · {self.result} · {self.at:%Y-%m-%d %H:%M}"


class CompanyFigures(models.Model):
    """Premium and policy figures a regulator imports per company (head office) and period, the
    denominators of complaints per ¥100 million of premium and per 10,000 policies (RULES.md).

    Figures belong to the bureau that imported them (a company's premium in that bureau's
    jurisdiction); `bureau` is empty for nationwide figures (a nationwide admin's). One bureau
    never reads or overwrites another's."""

    bureau = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("bureau")
    )
    company = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    premium = models.DecimalField(_("premium income (yuan)"), max_digits=18, decimal_places=2)
    policies = models.PositiveBigIntegerField(_("policies in force"))
    insured_persons = models.PositiveBigIntegerField(_("insured persons"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200, blank=True)
    imported_at = models.DateTimeField(_("imported at"))

    class Meta:
        ordering = ["period_start", "company_id"]
        verbose_name = _("company figures")
        verbose_name_plural = _("company figures")
        constraints = [
            models.UniqueConstraint(
                fields=["bureau", "company", "period_start", "period_end"], name="figures_once_per_bureau_and_period"
            ),
            models.UniqueConstraint(
                fields=["company", "period_start", "period_end"],
                condition=models.Q(bureau__isnull=True),
                name="nationwide_figures_once_per_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.period_start:%Y-%m-%d}–{self.period_end:%Y-%m-%d}"


class EvaluationWeight(models.Model):
    """One metric of the company scorecard and its weight (policy is data; RULES.md 考评)."""

    metric = models.CharField(_("metric"), max_length=32, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60)
    weight = models.DecimalField(_("weight (points)"), max_digits=5, decimal_places=2)
    higher_is_better = models.BooleanField(_("higher is better"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "metric"]
        verbose_name = _("evaluation weight")
        verbose_name_plural = _("evaluation weights")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.metric}): {self.weight}"


class TypicalCase(models.Model):
    """典型案例: a case told in public as a warning, scrubbed of personal data, approved by a
    second officer before it is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("awaiting approval")
        PUBLISHED = "published", _("published")
        WITHDRAWN = "withdrawn", _("withdrawn")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    public_id = models.CharField(_("public id"), max_length=16, unique=True)
    title = models.CharField(_("title"), max_length=120)
    # The officer's text, which may still hold personal data: encrypted at rest.
    narrative = EncryptedTextField(_("narrative"))
    # The text after scrubbing, and the spans that were replaced (kind, start, end in the
    # narrative; never the original text), which a reviewer confirms.
    scrubbed = models.TextField(_("scrubbed text"), blank=True)
    spans = models.JSONField(_("scrubbed spans"), default=list, blank=True)
    spans_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lesson = models.TextField(_("lesson for consumers"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("typical cases")
        ordering = ["-created_at", "-id"]
        verbose_name = _("typical case")

    def __str__(self) -> str:
        return self.title
