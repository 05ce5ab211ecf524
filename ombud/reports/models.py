"""Published reports to the media (向媒体公开) and the readers' reactions to them.

A `PublishedReport` holds a frozen `snapshot`: every figure, table, chart series, the press
text, the evaluation ranking and the typical cases, as plain JSON. Its public page, its Word
document and its Excel workbook are rendered from the snapshot alone, so later changes to the
data never alter what was published (reports/publication/snapshot.py builds it).

A `ReportReaction` is one browser's answer to "how did you feel reading this report?"
(您看到此篇文章时的感受是). The browser is recognised by a long-lived random cookie; only an
HMAC of it (keyed with the SECRET_KEY and the report's public id, so that one browser's votes
on two reports cannot be linked) is stored — never an IP address.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.models import Campaign
from ombud.directory.models import Organization


class Reaction(models.TextChoices):
    # Chinese: 振奋, 放心, 一般, 担忧, 不满.
    ENCOURAGED = "encouraged", _("Encouraged")
    REASSURED = "reassured", _("Reassured")
    NEUTRAL = "neutral", _("Neutral")
    WORRIED = "worried", _("Worried")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class PublishedReport(models.Model):
    class Kind(models.TextChoices):
        CAMPAIGN = "campaign", _("campaign")
        PERIOD = "period", _("period")

    # The report's address on the public site: random, unguessable, never a database id.
    public_id = models.CharField(_("public id"), max_length=24, unique=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("campaign")
    )
    since = models.DateField(_("from"), null=True, blank=True)
    until = models.DateField(_("until"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=16)
    snapshot = models.JSONField(_("snapshot"))
    # The publisher's bureau: whose reports an officer may withdraw.
    bureau = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("bureau")
    )
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = _("published reports")
        ordering = ["-published_at", "-id"]
        verbose_name = _("published report")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="campaign", campaign__isnull=False))
                | (models.Q(kind="period", since__isnull=False, until__isnull=False, until__gte=models.F("since"))),
                name="published_report_subject",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ReportReaction(models.Model):
    report = models.ForeignKey(PublishedReport, on_delete=models.CASCADE, related_name="reactions")
    reaction = models.CharField(_("reaction"), max_length=16, choices=Reaction.choices)
    # hex HMAC-SHA256 of the browser's random cookie id, keyed with SECRET_KEY + report.
    voter = models.CharField(_("voter"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name_plural = _("reader reactions")
        ordering = ["created_at", "id"]
        verbose_name = _("reader reaction")
        constraints = [
            models.UniqueConstraint(fields=["report", "voter"], name="reaction_once_per_browser"),
            models.CheckConstraint(condition=models.Q(reaction__in=Reaction.values), name="reaction_known"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} · {self.reaction}"
