"""The writes of public consultations (征求意见; docs/portal.md "Public consultations").

- **Officers** (a regulator officer or admin of a bureau; a nationwide admin names the bureau)
  open a consultation: a title, a description, a period and 1–10 questions (free text, or one
  of 2–8 choices; each may be required). The period opens now or later (a few minutes of clock
  skew allowed), closes at least an hour and at most `MAX_DAYS` days after it opens. It is
  edited only while it has not opened (no one can have answered yet). Officers mark answers
  read and tag them (tags are made on the fly, e.g. 「理赔慢」); once it is closed they write the
  summary and publish it.
- **The public** answers while the consultation is open, without an account. A verified mobile
  number is optional (an SMS code of purpose CONSULTATION; only its blind index is kept):
  one answer per verified number and consultation — a second is refused (409
  `already_answered`), so that officers' tags and reading of the first stay as they were.
  Answers are limited per address (`OMBUD_CONSULTATION_ADDRESS_LIMIT` per
  `OMBUD_CONSULTATION_WINDOW_SECONDS`, counted in the database by portal/limits.py). Free text
  is encrypted at rest and never shown to the public.

Every function validates everything before it writes and writes in one transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import Organization, Region, User
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.personal_data import blind_index
from ombud.portal import limits, verification
from ombud.portal.consultations.queries import (
    CLOSED,
    OPEN,
    SCHEDULED,
    access_consultation,
    access_response,
    public_consultation,
    state,
)
from ombud.portal.models import (
    Consultation,
    ConsultationAnswer,
    ConsultationQuestion,
    ConsultationResponse,
    ConsultationTag,
    PhoneChallenge,
)
from ombud.timebounds import CLOCK_SKEW

TITLE_MAX = 200
DESCRIPTION_MAX = 5_000
QUESTIONS_MIN, QUESTIONS_MAX = 1, 10
QUESTION_MAX = 500
CHOICES_MIN, CHOICES_MAX = 2, 8
CHOICE_MAX = 100
MIN_PERIOD = timedelta(hours=1)
MAX_DAYS = 90  # a consultation runs for days or weeks; a quarter is the longest that is sensible
MAX_LEAD_DAYS = 366  # how far ahead a consultation may be announced
ANSWER_MAX = 2_000  # per question; ten of them fit in a form post (64 KiB)
SUMMARY_MAX = 10_000
TAG_MAX = 40
TAGS_PER_RESPONSE = 10
TAGS_PER_CONSULTATION = 100
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")

KIND = ConsultationQuestion.Kind


@dataclass(frozen=True)
class QuestionInput:
    text: str
    kind: str = KIND.TEXT
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class ConsultationInput:
    title: str
    description: str
    opens_at: datetime | None
    closes_at: datetime | None
    questions: tuple[QuestionInput, ...]
    bureau_id: int | None = None  # a nationwide admin names the bureau; an officer's is its own


@dataclass(frozen=True)
class AnswerInput:
    question_id: int
    text: str = ""
    choice: str = ""


@dataclass(frozen=True)
class ResponseInput:
    answers: tuple[AnswerInput, ...]
    city_code: str = ""


def address_limit() -> limits.Limit:
    return limits.Limit(
        "consultation.address", settings.OMBUD_CONSULTATION_ADDRESS_LIMIT, settings.OMBUD_CONSULTATION_WINDOW_SECONDS
    )


# ---- officers: open and edit -----------------------------------------------------------------


def _bureau_for(actor: User, bureau_id: int | None) -> Organization:
    """The bureau a new consultation belongs to: the officer's own; a nationwide admin names it."""
    scope = scope_for(actor)
    if scope.everything and bureau_id is None and actor.organization_id is None:
        raise InvalidInput(
            _("Choose the bureau that asks the public."), fields={"bureau_id": _("required for a nationwide account")}
        )
    wanted = bureau_id if bureau_id is not None else actor.organization_id
    if wanted is None:  # not reached: require_regulator let through only a regulator with a bureau
        raise Forbidden(_("Your account has no bureau."), fields={"bureau_id": _("no bureau")})
    if not scope.everything and wanted != scope.bureau_id:
        raise Forbidden(
            _("You may open consultations only for your own bureau."), fields={"bureau_id": _("not your bureau")}
        )
    bureau = Organization.objects.filter(pk=wanted, kind=Organization.Kind.REGULATOR).first()
    if bureau is None:
        raise InvalidInput(_("No such bureau."), fields={"bureau_id": _("not a regulator's bureau")})
    return bureau


