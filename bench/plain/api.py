"""POST /plain/visits: validate a visit like Ombud's (the same JSON body) and insert one row."""

import secrets
from datetime import date, datetime

from django.utils import timezone
from ninja import NinjaAPI, Schema, Status

from bench.plain.models import PlainVisit

api = NinjaAPI(urls_namespace="plain")


class VisitorIn(Schema):
    name: str
    phone: str | None = None
    id_number: str | None = None


class PractitionerIn(Schema):
    name: str
    licence_no: str | None = None


class VisitIn(Schema):
    site_id: int | None = None
    kind: str
    channel: str | None = None
    city_code: str | None = None
    visitor: VisitorIn
    company_id: int | None = None
    practitioner: PractitionerIn | None = None
    product_line: str | None = None
    summary: str
    outcome: str | None = None
    due_date: date | None = None
    handled_by: str | None = None


class VisitCreated(Schema):
    id: int
    tracking_no: str
    kind: str
    received_at: datetime


@api.post("/visits", response={201: VisitCreated})
def create_visit(request, payload: VisitIn) -> Status:
    now = timezone.now()
    visit = PlainVisit.objects.create(
        kind=payload.kind,
        channel=payload.channel or "on_site",
        campaign_id=1,
        site_id=payload.site_id,
        city_id=payload.city_code,
        visitor_name=payload.visitor.name,
        visitor_phone=payload.visitor.phone or "",
        visitor_id_number=payload.visitor.id_number or "",
        company_id=payload.company_id,
        company_root_id=payload.company_id,
        practitioner_name=payload.practitioner.name if payload.practitioner else "",
        product_line=payload.product_line or "",
        summary=payload.summary,
        outcome=payload.outcome or "",
        due_date=payload.due_date,
        handled_by=payload.handled_by or "",
        tracking_no=now.strftime("%y%m%d") + f"{secrets.randbelow(10**10):010d}",
        secret_code=secrets.token_urlsafe(6),
        received_at=now,
    )
    return Status(201, {"id": visit.pk, "tracking_no": visit.tracking_no, "kind": visit.kind, "received_at": now})


@api.get("/visits/count")
def count(request) -> dict:
    return {"visits": PlainVisit.objects.count()}
