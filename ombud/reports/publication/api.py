"""Public API of published reports: `GET /api/v1/public/reports/{public_id}`, no token.

Answers the frozen snapshot (the same data the public page and the files render) with the
readers' reaction counts; a withdrawn or unknown report is a 404. Publishing is done by
regulator officers on the /reports/publish/ page (reports/publication/views.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from pydantic import Field

from ombud.replica import replica_reads
from ombud.reports.publication import queries

router = Router(tags=["public"])

PublicId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ReactionCount(Schema):
    code: str
    label: str
    count: int


class PublicReport(Schema):
    public_id: str
    kind: str
    title: str
    language: str
    published_at: datetime
    snapshot: dict[str, Any]
    reactions: list[ReactionCount]


@router.get("/public/reports/{public_id}", auth=None, response=PublicReport)
@decorate_view(replica_reads)
def public_report(request: HttpRequest, public_id: PublicId) -> dict:
    report = queries.public_report(public_id)
    return {
        "public_id": report.public_id,
        "kind": report.kind,
        "title": report.title,
        "language": report.language,
        "published_at": report.published_at,
        "snapshot": report.snapshot,
        "reactions": queries.reaction_counts(report),
    }
