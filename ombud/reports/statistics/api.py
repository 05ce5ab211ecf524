"""Statistics API: a campaign's report with its press release, and case statistics."""

from __future__ import annotations

from datetime import date

from ninja import Query, Router, Schema
from ninja.decorators import decorate_view

from ombud.campaigns.queries import access_campaign
from ombud.http import ApiRequest
from ombud.replica import replica_reads
from ombud.reports.statistics import press
from ombud.reports.statistics.queries import campaign_report, case_statistics
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
@decorate_view(replica_reads)
def report(request: ApiRequest, campaign_id: Id) -> dict:
    campaign = access_campaign(request.user, campaign_id)
    return press.with_text(campaign, campaign_report(request.user, campaign))


class CaseStats(Schema):
    opened: int
    open: int
    overdue: int
    decided: int
    decided_in_time: int
    decided_in_time_pct: float | None
    median_days_to_decision: float | None
    reviews: int
    mediations: int


class ThreeRates(Schema):
    """The three rates (三率, docs/statistics.md): per cent with one decimal, None when nothing
    is counted; with the counts they divide."""

    response_rate: float | None
    responded: int
    due: int
    resolution_rate: float | None
    solved: int
    solved_of: int
    satisfaction_rate: float | None
    satisfied: int
    satisfaction_of: int
    ratings_answers: int
    callbacks_answers: int


class CompanyCaseStats(CaseStats):
    company_id: int
    company_name: str
    rates: ThreeRates


class CityCaseStats(CaseStats):
    city_code: str | None
    city_name: str


class CaseStatistics(Schema):
    since: date | None
    until: date | None
    campaign_id: int | None
    totals: CaseStats
    rates: ThreeRates
    companies: list[CompanyCaseStats]
    cities: list[CityCaseStats]


class CaseStatisticsQuery(Schema):
    since: date | None = None
    until: date | None = None
    campaign_id: Id | None = None


@router.get("/reports/cases", response=CaseStatistics)
@decorate_view(replica_reads)
def case_report(request: ApiRequest, q: Query[CaseStatisticsQuery]) -> dict:
    """Cases per head office and per city: opened, open, overdue, decided (within the deadline:
    count and %), median days to decision, reviews and mediations, and per head office and in
    total the three rates (response, resolution, satisfaction: consumer ratings and call-backs);
    cases opened in
    [since, until] (Beijing dates, inclusive) that the caller may see."""
    return case_statistics(request.user, since=q.since, until=q.until, campaign_id=q.campaign_id)
