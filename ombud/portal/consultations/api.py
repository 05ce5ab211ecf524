"""API routes of public consultations (征求意见): the officers' under /api/v1/consultations, the
public's (no authentication, limited per address) under /api/v1/public/consultations.

Handlers parse, call the part's `services` and `queries` and shape the answer. The public
routes never return an answer, a tag or a city count.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from ombud.http import ApiRequest
from ombud.personal_data import normalise_phone
from ombud.portal import limits, verification
from ombud.portal.consultations import queries, services
from ombud.portal.models import Consultation, ConsultationResponse, PhoneChallenge
from ombud.schemas import Id

router = Router(tags=["consultations"])


# ---- shapes --------------------------------------------------------------------------------------


class QuestionIn(Schema):
    text: str = Field(max_length=services.QUESTION_MAX * 2)
    kind: str = "text"
    choices: list[str] = Field(default_factory=list, max_length=services.CHOICES_MAX * 2)
    required: bool = False


class ConsultationIn(Schema):
    title: str = Field(max_length=services.TITLE_MAX * 2)
    description: str = Field(max_length=services.DESCRIPTION_MAX * 2)
    opens_at: datetime
    closes_at: datetime
    questions: list[QuestionIn] = Field(max_length=services.QUESTIONS_MAX * 2)
    bureau_id: Id | None = None


class QuestionOut(Schema):
    id: int
    position: int
    text: str
    kind: str
    choices: list[str]
    required: bool


class ConsultationItem(Schema):
    id: int
    bureau_id: int
    bureau: str
    title: str
    state: str
    opens_at: datetime
    closes_at: datetime
    responses: int
    unread: int
    summary_published_at: datetime | None


class ConsultationDetail(ConsultationItem):
    description: str
    summary: str
    questions: list[QuestionOut]


class ConsultationPage(Schema):
    items: list[ConsultationItem]
    next_cursor: str | None


class AnswerOut(Schema):
    question_id: int
    text: str
    choice: str


class TagOut(Schema):
    id: int
    name: str


class ResponseOut(Schema):
    id: int
    submitted_at: datetime
    city_code: str | None
    city: str | None
    verified_phone: bool
    read: bool
    tags: list[TagOut]
    answers: list[AnswerOut]


class ResponsePage(Schema):
    items: list[ResponseOut]
    next_cursor: str | None


class ChoiceCount(Schema):
    choice: str
    count: int


class QuestionCounts(Schema):
    question_id: int
    text: str
    answered: int
    choices: list[ChoiceCount]


class TagCount(Schema):
    tag_id: int
    name: str
    count: int


class CityCount(Schema):
    city_code: str | None
    city: str
    count: int


class CountsOut(Schema):
    responses: int
    unread: int
    verified: int
    by_tag: list[TagCount]
    by_city: list[CityCount]
    by_choice: list[QuestionCounts]


class TagsIn(Schema):
    tags: list[str] = Field(max_length=services.TAGS_PER_RESPONSE * 2)


class ReadIn(Schema):
    read: bool = True


class SummaryIn(Schema):
    summary: str = Field(max_length=services.SUMMARY_MAX * 2)
    publish: bool = False


class PublicConsultation(Schema):
    id: int
    bureau: str
    title: str
    description: str
    state: str
    opens_at: datetime
    closes_at: datetime
    questions: list[QuestionOut]  # empty until it opens
    summary: str | None  # once published
    responses: int | None  # the total, once the summary is published
    by_choice: list[QuestionCounts] | None


class PublicItem(Schema):
    id: int
    bureau: str
    title: str
    state: str
    opens_at: datetime
    closes_at: datetime
    summary_published: bool


class PublicPage(Schema):
    items: list[PublicItem]
    next_cursor: str | None


class AnswerIn(Schema):
    question_id: int
    text: str = Field("", max_length=services.ANSWER_MAX * 2)
    choice: str = Field("", max_length=services.CHOICE_MAX * 2)


class ResponseIn(Schema):
    answers: list[AnswerIn] = Field(max_length=services.QUESTIONS_MAX * 2)
    city_code: str = Field("", max_length=12)
    phone: str = Field("", max_length=32)
    otp: str = Field("", max_length=16)


class ResponseCreated(Schema):
    submitted_at: datetime
    verified_phone: bool


class OtpIn(Schema):
    phone: str = Field(max_length=32)


class OtpOut(Schema):
    expires_at: datetime
    resend_after: int


# ---- shaping -------------------------------------------------------------------------------------


def _questions(c: Consultation) -> list[dict]:
    return [
        {
            "id": q.pk,
            "position": q.position,
            "text": q.text,
            "kind": q.kind,
            "choices": q.choices,
            "required": q.required,
        }
        for q in queries.questions(c)
    ]


def _item(c: Consultation) -> dict:
    return {
        "id": c.pk,
        "bureau_id": c.bureau_id,
        "bureau": c.bureau.name,
        "title": c.title,
        "state": queries.state(c),
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "responses": getattr(c, "n_responses", 0),
        "unread": getattr(c, "n_unread", 0),
        "summary_published_at": c.summary_published_at,
    }


def _detail(request: ApiRequest, consultation_id: int) -> dict:
    c = queries.with_counts(queries.consultations_for(request.user).select_related("bureau")).filter(pk=consultation_id)
    found = c.first() or queries.access_consultation(request.user, consultation_id)  # 404 when not found
    return {**_item(found), "description": found.description, "summary": found.summary, "questions": _questions(found)}


def _by_choice(items: list[queries.ChoiceCounts]) -> list[dict]:
    return [
        {
            "question_id": cc.question.pk,
            "text": cc.question.text,
            "answered": cc.answered,
            "choices": [{"choice": choice, "count": n} for choice, n in cc.counts],
        }
        for cc in items
    ]


def _response(r: ConsultationResponse) -> dict:
    return {
        "id": r.pk,
        "submitted_at": r.submitted_at,
        "city_code": r.city_id,
        "city": r.city.name if r.city else None,
        "verified_phone": bool(r.phone_index),
        "read": r.read_at is not None,
        "tags": [{"id": t.pk, "name": t.name} for t in r.tags.all()],
        "answers": [{"question_id": a.question_id, "text": a.text, "choice": a.choice} for a in r.answers.all()],
    }


def _consultation_input(payload: ConsultationIn) -> services.ConsultationInput:
    return services.ConsultationInput(
        title=payload.title,
        description=payload.description,
        opens_at=payload.opens_at,
        closes_at=payload.closes_at,
        questions=tuple(
            services.QuestionInput(text=q.text, kind=q.kind, choices=tuple(q.choices), required=q.required)
            for q in payload.questions
        ),
        bureau_id=payload.bureau_id,
    )


# ---- officers ------------------------------------------------------------------------------------


class ListQuery(Schema):
    cursor: str | None = None
    limit: int = 50


@router.get("/consultations", response=ConsultationPage)
def list_consultations(request: ApiRequest, q: Query[ListQuery]) -> dict:
    page = queries.consultation_page(request.user, cursor=q.cursor, limit=q.limit)
    return {"items": [_item(c) for c in page.items], "next_cursor": page.next_cursor}


@router.post("/consultations", response={201: ConsultationDetail})
def create_consultation(request: ApiRequest, payload: ConsultationIn) -> Status:
    c = services.open_consultation(request.user, _consultation_input(payload))
    return Status(201, _detail(request, c.pk))


@router.get("/consultations/{consultation_id}", response=ConsultationDetail)
def get_consultation(request: ApiRequest, consultation_id: Id) -> dict:
    return _detail(request, consultation_id)


@router.put("/consultations/{consultation_id}", response=ConsultationDetail)
def update_consultation(request: ApiRequest, consultation_id: Id, payload: ConsultationIn) -> dict:
    services.update_consultation(request.user, consultation_id, _consultation_input(payload))
    return _detail(request, consultation_id)


class ResponsesQuery(Schema):
    tag_id: Id | None = None
    unread: bool = False
    city_code: str | None = Field(None, max_length=12)
    cursor: str | None = None
    limit: int = 50


@router.get("/consultations/{consultation_id}/responses", response=ResponsePage)
def list_responses(request: ApiRequest, consultation_id: Id, q: Query[ResponsesQuery]) -> dict:
    filters = queries.ResponseFilters(tag_id=q.tag_id, unread=q.unread, city_code=q.city_code)
    page = queries.response_page(request.user, consultation_id, filters=filters, cursor=q.cursor, limit=q.limit)
    return {"items": [_response(r) for r in page.items], "next_cursor": page.next_cursor}


def _one_response(request: ApiRequest, consultation_id: int, response_id: int) -> dict:
    r = queries.access_response(request.user, consultation_id, response_id)
    return _response(r)


@router.put("/consultations/{consultation_id}/responses/{response_id}/tags", response=ResponseOut)
def set_tags(request: ApiRequest, consultation_id: Id, response_id: Id, payload: TagsIn) -> dict:
    services.set_tags(request.user, consultation_id, response_id, payload.tags)
    return _one_response(request, consultation_id, response_id)


@router.post("/consultations/{consultation_id}/responses/{response_id}/read", response=ResponseOut)
def mark_read(request: ApiRequest, consultation_id: Id, response_id: Id, payload: ReadIn) -> dict:
    services.mark_read(request.user, consultation_id, response_id, read=payload.read)
    return _one_response(request, consultation_id, response_id)


@router.get("/consultations/{consultation_id}/counts", response=CountsOut)
def counts(request: ApiRequest, consultation_id: Id) -> dict:
    c = queries.consultation_counts(request.user, consultation_id)
    return {
        "responses": c.responses,
        "unread": c.unread,
        "verified": c.verified,
        "by_tag": [{"tag_id": tid, "name": name, "count": n} for tid, name, n in c.by_tag],
        "by_city": [{"city_code": code, "city": name, "count": n} for code, name, n in c.by_city],
        "by_choice": _by_choice(c.by_choice),
    }


@router.put("/consultations/{consultation_id}/summary", response=ConsultationDetail)
def save_summary(request: ApiRequest, consultation_id: Id, payload: SummaryIn) -> dict:
    services.save_summary(request.user, consultation_id, payload.summary, publish=payload.publish)
    return _detail(request, consultation_id)


# ---- the public, no authentication ---------------------------------------------------------------


class PublicQuery(Schema):
    cursor: str | None = None
    limit: int = 50


def _public(c: Consultation) -> dict:
    current = queries.state(c)
    published = c.summary_published_at is not None and current == queries.CLOSED
    counts = queries.public_counts(c) if published else None
    return {
        "id": c.pk,
        "bureau": c.bureau.name,
        "title": c.title,
        "description": c.description,
        "state": current,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "questions": _questions(c) if current != queries.SCHEDULED else [],
        "summary": c.summary if published else None,
        "responses": counts.responses if counts else None,
        "by_choice": _by_choice(counts.by_choice) if counts else None,
    }


@router.get("/public/consultations", response=PublicPage, auth=None)
def public_list(request: HttpRequest, q: Query[PublicQuery]) -> dict:
    page = queries.public_page(cursor=q.cursor, limit=q.limit)
    items = [
        {
            "id": c.pk,
            "bureau": c.bureau.name,
            "title": c.title,
            "state": queries.state(c),
            "opens_at": c.opens_at,
            "closes_at": c.closes_at,
            "summary_published": c.summary_published_at is not None,
        }
        for c in page.items
    ]
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/public/consultations/{consultation_id}", response=PublicConsultation, auth=None)
def public_detail(request: HttpRequest, consultation_id: Id) -> dict:
    return _public(queries.public_consultation(consultation_id))


@router.post("/public/consultations/{consultation_id}/otp", response={202: OtpOut}, auth=None)
def public_send_code(request: HttpRequest, consultation_id: Id, payload: OtpIn) -> Status:
    """An SMS code to prove a mobile number before answering (optional). Limited per number and
    per address (portal/verification.py); the answer does not say whether the number answered."""
    consultation = queries.public_consultation(consultation_id)
    services.ensure_open(consultation)
    sent = verification.send_code(
        normalise_phone(payload.phone), PhoneChallenge.Purpose.CONSULTATION, limits.client_address(request)
    )
    return Status(202, {"expires_at": sent.expires_at, "resend_after": sent.resend_after})


@router.post("/public/consultations/{consultation_id}/responses", response={201: ResponseCreated}, auth=None)
def public_answer(request: HttpRequest, consultation_id: Id, payload: ResponseIn) -> Status:
    response = services.submit_response(
        consultation_id,
        services.ResponseInput(
            answers=tuple(
                services.AnswerInput(question_id=a.question_id, text=a.text, choice=a.choice) for a in payload.answers
            ),
            city_code=payload.city_code,
        ),
        address=limits.client_address(request),
        phone=payload.phone,
        otp=payload.otp,
    )
    return Status(201, {"submitted_at": response.submitted_at, "verified_phone": bool(response.phone_index)})