def _clean_questions(items: tuple[QuestionInput, ...], errors: dict[str, str]) -> list[QuestionInput]:
    if not QUESTIONS_MIN <= len(items) <= QUESTIONS_MAX:
        errors["questions"] = _("Ask between %(min)d and %(max)d questions.") % {
            "min": QUESTIONS_MIN,
            "max": QUESTIONS_MAX,
        }
        return []
    cleaned = []
    for i, q in enumerate(items):
        text = (q.text or "").strip()
        if not text:
            errors[f"questions.{i}.text"] = _("Write the question.")
        elif len(text) > QUESTION_MAX:
            errors[f"questions.{i}.text"] = _("At most %(n)d characters.") % {"n": QUESTION_MAX}
        if q.kind not in KIND.values:
            errors[f"questions.{i}.kind"] = _("Choose free text or one of several choices.")
        choices: list[str] = []
        if q.kind == KIND.CHOICE:
            for raw in q.choices:
                choice = (raw or "").strip()
                if choice and choice not in choices:
                    choices.append(choice)
            if not CHOICES_MIN <= len(choices) <= CHOICES_MAX:
                errors[f"questions.{i}.choices"] = _("Give between %(min)d and %(max)d different choices.") % {
                    "min": CHOICES_MIN,
                    "max": CHOICES_MAX,
                }
            elif any(len(c) > CHOICE_MAX for c in choices):
                errors[f"questions.{i}.choices"] = _("Each choice has at most %(n)d characters.") % {"n": CHOICE_MAX}
        elif q.kind == KIND.TEXT and any((c or "").strip() for c in q.choices):
            errors[f"questions.{i}.choices"] = _("A free-text question has no choices.")
        cleaned.append(QuestionInput(text=text, kind=q.kind, choices=tuple(choices), required=bool(q.required)))
    return cleaned


@dataclass(frozen=True)
class _Clean:
    title: str
    description: str
    opens_at: datetime
    closes_at: datetime
    questions: list[QuestionInput]


def _clean(data: ConsultationInput, now: datetime) -> _Clean:
    title = (data.title or "").strip()
    description = (data.description or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the consultation a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("At most %(n)d characters.") % {"n": TITLE_MAX}
    if not description:
        errors["description"] = _("Say what the bureau asks and why.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most %(n)d characters.") % {"n": DESCRIPTION_MAX}
    opens, closes = data.opens_at, data.closes_at
    if opens is None:
        errors["opens_at"] = _("Give the time it opens.")
    elif opens.tzinfo is None:
        errors["opens_at"] = _("Give a time zone, e.g. 2026-11-20T09:30:00+08:00.")
    elif opens < now - CLOCK_SKEW:
        errors["opens_at"] = _("It cannot open in the past.")
    elif opens > now + timedelta(days=MAX_LEAD_DAYS):
        errors["opens_at"] = _("It opens within a year.")
    if closes is None:
        errors["closes_at"] = _("Give the time it closes.")
    elif closes.tzinfo is None:
        errors["closes_at"] = _("Give a time zone, e.g. 2026-11-20T09:30:00+08:00.")
    elif opens is not None and opens.tzinfo is not None and "opens_at" not in errors:
        if closes < opens + MIN_PERIOD:
            errors["closes_at"] = _("It closes at least an hour after it opens.")
        elif closes > opens + timedelta(days=MAX_DAYS):
            errors["closes_at"] = _("A consultation runs for at most %(n)d days.") % {"n": MAX_DAYS}
    questions = _clean_questions(tuple(data.questions or ()), errors)
    if errors or opens is None or closes is None:
        raise InvalidInput(_("The consultation is not complete."), fields=errors)
    return _Clean(title, description, opens, closes, questions)


def _write_questions(consultation: Consultation, questions: list[QuestionInput]) -> None:
    ConsultationQuestion.objects.bulk_create(
        [
            ConsultationQuestion(
                consultation=consultation,
                position=i,
                text=q.text,
                kind=q.kind,
                choices=list(q.choices) if q.kind == KIND.CHOICE else [],
                required=q.required,
            )
            for i, q in enumerate(questions, start=1)
        ]
    )


def open_consultation(actor: User, data: ConsultationInput, *, now: datetime | None = None) -> Consultation:
    """Open a consultation of the actor's bureau (announced at once; answers from `opens_at`)."""
    require_regulator(actor, _("Only the regulator's officers open public consultations."))
    now = now or timezone.now()
    bureau = _bureau_for(actor, data.bureau_id)
    clean = _clean(data, now)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            bureau=bureau,
            title=clean.title,
            description=clean.description,
            opens_at=clean.opens_at,
            closes_at=clean.closes_at,
            created_by=actor,
            created_at=now,
        )
        _write_questions(consultation, clean.questions)
    return consultation


