"""The public side's tables: attempt counters shared by every web worker (portal/limits.py),
SMS verification codes (portal/verification.py), what an online filing adds to its visit
(portal/filing/), and public consultations (portal/consultations/).

An attempt counter is one row per (scope, key) while its window lasts. The key is an HMAC of
what is counted (a tracking number, an address, a phone), never the value itself: the table
holds no address. Rows whose window has passed count as zero and are deleted by `limits.sweep`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ombud.personal_data import EncryptedTextField


class AttemptCounter(models.Model):
    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=64)  # hex HMAC-SHA256 of the counted value
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)  # the window's end

    class Meta:
        verbose_name = _("attempt counter")
        verbose_name_plural = _("attempt counters")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="attempt_counter_once")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key[:8]}… {self.count}"


class PhoneChallenge(models.Model):
    """A one-time code sent by SMS to prove that a consumer holds a mobile number
    (portal/verification.py). The table holds neither the number nor the code: the number as its
    blind index, the code as an HMAC."""

    class Purpose(models.TextChoices):
        FILE = "file", _("file a complaint, question or suggestion")
        MY_CASES = "my_cases", _("see my cases")
        CONSULTATION = "consultation", _("answer a public consultation")

    phone_index = models.CharField(max_length=64)
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=96)  # "<16 hex key>$<64 hex HMAC>" (81 characters)
    attempts = models.PositiveSmallIntegerField(default=0)  # wrong codes tried
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("SMS verification code")
        verbose_name_plural = _("SMS verification codes")
        indexes = [models.Index(fields=["phone_index", "purpose", "created_at"], name="challenge_phone_purpose")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} · {self.created_at:%Y-%m-%d %H:%M}"


class OnlineFiling(models.Model):
    """What an online filing adds to its visit: what Order 2020 No. 3 arts. 12–14 ask of a
    complaint beyond the visit's own fields (the request, who files for whom), and the consent
    the consumer gave."""

    class FiledAs(models.TextChoices):
        SELF = "self", _("for myself")
        AGENT = "agent", _("as an agent for someone else")
        GROUP = "group", _("as a representative of a group")

    visit = models.OneToOneField("intake.Visit", on_delete=models.PROTECT, related_name="online_filing")
    request = EncryptedTextField(_("request (诉求)"), blank=True)
    filed_as = models.CharField(_("filed as"), max_length=8, choices=FiledAs.choices, default=FiledAs.SELF)
    principal_name = EncryptedTextField(_("name of the person represented"), blank=True)
    # A group complaint's representatives (at most 5, art. 12): a JSON list of names, encrypted.
    representatives = EncryptedTextField(_("representatives"), blank=True)
    authorisation = models.ForeignKey(
        "cases.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    privacy_version = models.CharField(_("privacy notice version"), max_length=16)
    consented_at = models.DateTimeField(_("consent given at"))

    class Meta:
        verbose_name = _("online filing")
        verbose_name_plural = _("online filings")

    def __str__(self) -> str:
        return f"{self.visit_id} · {self.get_filed_as_display()}"


class FilingKey(models.Model):
    """An `Idempotency-Key` of `POST /api/v1/public/filings`: per verified phone (the public has
    no account), so that a retried filing returns the first instead of filing twice."""

    phone_index = models.CharField(max_length=64)
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    visit = models.ForeignKey("intake.Visit", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("filing idempotency key")
        verbose_name_plural = _("filing idempotency keys")
        constraints = [models.UniqueConstraint(fields=["phone_index", "key"], name="filing_key_once")]

    def __str__(self) -> str:
        return f"{self.key[:16]} · {self.visit_id}"


class Consultation(models.Model):
    """A public consultation (征求意见): a bureau asks the public a few questions for a period
    (portal/consultations/)."""

    bureau = models.ForeignKey(
        "directory.Organization", on_delete=models.PROTECT, related_name="consultations", verbose_name=_("bureau")
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    summary = models.TextField(_("summary of the results"), blank=True)
    summary_published_at = models.DateTimeField(_("summary published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("public consultation")
        verbose_name_plural = _("public consultations")
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["bureau", "opens_at"], name="consultation_bureau_opens")]

    def __str__(self) -> str:
        return self.title


class ConsultationQuestion(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("free text")
        CHOICE = "choice", _("one of several choices")

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(_("choices"), default=list, blank=True)  # list of strings (kind choice)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        verbose_name = _("consultation question")
        verbose_name_plural = _("consultation questions")
        ordering = ["consultation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "position"], name="consultation_question_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.text[:40]}"


class ConsultationTag(models.Model):
    """A label officers give answers to count them (e.g. 「理赔慢」)."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(_("tag"), max_length=40)

    class Meta:
        verbose_name = _("consultation tag")
        verbose_name_plural = _("consultation tags")
        ordering = ["consultation", "name"]
        constraints = [models.UniqueConstraint(fields=["consultation", "name"], name="consultation_tag_once")]

    def __str__(self) -> str:
        return self.name


class ConsultationResponse(models.Model):
    """One member of the public's answers to a consultation."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="responses")
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    city = models.ForeignKey("directory.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # Set when the respondent verified a mobile number with an SMS code (optional): its blind
    # index only, so one phone's answers can be told apart without keeping the number.
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    tags = models.ManyToManyField(ConsultationTag, blank=True, related_name="responses")
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consultation response")
        verbose_name_plural = _("consultation responses")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One answer per verified number and consultation (portal/consultations/services.py).
            models.UniqueConstraint(
                fields=["consultation", "phone_index"],
                condition=~models.Q(phone_index=""),
                name="consultation_response_one_per_phone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consultation_id} · {self.submitted_at:%Y-%m-%d %H:%M}"


class ConsultationAnswer(models.Model):
    response = models.ForeignKey(ConsultationResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(ConsultationQuestion, on_delete=models.CASCADE, related_name="answers")
    text = EncryptedTextField(_("answer"), blank=True)  # free text may hold personal data
    choice = models.CharField(_("choice"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("consultation answer")
        verbose_name_plural = _("consultation answers")
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="consultation_answer_once")]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.question_id}"
