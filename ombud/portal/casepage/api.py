"""The consumer's case page as an API (for the bureau's website and apps), no login: the same
lookup with the same limits as `/track/` (a wrong code counts against the number; 404 for an
unknown number and a wrong code alike; 429 with Retry-After past a limit), the same view and the
same actions through `cases.services.take_consumer_action` (docs/api.md "The consumer's case")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ombud.portal import limits
from ombud.portal.casepage import queries, services

router = Router(tags=["public"])


class EventOut(Schema):
    at: datetime
    type: str
    text: str = Field(description="what happened, in the consumer's words")


class DecisionOut(Schema):
    decision: str
    decision_label: str
    amount_paid: str | None
    decided_at: datetime | None
    informed_at: datetime | None


class RatingOut(Schema):
    solved: bool
    satisfaction: int
    rated_at: datetime


class CaseView(Schema):
    tracking_no: str
    kind: str = Field(description="complaint, consultation or suggestion")
    kind_label: str
    received_at: datetime
    company: str
    status: str
    status_words: str
    due_at: datetime | None = Field(description="the end of the legal due day, while a deadline runs")
    due_words: str
    overdue: bool
    decision: DecisionOut | None = Field(None, description="once the consumer is told of the decision")
    reply: str | None = Field(None, description="the company's decision letter, once notified")
    review_until_words: str | None = None
    rating: RatingOut | None = None
    events: list[EventOut]
    actions: list[str] = Field(description="the actions open now: supplement, request_review, rate, withdraw")


class CodeQuery(Schema):
    code: str = Field("", max_length=16)


class ActionIn(Schema):
    code: str = Field(..., max_length=16)
    action: str = Field(..., max_length=32)
    text: str | None = Field(None, description="supplement: what the consumer adds")
    reason: str | None = Field(None, description="request_review (required), withdraw (optional)")
    solved: bool | None = Field(None, description="rate: was the problem solved")
    satisfaction: int | None = Field(None, description="rate: 1 (not at all) to 5 (very)")
    comment: str | None = Field(None, description="rate: optional")


_ACTION_FIELDS = {
    "supplement": ("text",),
    "request_review": ("reason",),
    "withdraw": ("reason",),
    "rate": ("solved", "satisfaction", "comment"),
}


def _out(view: dict[str, Any]) -> dict[str, Any]:
    return {**view, "actions": [a["action"] for a in view["actions"]]}


def _look_up(request: HttpRequest, tracking_no: str, code: str):
    return services.look_up(tracking_no[:32], code, limits.client_address(request))


@router.get(
    "/public/cases/{tracking_no}",
    response=CaseView,
    auth=None,
    summary="The consumer's view of a visit or case (tracking number + secret code)",
)
def get_case(request: HttpRequest, tracking_no: str, q: Query[CodeQuery]):
    visit = _look_up(request, tracking_no, q.code)  # a limit reached: 429 with Retry-After (ombud/api.py)
    return _out(queries.consumer_view(visit))


@router.post(
    "/public/cases/{tracking_no}/actions",
    response=CaseView,
    auth=None,
    summary="The consumer acts on their case: supplement, request_review, withdraw, rate",
)
def post_action(request: HttpRequest, tracking_no: str, body: ActionIn):
    visit = _look_up(request, tracking_no, body.code)
    fields = {name: getattr(body, name) for name in _ACTION_FIELDS.get(body.action, ())}
    fields = {k: v for k, v in fields.items() if v is not None}
    visit = services.act(visit, body.action, fields)
    return _out(queries.consumer_view(visit))
