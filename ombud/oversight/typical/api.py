"""API routes of typical cases (典型案例): the officers' workflow under /api/v1/typical-cases and
the public, unauthenticated reading under /api/v1/public/typical-cases.

Handlers parse, call the part's `services` and `queries` and shape the answer. The public routes return only
the scrubbed text, never the narrative or its spans.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from ombud.http import ApiRequest
from ombud.oversight.models import TypicalCase
from ombud.oversight.typical import queries, services
from ombud.schemas import Id

router = Router(tags=["oversight"])


class TypicalIn(Schema):
    case_id: Id
    title: str = Field(max_length=services.TITLE_MAX * 2)
    narrative: str = Field(max_length=services.NARRATIVE_MAX)
    lesson: str = Field("", max_length=services.LESSON_MAX)
    also_remove: list[str] | None = Field(None, max_length=services.TERMS_MAX)


class TypicalUpdate(Schema):
    title: str = Field(max_length=services.TITLE_MAX * 2)
    narrative: str = Field(max_length=services.NARRATIVE_MAX)
    lesson: str = Field("", max_length=services.LESSON_MAX)
    also_remove: list[str] | None = Field(None, max_length=services.TERMS_MAX)


class SpanOut(Schema):
    kind: str
    start: int
    end: int
    replacement: str


class TypicalItem(Schema):
    id: int
    public_id: str
    case_id: int
    tracking_no: str
    title: str
    status: str
    author: str
    approver: str | None
    spans_confirmed: bool
    created_at: datetime
    submitted_at: datetime | None
    published_at: datetime | None


class TypicalDetail(TypicalItem):
    company_name: str
    narrative: str  # the officer's text, which may hold personal data (regulators only)
    scrubbed: str
    spans: list[SpanOut]
    lesson: str
    also_remove: list[str]
    spans_confirmed_by: str | None
    allowed_actions: list[str]


class TypicalPage(Schema):
    items: list[TypicalItem]
    next_cursor: str | None


class PublicTypical(Schema):
    public_id: str
    title: str
    text: str
    lesson: str
    company_name: str
    published_at: datetime


class PublicPage(Schema):
    items: list[PublicTypical]
    next_cursor: str | None


def _item(tc: TypicalCase) -> dict:
    return {
        "id": tc.pk,
        "public_id": tc.public_id,
        "case_id": tc.case_id,
        "tracking_no": tc.case.tracking_no,
        "title": tc.title,
        "status": tc.status,
        "author": tc.author.username,
        "approver": tc.approver.username if tc.approver else None,
        "spans_confirmed": tc.spans_confirmed_by_id is not None,
        "created_at": tc.created_at,
        "submitted_at": tc.submitted_at,
        "published_at": tc.published_at,
    }


def _detail(request: ApiRequest, typical_id: int) -> dict:
    tc = queries.access_typical_case(request.user, typical_id)
    return {
        **_item(tc),
        "company_name": tc.case.company.name,
        "narrative": tc.narrative,
        "scrubbed": tc.scrubbed,
        "spans": tc.spans,
        "lesson": tc.lesson,
        "also_remove": queries.manual_terms(tc),
        "spans_confirmed_by": tc.spans_confirmed_by.username if tc.spans_confirmed_by else None,
        "allowed_actions": queries.allowed_actions(request.user, tc),
    }


def _public(tc: TypicalCase) -> dict:
    return {
        "public_id": tc.public_id,
        "title": tc.title,
        "text": tc.scrubbed,
        "lesson": tc.lesson,
        "company_name": tc.case.company.name,
        "published_at": tc.published_at,
    }


def _input(payload: TypicalIn | TypicalUpdate) -> services.TypicalInput:
    return services.TypicalInput(
        title=payload.title,
        narrative=payload.narrative,
        lesson=payload.lesson,
        also_remove=tuple(payload.also_remove) if payload.also_remove is not None else None,
    )


@router.post("/typical-cases", response={201: TypicalDetail})
def create(request: ApiRequest, payload: TypicalIn) -> Status:
    tc = services.create_typical_case(request.user, payload.case_id, _input(payload))
    return Status(201, _detail(request, tc.pk))


class ListQuery(Schema):
    status: str | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/typical-cases", response=TypicalPage)
def list_typical_cases(request: ApiRequest, q: Query[ListQuery]) -> dict:
    page = queries.typical_case_page(request.user, status=q.status, cursor=q.cursor, limit=q.limit)
    return {"items": [_item(tc) for tc in page.items], "next_cursor": page.next_cursor}


@router.get("/typical-cases/{typical_id}", response=TypicalDetail)
def get_typical_case(request: ApiRequest, typical_id: Id) -> dict:
    return _detail(request, typical_id)


@router.put("/typical-cases/{typical_id}", response=TypicalDetail)
def update(request: ApiRequest, typical_id: Id, payload: TypicalUpdate) -> dict:
    services.update_typical_case(request.user, typical_id, _input(payload))
    return _detail(request, typical_id)


@router.post("/typical-cases/{typical_id}/confirm-spans", response=TypicalDetail)
def confirm(request: ApiRequest, typical_id: Id) -> dict:
    services.confirm_spans(request.user, typical_id)
    return _detail(request, typical_id)


@router.post("/typical-cases/{typical_id}/submit", response=TypicalDetail)
def submit(request: ApiRequest, typical_id: Id) -> dict:
    services.submit_typical_case(request.user, typical_id)
    return _detail(request, typical_id)


@router.post("/typical-cases/{typical_id}/return", response=TypicalDetail)
def return_to_draft(request: ApiRequest, typical_id: Id) -> dict:
    services.return_to_draft(request.user, typical_id)
    return _detail(request, typical_id)


@router.post("/typical-cases/{typical_id}/publish", response=TypicalDetail)
def publish(request: ApiRequest, typical_id: Id) -> dict:
    services.publish_typical_case(request.user, typical_id)
    return _detail(request, typical_id)


@router.post("/typical-cases/{typical_id}/withdraw", response=TypicalDetail)
def withdraw(request: ApiRequest, typical_id: Id) -> dict:
    services.withdraw_typical_case(request.user, typical_id)
    return _detail(request, typical_id)


# ---- public, no authentication -------------------------------------------------------------------


class PublicQuery(Schema):
    campaign_id: Id | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/public/typical-cases", response=PublicPage, auth=None)
def public_list(request: HttpRequest, q: Query[PublicQuery]) -> dict:
    page = queries.public_page(campaign_id=q.campaign_id, cursor=q.cursor, limit=q.limit)
    return {"items": [_public(tc) for tc in page.items], "next_cursor": page.next_cursor}


@router.get("/public/typical-cases/{public_id}", response=PublicTypical, auth=None)
def public_detail(request: HttpRequest, public_id: str) -> dict:
    return _public(queries.public_typical_case(public_id[:16]))
