"""API routes of the company evaluation (考评): the scorecard and the figures it divides by."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from ombud.http import ApiRequest
from ombud.oversight.evaluation import queries, services
from ombud.replica import replica_reads
from ombud.schemas import Id

router = Router(tags=["oversight"])


class PeriodQuery(Schema):
    period_start: date
    period_end: date


class FiguresRow(Schema):
    company_id: Id
    premium: Decimal = Field(description="premium income in the period, yuan")
    policies: int = Field(ge=0, le=10**15)
    insured_persons: int | None = Field(None, ge=0, le=10**15)
    source: str = Field("", max_length=200)


class FiguresIn(Schema):
    period_start: date
    period_end: date
    rows: list[FiguresRow] = Field(..., max_length=5000)


class FiguresOut(Schema):
    imported: int


@router.get("/evaluation", response=dict[str, Any], summary="Company scorecard and ranking for a period")
@decorate_view(replica_reads)
def get_scorecard(request: ApiRequest, q: Query[PeriodQuery]):
    period = queries.parse_period(q.period_start, q.period_end)
    return queries.scorecard(request.auth, period).as_dict()


@router.post("/evaluation/figures", response={200: FiguresOut}, summary="Import premium and policy figures")
def post_figures(request: ApiRequest, body: FiguresIn):
    period = queries.parse_period(body.period_start, body.period_end)
    rows = [services.FiguresInput(r.company_id, r.premium, r.policies, r.insured_persons, r.source) for r in body.rows]
    return {"imported": services.import_figures(request.auth, period, rows)}