def update_consultation(
    actor: User, consultation_id: int, data: ConsultationInput, *, now: datetime | None = None
) -> Consultation:
    """Change a consultation that has not opened yet: its text, period and questions (the
    questions are replaced). Once it has opened, 409: answers may already refer to them."""
    now = now or timezone.now()
    with transaction.atomic():
        consultation = access_consultation(actor, consultation_id, for_update=True)
        if state(consultation, now) != SCHEDULED:
            raise Conflict(_("This consultation has opened: it can no longer be changed."), code="consultation_opened")
        clean = _clean(data, now)
        consultation.title, consultation.description = clean.title, clean.description
        consultation.opens_at, consultation.closes_at = clean.opens_at, clean.closes_at
        consultation.save(update_fields=["title", "description", "opens_at", "closes_at"])
        consultation.questions.all().delete()
        _write_questions(consultation, clean.questions)
    return consultation


# ---- officers: read, tag, summarise ----------------------------------------------------------


def mark_read(actor: User, consultation_id: int, response_id: int, *, read: bool = True) -> ConsultationResponse:
    response = access_response(actor, consultation_id, response_id)
    response.read_at = timezone.now() if read else None
    response.save(update_fields=["read_at"])
    return response


def parse_tags(text: str) -> tuple[str, ...]:
    """Tags as an officer types them: separated by commas (，、,), semicolons or new lines."""
    return tuple(t.strip() for t in _TAG_SEPARATORS.split(text or "") if t.strip())


def set_tags(
    actor: User, consultation_id: int, response_id: int, names: tuple[str, ...] | list[str]
) -> ConsultationResponse:
    """Give an answer exactly these tags, making the new ones (of this consultation) on the fly;
    the answer counts as read."""
    wanted: list[str] = []
    for raw in names:
        name = " ".join((raw or "").split())
        if name and name not in wanted:
            wanted.append(name)
    errors = {}
    if any(len(n) > TAG_MAX for n in wanted):
        errors["tags"] = _("A tag has at most %(n)d characters.") % {"n": TAG_MAX}
    elif len(wanted) > TAGS_PER_RESPONSE:
        errors["tags"] = _("At most %(n)d tags on one answer.") % {"n": TAGS_PER_RESPONSE}
    if errors:
        raise InvalidInput(_("The tags are not valid."), fields=errors)
    with transaction.atomic():
        consultation = access_consultation(actor, consultation_id, for_update=True)  # serialises new tags
        response = access_response(actor, consultation.pk, response_id)
        existing = {t.name: t for t in ConsultationTag.objects.filter(consultation=consultation, name__in=wanted)}
        new = [n for n in wanted if n not in existing]
        if new and ConsultationTag.objects.filter(consultation=consultation).count() + len(new) > TAGS_PER_CONSULTATION:
            raise InvalidInput(
                _("This consultation has too many tags already; reuse one."),
                fields={"tags": _("at most %(n)d tags per consultation") % {"n": TAGS_PER_CONSULTATION}},
            )
        for name in new:
            existing[name] = ConsultationTag.objects.create(consultation=consultation, name=name)
        response.tags.set([existing[n] for n in wanted])
        if response.read_at is None:
            response.read_at = timezone.now()
            response.save(update_fields=["read_at"])
    return response


def save_summary(
    actor: User, consultation_id: int, summary: str, *, publish: bool = False, now: datetime | None = None
) -> Consultation:
    """Write the summary of a closed consultation; `publish` puts it on the public page (its
    first publication time is kept; later saves update the text shown)."""
    now = now or timezone.now()
    text = (summary or "").strip()
    if len(text) > SUMMARY_MAX:
        raise InvalidInput(
            _("The summary is too long."), fields={"summary": _("At most %(n)d characters.") % {"n": SUMMARY_MAX}}
        )
    if publish and not text:
        raise InvalidInput(_("Write the summary before publishing it."), fields={"summary": _("Write the summary.")})
    with transaction.atomic():
        consultation = access_consultation(actor, consultation_id, for_update=True)
        if state(consultation, now) != CLOSED:
            raise Conflict(
                _("The summary is written once the consultation has closed."), code="consultation_not_closed"
            )
        if consultation.summary_published_at is not None and not text:
            raise InvalidInput(_("A published summary cannot be emptied."), fields={"summary": _("Write the summary.")})
        consultation.summary = text
        if publish and consultation.summary_published_at is None:
            consultation.summary_published_at = now
        consultation.save(update_fields=["summary", "summary_published_at"])
    return consultation


# ---- the public: answer ------------------------------------------------------------------------


def ensure_open(consultation: Consultation, now: datetime | None = None) -> None:
    """Conflict (409) unless the consultation takes answers now: a clear message before and after."""
    current = state(consultation, now or timezone.now())
    if current == SCHEDULED:
        when = timezone.localtime(consultation.opens_at).strftime("%Y-%m-%d %H:%M")
        raise Conflict(
            _("This consultation is not open yet: answers are taken from %(time)s.") % {"time": when},
            code="consultation_not_open",
        )
    if current != OPEN:
        raise Conflict(
            _("This consultation has closed: answers are no longer taken. Thank you for your interest."),
            code="consultation_closed",
        )


