"""API routes of call-backs (回访), regulator officers only (docs/callbacks.md).

Lists and details show the consumer's name and phone masked; the one route that returns the
full number, `POST /callbacks/{id}/phone`, writes an audit entry each time it answers.
"""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status

from ombud.http import ApiRequest
from ombud.oversight.callbacks import queries, services
from ombud.oversight.models import CallBack
from ombud.personal_data import mask_name, mask_phone
from ombud.schemas import Id

router = Router(tags=["oversight"])


class CallBackItem(Schema):
    id: int
    case_id: int
    tracking_no: str
    status: str
    campaign_id: int | None
    company_id: int  # head office
    company_name: str
    city_code: str | None
    consumer_name: str  # masked
    consumer_phone: str  # masked
    attempts: int
    listed_at: datetime
    closed_at: datetime | None
    completed_at: datetime | None
    solved: bool | None
    satisfaction: int | None


class CallBackPage(Schema):
    items: list[CallBackItem]
    next_cursor: str | None


class AttemptOut(Schema):
    result: str
    note: str
    by: str
    at: datetime


class CallBackDetail(CallBackItem):
    summary: str
    decision: str
    reply: str
    comment: str
    assigned_to: str | None
    attempt_log: list[AttemptOut]


def _item(cb: CallBack, attempts: int) -> dict:
    case, visit = cb.case, cb.case.visit
    root = case.company_root
    return {
        "id": cb.pk,
        "case_id": case.pk,
        "tracking_no": case.tracking_no,
        "status": cb.status,
        "campaign_id": cb.campaign_id,
        "company_id": case.company_root_id,
        "company_name": root.short_name or root.name,
        "city_code": case.city_id,
        "consumer_name": mask_name(visit.visitor_name),
        "consumer_phone": mask_phone(visit.visitor_phone),
        "attempts": attempts,
        "listed_at": cb.created_at,
        "closed_at": case.closed_at,
        "completed_at": cb.completed_at,
        "solved": cb.solved,
        "satisfaction": cb.satisfaction,
    }


def _detail(cb: CallBack) -> dict:
    log = list(queries.attempts_of(cb))
    return {
        **_item(cb, len(log)),
        "summary": cb.case.visit.summary,
        "decision": cb.case.decision,
        "reply": cb.case.reply,
        "comment": cb.comment,
        "assigned_to": cb.assigned_to.username if cb.assigned_to_id else None,
        "attempt_log": [{"result": a.result, "note": a.note, "by": a.by.username, "at": a.at} for a in log],
    }


class ListQuery(Schema):
    status: str | None = None
    campaign_id: Id | None = None
    cursor: str | None = None
    limit: int = 50


@router.get("/callbacks", response=CallBackPage)
def list_callbacks(request: ApiRequest, q: Query[ListQuery]) -> dict:
    f = queries.CallBackFilters(status=q.status, campaign_id=q.campaign_id)
    page = queries.callback_page(request.user, f, cursor=q.cursor, limit=q.limit)
    return {"items": [_item(cb, cb.attempt_count) for cb in page.items], "next_cursor": page.next_cursor}


class BuildIn(Schema):
    campaign_id: Id | None = None
    since: date | None = None
    until: date | None = None
    sample_size: int | None = None
    seed: str | None = None


class BuildOut(Schema):
    eligible: int
    already_listed: int
    added: int
    seed: str


@router.post("/callbacks/build", response={201: BuildOut})
def build(request: ApiRequest, payload: BuildIn) -> Status:
    result = services.build_call_list(
        request.user,
        campaign_id=payload.campaign_id,
        since=payload.since,
        until=payload.until,
        sample_size=payload.sample_size,
        seed=payload.seed or "",
    )
    return Status(201, result.__dict__)


class ReportQuery(Schema):
    campaign_id: Id | None = None
    since: date | None = None
    until: date | None = None


class Figures(Schema):
    listed: int
    pending: int
    reached: int
    unreachable: int
    answered: int
    refused: int
    solved: int
    satisfied: int
    reach_rate: float | None
    solved_rate: float | None
    mean_satisfaction: float | None
    satisfied_rate: float | None


class CompanyFigures(Figures):
    company_id: int
    name: str


class CityFigures(Figures):
    city_code: str | None
    name: str


class ReportOut(Schema):
    totals: Figures
    by_company: list[CompanyFigures]
    by_city: list[CityFigures]


@router.get("/callbacks/report", response=ReportOut)
def report(request: ApiRequest, q: Query[ReportQuery]) -> dict:
    data = queries.callback_report(request.user, campaign_id=q.campaign_id, since=q.since, until=q.until)
    return {
        "totals": data["totals"],
        "by_company": [{"company_id": k, **v} for k, v in data["by_company"].items()],
        "by_city": [{"city_code": k or None, **v} for k, v in data["by_city"].items()],
    }


@router.get("/callbacks/{callback_id}", response=CallBackDetail)
def get_callback(request: ApiRequest, callback_id: Id) -> dict:
    return _detail(queries.access_callback(request.user, callback_id))


class PhoneOut(Schema):
    callback_id: int
    tracking_no: str
    phone: str


@router.post("/callbacks/{callback_id}/phone", response=PhoneOut)
def open_phone(request: ApiRequest, response: HttpResponse, callback_id: Id) -> dict:
    cb, phone = services.reveal_phone(request.user, callback_id, via="api")
    # Personal data: no cache (browser, proxy) may keep it.
    response["Cache-Control"] = "no-store"
    return {"callback_id": cb.pk, "tracking_no": cb.case.tracking_no, "phone": phone}


class AttemptIn(Schema):
    result: str
    note: str | None = None
    solved: bool | None = None
    satisfaction: int | None = None
    comment: str | None = None


@router.post("/callbacks/{callback_id}/attempts", response={201: CallBackDetail})
def add_attempt(request: ApiRequest, callback_id: Id, payload: AttemptIn) -> Status:
    services.record_attempt(
        request.user,
        callback_id,
        result=payload.result,
        note=payload.note or "",
        solved=payload.solved,
        satisfaction=payload.satisfaction,
        comment=payload.comment or "",
    )
    return Status(201, _detail(queries.access_callback(request.user, callback_id)))
