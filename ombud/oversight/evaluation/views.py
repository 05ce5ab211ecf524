"""The scorecard page: a period picker, the ranking chart and the metric table."""

from __future__ import annotations

from decimal import Decimal

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ombud import charts
from ombud.directory.access import REGULATOR_ROLES, page
from ombud.errors import InvalidInput
from ombud.http import AuthedRequest
from ombud.oversight.evaluation import queries
from ombud.oversight.evaluation.forms import PeriodForm
from ombud.replica import replica_reads

RATES = {"timeliness", "review_rate", "mediation_rate", "spotcheck_pass"}


def _cell(metric: str, m: dict) -> dict:
    """A metric as people read it: rates in per cent, counts whole, ratios to two places."""
    if m["value"] is None:
        return {"value": None}
    value = Decimal(m["value"])
    if metric in RATES:
        shown = f"{value * 100:.1f}%"
    elif metric == "volume":
        shown = f"{value:.0f}"
    elif metric == "premium_change":
        shown = f"{value:+.2f}"
    else:
        shown = f"{value:.2f}"
    return {"value": shown, "points": f"{Decimal(m['points']):.1f}"}


@page(*REGULATOR_ROLES)
@require_GET
@replica_reads
def scorecard_page(request: AuthedRequest) -> HttpResponse:
    periods = queries.figure_periods(request.user)
    form = PeriodForm(request.GET)
    form.is_valid()  # always: an unreadable day is None, and parse_period says so
    start, end = form.cleaned_data["period_start"], form.cleaned_data["period_end"]
    if start is None and end is None and periods:
        start, end = periods[0].start, periods[0].end
    card, error = None, ""
    if start or end or request.GET:
        try:
            card = queries.scorecard(request.user, queries.parse_period(start, end))
        except InvalidInput as e:
            form.add_service_errors(e)
            error = form.error_text()
    data = card.as_dict() if card else None
    chart = None
    if data:
        for row in data["rows"]:
            row["cells"] = [_cell(m["metric"], row["metrics"][m["metric"]]) for m in data["metrics"]]
        chart = {
            "companies": [r["company_name"] for r in data["rows"]],
            "scores": [float(r["score"]) for r in data["rows"]],
            "label": charts.label("score"),
        }
    return render(
        request,
        "oversight/evaluation/scorecard.html",
        {
            "periods": periods,
            "start": start,
            "end": end,
            "card": data,
            "chart": chart,
            "error": error,
        },
    )