def _clean_answers(consultation: Consultation, data: ResponseInput) -> tuple[list[ConsultationAnswer], Region | None]:
    questions = {q.pk: q for q in consultation.questions.all()}
    errors: dict[str, str] = {}
    given: dict[int, AnswerInput] = {}
    for item in data.answers:
        key = f"answers.{item.question_id}"
        if item.question_id not in questions:
            errors[key] = _("Not a question of this consultation.")
        elif item.question_id in given:
            errors[key] = _("Answered twice.")
        else:
            given[item.question_id] = item
    rows = []
    for qid, q in sorted(questions.items(), key=lambda item: item[1].position):
        key = f"answers.{qid}"
        a = given.get(qid)
        text = (a.text if a else "").strip()
        choice = (a.choice if a else "").strip()
        if q.kind == KIND.CHOICE:
            if text:
                errors[key] = _("Choose one of the choices.")
            elif choice and choice not in q.choices:
                errors[key] = _("Not one of the choices.")
            elif not choice and q.required:
                errors[key] = _("This question needs an answer.")
        else:
            if choice:
                errors[key] = _("Answer in words.")
            elif len(text) > ANSWER_MAX:
                errors[key] = _("At most %(n)d characters.") % {"n": ANSWER_MAX}
            elif not text and q.required:
                errors[key] = _("This question needs an answer.")
        if text or choice:
            rows.append(ConsultationAnswer(question=q, text=text, choice=choice))
    if not rows and not errors:
        errors["answers"] = _("Answer at least one question.")
    city = None
    code = (data.city_code or "").strip()
    if code:
        city = Region.objects.filter(code=code, level=Region.Level.PREFECTURE).first()
        if city is None:
            errors["city_code"] = _("Not a city code (GB/T 2260), e.g. 440100 for Guangzhou.")
    if errors:
        raise InvalidInput(_("Some answers need another look."), fields=errors)
    return rows, city


def submit_response(
    consultation_id: int,
    data: ResponseInput,
    *,
    address: str,
    phone: str = "",
    otp: str = "",
    proven_phone: str | None = None,
    now: datetime | None = None,
) -> ConsultationResponse:
    """A member of the public answers (no account). The order of the checks is the answer's
    status: no such consultation (404) → not open now (409) → the fields (400, each named) →
    the address over its limit (429) → the SMS code, when a number is given (400 `otp`) → one
    answer per verified number (409). Nothing is stored unless all pass.

    A number is proven either by `phone` + `otp` (the API: the code is checked and used up in
    this call) or by `proven_phone` (a page whose session holds the proof, verification.remember).
    """
    now = now or timezone.now()
    consultation = public_consultation(consultation_id)
    ensure_open(consultation, now)
    answers, city = _clean_answers(consultation, data)
    number = None
    if proven_phone:
        number = verification.mobile_or_error(proven_phone)
    elif phone or otp:
        errors = {}
        if not (phone or "").strip():
            errors["phone"] = _("Give the mobile number the code was sent to, or leave out the code.")
        if not (otp or "").strip():
            errors["otp"] = _("Enter the code sent to your mobile, or leave out the number.")
        if errors:
            raise InvalidInput(_("A mobile number needs its SMS code."), fields=errors)
        number = verification.mobile_or_error(phone)
    per_address = address_limit()
    if limits.hit(per_address, address, now=now) > per_address.limit:
        raise limits.refusal(
            per_address,
            address,
            _("Too many answers have come from your network. Please try again after %(time)s."),
            code="consultation_address_limited",
            now=now,
        )
    challenge = None
    if number is not None and not proven_phone:
        challenge = verification.verify(number, PhoneChallenge.Purpose.CONSULTATION, otp, now=now)
    index = blind_index(number) if number else ""
    already = Conflict(
        _("This mobile number has already answered this consultation. Thank you: one answer per number."),
        fields={"phone": _("already answered")},
        code="already_answered",
    )
    with transaction.atomic():
        if challenge is not None:
            verification.consume(challenge, now=now)
        if index and ConsultationResponse.objects.filter(consultation=consultation, phone_index=index).exists():
            raise already
        try:
            with transaction.atomic():  # a savepoint: the unique constraint settles two at once
                response = ConsultationResponse.objects.create(
                    consultation=consultation, submitted_at=now, city=city, phone_index=index
                )
        except IntegrityError:
            raise already from None
        for row in answers:
            row.response = response
        ConsultationAnswer.objects.bulk_create(answers)
    return response
