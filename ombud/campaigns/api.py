from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

import pydantic
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from ombud.campaigns import attendance, inspections, queries, services
from ombud.campaigns.models import Campaign, Inspection, RosterEntry, Site
from ombud.errors import InvalidInput
from ombud.schemas import Id

router = Router(tags=["campaigns"])


class CampaignIn(Schema):
    name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str


class CampaignOut(Schema):
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str


def _campaign(c: Campaign) -> dict:
    # Times in Asia/Shanghai (+08:00), the zone every user of a Chinese regulator reads.
    return {
        "id": c.pk,
        "name": c.name,
        "starts_at": timezone.localtime(c.starts_at),
        "ends_at": timezone.localtime(c.ends_at),
        "region_code": c.region_id,
    }


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request: HttpRequest) -> list[dict]:
    return [_campaign(c) for c in queries.campaigns_for(request.user)]


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    campaign = services.create_campaign(request.user, services.CampaignInput(**payload.dict()))
    return Status(201, _campaign(campaign))


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, campaign_id: Id) -> dict:
    return _campaign(queries.access_campaign(request.user, campaign_id))


class SiteIn(Schema):
    city_code: str
    name: str
    address: str = ""


class SiteOut(Schema):
    id: int
    campaign_id: int
    city_code: str
    city_name: str
    name: str
    address: str


def _site(s: Site) -> dict:
    return {
        "id": s.pk,
        "campaign_id": s.campaign_id,
        "city_code": s.city_id,
        "city_name": s.city.name,
        "name": s.name,
        "address": s.address,
    }


@router.get("/campaigns/{campaign_id}/sites", response=list[SiteOut])
def list_sites(request: HttpRequest, campaign_id: Id) -> list[dict]:
    campaign = queries.access_campaign(request.user, campaign_id)
    return [_site(s) for s in queries.sites_for(request.user, campaign)]


@router.post("/campaigns/{campaign_id}/sites", response={201: SiteOut})
def add_site(request: HttpRequest, campaign_id: Id, payload: SiteIn) -> Status:
    campaign = queries.access_campaign(request.user, campaign_id)
    site = services.add_site(request.user, campaign, services.SiteInput(**payload.dict()))
    return Status(201, _site(site))


# ---- rosters and attendance ----------------------------------------------------------------

ROSTER_MAX_LIMIT = 1000


class RosterEntryOut(Schema):
    id: int
    site_id: int
    site_name: str
    city_code: str
    staff_id: int
    name: str
    title: str
    rank: str
    duty: str
    organization_id: int
    organization_name: str
    company_id: int | None
    company_name: str
    checked_in_at: datetime | None
    checked_out_at: datetime | None


class RosterPage(Schema):
    items: list[RosterEntryOut]
    next_cursor: str | None


class RosterQuery(Schema):
    site_id: Id | None = None
    duty: Literal["reception", "executive", "coordinator"] | None = None
    name: str = ""
    present: bool | None = None
    cursor: str | None = None
    limit: int = 500


def _local(at: datetime | None) -> datetime | None:
    return timezone.localtime(at) if at else None


def _entry(e: RosterEntry) -> dict:
    head = e.organization.head_office
    return {
        "id": e.pk,
        "site_id": e.site_id,
        "site_name": e.site.name,
        "city_code": e.site.city_id,
        "staff_id": e.staff_id,
        "name": e.staff.name,
        "title": e.staff.title,
        "rank": e.staff.rank,
        "duty": e.duty,
        "organization_id": e.organization_id,
        "organization_name": e.organization.name,
        "company_id": head.pk if head else None,
        "company_name": head.name if head else "",
        "checked_in_at": _local(e.checked_in_at),
        "checked_out_at": _local(e.checked_out_at),
    }


@router.get("/campaigns/{campaign_id}/roster", response=RosterPage)
def list_roster(request: HttpRequest, campaign_id: Id, q: Query[RosterQuery]) -> dict:
    """The campaign's roster as the caller may see it, by id; `cursor` from the previous page."""
    campaign = queries.access_campaign(request.user, campaign_id)
    if not 1 <= q.limit <= ROSTER_MAX_LIMIT:
        raise InvalidInput(_("Bad limit."), fields={"limit": _("between 1 and %d") % ROSTER_MAX_LIMIT})
    if q.cursor is not None and not (q.cursor.isdigit() and len(q.cursor) < 19):
        raise InvalidInput(_("Bad cursor."), fields={"cursor": _("not a cursor this server issued")})
    qs = queries.roster_for(
        request.user, campaign, site_id=q.site_id, duty=q.duty, name=q.name, present=q.present
    ).order_by("pk")
    if q.cursor:
        qs = qs.filter(pk__gt=int(q.cursor))
    rows = list(qs[: q.limit + 1])
    more = len(rows) > q.limit
    rows = rows[: q.limit]
    return {"items": [_entry(e) for e in rows], "next_cursor": str(rows[-1].pk) if more else None}


