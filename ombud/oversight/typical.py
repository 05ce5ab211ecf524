"""Typical cases (典型案例): a handled case told in public as a warning, scrubbed of personal
data, approved by a second officer, then published.

    draft ──confirm_spans──▶ draft (confirmed) ──submit──▶ submitted ──publish (another officer)──▶ published
      ▲  └──save (re-scrubs, confirmation reset)              │                                      │
      └──────────────────────return_to_draft──────────────────┘                                      │
    draft, submitted, published ──withdraw──▶ withdrawn ◀─────────────────────────────────────────────┘

- Only regulator users (officers, admins) see or write typical cases (403 for anyone else);
  a typical case is visible to those who may see its case (404 otherwise, as for the case).
- A case qualifies once it has an outcome: decided, consumer informed, or closed
  (`QUALIFYING_STATUSES`); one live typical case per case.
- Saving runs the scrubber (`ombud.insight.scrubber`) over the narrative with what Ombud knows
  of the people in the case: the complainant's name, phone and ID-card number (decrypted here,
  never stored in clear), the practitioner's name and the names of the users who acted on the
  case, plus the terms the author marked by hand ("also remove"). The narrative is stored
  encrypted; the scrubbed text and the spans (kind, start, end, replacement — never the
  original) in clear. Title and lesson are public and stored in clear, so they are stored
  scrubbed.
- The author (or another officer) confirms the spans after reading the highlighted text; the
  author submits; a *different* officer publishes. Publishing scrubs again and refuses if the
  result differs from what was confirmed (409) or if the complainant's name, phone or ID-card
  number would still appear in the public text in any spelling the final guard knows (400).
- `published_typical_cases()` is what reports read (no user: only published text).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from ombud.audit.services import record
from ombud.cases.lifecycle import DECIDED_OR_LATER
from ombud.cases.models import Case, CaseEvent
from ombud.cases.queries import access_case
from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.insight.scrubber import Scrubbed, Segment, published_segments, scrub, segments
from ombud.oversight.models import TypicalCase
from ombud.pagination import Page, newest_first
from ombud.personal_data import normalise_phone

SHANGHAI = ZoneInfo("Asia/Shanghai")
S = TypicalCase.Status

# A typical case tells how a complaint ended: the case must have an outcome.
QUALIFYING_STATUSES = DECIDED_OR_LATER
LIVE_STATUSES = (S.DRAFT, S.SUBMITTED, S.PUBLISHED)

TITLE_MAX = 120
# Published typical cases run to a few hundred or a couple of thousand characters. The limits
# keep a form post (9 bytes per Chinese character once URL-encoded) under the request size
# limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 64 KiB).
NARRATIVE_MAX = 5_000
LESSON_MAX = 1_000
TERMS_MAX = 50
TERM_MIN, TERM_MAX = 2, 60

_PUBLIC_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"

ACTION_LABELS = {
    "confirm": gettext_lazy("Confirm the scrubbing"),
    "submit": gettext_lazy("Submit for approval"),
    "return": gettext_lazy("Return to draft"),
    "publish": gettext_lazy("Approve and publish"),
    "withdraw": gettext_lazy("Withdraw"),
}


@dataclass(frozen=True)
class TypicalInput:
    title: str
    narrative: str
    lesson: str = ""
    # Terms the author marks by hand (a nickname, a shop, a village). None keeps the terms
    # already marked; a list replaces them.
    also_remove: tuple[str, ...] | None = None


# ---- reads -------------------------------------------------------------------------------------


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


# ---- scrubbing ---------------------------------------------------------------------------------


def known_values(case: Case) -> list[str | tuple[str, str]]:
    """What Ombud knows of the people in `case`, for the scrubber: clear values, in memory only."""
    visit = case.visit
    known: list[str | tuple[str, str]] = []
    if visit.visitor_name:
        known.append(("name", visit.visitor_name))
    if visit.visitor_phone:
        known.append(("phone", visit.visitor_phone))
    if visit.visitor_id_number:
        known.append(("id_number", visit.visitor_id_number))
    if visit.practitioner_id:
        known.append(("name", visit.practitioner.name))
    actor_ids = CaseEvent.objects.filter(case=case, actor__isnull=False).values("actor_id")
    for first, last in User.objects.filter(pk__in=actor_ids).values_list("first_name", "last_name"):
        # Chinese order (郑小敏) and Western order (Xiaomin Zheng).
        fulls = {f"{last}{first}".strip(), f"{first} {last}".strip()}
        known.extend(("name", full) for full in sorted(fulls) if len(full) >= 2)
    return known


@dataclass(frozen=True)
class _Scrubbing:
    narrative: Scrubbed
    title: str
    lesson: str


def _scrub_all(case: Case, title: str, narrative: str, lesson: str, terms: list[str]) -> _Scrubbing:
    known = [*known_values(case), *(("manual", t) for t in terms)]
    return _Scrubbing(
        narrative=scrub(narrative, known=known),
        title=scrub(title, known=known).text,
        lesson=scrub(lesson, known=known).text,
    )


_CN_DIGITS = str.maketrans("〇零一二三四五六七八九幺", "001234567891")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_NAME_NOISE = re.compile(r"[\s·・.\-_/|*,，、]+")


def personal_data_left(text: str, case: Case) -> list[str]:
    """The final guard before publication: which of the complainant's name, phone and ID-card
    number still appear in `text`, in any spelling the guard knows — split by spaces, dots or
    slashes (李·秀·英), with separators or Chinese numerals in the digits (一三八…). Broader
    than the scrubber on purpose: it only has to say yes or no."""
    visit = case.visit
    left = []
    name = _NAME_NOISE.sub("", visit.visitor_name or "")
    if len(name) >= 2 and name.lower() in _NAME_NOISE.sub("", text).lower():
        left.append("name")
    digits = re.sub(r"[^0-9Xx]", "", text.translate(_FULLWIDTH_DIGITS).translate(_CN_DIGITS)).upper()
    phone = re.sub(r"\D", "", normalise_phone(visit.visitor_phone or ""))
    if len(phone) >= 7 and phone in digits:
        left.append("phone")
    id_number = re.sub(r"[^0-9Xx]", "", visit.visitor_id_number or "").upper()
    if len(id_number) >= 15 and id_number in digits:
        left.append("id_number")
    return left


# ---- writes ------------------------------------------------------------------------------------


def _clean(data: TypicalInput) -> tuple[str, str, str, list[str] | None]:
    title = (data.title or "").strip()
    narrative = (data.narrative or "").strip()
    lesson = (data.lesson or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the typical case a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(n)d characters.") % {"n": TITLE_MAX}
    if not narrative:
        errors["narrative"] = _("Write the narrative to publish.")
    elif len(narrative) > NARRATIVE_MAX:
        errors["narrative"] = _("At most %(n)d characters.") % {"n": NARRATIVE_MAX}
    if len(lesson) > LESSON_MAX:
        errors["lesson"] = _("At most %(n)d characters.") % {"n": LESSON_MAX}
    terms: list[str] | None = None
    if data.also_remove is not None:
        terms = []
        for raw in data.also_remove:
            term = (raw or "").strip()
            if not term or term in terms:
                continue
            if not TERM_MIN <= len(term) <= TERM_MAX:
                errors["also_remove"] = _(
                    "Each term to remove has %(min)d to %(max)d characters (one character would be removed everywhere)."
                ) % {"min": TERM_MIN, "max": TERM_MAX}
                break
            terms.append(term)
        if len(terms) > TERMS_MAX:
            errors["also_remove"] = _("At most %(n)d terms.") % {"n": TERMS_MAX}
    if errors:
        raise InvalidInput(_("The typical case is not complete."), fields=errors)
    return title, narrative, lesson, terms


def _apply(tc: TypicalCase, case: Case, title: str, narrative: str, lesson: str, terms: list[str]) -> None:
    result = _scrub_all(case, title, narrative, lesson, terms)
    if len(result.title) > TITLE_MAX:
        raise InvalidInput(
            _("The title is too long once scrubbed."),
            fields={"title": _("At most %(n)d characters.") % {"n": TITLE_MAX}},
        )
    changed = (
        tc.narrative != narrative
        or tc.scrubbed != result.narrative.text
        or tc.spans != result.narrative.spans_as_dicts()
        or tc.title != result.title
        or tc.lesson != result.lesson
    )
    tc.title = result.title
    tc.narrative = narrative
    tc.lesson = result.lesson
    tc.scrubbed = result.narrative.text
    tc.spans = result.narrative.spans_as_dicts()
    if changed:
        tc.spans_confirmed_by = None  # what was confirmed is not what is there now


def _new_public_id() -> str:
    while True:
        candidate = "".join(secrets.choice(_PUBLIC_ALPHABET) for _ in range(10))
        if not TypicalCase.objects.filter(public_id=candidate).exists():
            return candidate


@transaction.atomic
def create_typical_case(actor: User, case_id: int, data: TypicalInput, *, now: datetime | None = None) -> TypicalCase:
    require_regulator(actor)
    case = access_case(actor, case_id, for_update=True)
    title, narrative, lesson, terms = _clean(data)
    if case.status not in QUALIFYING_STATUSES:
        raise InvalidInput(
            _("Only a case with an outcome (decided, consumer informed or closed) can become a typical case."),
            fields={"case_id": _("this case is %(status)s") % {"status": case.get_status_display()}},
            code="case_not_qualifying",
        )
    existing = TypicalCase.objects.filter(case=case, status__in=LIVE_STATUSES).first()
    if existing is not None:
        raise Conflict(
            _("This case already has a typical case (%(status)s): edit that one, or withdraw it first.")
            % {"status": existing.get_status_display()},
            fields={"typical_case_id": str(existing.pk)},
            code="already_exists",
        )
    tc = TypicalCase(
        case=case,
        public_id=_new_public_id(),
        author=actor,
        status=S.DRAFT,
        created_at=now or timezone.now(),
        narrative="",
    )
    _apply(tc, case, title, narrative, lesson, terms or [])
    tc.save()
    return tc


@transaction.atomic
def update_typical_case(actor: User, typical_id: int, data: TypicalInput) -> TypicalCase:
    tc = access_typical_case(actor, typical_id, for_update=True)
    if tc.author_id != actor.pk:
        raise Forbidden(_("Only the author edits a typical case."))
    if tc.status != S.DRAFT:
        raise Conflict(
            _("A typical case that is %(status)s cannot be edited; return it to draft first.")
            % {"status": tc.get_status_display()},
            code="not_a_draft",
        )
    title, narrative, lesson, terms = _clean(data)
    _apply(tc, tc.case, title, narrative, lesson, manual_terms(tc) if terms is None else terms)
    tc.save()
    return tc


def _conflict_unless(tc: TypicalCase, *statuses: str, action: str) -> None:
    if tc.status not in statuses:
        raise Conflict(
            _("A typical case that is %(status)s cannot take the action %(action)s.")
            % {"status": tc.get_status_display(), "action": ACTION_LABELS.get(action, action)},
            code="transition_not_allowed",
        )


@transaction.atomic
def confirm_spans(actor: User, typical_id: int) -> TypicalCase:
    """The reviewer has read the highlighted text and agrees with what is removed."""
    tc = access_typical_case(actor, typical_id, for_update=True)
    _conflict_unless(tc, S.DRAFT, action="confirm")
    tc.spans_confirmed_by = actor
    tc.save(update_fields=["spans_confirmed_by"])
    return tc


@transaction.atomic
def submit_typical_case(actor: User, typical_id: int, *, now: datetime | None = None) -> TypicalCase:
    tc = access_typical_case(actor, typical_id, for_update=True)
    if tc.author_id != actor.pk:
        raise Forbidden(_("Only the author submits a typical case for approval."))
    _conflict_unless(tc, S.DRAFT, action="submit")
    if tc.spans_confirmed_by_id is None:
        raise Conflict(_("Confirm the scrubbing first: read the highlighted text."), code="spans_not_confirmed")
    tc.status = S.SUBMITTED
    tc.submitted_at = now or timezone.now()
    tc.save(update_fields=["status", "submitted_at"])
    return tc


@transaction.atomic
def return_to_draft(actor: User, typical_id: int) -> TypicalCase:
    """The approver sends it back (or the author takes it back) for changes."""
    tc = access_typical_case(actor, typical_id, for_update=True)
    _conflict_unless(tc, S.SUBMITTED, action="return")
    tc.status = S.DRAFT
    tc.submitted_at = None
    tc.save(update_fields=["status", "submitted_at"])
    return tc


@transaction.atomic
def publish_typical_case(actor: User, typical_id: int, *, now: datetime | None = None) -> TypicalCase:
    tc = access_typical_case(actor, typical_id, for_update=True)
    if tc.author_id == actor.pk:
        raise Forbidden(
            _("You wrote this typical case: another officer must approve and publish it."),
            code="author_cannot_approve",
        )
    _conflict_unless(tc, S.SUBMITTED, action="publish")
    # Scrub again with what is known now: the confirmed text must still be what comes out.
    again = _scrub_all(tc.case, tc.title, tc.narrative, tc.lesson, manual_terms(tc))
    if (again.narrative.text, again.narrative.spans_as_dicts(), again.title, again.lesson) != (
        tc.scrubbed,
        tc.spans,
        tc.title,
        tc.lesson,
    ):
        raise Conflict(
            _(
                "The scrubbing changed since it was confirmed (the case's data or the scrubber changed): "
                "return it to draft so that the author saves and confirms it again."
            ),
            code="scrubbing_changed",
        )
    left = personal_data_left("\n".join((again.title, again.narrative.text, again.lesson)), tc.case)
    if left:
        what = {"name": pgettext("person", "name"), "phone": _("phone number"), "id_number": _("ID-card number")}
        raise InvalidInput(
            _("Not published: the text would still show the complainant's %(what)s. Return it to draft and rewrite it.")
            % {"what": ", ".join(str(what[k]) for k in left)},
            fields={"narrative": ", ".join(left)},
            code="personal_data_left",
        )
    tc.status = S.PUBLISHED
    tc.approver = actor
    tc.published_at = now or timezone.now()
    tc.save(update_fields=["status", "approver", "published_at"])
    record(actor, "typical_case.publish", tc, public_id=tc.public_id, case_id=tc.case_id)
    return tc


@transaction.atomic
def withdraw_typical_case(actor: User, typical_id: int) -> TypicalCase:
    tc = access_typical_case(actor, typical_id, for_update=True)
    _conflict_unless(tc, *LIVE_STATUSES, action="withdraw")
    was_public = tc.status == S.PUBLISHED
    tc.status = S.WITHDRAWN
    tc.save(update_fields=["status"])
    if was_public:
        record(actor, "typical_case.withdraw", tc, public_id=tc.public_id, case_id=tc.case_id)
    return tc


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
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, SHANGHAI)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def published_queryset(
    *, campaign_id: int | None = None, since: date | datetime | None = None, until: date | datetime | None = None
) -> QuerySet[TypicalCase]:
    qs = TypicalCase.objects.filter(status=S.PUBLISHED).select_related("case__company")
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
    ]


def public_page(*, campaign_id: int | None, cursor: str | None, limit: int) -> Page:
    return newest_first(published_queryset(campaign_id=campaign_id), field="published_at", cursor=cursor, limit=limit)


def public_typical_case(public_id: str) -> TypicalCase:
    try:
        return published_queryset().get(public_id=public_id)
    except TypicalCase.DoesNotExist:
        raise NotFound(_("No such published typical case.")) from None
