from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from ombud.cases import attachments, queries
from ombud.cases.models import Attachment, Case
from ombud.cases.services import ComplaintInput, allowed_actions, register_complaint, take_action_once
from ombud.cases.views import attachment_response
from ombud.directory.models import User
from ombud.errors import InvalidInput
from ombud.http import ApiRequest
from ombud.schemas import Id

router = Router(tags=["cases"])


class CaseItem(Schema):
    id: int
    tracking_no: str
    status: str
    company_id: int
    handled_by: str
    category: str
    opened_at: datetime
    due_at: datetime | None
    due_provisional: bool
    overdue: bool


class EventOut(Schema):
    type: str
    at: datetime
    actor: str | None
    data: dict[str, Any]


class CaseDetail(CaseItem):
    company_name: str
    city_code: str | None
    site_id: int | None
    resolved_on_site: bool
    extension: str
    decision: str
    amount_paid: Decimal | None
    reply: str
    summary: str
    complainant_name: str  # masked
    complainant_phone: str  # masked
    allowed_actions: list[str]
    timeline: list[EventOut]


class CasePage(Schema):
    items: list[CaseItem]
    next_cursor: str | None


def _item(case: Case, now: datetime) -> dict:
    return {
        "id": case.pk,
        "tracking_no": case.tracking_no,
        "status": case.status,
        "company_id": case.company_id,
        "handled_by": case.handled_by,
        "category": case.category,
        "opened_at": case.opened_at,
        "due_at": case.due_at,
        "due_provisional": case.due_provisional,
        "overdue": bool(case.due_at and case.due_at < now),
    }


def _detail(user: User, case: Case) -> dict:
    visit = case.visit
    return {
        **_item(case, timezone.now()),
        "company_name": case.company.name,
        "city_code": case.city_id,
        "site_id": case.site_id,
        "resolved_on_site": case.resolved_on_site,
        "extension": case.extension,
        "decision": case.decision,
        "amount_paid": case.amount_paid,
        "reply": case.reply,
        "summary": visit.summary,
        "complainant_name": visit.masked_name,
        "complainant_phone": visit.masked_phone,
        "allowed_actions": allowed_actions(user, case),
        "timeline": [
            {"type": e.type, "at": e.created_at, "actor": e.actor.username if e.actor else None, "data": e.data}
            for e in queries.timeline(case)
        ],
    }


class ComplainantIn(Schema):
    name: str
    phone: str | None = None
    id_number: str | None = None


class CaseIn(Schema):
    company_id: Id
    complainant: ComplainantIn
    summary: str
    channel: str
    received_at: datetime
    category: str | None = None
    city_code: str | None = None
    nature: str | None = None


class CaseCreated(Schema):
    id: int
    tracking_no: str
    secret_code: str
    status: str
    handled_by: str
    company_id: int
    due_at: datetime | None
    due_provisional: bool


@router.post("/cases", response={201: CaseCreated})
def create_case(request: ApiRequest, payload: CaseIn) -> Status:
    case = register_complaint(
        request.user,
        ComplaintInput(
            company_id=payload.company_id,
            complainant_name=payload.complainant.name,
            complainant_phone=payload.complainant.phone or "",
            complainant_id_number=payload.complainant.id_number or "",
            summary=payload.summary,
            channel=payload.channel,
            received_at=payload.received_at,
            category=payload.category or "",
            city_code=payload.city_code or "",
            nature=payload.nature or "",
        ),
    )
    return Status(
        201,
        {
            "id": case.pk,
            "tracking_no": case.tracking_no,
            "secret_code": case.visit.secret_code,
            "status": case.status,
            "handled_by": case.handled_by,
            "company_id": case.company_id,
            "due_at": case.due_at,
            "due_provisional": case.due_provisional,
        },
    )


class CaseQuery(Schema):
    status: str | None = None
    company_id: Id | None = None
    handler: str | None = None
    overdue: bool | None = None
    due_before: date | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/cases", response=CasePage)
def list_cases(request: ApiRequest, q: Query[CaseQuery]) -> dict:
    filters = queries.CaseFilters(**q.dict(exclude={"cursor", "limit"}))
    page = queries.case_page(request.user, filters, cursor=q.cursor, limit=q.limit)
    now = timezone.now()
    return {"items": [_item(c, now) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/cases/{case_id}", response=CaseDetail)
def get_case(request: ApiRequest, case_id: Id) -> dict:
    return _detail(request.user, queries.access_case(request.user, case_id))


class TransitionIn(Schema):
    action: str
    reason: str | None = None
    level: str | None = None
    decision: str | None = None
    reply: str | None = None
    amount_paid: Decimal | None = None
    mediation_body_id: Id | None = None
    company_id: Id | None = None
    handled_by: str | None = None
    channel: str | None = None


@router.post("/cases/{case_id}/transitions", response=CaseDetail)
def transition(request: ApiRequest, case_id: Id, payload: TransitionIn, response: HttpResponse) -> dict:
    fields = payload.dict(exclude={"action"}, exclude_none=True)
    key = request.headers.get("Idempotency-Key")
    taken = take_action_once(request.user, case_id, payload.action, fields, idempotency_key=key)
    if taken.replayed:
        response["Idempotent-Replayed"] = "true"
    return _detail(request.user, queries.access_case(request.user, taken.case.pk))


# ---- evidence attachments (cases/attachments.py) ---------------------------------------------------


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str | None
    created_at: datetime


def _attachment(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "filename": a.filename,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "uploaded_by": a.uploaded_by.username if a.uploaded_by else None,
        "created_at": a.created_at,
    }


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


@router.post(
    "/cases/{case_id}/attachments",
    response={201: AttachmentOut},
    openapi_extra=_UPLOAD_BODY,
    summary="Attach evidence (multipart field `file`: PDF, JPEG or PNG, at most 10 MiB)",
)
def upload_attachment(request: ApiRequest, case_id: Id) -> Status:
    # The body is parsed here, not by the router, so that an over-large one is refused from
    # its Content-Length before any of it is read (the 64 KiB limit on request bodies does
    # not count uploaded files; this is their limit).
    attachments.check_request_size(request.META.get("CONTENT_LENGTH"))
    upload = request.FILES.get("file") if request.content_type == "multipart/form-data" else None
    if upload is None:
        queries.access_case(request.user, case_id)  # 404 before 400 for a case not visible
        raise InvalidInput(
            _("Send the file as multipart/form-data in the field `file`."), fields={"file": _("no file was sent")}
        )
    return Status(201, _attachment(attachments.add_attachment(request.user, case_id, upload)))


@router.get("/cases/{case_id}/attachments", response=list[AttachmentOut])
def list_attachments(request: ApiRequest, case_id: Id) -> list[dict]:
    return [_attachment(a) for a in attachments.attachments_of(request.user, case_id)]


@router.get(
    "/cases/{case_id}/attachments/{attachment_id}",
    response={200: None},
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as a download",
                "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in attachments.ALLOWED_TYPES},
            }
        }
    },
)
def download_attachment(request: ApiRequest, case_id: Id, attachment_id: Id) -> HttpResponse:
    return attachment_response(attachments.access_attachment(request.user, case_id, attachment_id))
