"""The scorecard page: a period picker, the ranking chart and the metric table."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ombud.directory.access import REGULATOR_ROLES, page
from ombud.errors import InvalidInput
from ombud.oversight import evaluation


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


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
def scorecard_page(request: HttpRequest) -> HttpResponse:
    periods = evaluation.figure_periods(request.user)
    start, end = _date(request.GET.get("period_start")), _date(request.GET.get("period_end"))
    if start is None and end is None and periods:
        start, end = periods[0].start, periods[0].end
    card, error = None, ""
    if start or end or request.GET:
        try:
            card = evaluation.scorecard(request.user, evaluation.parse_period(start, end))
        except InvalidInput as e:
            error = " ".join(e.fields.values()) or e.message
    data = card.as_dict() if card else None
    chart = None
    if data:
        for row in data["rows"]:
            row["cells"] = [_cell(m["metric"], row["metrics"][m["metric"]]) for m in data["metrics"]]
        chart = {
            "companies": [r["company_name"] for r in data["rows"]],
            "scores": [float(r["score"]) for r in data["rows"]],
            "label": _("Score"),
        }
    return render(
        request,
        "oversight/evaluation.html",
        {
            "periods": periods,
            "start": start,
            "end": end,
            "card": data,
            "chart": chart,
            "error": error,
        },
    )
