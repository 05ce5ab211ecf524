"""The reads of public consultations (征求意见): what an officer may see (their bureau's
consultations, the answers, the counts), what the public sees (open consultations, and closed
ones with a published summary; never an answer), and the figures the bureau's reports show.

A consultation's state is not stored: it follows from its period and the clock.

    scheduled (now < opens_at) ──▶ open (opens_at ≤ now < closes_at) ──▶ closed (closes_at ≤ now)

Officers edit it while scheduled, the public answers while open, officers write and publish
the summary once closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ombud.directory.access import is_regulator, require_regulator, sees_everything
from ombud.directory.models import Jurisdiction, Region, User
from ombud.errors import InvalidInput, NotFound
from ombud.pagination import Page, newest_first
from ombud.portal.models import Consultation, ConsultationAnswer, ConsultationQuestion, ConsultationResponse

SCHEDULED, OPEN, CLOSED = "scheduled", "open", "closed"
STATE_LABELS = {
    SCHEDULED: gettext_lazy("not open yet"),
    OPEN: gettext_lazy("open for answers"),
    CLOSED: gettext_lazy("closed"),
}


def state(consultation: Consultation, now: datetime | None = None) -> str:
    now = now or timezone.now()
    if now < consultation.opens_at:
        return SCHEDULED
    if now < consultation.closes_at:
        return OPEN
    return CLOSED


def state_label(consultation: Consultation, now: datetime | None = None) -> str:
    return str(STATE_LABELS[state(consultation, now)])


# ---- officers ------------------------------------------------------------------------------------


def consultations_for(user: User) -> QuerySet[Consultation]:
    """The consultations of the officer's bureau (all of them for a nationwide admin). Anyone
    but a regulator with a bureau is refused (403): a consultation is the bureau's work."""
    require_regulator(user)
    qs = Consultation.objects.all()
    if sees_everything(user):
        return qs
    # require_regulator let through only a regulator with a bureau: its organization.
    return qs.filter(bureau_id=user.organization_id)


def access_consultation(user: User, consultation_id: int, *, for_update: bool = False) -> Consultation:
    """One consultation of the officer's bureau; NotFound (404) for another bureau's, as for
    one that does not exist."""
    qs = consultations_for(user).select_related("bureau", "created_by")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(pk=consultation_id)
    except Consultation.DoesNotExist:
        raise NotFound(_("No such consultation.")) from None


def access_response(user: User, consultation_id: int, response_id: int) -> ConsultationResponse:
    """One answer to a consultation of the officer's bureau (404 otherwise)."""
    consultation = access_consultation(user, consultation_id)
    try:
        return ConsultationResponse.objects.select_related("consultation").get(
            pk=response_id, consultation=consultation
        )
    except ConsultationResponse.DoesNotExist:
        raise NotFound(_("No such answer.")) from None


def with_counts(qs: QuerySet[Consultation]) -> QuerySet[Consultation]:
    """Each consultation with `n_responses` and `n_unread` (one GROUP BY)."""
    return qs.annotate(
        n_responses=Count("responses", distinct=True),
        n_unread=Count("responses", filter=Q(responses__read_at__isnull=True), distinct=True),
    )


def consultation_page(user: User, *, cursor: str | None, limit: int) -> Page:
    """The officer's consultations, newest first, with their counts."""
    qs = with_counts(consultations_for(user).select_related("bureau"))
    return newest_first(qs, field="created_at", cursor=cursor, limit=limit)


def questions(consultation: Consultation) -> list[ConsultationQuestion]:
    return list(consultation.questions.order_by("position"))


def bureau_cities(bureau_id: int) -> list[Region]:
    """The prefecture-level cities a bureau supervises: the cities a respondent picks from."""
    codes = Jurisdiction.objects.filter(regulator_id=bureau_id).values_list("region_id", flat=True)
    return list(
        Region.objects.filter(
            Q(code__in=codes, level=Region.Level.PREFECTURE) | Q(parent_id__in=codes, level=Region.Level.PREFECTURE)
        ).order_by("code")
    )


@dataclass(frozen=True)
class ResponseFilters:
    tag_id: int | None = None
    unread: bool = False
    city_code: str | None = None


def response_page(
    user: User, consultation_id: int, *, filters: ResponseFilters | None = None, cursor: str | None, limit: int
) -> Page:
    """The answers to one consultation, newest first (keyset), each with its answers and tags."""
    consultation = access_consultation(user, consultation_id)
    f = filters or ResponseFilters()
    qs = ConsultationResponse.objects.filter(consultation=consultation).select_related("city")
    if f.tag_id is not None:
        qs = qs.filter(tags__id=f.tag_id)
    if f.unread:
        qs = qs.filter(read_at__isnull=True)
    if f.city_code:
        qs = qs.filter(city_id=f.city_code)
    return newest_first(qs.prefetch_related("tags", "answers"), field="submitted_at", cursor=cursor, limit=limit)


@dataclass(frozen=True)
class ChoiceCounts:
    question: ConsultationQuestion
    counts: list[tuple[str, int]]  # every choice in its order, with its count (0 included)
    answered: int


@dataclass(frozen=True)
class Counts:
    responses: int
    unread: int
    verified: int  # answered with a verified mobile number
    by_tag: list[tuple[int, str, int]] = field(default_factory=list)  # (tag id, name, count), most first
    by_city: list[tuple[str | None, str, int]] = field(default_factory=list)  # (code, name, count), most first
    by_choice: list[ChoiceCounts] = field(default_factory=list)


