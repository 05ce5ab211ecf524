"""API routes of spot checks (抽查): draw a sample, read it, record findings, pass rates.

Handlers only parse, call this part's `services` or `queries`, and shape the answer; errors
are the API's usual `{"error": {...}}` with a 4xx status.
"""

from __future__ import annotations

from datetime import date, datetime

from ninja import Query, Router, Schema, Status

from ombud.directory.models import User
from ombud.http import ApiRequest
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks import queries, services
from ombud.schemas import Id

router = Router(tags=["oversight"])


class SpotCheckIn(Schema):
    title: str | None = None
    campaign_id: Id | None = None
    since: date | None = None
    until: date | None = None
    size_mode: str
    size_value: int
    seed: str | None = None


class ItemOut(Schema):
    id: int
    position: int
    case_id: int
    tracking_no: str
    case_status: str
    company_id: int
    company_name: str
    outcome: str
    finding: str
    reasons: str
    follow_up: str
    checked_by: str | None
    checked_at: datetime | None


class StratumOut(Schema):
    company_id: int
    company_name: str
    outcome: str
    population: int  # the stratum's population now (see docs/spot-checks.md)
    population_drawn: int  # ... and at the draw
    sample: int
    checked: int
    improper: int


class SpotCheckItemRow(Schema):
    id: int
    title: str
    campaign_id: int | None
    since: date | None
    until: date | None
    seed: str
    size_mode: str
    size_value: int
    population: int
    sampled: int
    checked: int
    improper: int
    drawn_by: str
    drawn_at: datetime


class SpotCheckOut(SpotCheckItemRow):
    bureau_id: int | None
    population_now: int
    same_sample_now: bool | None  # None when not redrawn (see docs/spot-checks.md)
    strata: list[StratumOut]
    items: list[ItemOut]


class SpotCheckPage(Schema):
    items: list[SpotCheckItemRow]
    next_cursor: str | None


class FindingIn(Schema):
    finding: str
    reasons: str | None = None
    follow_up: str | None = None  # reopen | refer


class PassRateOut(Schema):
    company_id: int
    company_name: str
    sampled: int
    checked: int
    proper: int
    improper: int
    pass_rate: float | None


class PassRateQuery(Schema):
    campaign_id: Id | None = None
    spot_check_id: Id | None = None
    since: date | None = None
    until: date | None = None


class ListQuery(Schema):
    cursor: str | None = None
    limit: int = 50


def _item(item: SpotCheckItem, names: dict[int, str]) -> dict:
    return {
        "id": item.pk,
        "position": item.position,
        "case_id": item.case_id,
        "tracking_no": item.case.tracking_no,
        "case_status": item.case.status,
        "company_id": item.stratum_company_id,
        "company_name": names.get(item.stratum_company_id, ""),
        "outcome": item.stratum_outcome,
        "finding": item.finding,
        "reasons": item.reasons,
        "follow_up": item.follow_up,
        "checked_by": item.checked_by.username if item.checked_by_id and item.checked_by else None,
        "checked_at": item.checked_at,
    }


def _row(sc: SpotCheck, *, sampled: int, checked: int, improper: int) -> dict:
    return {
        "id": sc.pk,
        "title": sc.title,
        "campaign_id": sc.campaign_id,
        "since": sc.since,
        "until": sc.until,
        "seed": sc.seed,
        "size_mode": sc.size_mode,
        "size_value": sc.size_value,
        "population": sc.population,
        "sampled": sampled,
        "checked": checked,
        "improper": improper,
        "drawn_by": sc.drawn_by.username,
        "drawn_at": sc.drawn_at,
    }


def _detail(user: User, spot_check_id: int, *, verify: bool | None = None, just_drawn: bool = False) -> dict:
    d = queries.describe(user, spot_check_id, verify=verify, just_drawn=just_drawn)
    names = {s["company_id"]: s["company_name"] for s in d.strata}
    return {
        **_row(d.spot_check, sampled=len(d.items), checked=d.checked, improper=d.improper),
        "bureau_id": d.spot_check.bureau_id,
        "population_now": d.population_now,
        "same_sample_now": d.again.same_sample if d.again else None,
        "strata": d.strata,
        "items": [_item(i, names) for i in d.items],
    }


@router.post("/spot-checks", response={201: SpotCheckOut})
def draw_spot_check(request: ApiRequest, payload: SpotCheckIn) -> Status:
    spot_check = services.draw(
        request.user,
        title=payload.title or "",
        campaign_id=payload.campaign_id,
        since=payload.since,
        until=payload.until,
        size_mode=payload.size_mode,
        size_value=payload.size_value,
        seed=payload.seed,
    )
    return Status(201, _detail(request.user, spot_check.pk, just_drawn=True))


@router.get("/spot-checks", response=SpotCheckPage)
def list_spot_checks(request: ApiRequest, q: Query[ListQuery]) -> dict:
    page = queries.spot_check_page(request.user, cursor=q.cursor, limit=q.limit)
    return {
        "items": [_row(sc, sampled=sc.sampled, checked=sc.checked, improper=sc.improper) for sc in page.items],
        "next_cursor": page.next_cursor,
    }


# Declared before /spot-checks/{id} so that "pass-rates" is never read as an id.
@router.get("/spot-checks/pass-rates", response=list[PassRateOut])
def spot_check_pass_rates(request: ApiRequest, q: Query[PassRateQuery]) -> list[dict]:
    return queries.pass_rates(request.user, **q.dict())


class DetailQuery(Schema):
    verify: bool | None = None  # redraw now even for a large population


@router.get("/spot-checks/{spot_check_id}", response=SpotCheckOut)
def get_spot_check(request: ApiRequest, spot_check_id: Id, q: Query[DetailQuery]) -> dict:
    return _detail(request.user, spot_check_id, verify=q.verify)


@router.post("/spot-checks/{spot_check_id}/items/{item_id}/finding", response=ItemOut)
def record_finding(request: ApiRequest, spot_check_id: Id, item_id: Id, payload: FindingIn) -> dict:
    item = services.record_finding(
        request.user,
        item_id,
        spot_check_id=spot_check_id,
        finding=payload.finding,
        reasons=payload.reasons or "",
        follow_up=payload.follow_up,
    )
    item = queries.items_of(item.spot_check).get(pk=item.pk)
    return _item(item, queries.company_names({item.stratum_company_id}))
