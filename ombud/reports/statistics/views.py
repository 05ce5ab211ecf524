"""Report pages: the campaigns list and the live campaign dashboard.

Every number comes from `reports.statistics.queries` (scoped to the user: a company sees its
own) and the wording from `reports.statistics.press`; these views only arrange them for the
templates and charts.
"""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ombud import charts
from ombud.campaigns.models import Campaign
from ombud.campaigns.queries import access_campaign, campaigns_for
from ombud.directory.access import page, scope_for
from ombud.directory.models import User
from ombud.errors import InvalidInput, NotFound
from ombud.http import AuthedRequest
from ombud.portal.consultations.queries import report_figures
from ombud.replica import replica_reads
from ombud.reports.statistics import press
from ombud.reports.statistics.forms import CaseStatisticsForm
from ombud.reports.statistics.queries import (
    COUNT_KEYS,
    campaign_overview,
    campaign_report,
    case_statistics,
    visits_by_hour,
)

PARTICIPATION_KEYS = ("sites", "staff", "executives", "companies")
POLL_SECONDS = 5  # the live part: visits, outcomes, cities, companies, rosters, the press text
CASE_POLL_SECONDS = 60  # the case handling by company: decided over days, not seconds


@page()
@require_GET
@replica_reads
def campaign_list(request: AuthedRequest) -> HttpResponse:
    counts = campaign_overview(request.user)
    now = timezone.now()
    rows = []
    for campaign in campaigns_for(request.user):
        if now < campaign.starts_at:
            status, label = "upcoming", _("upcoming")
        elif now > campaign.ends_at:
            status, label = "ended", _("ended")
        else:
            status, label = "running", _("running")
        rows.append(
            {
                "campaign": campaign,
                "status": status,
                "status_label": label,
                **counts.get(campaign.pk, {"visits": 0, "cases": 0}),
            }
        )
    return render(request, "reports/statistics/campaigns.html", {"rows": rows})


def _campaign(user: User, campaign_id: int) -> Campaign:
    return access_campaign(user, campaign_id)


def _charts(report: dict, hours: list[dict]) -> dict:
    """What static/js/dashboard.js draws: the report's numbers plus the charts' words
    (ombud/charts.py, the same as a published report's)."""
    cities = report["by_city"]
    return {
        "totals": {k: report[k] for k in (*COUNT_KEYS, *PARTICIPATION_KEYS)},
        "cities": [{"code": r["city_code"], "name": r["city_name"], **{k: r[k] for k in COUNT_KEYS}} for r in cities],
        "hours": hours,
        "labels": charts.labels(
            (*charts.CITY_SERIES, *charts.OUTCOME_SERIES, "visits"), titles=("cities", "outcomes", "hours")
        ),
    }


def _live_context(user: User, campaign: Campaign) -> dict:
    """What the 5-second live part shows (`_live.html`)."""
    scope = scope_for(user)  # once for both
    report = press.with_text(campaign, campaign_report(user, campaign, scope))
    return {
        "campaign": campaign,
        "report": report,
        "charts": _charts(report, visits_by_hour(user, campaign, scope)),
        "updated_at": timezone.now(),
        "poll_seconds": POLL_SECONDS,
    }


def _case_handling_context(user: User, campaign: Campaign) -> dict:
    """What the once-a-minute case handling part shows (`_case_handling.html`)."""
    return {
        "campaign": campaign,
        "case_stats": case_statistics(user, campaign_id=campaign.pk),
        "updated_at": timezone.now(),
        "case_poll_seconds": CASE_POLL_SECONDS,
    }


@page()
@require_GET
@replica_reads
def dashboard(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request.user, campaign_id)
    context = {**_case_handling_context(request.user, campaign), **_live_context(request.user, campaign)}
    return render(request, "reports/statistics/dashboard.html", context)


def _polled_part(request: HttpRequest) -> User | HttpResponse:
    """The user of a polled part of the dashboard, or the answer for one signed out: the polled
    parts are not behind `@page`, so that a signed-out poll gets a reload, not a login page in
    the swapped part."""
    user = request.user
    if isinstance(user, User):
        return user
    if request.headers.get("HX-Request"):  # signed out (an AnonymousUser) while the dashboard was open
        return HttpResponse(status=401, headers={"HX-Refresh": "true"})  # reload it: that leads to login
    return redirect_to_login(request.get_full_path())


@require_GET
@replica_reads
def dashboard_live(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The part of the dashboard htmx polls every few seconds: numbers, tables, text, chart data."""
    user = _polled_part(request)
    if isinstance(user, HttpResponse):
        return user
    campaign = _campaign(user, campaign_id)
    return render(request, "reports/statistics/_live.html", _live_context(user, campaign))


@require_GET
@replica_reads
def dashboard_cases(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The part of the dashboard htmx polls once a minute: the campaign's case handling by company."""
    user = _polled_part(request)
    if isinstance(user, HttpResponse):
        return user
    campaign = _campaign(user, campaign_id)
    return render(request, "reports/statistics/_case_handling.html", _case_handling_context(user, campaign))


@page()
@require_GET
@replica_reads
def case_report(request: AuthedRequest) -> HttpResponse:
    """Case statistics per company and per city for a period (and optionally a campaign)."""
    form = CaseStatisticsForm(request.GET or None, campaigns=list(campaigns_for(request.user)))
    stats = consultations = None
    status = 200
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        try:
            stats = case_statistics(
                request.user, since=data.get("since"), until=data.get("until"), campaign_id=data.get("campaign")
            )
            # The bureau's public consultations in the same period (None for a company: left out).
            consultations = report_figures(request.user, since=data.get("since"), until=data.get("until"))
        except (InvalidInput, NotFound) as e:
            form.add_service_errors(e)
            status = 400
    else:
        status = 400
    context = {"form": form, "stats": stats, "consultations": consultations}
    return render(request, "reports/statistics/cases.html", context, status=status)