def _choice_counts(consultation: Consultation) -> list[ChoiceCounts]:
    rows = (
        ConsultationAnswer.objects.filter(response__consultation=consultation, question__kind="choice")
        .exclude(choice="")
        .values_list("question_id", "choice")
        .annotate(n=Count("id"))
        .order_by()
    )
    found: dict[tuple[int, str], int] = {(q, c): n for q, c, n in rows}
    out = []
    for q in questions(consultation):
        if q.kind != ConsultationQuestion.Kind.CHOICE:
            continue
        counts = [(choice, found.get((q.pk, choice), 0)) for choice in q.choices]
        out.append(ChoiceCounts(question=q, counts=counts, answered=sum(n for _c, n in counts)))
    return out


def counts(consultation: Consultation) -> Counts:
    """Answers per tag, per city and per choice of one consultation (GROUP BY queries; the
    caller has checked access)."""
    totals = ConsultationResponse.objects.filter(consultation=consultation).aggregate(
        responses=Count("id"),
        unread=Count("id", filter=Q(read_at__isnull=True)),
        verified=Count("id", filter=~Q(phone_index="")),
    )
    by_tag = [
        (t["id"], t["name"], t["n"])
        for t in consultation.tags.annotate(n=Count("responses")).values("id", "name", "n").order_by("-n", "name")
    ]
    by_city = [
        (r["city_id"], r["city__name"] or _("not given"), r["n"])
        for r in ConsultationResponse.objects.filter(consultation=consultation)
        .values("city_id", "city__name")
        .annotate(n=Count("id"))
        .order_by("-n", F("city_id").asc(nulls_last=True))  # "not given" last on every database
    ]
    return Counts(
        responses=totals["responses"],
        unread=totals["unread"],
        verified=totals["verified"],
        by_tag=by_tag,
        by_city=by_city,
        by_choice=_choice_counts(consultation),
    )


def consultation_counts(user: User, consultation_id: int) -> Counts:
    return counts(access_consultation(user, consultation_id))


# ---- the public ----------------------------------------------------------------------------------


def public_consultations(now: datetime | None = None) -> QuerySet[Consultation]:
    """What the public list shows: open consultations, and closed ones whose summary is
    published. (A scheduled one is announced on its own page only; see `public_consultation`.)"""
    now = now or timezone.now()
    return Consultation.objects.filter(
        Q(opens_at__lte=now, closes_at__gt=now) | Q(closes_at__lte=now, summary_published_at__isnull=False)
    ).select_related("bureau")


def public_page(*, cursor: str | None, limit: int, now: datetime | None = None) -> Page:
    return newest_first(public_consultations(now), field="opens_at", cursor=cursor, limit=limit)


def public_consultation(consultation_id: int) -> Consultation:
    """Any consultation, as the public sees it (its page tells whether it is open): its title,
    description, period and questions are public from the moment it is created; its answers
    never are."""
    try:
        return Consultation.objects.select_related("bureau").get(pk=consultation_id)
    except Consultation.DoesNotExist:
        raise NotFound(_("No such consultation.")) from None


@dataclass(frozen=True)
class PublicCounts:
    """The aggregate counts a closed consultation's summary page shows: totals and per choice,
    never an answer, a tag or a city."""

    responses: int
    by_choice: list[ChoiceCounts]


def public_counts(consultation: Consultation) -> PublicCounts:
    return PublicCounts(
        responses=ConsultationResponse.objects.filter(consultation=consultation).count(),
        by_choice=_choice_counts(consultation),
    )


# ---- the bureau's reports ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    consultation: Consultation
    state: str
    state_label: str
    responses: int
    top_tags: list[tuple[str, int]]


@dataclass(frozen=True)
class ReportFigures:
    consultations: int
    responses: int
    rows: list[ReportRow]


REPORT_TOP_TAGS = 3
REPORT_ROWS = 20


def report_figures(user: User, *, since: date | None = None, until: date | None = None) -> ReportFigures | None:
    """The public consultations block of the bureau's reports: the consultations whose period
    overlaps [since, until] (local days), with their answers and most used tags. None for a
    user who sees no consultations (company users, site staff): the block is left out."""
    if not is_regulator(user):
        return None
    zone = timezone.get_current_timezone()
    if since and until and since > until:
        raise InvalidInput(_("The period ends before it starts."), fields={"until": _("before the start")})
    qs = consultations_for(user)
    if since:
        qs = qs.filter(closes_at__gt=timezone.make_aware(datetime.combine(since, time.min), zone))
    if until:
        qs = qs.filter(opens_at__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min), zone))
    listed = list(with_counts(qs).order_by("-opens_at", "-id")[:REPORT_ROWS])
    tags: dict[int, list[tuple[str, int]]] = {}
    tag_rows = (
        ConsultationResponse.tags.through.objects.filter(consultationtag__consultation__in=[c.pk for c in listed])
        .values_list("consultationtag__consultation_id", "consultationtag__name")
        .annotate(n=Count("id"))
        .order_by("consultationtag__consultation_id", "-n", "consultationtag__name")
    )
    for cid, name, n in tag_rows:
        if len(tags.setdefault(cid, [])) < REPORT_TOP_TAGS:
            tags[cid].append((name, n))
    totals = qs.aggregate(consultations=Count("id", distinct=True), responses=Count("responses", distinct=True))
    now = timezone.now()
    rows = [
        ReportRow(
            consultation=c,
            state=state(c, now),
            state_label=state_label(c, now),
            responses=c.n_responses,  # type: ignore[attr-defined]
            top_tags=tags.get(c.pk, []),
        )
        for c in listed
    ]
    return ReportFigures(consultations=totals["consultations"], responses=totals["responses"], rows=rows)
