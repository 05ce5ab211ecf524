"""The reads of typical cases: what an officer may see and do, the review of the scrubbing,
and the public side (only published, scrubbed text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ombud.cases.lifecycle import DECIDED_OR_LATER
from ombud.cases.models import Case
from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.insight.scrubber import Segment, published_segments, segments
from ombud.oversight.models import TypicalCase
from ombud.pagination import Page, newest_first

S = TypicalCase.Status

# A typical case tells how a complaint ended: the case must have an outcome.
QUALIFYING_STATUSES = DECIDED_OR_LATER
LIVE_STATUSES = (S.DRAFT, S.SUBMITTED, S.PUBLISHED)

ACTION_LABELS = {
    "confirm": gettext_lazy("Confirm the scrubbing"),
    "submit": gettext_lazy("Submit for approval"),
    "return": gettext_lazy("Return to draft"),
    "publish": gettext_lazy("Approve and publish"),
    "withdraw": gettext_lazy("Withdraw"),
}


def typical_cases_for(user: User) -> QuerySet[TypicalCase]:
    """Typical cases whose case the user may see; regulators only."""
    require_regulator(user)
    return TypicalCase.objects.filter(scope_for(user).q("case__"))


def access_typical_case(user: User, typical_id: int, *, for_update: bool = False) -> TypicalCase:
    qs = typical_cases_for(user)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.select_related("case", "case__company", "case__visit", "author", "approver").get(pk=typical_id)
    except TypicalCase.DoesNotExist:
        raise NotFound(_("No such typical case.")) from None


def typical_case_page(user: User, *, status: str | None, cursor: str | None, limit: int) -> Page:
    qs = typical_cases_for(user).select_related("case", "author", "approver")
    if status:
        if status not in S.values:
            raise InvalidInput(_("Unknown status."), fields={"status": ", ".join(S.values)})
        qs = qs.filter(status=status)
    return newest_first(qs, field="created_at", cursor=cursor, limit=limit)


def qualifying_cases(user: User, limit: int = 20) -> QuerySet[Case]:
    """Recent cases in the user's scope that may become a typical case (for the "new" page)."""
    require_regulator(user)
    live = TypicalCase.objects.filter(status__in=LIVE_STATUSES).values("case_id")
    return (
        scope_for(user)
        .filter(Case.objects.filter(status__in=QUALIFYING_STATUSES))
        .exclude(pk__in=live)
        .select_related("company")
        .order_by("-decided_at", "-id")[:limit]
    )


def allowed_actions(user: User, tc: TypicalCase) -> list[str]:
    """What `user` may do now (the page shows these buttons; the services check again)."""
    if not user.is_regulator:
        return []
    is_author = tc.author_id == user.pk
    actions = []
    if tc.status == S.DRAFT:
        if tc.spans_confirmed_by_id is None:
            actions.append("confirm")
        elif is_author:
            actions.append("submit")
    if tc.status == S.SUBMITTED:
        actions.append("return")
        if not is_author:
            actions.append("publish")
    if tc.status in LIVE_STATUSES:
        actions.append("withdraw")
    return actions


def may_edit(user: User, tc: TypicalCase) -> bool:
    return tc.status == S.DRAFT and tc.author_id == user.pk


def manual_terms(tc: TypicalCase) -> list[str]:
    """The terms the author marked by hand, read back from the narrative through the spans
    (the spans never hold text; the narrative is encrypted at rest)."""
    terms: list[str] = []
    for span in tc.spans or []:
        if span.get("kind") == "manual":
            term = tc.narrative[int(span["start"]) : int(span["end"])]
            if term and term not in terms:
                terms.append(term)
    return terms


@dataclass(frozen=True)
class Review:
    """What a reviewer reads: the narrative with what will be removed marked, the text that
    will be published with the placeholders marked, and how many of each kind."""

    original: list[Segment]
    published: list[Segment]
    counts: list[tuple[str, int]]


KIND_LABELS = {
    "name": pgettext_lazy("person", "name"),
    "phone": gettext_lazy("phone number"),
    "id_number": gettext_lazy("ID-card number"),
    "bank_card": gettext_lazy("bank-card number"),
    "email": gettext_lazy("e-mail address"),
    "address": gettext_lazy("address"),
    "account": gettext_lazy("QQ or WeChat account"),
    "plate": gettext_lazy("vehicle plate"),
    "policy_no": gettext_lazy("policy or claim number"),
    "licence_no": gettext_lazy("licence or staff number"),
    "manual": gettext_lazy("marked by hand"),
}


def review(tc: TypicalCase) -> Review:
    spans = tc.spans or []
    counts: dict[str, int] = {}
    for span in spans:
        counts[span["kind"]] = counts.get(span["kind"], 0) + 1
    return Review(
        original=segments(tc.narrative, spans),
        published=published_segments(tc.scrubbed, spans),
        counts=sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
    )


# ---- the public side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedTypicalCase:
    public_id: str
    title: str
    text: str  # the scrubbed narrative
    lesson: str
    company_name: str
    published_at: datetime
    path: str  # the public page


def _bound(value: date | datetime, *, end: bool) -> datetime:
    """A datetime as it is (a naive one in Asia/Shanghai, TIME_ZONE); a date is midnight
    (Asia/Shanghai) that starts it, or with `end` that ends it."""
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    day = value + timedelta(days=1) if end else value
    return timezone.make_aware(datetime.combine(day, time.min))


def published_queryset(
    *, campaign_id: int | None = None, since: date | datetime | None = None, until: date | datetime | None = None
) -> QuerySet[TypicalCase]:
    # Publishing stamps the date; a row without one (edited by hand) is not public.
    qs = TypicalCase.objects.filter(status=S.PUBLISHED, published_at__isnull=False).select_related("case__company")
    if campaign_id is not None:
        qs = qs.filter(Q(case__visit__campaign_id=campaign_id) | Q(case__site__campaign_id=campaign_id))
    if since is not None:
        qs = qs.filter(published_at__gte=_bound(since, end=False))
    if until is not None:
        # A date is the whole day (Asia/Shanghai); a datetime is an exclusive bound.
        qs = qs.filter(published_at__lt=_bound(until, end=True))
    return qs


def published_typical_cases(
    *, campaign_id: int | None = None, since: date | datetime | None = None, until: date | datetime | None = None
) -> list[PublishedTypicalCase]:
    """Published typical cases, newest first: of a campaign (its visits' cases) and/or published
    in a period (`since`/`until` dates are whole days in Asia/Shanghai, inclusive). Only public
    text; for the media report and the public pages."""
    return [
        PublishedTypicalCase(
            public_id=tc.public_id,
            title=tc.title,
            text=tc.scrubbed,
            lesson=tc.lesson,
            company_name=tc.case.company.name,
            published_at=tc.published_at,
            path=reverse("oversight:typical-public-detail", args=[tc.public_id]),
        )
        for tc in published_queryset(campaign_id=campaign_id, since=since, until=until).order_by("-published_at", "-id")
        if tc.published_at is not None  # always (published_queryset); said for the type checker
    ]


def public_page(*, campaign_id: int | None, cursor: str | None, limit: int) -> Page:
    return newest_first(published_queryset(campaign_id=campaign_id), field="published_at", cursor=cursor, limit=limit)


def public_typical_case(public_id: str) -> TypicalCase:
    try:
        return published_queryset().get(public_id=public_id)
    except TypicalCase.DoesNotExist:
        raise NotFound(_("No such published typical case.")) from None
