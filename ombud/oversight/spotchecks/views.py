"""Spot-check pages: the list with the draw form, one spot check with its findings, and the
pass-rate report.

Thin by design: parse with a form (`forms.py`), call `services` (or a read from `queries`),
render.
Service errors become form errors (400) or a message (403, 409), never a 500. Writes are POSTs
with a CSRF token, answered with a redirect (POST-redirect-GET).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ombud.directory.access import REGULATOR_ROLES, page, require_regulator
from ombud.directory.models import User
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.http import AuthedRequest
from ombud.intake.tracking import format_tracking_no
from ombud.oversight.models import SpotCheck, SpotCheckItem
from ombud.oversight.spotchecks import queries, services
from ombud.oversight.spotchecks.forms import DrawForm, FindingForm
from ombud.oversight.spotchecks.sampling import OUTCOMES
from ombud.pagination import page_links

PAGE_SIZE = 50


def _campaign_choices(user: User) -> list[tuple[int, str]]:
    return list(queries.campaign_choices(user).values_list("pk", "name"))


# ---- the list and the draw form -------------------------------------------------------------------


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def spot_check_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    campaigns = _campaign_choices(user)
    status = 200
    if request.method == "POST":
        form = DrawForm(request.POST, campaigns=campaigns)
        if form.is_valid():
            data = form.cleaned_data
            try:
                spot_check = services.draw(
                    user,
                    title=data["title"],
                    campaign_id=data["campaign"],
                    since=data["since"],
                    until=data["until"],
                    size_mode=data["size_mode"],
                    size_value=data["size_value"],
                    seed=data["seed"],
                )
            except InvalidInput as e:
                form.add_service_errors(e)
                status = 400
            else:
                messages.success(
                    request,
                    _("Sample drawn: %(n)d cases from a population of %(p)d, with seed %(seed)s.")
                    % {"n": spot_check.items.count(), "p": spot_check.population, "seed": spot_check.seed},
                )
                return redirect("oversight:spotcheck", spot_check_id=spot_check.pk)
        else:
            status = 400
    else:
        # A "redraw with this seed" link pre-fills the form from the query string.
        initial = {"size_mode": SpotCheck.SizeMode.COUNT, "size_value": 5}
        for name in ("title", "campaign", "since", "until", "size_mode", "size_value", "seed"):
            if request.GET.get(name):
                initial[name] = request.GET[name]
        if "campaign" not in initial and len(campaigns) == 1:
            initial["campaign"] = campaigns[0][0]
        form = DrawForm(initial=initial, campaigns=campaigns)

    page = None
    try:
        page = queries.spot_check_page(user, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except InvalidInput:
        page = queries.spot_check_page(user, cursor=None, limit=PAGE_SIZE)
    next_query, _first = page_links(request.GET, page)
    context = {
        "form": form,
        "spot_checks": page.items,
        "next_query": next_query,
        "first_page": bool(request.GET.get("cursor")),
    }
    return render(request, "oversight/spotchecks/list.html", context, status=status)


# ---- one spot check -----------------------------------------------------------------------------


def _finding_state(item: SpotCheckItem, bound: dict | None) -> dict:
    """What the finding form of one item shows: the bound values after an error, else the
    stored finding."""
    if bound is not None:
        return bound
    return {"finding": item.finding, "reasons": item.reasons, "follow_up": "", "errors": {}, "message": ""}


def _render_detail(
    request: AuthedRequest, spot_check_id: int, *, bound_item: int | None = None, bound: dict | None = None, status=200
) -> HttpResponse:
    user = request.user
    require_regulator(user)
    d = queries.describe(user, spot_check_id, verify=True if request.GET.get("verify") == "1" else None)
    names = {s["company_id"]: s["company_name"] for s in d.strata}
    rows = [
        {
            "item": item,
            "tracking_no": format_tracking_no(item.case.tracking_no),
            "company": names.get(item.stratum_company_id, ""),
            "outcome": str(OUTCOMES.get(item.stratum_outcome, item.stratum_outcome)),
            "form": _finding_state(item, bound if item.pk == bound_item else None),
            "follow_ups": services.follow_ups_allowed(item.case.status),
        }
        for item in d.items
    ]
    sc = d.spot_check
    redraw_params = {
        "campaign": sc.campaign_id or "",
        "since": sc.since.isoformat() if sc.since else "",
        "until": sc.until.isoformat() if sc.until else "",
        "size_mode": sc.size_mode,
        "size_value": sc.size_value,
        "seed": sc.seed,
    }
    context = {
        "d": d,
        "sc": sc,
        "rows": rows,
        "sampled": len(d.items),
        "pass_rate": (d.checked - d.improper) / d.checked if d.checked else None,
        "pass_pct": 100 * (d.checked - d.improper) / d.checked if d.checked else None,
        "redraw_url": reverse("oversight:spotchecks") + "?" + urlencode({k: v for k, v in redraw_params.items() if v}),
        "size_label": (
            _("%(n)d%% of each stratum") % {"n": sc.size_value}
            if sc.size_mode == SpotCheck.SizeMode.PERCENT
            else ngettext("%(n)d case per stratum", "%(n)d cases per stratum", sc.size_value) % {"n": sc.size_value}
        ),
    }
    return render(request, "oversight/spotchecks/detail.html", context, status=status)


@page()
@require_GET
def spot_check_detail(request: AuthedRequest, spot_check_id: int) -> HttpResponse:
    return _render_detail(request, spot_check_id)


@page(*REGULATOR_ROLES)
@require_POST
def record_finding(request: AuthedRequest, spot_check_id: int, item_id: int) -> HttpResponse:
    user = request.user
    form = FindingForm(request.POST)
    bound = {
        "finding": request.POST.get("finding", ""),
        "reasons": request.POST.get("reasons", ""),
        "follow_up": request.POST.get("follow_up", ""),
        "errors": {},
        "message": "",
    }
    if not form.is_valid():
        bound["errors"] = {k: " ".join(str(m) for m in v) for k, v in form.errors.items()}
        bound["message"] = _("The finding was not saved.")
        return _render_detail(request, spot_check_id, bound_item=item_id, bound=bound, status=400)
    data = form.cleaned_data
    try:
        item = services.record_finding(
            user,
            item_id,
            spot_check_id=spot_check_id,
            finding=data["finding"],
            reasons=data["reasons"],
            follow_up=data["follow_up"] or None,
        )
    except (InvalidInput, Conflict, Forbidden) as e:
        if e.code == "finding_final":
            # The item has no form any more: say so at the top of the page.
            messages.error(request, e.message)
            return redirect(reverse("oversight:spotcheck", args=[spot_check_id]) + "#spotcheck-items")
        bound["errors"] = {k: str(v) for k, v in e.fields.items()}
        bound["message"] = str(e.message)
        return _render_detail(request, spot_check_id, bound_item=item_id, bound=bound, status=e.status)
    if item.follow_up == SpotCheckItem.FollowUp.REOPENED:
        messages.success(request, _("Finding saved for case %(n)d; the case was reopened.") % {"n": item.position})
    elif item.follow_up == SpotCheckItem.FollowUp.REFERRED:
        messages.success(
            request, _("Finding saved for case %(n)d; the case was referred for enforcement.") % {"n": item.position}
        )
    else:
        messages.success(request, _("Finding saved for case %(n)d.") % {"n": item.position})
    return redirect(reverse("oversight:spotcheck", args=[spot_check_id]) + f"#item-{item.position}")


# ---- the report ---------------------------------------------------------------------------------


@page(*REGULATOR_ROLES)
@require_GET
def pass_rate_report(request: AuthedRequest) -> HttpResponse:
    user = request.user
    campaigns = _campaign_choices(user)
    wanted = request.GET.get("campaign", "")
    campaign_id = int(wanted) if wanted.isdigit() and int(wanted) in {c for c, _n in campaigns} else None
    rows = [
        {**r, "pass_pct": 100 * r["pass_rate"] if r["pass_rate"] is not None else None}
        for r in queries.pass_rates(user, campaign_id=campaign_id)
    ]
    totals = {k: sum(r[k] for r in rows) for k in ("sampled", "checked", "proper", "improper")}
    totals["pass_pct"] = 100 * totals["proper"] / totals["checked"] if totals["checked"] else None
    context = {"rows": rows, "totals": totals, "campaigns": campaigns, "campaign_id": campaign_id}
    return render(request, "oversight/spotchecks/report.html", context)