class MarkIn(Schema):
    at: datetime | None = None


class MarkedOut(RosterEntryOut):
    changed: bool


def _marked(marked: attendance.Marked) -> dict:
    entry = marked.entry
    return {**_entry(entry), "changed": marked.changed}


def _at(request: HttpRequest) -> datetime | None:
    """The optional `at` of a check-in or check-out: a bare POST (the usual call), JSON
    `{"at": …}`, or a form field `at`. Parsed here because the framework would reject a body-less
    POST."""
    content_type = request.content_type or ""
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data: object = {"at": request.POST.get("at") or None}
    elif not request.body.strip():
        return None
    else:
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise InvalidInput(_("The request body is not valid JSON."), code="malformed_json") from None
    if data is None:
        return None
    if not isinstance(data, dict):
        raise InvalidInput(_("The request is not valid."), fields={"body": _('an object, e.g. {"at": null}')})
    try:
        return MarkIn.model_validate(data).at
    except pydantic.ValidationError as e:
        first = e.errors()[0]
        raise InvalidInput(
            _("The request is not valid."), fields={".".join(str(p) for p in first["loc"]) or "body": first["msg"]}
        ) from None


MARK_BODY = {
    "requestBody": {
        "required": False,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {"at": {"type": "string", "format": "date-time", "nullable": True}},
                }
            }
        },
    }
}


@router.post("/roster/{entry_id}/check-in", response=MarkedOut, openapi_extra=MARK_BODY)
def check_in(request: HttpRequest, entry_id: Id) -> dict:
    """Check a rostered person in (now, or at `at`); again changes nothing (`changed` false)."""
    return _marked(attendance.check_in(request.user, entry_id, _at(request)))


@router.post("/roster/{entry_id}/check-out", response=MarkedOut, openapi_extra=MARK_BODY)
def check_out(request: HttpRequest, entry_id: Id) -> dict:
    """Check a rostered person out (now, or at `at`); 409 `not_checked_in` before a check-in."""
    return _marked(attendance.check_out(request.user, entry_id, _at(request)))


class AttendanceCounts(Schema):
    executives: int
    executives_present: int
    executives_absent: int
    executives_late: int
    staff: int
    staff_present: int
    rate: float | None


class CompanyAttendance(AttendanceCounts):
    company_id: int
    company_name: str
    company_short_name: str


class CityAttendance(AttendanceCounts):
    city_code: str
    city_name: str
    companies: list[CompanyAttendance]


class AbsentExecutive(Schema):
    entry_id: int
    city_code: str
    city_name: str
    site_id: int
    site_name: str
    company_id: int
    company_name: str
    organization_id: int
    organization_name: str
    name: str
    title: str
    rank: str


class AttendanceReport(AttendanceCounts):
    campaign_id: int
    campaign_name: str
    final: bool
    by_city: list[CityAttendance]
    by_company: list[CompanyAttendance]
    absent: list[AbsentExecutive]


@router.get("/campaigns/{campaign_id}/attendance", response=AttendanceReport)
def attendance_report(request: HttpRequest, campaign_id: Id) -> dict:
    return queries.attendance_report(request.user, campaign_id)


# ---- inspections ---------------------------------------------------------------------------


class InspectionIn(Schema):
    started_at: datetime
    ended_at: datetime | None = None
    findings: str
    issues_found: bool = False
    led_by: str = ""


class InspectionOut(Schema):
    id: int
    site_id: int
    site_name: str
    city_code: str
    officer: str
    led_by: str
    started_at: datetime
    ended_at: datetime | None
    issues_found: bool
    findings: str


def _inspection(i: Inspection) -> dict:
    return {
        "id": i.pk,
        "site_id": i.site_id,
        "site_name": i.site.name,
        "city_code": i.site.city_id,
        "officer": i.officer.get_full_name() or i.officer.username,
        "led_by": i.led_by,
        "started_at": timezone.localtime(i.started_at),
        "ended_at": _local(i.ended_at),
        "issues_found": i.issues_found,
        "findings": i.findings,
    }


@router.post("/sites/{site_id}/inspections", response={201: InspectionOut})
def record_inspection(request: HttpRequest, site_id: Id, payload: InspectionIn) -> Status:
    inspection = inspections.record_inspection(request.user, site_id, inspections.InspectionInput(**payload.dict()))
    return Status(201, _inspection(inspection))


@router.get("/campaigns/{campaign_id}/inspections", response=list[InspectionOut])
def list_inspections(request: HttpRequest, campaign_id: Id) -> list[dict]:
    campaign = queries.access_campaign(request.user, campaign_id)
    return [_inspection(i) for i in queries.inspections_for(request.user, campaign)]
