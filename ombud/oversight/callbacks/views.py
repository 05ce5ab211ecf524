"""Call-back pages: the call list with its filters and the build form, the call screen, the
report.

Thin by design: parse with a form (`forms.py`), call `services` (or a scoped read from
`queries`), render. Service errors become form errors (400) or a message (409), a
non-regulator gets 403, a call-back outside the officer's scope 404. The consumer's full number
appears only in the answer to the "open the number" POST, which the service audits, and that
answer is never cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ombud.audit.queries import entries_for
from ombud.campaigns.queries import campaigns_for
from ombud.directory.access import REGULATOR_ROLES, page
from ombud.directory.models import User
from ombud.errors import Conflict, InvalidInput, NotFound
from ombud.http import AuthedRequest
from ombud.intake.tracking import format_tracking_no
from ombud.oversight.callbacks import queries, services
from ombud.oversight.callbacks.forms import AttemptForm, BuildForm, FilterForm, ReportForm
from ombud.oversight.models import CallAttempt, CallBack
from ombud.pagination import page_links
from ombud.personal_data import mask_name, mask_phone

PAGE_SIZE = 50


def _campaigns(user: User) -> list[tuple[int, str]]:
    return list(campaigns_for(user).values_list("pk", "name"))


# ---- the list and the build form ------------------------------------------------------------------


def _render_list(request: AuthedRequest, build_form: BuildForm | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    campaigns = _campaigns(user)
    filters = FilterForm(request.GET or None, campaigns=campaigns)
    f = queries.CallBackFilters()
    if filters.is_bound and filters.is_valid():
        f = queries.CallBackFilters(
            status=filters.cleaned_data["status"] or None, campaign_id=filters.cleaned_data["campaign"]
        )
    elif filters.is_bound:
        status = 400
    page = None
    try:
        page = queries.callback_page(user, f, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except InvalidInput as e:
        filters.add_error(None, str(e.message))
        status = 400
    rows = [
        {
            "cb": cb,
            "tracking_no": format_tracking_no(cb.case.tracking_no),
            # Masked here, in Python: the clear values never reach the template.
            "name": mask_name(cb.case.visit.visitor_name),
            "phone": mask_phone(cb.case.visit.visitor_phone),
        }
        for cb in (page.items if page else [])
    ]
    next_query, first_query = page_links(request.GET, page)
    context = {
        "filters": filters,
        "build_form": build_form or BuildForm(campaigns=campaigns),
        "rows": rows,
        "counts": queries.status_counts(user, f),
        "next_query": next_query,
        "first_query": first_query,
    }
    return render(request, "oversight/callbacks/list.html", context, status=status)


@page(*REGULATOR_ROLES)
@require_GET
def callback_list(request: AuthedRequest) -> HttpResponse:
    return _render_list(request)


@page(*REGULATOR_ROLES)
@require_POST
def build_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = BuildForm(request.POST, campaigns=_campaigns(user))
    if not form.is_valid():
        return _render_list(request, form, status=400)
    data = form.cleaned_data
    try:
        result = services.build_call_list(
            user,
            campaign_id=data["campaign"],
            since=data["since"],
            until=data["until"],
            sample_size=data["sample_size"],
            seed=data["seed"],
        )
    except InvalidInput as e:
        form.add_service_errors(e)
        return _render_list(request, form, status=400)
    text = _("Added to the call list: %(added)d (eligible %(eligible)d, already listed %(listed)d).") % {
        "added": result.added,
        "eligible": result.eligible,
        "listed": result.already_listed,
    }
    if result.seed:
        text += " " + _("Sample seed: %(seed)s") % {"seed": result.seed}
    messages.success(request, text)
    url = reverse("oversight:callbacks")
    if data["campaign"]:
        url += f"?campaign={data['campaign']}"
    return redirect(url)


# ---- the call screen -----------------------------------------------------------------------------


def _render_call(
    request: AuthedRequest,
    cb: CallBack,
    *,
    phone: str = "",
    form: AttemptForm | None = None,
    status: int = 200,
) -> HttpResponse:
    case, visit = cb.case, cb.case.visit
    attempts = list(queries.attempts_of(cb))
    failed = sum(1 for a in attempts if a.result in services.FAILED_RESULTS)
    context = {
        "cb": cb,
        "case": case,
        "visit": visit,
        "tracking_no": format_tracking_no(case.tracking_no),
        "consumer_name": mask_name(visit.visitor_name),
        "masked_phone": mask_phone(visit.visitor_phone),
        "phone": phone,
        "attempts": attempts,
        "failed": failed,
        "max_failed": services.MAX_FAILED_ATTEMPTS,
        "openings": list(entries_for(cb, action="personal_data.unmask")),
        "form": form or AttemptForm(),
        "pending": cb.status == CallBack.Status.PENDING,
    }
    return render(request, "oversight/callbacks/detail.html", context, status=status)


@page()
@require_GET
def callback_detail(request: AuthedRequest, callback_id: int) -> HttpResponse:
    return _render_call(request, queries.access_callback(request.user, callback_id))


@never_cache
@page()
@require_POST
def open_phone(request: AuthedRequest, callback_id: int) -> HttpResponse:
    """Answer with the call screen showing the full number (audited by the service); the
    number is in this one response only, never in a page a GET returns."""
    user = request.user
    queries.access_callback(user, callback_id)
    try:
        cb, phone = services.reveal_phone(user, callback_id, via="page")
    except Conflict as e:
        messages.error(request, str(e.message))
        return redirect("oversight:callback", callback_id=callback_id)
    return _render_call(request, cb, phone=phone)


@page()
@require_POST
def add_attempt(request: AuthedRequest, callback_id: int) -> HttpResponse:
    user = request.user
    cb = queries.access_callback(user, callback_id)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        return _render_call(request, cb, form=form, status=400)
    data = form.cleaned_data
    try:
        updated = services.record_attempt(
            user,
            callback_id,
            result=data["result"],
            note=data["note"],
            solved=data["solved"] or None,
            satisfaction=data["satisfaction"] or None,
            comment=data["comment"],
        )
    except InvalidInput as e:
        form.add_service_errors(e)
        return _render_call(request, cb, form=form, status=400)
    except Conflict as e:
        messages.error(request, str(e.message))
        return redirect("oversight:callback", callback_id=callback_id)
    messages.success(
        request,
        _("Call recorded: %(result)s. The call-back is now %(status)s.")
        % {"result": CallAttempt.Result(data["result"]).label, "status": updated.get_status_display()},
    )
    return redirect("oversight:callback", callback_id=callback_id)


# ---- the report ----------------------------------------------------------------------------------


@page(*REGULATOR_ROLES)
@require_GET
def report(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = ReportForm(request.GET or None, campaigns=_campaigns(user))
    data, status = None, 200
    if not form.is_bound or form.is_valid():
        cleaned = form.cleaned_data if form.is_bound else {}
        try:
            data = queries.callback_report(
                user,
                campaign_id=cleaned.get("campaign"),
                since=cleaned.get("since"),
                until=cleaned.get("until"),
            )
        except (InvalidInput, NotFound) as e:
            form.add_error(None, str(e.message))
            status = 400
    else:
        status = 400
    context = {
        "form": form,
        "report": data,
        "companies": sorted((data or {}).get("by_company", {}).values(), key=lambda r: (-r["listed"], r["name"])),
        "cities": sorted((data or {}).get("by_city", {}).items()),
    }
    return render(request, "oversight/callbacks/report.html", context, status=status)
