"""The writes of typical cases: create and save a draft (scrubbed on every save), confirm the
scrubbing, submit, return to draft, publish (another officer, after the final guard) and
withdraw. Each refuses with a `DomainError` and writes in one transaction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ombud.audit.services import record
from ombud.cases.models import Case
from ombud.cases.queries import access_case
from ombud.directory.access import require_regulator
from ombud.directory.models import User
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.oversight.models import TypicalCase
from ombud.oversight.typical.queries import (
    ACTION_LABELS,
    LIVE_STATUSES,
    QUALIFYING_STATUSES,
    S,
    access_typical_case,
    manual_terms,
)
from ombud.oversight.typical.scrubbing import personal_data_left, scrub_all

TITLE_MAX = 120
# Published typical cases run to a few hundred or a couple of thousand characters. The limits
# keep a form post (9 bytes per Chinese character once URL-encoded) under the request size
# limit (DATA_UPLOAD_MAX_MEMORY_SIZE, 64 KiB).
NARRATIVE_MAX = 5_000
LESSON_MAX = 1_000
TERMS_MAX = 50
TERM_MIN, TERM_MAX = 2, 60

_PUBLIC_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class TypicalInput:
    title: str
    narrative: str
    lesson: str = ""
    # Terms the author marks by hand (a nickname, a shop, a village). None keeps the terms
    # already marked; a list replaces them.
    also_remove: tuple[str, ...] | None = None


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
    result = scrub_all(case, title, narrative, lesson, terms)
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
    again = scrub_all(tc.case, tc.title, tc.narrative, tc.lesson, manual_terms(tc))
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
