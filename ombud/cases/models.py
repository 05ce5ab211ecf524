"""Cases (投诉/上访案件): complaints that must be resolved, and their timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ombud.campaigns.models import Campaign, Site
from ombud.directory.models import Organization, Region
from ombud.intake.models import ProductLine, Visit
from ombud.personal_data import EncryptedTextField


class Nature(models.TextChoices):
    """What a complaint is about, which decides who handles it (RoutingRule)."""

    CONTRACT_DISPUTE = "contract_dispute", _("contract dispute")
    SERVICE = "service", _("service attitude or quality")
    SUSPECTED_VIOLATION = "suspected_violation", _("suspected violation of law")
    ABOUT_REGULATOR = "about_regulator", _("petition about the regulator itself")


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    NOT_ACCEPTED = "not_accepted", _("not accepted")
    IN_PROGRESS = "in_progress", _("in progress")
    DECIDED = "decided", _("decided")
    INFORMED = "informed", _("consumer informed")
    IN_REVIEW = "in_review", _("in review (核查)")
    IN_MEDIATION = "in_mediation", _("in mediation")
    CLOSED = "closed", _("closed")


# Every status whose clock may still run (lifecycle.OPEN), sorted: the partial indexes of open
# cases carry this list, and a query filtering on the same sorted list is one PostgreSQL can
# prove the index serves.
OPEN_STATUSES = sorted(set(CaseStatus.values) - {CaseStatus.NOT_ACCEPTED, CaseStatus.CLOSED})


class Case(models.Model):
    Status = CaseStatus

    class Extension(models.TextChoices):
        NONE = "", _("none")
        COMPLEX = "complex", _("complex case (30 days)")
        ESPECIALLY_COMPLEX = "especially_complex", _("especially complex case (60 days)")

    class Decision(models.TextChoices):
        UPHELD = "upheld", _("upheld")
        PARTLY_UPHELD = "partly_upheld", _("partly upheld")
        NOT_UPHELD = "not_upheld", _("not upheld")

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="case")
    tracking_no = models.CharField(_("tracking number"), max_length=16, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, db_index=True)
    handled_by = models.CharField(_("handled by"), max_length=16, choices=Visit.HandledBy.choices)
    # Denormalised from the visit for scoping and statistics (see directory/access.py).
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    company = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    company_root = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    # The bureau that supervises a case without a city (a complaint against a head office with
    # no region, filed without the consumer's city): the bureau whose jurisdiction holds the
    # company's region, else the filing officer's bureau. Empty when the case has a city.
    bureau = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("supervising bureau"),
        limit_choices_to={"kind": "regulator"},
    )
    resolved_on_site = models.BooleanField(_("resolved on site"), default=False)
    # Taken away from a reception site with a promised date (the visit's outcome `time_limited`),
    # kept on the case so that the spot-check strata are read from the case alone.
    time_limited = models.BooleanField(_("time-limited on site"), default=False)
    # The consumer left a phone number (the visit's, fixed when it is recorded): who a call-back
    # can reach, read from the case alone (oversight/callbacks/queries.py).
    has_phone = models.BooleanField(_("has a phone number"), default=False)
    opened_at = models.DateTimeField(_("opened at"))
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    # The end of the due day (24:00 Asia/Shanghai, Civil Code art. 203); what "overdue" means.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True, db_index=True)
    # True while the holiday calendar of the due date's year is not loaded (cases/deadlines.py).
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    category = models.CharField(_("category"), max_length=48, blank=True)
    nature = models.CharField(_("nature"), max_length=24, choices=Nature.choices, default=Nature.CONTRACT_DISPUTE)
    extension = models.CharField(_("extension"), max_length=24, choices=Extension.choices, blank=True, default="")
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    amount_paid = models.DecimalField(_("amount paid (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    reply = models.TextField(_("reply to the consumer"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Whether the last decision came before the deadline then running (statistics).
    decided_in_time = models.BooleanField(_("decided within the deadline"), null=True, blank=True)
    informed_at = models.DateTimeField(_("consumer informed at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    mediation_body = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("mediation body"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Whether the case ever went to review / mediation: set by the action that writes the
    # REVIEW_REQUESTED / MEDIATION_STARTED event, in its transaction (cases/services.py
    # `_request_review`, `_mediate`), so that statistics count them without an EXISTS on the
    # timeline per case. Never cleared: a case that went to review once counts once.
    had_review = models.BooleanField(_("went to review"), default=False)
    had_mediation = models.BooleanField(_("went to mediation"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # A company handler's queue: open cases of the company by due date.
            models.Index(fields=["company_root", "status", "due_date"], name="case_company_queue"),
            # The lists, newest first (keyset on (opened_at, id), ombud/pagination.py): everyone's,
            # a company's, and one status's. Page 1 and any deep page read only their rows.
            models.Index(fields=["-opened_at", "-id"], name="case_recent"),
            models.Index(fields=["company_root", "-opened_at", "-id"], name="case_company_recent"),
            models.Index(fields=["status", "-opened_at", "-id"], name="case_status_recent"),
            # Open cases by deadline (queue counts, overdue figures, the open queue): small
            # partial indexes that grow with the backlog, not with the years of closed cases.
            models.Index(fields=["due_at"], condition=models.Q(status__in=OPEN_STATUSES), name="case_open_due"),
            models.Index(
                fields=["company_root", "due_at"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="case_company_open_due",
            ),
            # The statistics' open and overdue figures (cases/rollups.py `open_counts`) from the
            # index alone: every column they group, scope, filter and count on.
            # The call-back list's eligible cases: closed, with a phone, by closing time, with
            # the scope's columns (oversight/callbacks/queries.py `eligible_cases`).
            models.Index(
                fields=["closed_at", "city", "bureau", "company_root", "site", "id"],
                condition=models.Q(status="closed", has_phone=True),
                name="case_callable_closed",
            ),
            models.Index(
                fields=[
                    "company_root",
                    "city",
                    "bureau",
                    "site",
                    "opened_at",
                    "due_at",
                    "decided_at",
                    "resolved_on_site",
                    "id",
                ],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="case_open_figures",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_no


class CaseEvent(models.Model):
    """One entry of a case's timeline; written only through `cases/events.py`."""

    class Type(models.TextChoices):
        RESOLVED_ON_SITE = "resolved_on_site", _("resolved on site")
        PROMISED = "promised", _("resolution promised by a date")
        REFERRED = "referred", _("referred to the regulator for investigation")
        RECEIVED = "received", _("received")
        ACCEPTED = "accepted", _("accepted")
        NOT_ACCEPTED = "not_accepted", _("not accepted")
        EXTENDED = "extended", _("time limit extended")
        DECIDED = "decided", _("decided")
        INFORMED = "informed", _("consumer informed")
        CLOSED = "closed", _("closed")
        WITHDRAWN = "withdrawn", _("withdrawn by the consumer")
        REVIEW_REQUESTED = "review_requested", _("review requested")
        REVIEW_DECIDED = "review_decided", _("review decided")
        MEDIATION_STARTED = "mediation_started", _("mediation started")
        ESCALATED = "escalated", _("escalated to the regulator")
        REFERRED_FOR_ENFORCEMENT = "referred_for_enforcement", _("suspected violation referred for enforcement")
        REROUTED = "rerouted", _("rerouted")
        REOPENED = "reopened", _("reopened after a spot check")
        REMINDED = "reminded", _("deadline reminder sent")
        OVERDUE = "overdue", _("overdue: escalated to the executive and the regulator")
        NOTIFIED = "notified", _("notification sent")
        NOTIFICATION_FAILED = "notification_failed", _("notification failed")
        # Handed over again after a worker died mid-hand-over: the receiver may have it twice
        # (it gets the same idempotency id both times; one that honours it shows it once).
        NOTIFICATION_RESENT = "notification_resent", _("notification handed over again")
        ATTACHED = "attached", _("evidence attached")
        IMPORTED = "imported", _("imported from the backlog")
        SUPPLEMENTED = "supplemented", _("information supplemented by the consumer")
        RATED = "rated", _("outcome rated by the consumer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="caseevent_case_time")]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.type} · {self.created_at:%Y-%m-%d %H:%M}"


# ---- rollups: what the statistics count, kept exact by cases/rollups.py -------------------------
#
# Written only by `cases/rollups.py` (`move`, `rebuild`), in the transaction of the change that
# moves a count; read by the case statistics, the evaluation and the publication. No foreign-key
# column gets an index of its own (every write would update sixteen of them): the unique index
# of the tuple (its nullable columns through COALESCE, so that "no city" is one value and
# INSERT … ON CONFLICT finds the row) leads with the day, and one index serves a company's reads.


def _key(*names: str) -> list:
    """The unique index of a rollup tuple: a nullable column through COALESCE (a bigint id → 0,
    a code → ''), so that two NULLs are the same tuple on SQLite and PostgreSQL alike. The
    ON CONFLICT target in cases/rollups.py spells the same expressions."""
    codes = {"city", "product_line"}
    nullable = {"city", "bureau", "site", "campaign", "product_line"}
    out: list = []
    for name in names:
        if name in nullable:
            out.append(Coalesce(name, models.Value("" if name in codes else 0)))
        else:
            out.append(models.F(name))
    return out


def _dimension(model: type[models.Model], *, null: bool = False, **extra) -> models.ForeignKey:
    return models.ForeignKey(
        model, on_delete=models.PROTECT, related_name="+", db_index=False, null=null, blank=null, **extra
    )


TALLY_TUPLE = (
    "day",
    "company_root",
    "company",
    "city",
    "bureau",
    "site",
    "campaign",
    "category",
    "product_line",
    "channel",
    "status",
    "handled_by",
    "resolved_on_site",
    "decided",
    "decided_in_time",
    "had_review",
    "had_mediation",
)


# The answer sources of the three rates (cases/queries.py ANSWER_SOURCES: the consumer's rating,
# the reached call-back) and what each counts of one case: 0 or 1 each, and the satisfaction
# given (1–5, 0 for none), whose sum over `satisfaction_of` is the mean satisfaction.
ANSWER_SOURCE_NAMES = ("ratings", "callbacks")
ANSWER_FIGURES = ("answers", "solved", "solved_of", "satisfied", "satisfaction_of", "satisfaction_sum")
ANSWER_COLUMNS = tuple(f"{source}_{figure}" for source in ANSWER_SOURCE_NAMES for figure in ANSWER_FIGURES)


class AnswerFigures(models.Model):
    """The three rates' answers of the cases of a rollup tuple, per answer source: the consumers'
    ratings and the reached call-backs (ANSWER_COLUMNS)."""

    ratings_answers = models.IntegerField(_("ratings"), default=0)
    ratings_solved = models.IntegerField(_("ratings: solved"), default=0)
    ratings_solved_of = models.IntegerField(_("ratings: answered whether solved"), default=0)
    ratings_satisfied = models.IntegerField(_("ratings: satisfied"), default=0)
    ratings_satisfaction_of = models.IntegerField(_("ratings: answered how satisfied"), default=0)
    ratings_satisfaction_sum = models.IntegerField(_("ratings: satisfaction added up"), default=0)
    callbacks_answers = models.IntegerField(_("call-backs reached"), default=0)
    callbacks_solved = models.IntegerField(_("call-backs: solved"), default=0)
    callbacks_solved_of = models.IntegerField(_("call-backs: answered whether solved"), default=0)
    callbacks_satisfied = models.IntegerField(_("call-backs: satisfied"), default=0)
    callbacks_satisfaction_of = models.IntegerField(_("call-backs: answered how satisfied"), default=0)
    callbacks_satisfaction_sum = models.IntegerField(_("call-backs: satisfaction added up"), default=0)

    class Meta:
        abstract = True


class CaseTally(AnswerFigures):
    """How many cases share one tuple: the day they were opened (Asia/Shanghai), their head
    office and handling organisation, the columns every scope filters on (city, supervising
    bureau, site; directory/access.py), the campaign and the visit's product line and channel,
    the category, status and handler, and the flags the statistics count; beside the count, the
    three rates' answers of those cases. `n` > 0: a tuple no case holds any more is deleted
    (cases/rollups.py)."""

    day = models.DateField(_("opened on"))
    company_root = _dimension(Organization)
    company = _dimension(Organization)
    city = _dimension(Region, null=True)
    bureau = _dimension(Organization, null=True)
    site = _dimension(Site, null=True)
    campaign = _dimension(Campaign, null=True)
    category = models.CharField(_("category"), max_length=48, blank=True)
    product_line = _dimension(ProductLine, null=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Visit.Channel.choices)
    status = models.CharField(_("status"), max_length=16, choices=Case.Status.choices)
    handled_by = models.CharField(_("handled by"), max_length=16, choices=Visit.HandledBy.choices)
    resolved_on_site = models.BooleanField(_("resolved on site"))
    decided = models.BooleanField(_("decided"))  # decided_at set
    decided_in_time = models.BooleanField(_("decided within the deadline"))  # Case.decided_in_time is True
    had_review = models.BooleanField(_("went to review"))
    had_mediation = models.BooleanField(_("went to mediation"))
    n = models.IntegerField(_("cases"))

    class Meta:
        verbose_name = _("case tally")
        verbose_name_plural = _("case tallies")
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(*_key(*TALLY_TUPLE), name="case_tally_tuple")]
        indexes = [
            models.Index(fields=["company_root", "day"], name="case_tally_company_day"),
            # A campaign's figures (its dashboard, every 5 seconds): its few tuples, not all.
            models.Index(fields=["campaign"], condition=models.Q(campaign__isnull=False), name="case_tally_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.company_root_id} · {self.city_id} · {self.status}: {self.n}"


DECISION_TUPLE = ("day", "company_root", "city", "bureau", "site", "campaign", "hundredths")


class DecisionTally(models.Model):
    """How many decided cases took a given time to their (last) decision: the histogram the
    medians are read from, in hundredths of a day (864 s) rounded down, per opening day and the
    columns the scopes, the campaign filter and the groupings need (docs/statistics.md)."""

    day = models.DateField(_("opened on"))
    company_root = _dimension(Organization)
    city = _dimension(Region, null=True)
    bureau = _dimension(Organization, null=True)
    site = _dimension(Site, null=True)
    campaign = _dimension(Campaign, null=True)
    hundredths = models.IntegerField(_("days to decision (hundredths, rounded down)"))
    n = models.IntegerField(_("cases"))

    class Meta:
        verbose_name = _("decision tally")
        verbose_name_plural = _("decision tallies")
        ordering = ["day", "id"]
        constraints = [models.UniqueConstraint(*_key(*DECISION_TUPLE), name="decision_tally_tuple")]
        indexes = [
            models.Index(fields=["company_root", "day"], name="decision_tally_company_day"),
            # The middle values of a median that falls between two tenths (rollups.medians).
            models.Index(fields=["hundredths"], name="decision_tally_hundredths"),
            models.Index(
                fields=["campaign"], condition=models.Q(campaign__isnull=False), name="decision_tally_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.company_root_id} · {self.hundredths / 100} d: {self.n}"


class PlaceColumns(models.Model):
    """Where the cases of a coarse rollup tuple count: their head office and the columns every
    scope and the campaign filter read (directory/access.py `Scope`)."""

    company_root = _dimension(Organization)
    city = _dimension(Region, null=True)
    bureau = _dimension(Organization, null=True)
    site = _dimension(Site, null=True)
    campaign = _dimension(Campaign, null=True)

    class Meta:
        abstract = True


MONTH_TUPLE = ("month", "company_root", "city", "bureau", "site", "campaign")
# What a case adds to its month's row (cases/rollups.py `place_of`): 1 opened, and 0 or 1 of each
# figure the statistics and the evaluation sum (`rollups.tally_sums` names the same ones over
# `CaseTally`), then each answer source's figures.
MONTH_SUMS = (
    "opened",
    "decisions",
    "decisions_in_time",
    "reviews",
    "mediations",
    "responded",
    "owed",
    *ANSWER_COLUMNS,
)


class CaseMonthTally(PlaceColumns, AnswerFigures):
    """The figures of the cases opened in one month (Asia/Shanghai) per head office and the
    columns the scopes and the campaign filter read: what the statistics and the evaluation
    read for the whole months of a period (the days at its ends come from `CaseTally`). A
    tuple no case holds any more (`opened` 0) is deleted."""

    month = models.DateField(_("month"))  # its first day
    opened = models.IntegerField(_("cases"))
    decisions = models.IntegerField(_("decided"))
    decisions_in_time = models.IntegerField(_("decided within the deadline"))
    reviews = models.IntegerField(_("went to review"))
    mediations = models.IntegerField(_("went to mediation"))
    responded = models.IntegerField(_("answered within the deadline"))
    owed = models.IntegerField(_("had to be answered"))

    class Meta:
        verbose_name = _("case month tally")
        verbose_name_plural = _("case month tallies")
        ordering = ["month", "id"]
        constraints = [models.UniqueConstraint(*_key(*MONTH_TUPLE), name="case_month_tally_tuple")]
        indexes = [
            models.Index(fields=["company_root", "month"], name="case_month_company_month"),
            models.Index(fields=["campaign"], condition=models.Q(campaign__isnull=False), name="case_month_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} · {self.company_root_id} · {self.city_id}: {self.opened}"


TENTHS_TUPLE = ("company_root", "city", "bureau", "site", "campaign", "tenth")
DAYS_TUPLE = ("company_root", "city", "bureau", "site", "campaign", "days")


class DecisionTenths(PlaceColumns):
    """How many decided cases, of any opening day, took a time to decision that rounds half up
    to a given tenth of a day (`tenth` t: hundredths from 10·t − 5 to 10·t + 4), per head office
    and the scoping and campaign columns: the second pass of the all-time medians
    (cases/rollups.py `medians`)."""

    tenth = models.IntegerField(_("days to decision (tenths, rounded half up)"))
    n = models.IntegerField(_("cases"))

    class Meta:
        verbose_name = _("decision tenths histogram")
        verbose_name_plural = _("decision tenths histograms")
        ordering = ["company_root", "tenth", "id"]
        constraints = [models.UniqueConstraint(*_key(*TENTHS_TUPLE), name="decision_tenths_tuple")]
        indexes = [
            # The tenths of the days the first pass found (rollups.medians).
            models.Index(fields=["tenth"], name="decision_tenths_tenth"),
            models.Index(
                fields=["campaign"], condition=models.Q(campaign__isnull=False), name="decision_tenths_campaign"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_root_id} · {self.city_id} · {self.tenth / 10} d: {self.n}"


class DecisionDays(PlaceColumns):
    """The same cases by ten tenths (`days` = tenth // 10: hundredths from 100·d − 5 to
    100·d + 94): the first pass of the all-time medians, which finds the day each middle value
    lies in (cases/rollups.py `medians`)."""

    days = models.IntegerField(_("days to decision (ten tenths)"))
    n = models.IntegerField(_("cases"))

    class Meta:
        verbose_name = _("decision days histogram")
        verbose_name_plural = _("decision days histograms")
        ordering = ["company_root", "days", "id"]
        constraints = [models.UniqueConstraint(*_key(*DAYS_TUPLE), name="decision_days_tuple")]
        indexes = [
            models.Index(fields=["campaign"], condition=models.Q(campaign__isnull=False), name="decision_days_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.company_root_id} · {self.city_id} · {self.days} d: {self.n}"


class RoutingRule(models.Model):
    """Who handles a complaint of a given nature, by law (按法律规定的职责范围受理).

    `company`: the company's branch in the consumer's city, else its head office.
    `regulator`: the bureau of the consumer's city (its petition office for petitions about
    the regulator). Editable in the admin; the source says why.
    """

    nature = models.CharField(_("nature"), max_length=24, choices=Nature.choices, primary_key=True)
    handled_by = models.CharField(_("handled by"), max_length=16, choices=Visit.HandledBy.choices)
    source = models.CharField(_("legal source"), max_length=300)

    class Meta:
        ordering = ["nature"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")

    def __str__(self) -> str:
        return f"{self.get_nature_display()} → {self.get_handled_by_display()}"


class CalendarYear(models.Model):
    """A year whose official holiday arrangement (国务院办公厅关于部分节假日安排的通知) is loaded.

    Deadlines that run into a year not listed here are computed with weekends only and flagged
    provisional (RULES.md "Counting days"): never a silent guess, never a crash.
    """

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=300)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now_add=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("holiday calendar year")
        verbose_name_plural = _("holiday calendar years")

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A day that breaks the Monday–Friday pattern: a public holiday (or 调休 day off) on a
    weekday, or a make-up working day (调休上班) on a weekend."""

    class Kind(models.TextChoices):
        REST_DAY = "rest_day", _("rest day")
        ADJUSTED_WORKDAY = "adjusted_workday", _("make-up working day")

    date = models.DateField(_("date"), primary_key=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    holiday = models.CharField(_("holiday"), max_length=32, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("holiday calendar day")
        verbose_name_plural = _("holiday calendar days")

    def __str__(self) -> str:
        label = f"{self.date:%Y-%m-%d} {self.get_kind_display()}"
        return f"{label} ({self.holiday})" if self.holiday else label


class DeadlineRule(models.Model):
    """A legal time limit, with its source and how sure we are of it (RULES.md)."""

    class Unit(models.TextChoices):
        CALENDAR = "calendar", _("calendar days (日)")
        WORKING = "working", _("working days (工作日)")

    class Status(models.TextChoices):
        CONFIRMED = "C", _("confirmed in a primary text")
        SECONDARY = "S", _("secondary sources only")
        UNCONFIRMED = "U", _("unconfirmed")

    code = models.CharField(_("code"), max_length=48, primary_key=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    days = models.PositiveSmallIntegerField(_("days"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    # Civil Code art. 203: a period whose last day is a rest day ends on the next working day.
    # Some petition offices also skip holidays inside the period; that is a `working` unit.
    roll_to_working_day = models.BooleanField(_("last day rolls to the next working day"), default=True)
    source = models.CharField(_("legal source"), max_length=300)
    status = models.CharField(_("status"), max_length=1, choices=Status.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code}): {self.days} {self.get_unit_display()}"


class Alert(models.Model):
    """A reminder before, or an escalation after, one deadline of one case.

    The durable row that makes the deadline worker exactly-once (cases/escalation.py): it is
    inserted in the same transaction as the case's timeline event and its notifications, and
    the unique (case, kind, due_at) means a second worker, or a rerun after a crash, finds it
    already there and does nothing. A new deadline (an extension, a review) is a new `due_at`,
    hence new alerts.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("reminder")
        ESCALATION = "escalation", _("escalation")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    due_at = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("raised at"))

    class Meta:
        verbose_name_plural = _("deadline alerts")
        ordering = ["-created_at", "-id"]
        verbose_name = _("deadline alert")
        constraints = [models.UniqueConstraint(fields=["case", "kind", "due_at"], name="alert_once_per_deadline")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.due_at:%Y-%m-%d}"


# What each seeded message template is, in words (the timeline and the admin show this, never
# the internal code). A code not listed here is shown by its subject, else as "message".
TEMPLATE_NAMES = {
    "consumer.received": _("complaint received (to the consumer)"),
    "consumer.accepted": _("complaint accepted (to the consumer)"),
    "consumer.not_accepted": _("complaint not accepted (to the consumer)"),
    "consumer.extended": _("deadline extended (to the consumer)"),
    "consumer.decided": _("decision made (to the consumer)"),
    "consumer.mediation": _("referred to mediation (to the consumer)"),
    "consumer.review_requested": _("review requested (to the consumer)"),
    "consumer.review_decided": _("review decided (to the consumer)"),
    "consumer.withdrawn": _("complaint withdrawn (to the consumer)"),
    "consumer.closed": _("case closed (to the consumer)"),
    "handler.reminder": _("deadline reminder (to the company handlers)"),
    "executive.overdue": _("overdue alert (to the company executive)"),
    "regulator.reminder": _("deadline reminder (to the regulator officers)"),
    "regulator.overdue": _("overdue alert (to the regulator officers)"),
}


def template_name(code: str, subject: str = "") -> str:
    """The plain-language name of a message template code (never the code itself)."""
    if code in TEMPLATE_NAMES:
        return str(TEMPLATE_NAMES[code])
    return subject or str(_("message"))


class MessageTemplate(models.Model):
    """The text of a notification (policy is data: editable in the admin, seeded in zh-hans).

    `body` (and `subject`) are Django templates rendered with the case's public fields; they
    never receive the consumer's full name, phone or ID number.
    """

    class Audience(models.TextChoices):
        CONSUMER = "consumer", _("consumer")
        HANDLER = "handler", _("company handlers")
        EXECUTIVE = "executive", _("company executive")
        REGULATOR = "regulator", _("regulator officers")

    code = models.CharField(_("code"), max_length=48, primary_key=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source or reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return self.code


class Notification(models.Model):
    """One message to one recipient: a transactional outbox row.

    Written in the transaction of the change it reports, delivered after commit by the task
    worker, which claims it with a conditional UPDATE (pending → sending) so no two workers send
    it; a row stuck in `sending` after a crash is released back to pending by the sweep
    (at-least-once toward the gateway, which receives the row id as its idempotency key).
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notifications")
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    template = models.ForeignKey(MessageTemplate, on_delete=models.PROTECT, related_name="+")
    audience = models.CharField(_("audience"), max_length=16, choices=MessageTemplate.Audience.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The phone number or e-mail address, encrypted (personal data, ombud/personal_data.py).
    address = EncryptedTextField(_("address"))
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Hand-overs whose outcome is unknown: the worker died between handing the message to its
    # backend and marking it sent, and the sweep released the row (cases/notify.py `recover`).
    interrupted = models.PositiveSmallIntegerField(_("interrupted hand-overs"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name_plural = _("notifications")
        ordering = ["created_at", "id"]
        verbose_name = _("notification")
        indexes = [models.Index(fields=["status", "created_at"], name="notification_outbox")]

    def __str__(self) -> str:
        return f"{self.template_id} → {self.audience} ({self.status})"


class TransitionKey(models.Model):
    """The lifecycle action a request with an `Idempotency-Key` took (cases/services.py
    `take_action`): a retry with the same key and body gets the case again, not a second event.
    The same contract as visits' `intake.IdempotencyKey`; keys are per user."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(CaseEvent, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("transition key")
        verbose_name_plural = _("transition keys")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="transition_key_unique")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class Attachment(models.Model):
    """Evidence attached to a case (policy, invoice, letter, photo). The content is encrypted
    at rest in the database (it routinely shows names, ID numbers and medical details); type
    is checked from the bytes, not the file name, and size is capped (cases/attachments.py)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField(_("encrypted content"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]
        verbose_name = _("attachment")

    def __str__(self) -> str:
        return self.filename


class ReplyTemplate(models.Model):
    """A reusable reply to the consumer; `organization` empty means every handler may use it."""

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reply_templates",
        verbose_name=_("organization"),
    )
    title = models.CharField(_("title"), max_length=100)
    decision = models.CharField(_("decision"), max_length=16, choices=Case.Decision.choices, blank=True)
    body = models.TextField(_("body"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.title


class Rating(models.Model):
    """The consumer's rating of the outcome once told of the decision (the case page): solved
    or not, and satisfaction 1–5. One per case; a rating after a later decision (a review)
    replaces it. Feeds the three rates (三率) beside the call-backs."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    solved = models.BooleanField(_("solved"))
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"))
    comment = EncryptedTextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decision rated"))  # the case's decided_at when rated
    rated_at = models.DateTimeField(_("rated at"), db_index=True)

    class Meta:
        verbose_name = _("consumer rating")
        verbose_name_plural = _("consumer ratings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__gte=1, satisfaction__lte=5), name="rating_satisfaction_1_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.tracking_no} · {self.satisfaction}/5"
