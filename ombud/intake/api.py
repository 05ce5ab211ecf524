from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from django.urls import reverse
from ninja import Query, Router, Schema, Status

from ombud.errors import InvalidInput
from ombud.http import ApiRequest
from ombud.intake import queries
from ombud.intake.models import Visit
from ombud.intake.services import RecordedVisit, VisitInput, record_visit
from ombud.schemas import Id

router = Router(tags=["intake"])


class VisitorIn(Schema):
    name: str
    phone: str | None = None
    id_number: str | None = None


class PractitionerIn(Schema):
    name: str
    licence_no: str | None = None


class VisitIn(Schema):
    site_id: Id | None = None
    kind: str
    channel: str | None = None
    city_code: str | None = None
    visitor: VisitorIn
    company_id: Id | None = None
    practitioner: PractitionerIn | None = None
    product_line: str | None = None
    summary: str
    outcome: str | None = None
    due_date: date | None = None
    handled_by: str | None = None

    def to_input(self) -> VisitInput:
        return VisitInput(
            kind=self.kind,
            visitor_name=self.visitor.name,
            visitor_phone=self.visitor.phone or "",
            visitor_id_number=self.visitor.id_number or "",
            summary=self.summary,
            site_id=self.site_id,
            channel=self.channel,
            city_code=self.city_code,
            company_id=self.company_id,
            practitioner_name=self.practitioner.name if self.practitioner else "",
            practitioner_licence_no=(self.practitioner.licence_no or "") if self.practitioner else "",
            product_line=self.product_line or "",
            outcome=self.outcome or "",
            due_date=self.due_date,
            handled_by=self.handled_by or "",
        )


class VisitCreated(Schema):
    id: int
    tracking_no: str
    secret_code: str
    kind: str
    case_id: int | None
    received_at: datetime
    receipt_url: str


def _created(recorded: RecordedVisit) -> dict:
    v = recorded.visit
    return {
        "id": v.pk,
        "tracking_no": v.tracking_no,
        "secret_code": v.secret_code,
        "kind": v.kind,
        "case_id": recorded.case_id,
        "received_at": v.received_at,
        "receipt_url": reverse("intake:receipt", args=[v.pk]),
    }


@router.post("/visits", response={201: VisitCreated})
def create_visit(request: ApiRequest, payload: VisitIn, response: HttpResponse) -> Status:
    key = request.headers.get("Idempotency-Key") or None
    if key is not None and not (1 <= len(key) <= 128):
        raise InvalidInput(
            "Idempotency-Key has 1 to 128 characters.", fields={"Idempotency-Key": "1 to 128 characters"}
        )
    recorded = record_visit(
        request.user, payload.to_input(), idempotency_key=key, cache_generation=request.cache_generation
    )
    if recorded.replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(201, _created(recorded))


class VisitOut(Schema):
    id: int
    tracking_no: str
    kind: str
    channel: str
    campaign_id: int | None
    site_id: int | None
    city_code: str | None
    company_id: int | None
    company_name: str | None
    visitor_name: str  # masked
    visitor_phone: str  # masked
    product_line: str | None
    summary: str
    outcome: str
    due_date: date | None
    handled_by: str
    received_at: datetime


def _visit(v: Visit) -> dict:
    return {
        "id": v.pk,
        "tracking_no": v.tracking_no,
        "kind": v.kind,
        "channel": v.channel,
        "campaign_id": v.campaign_id,
        "site_id": v.site_id,
        "city_code": v.city_id,
        "company_id": v.company_id,
        "company_name": v.company.name if v.company else None,
        "visitor_name": v.masked_name,
        "visitor_phone": v.masked_phone,
        "product_line": v.product_line_id,
        "summary": v.summary,
        "outcome": v.outcome,
        "due_date": v.due_date,
        "handled_by": v.handled_by,
        "received_at": v.received_at,
    }


class VisitPage(Schema):
    items: list[VisitOut]
    next_cursor: str | None


class VisitQuery(Schema):
    campaign_id: Id | None = None
    site_id: Id | None = None
    city_code: str | None = None
    kind: str | None = None
    outcome: str | None = None
    company_id: Id | None = None
    tracking_no: str | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/visits", response=VisitPage)
def list_visits(request: ApiRequest, q: Query[VisitQuery]) -> dict:
    filters = queries.VisitFilters(**q.dict(exclude={"cursor", "limit"}))
    page = queries.visit_page(request.user, filters, cursor=q.cursor, limit=q.limit)
    return {"items": [_visit(v) for v in page.items], "next_cursor": page.next_cursor}


@router.get("/visits/{visit_id}", response=VisitOut)
def get_visit(request: ApiRequest, visit_id: Id) -> dict:
    return _visit(queries.access_visit(request.user, visit_id))
