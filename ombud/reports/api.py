from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from ombud.campaigns.queries import access_campaign
from ombud.reports import press
from ombud.reports.queries import campaign_report
from ombud.schemas import Id

router = Router(tags=["reports"])


class Counts(Schema):
    visits: int
    cases: int
    resolved_on_site: int
    time_limited: int
    referred: int
    consultations: int
    suggestions: int
    practitioners_complained: int


class CityRow(Counts):
    city_code: str
    city_name: str
    companies: int
    staff: int
    executives: int
    paragraph: str


class CompanyRow(Counts):
    company_id: int
    company_name: str


class Report(Counts):
    campaign_id: int
    campaign_name: str
    sites: int
    companies: int
    staff: int
    executives: int
    by_city: list[CityRow]
    by_company: list[CompanyRow]
    press_release: str


@router.get("/campaigns/{campaign_id}/report", response=Report)
def report(request: HttpRequest, campaign_id: Id) -> dict:
    campaign = access_campaign(request.user, campaign_id)
    return press.with_text(campaign, campaign_report(request.user, campaign))
