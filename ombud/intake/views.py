"""Intake pages: the site form, the printable receipt and the visits list.

Thin by design: parse with a form, call `record_visit` or a scoped query, render. Every rule
lives in `intake.services`; errors it raises are shown, never turned into a 500.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_http_methods

from ombud.campaigns.queries import sites_for_intake
from ombud.directory.access import page
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.http import AuthedRequest
from ombud.intake import queries, receipts
from ombud.intake.forms import VisitFilterForm, VisitForm, new_token
from ombud.intake.services import record_visit
from ombud.intake.tracking import format_tracking_no
from ombud.pagination import page_links

PAGE_SIZE = 50


def _form(sites: list, data=None, initial=None) -> VisitForm:
    return VisitForm(
        data,
        initial=initial,
        sites=sites,
        product_lines=queries.product_line_choices(get_language() or "zh-hans"),
    )


@page()
@require_http_methods(["GET", "POST"])
def new_visit(request: AuthedRequest) -> HttpResponse:
    sites = list(sites_for_intake(request.user))
    status = 200
    if request.method == "POST":
        form = _form(sites, data=request.POST)
        if form.is_valid():
            token = form.cleaned_data["token"] or None
            try:
                recorded = record_visit(request.user, form.to_input(), idempotency_key=token)
            except InvalidInput as e:
                form.add_service_errors(e)
                status = 400
            except Forbidden as e:
                form.add_error(None, gettext(str(e.message)))
                status = 403
            except Conflict:
                # The token was spent on a different visit (Back, edit, resend): issue a new
                # one so that a deliberate second submit records a second visit.
                data = request.POST.copy()
                data["token"] = new_token()
                form = _form(sites, data=data)
                form.is_valid()
                form.add_error(
                    None,
                    gettext(
                        "This form had already recorded a different visit. Check the entries and submit "
                        "again to record a new one."
                    ),
                )
                status = 409
            else:
                return redirect("intake:receipt", visit_id=recorded.visit.pk)
        else:
            status = 400
    else:
        site_ids = [s.pk for s in sites]
        wanted = request.GET.get("site", "")
        preselect = int(wanted) if wanted.isdigit() and int(wanted) in site_ids else None
        if preselect is None and len(site_ids) == 1:
            preselect = site_ids[0]
        form = _form(sites, initial={"site": preselect, "token": new_token()})

    context = {"form": form, "sites": sites}
    return render(request, "intake/new.html", context, status=status)


@page()
@require_GET
def receipt(request: AuthedRequest, visit_id: int) -> HttpResponse:
    visit = queries.access_visit(request.user, visit_id)
    context = {
        "visit": visit,
        **receipts.receipt_context(visit.tracking_no, visit.secret_code),
        "paper": receipts.paper(request.GET.get("paper")),
    }
    return render(request, "intake/receipt.html", context)


@page()
@require_GET
def visit_list(request: AuthedRequest) -> HttpResponse:
    form = VisitFilterForm(request.GET or None, choices=queries.filter_choices(request.user))
    page = None
    status = 200
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else queries.VisitFilters()
        try:
            page = queries.visit_page(request.user, filters, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
        except InvalidInput as e:
            form.add_error(None, gettext(str(e.message)))
            status = 400
    else:
        status = 400
    next_query, first_query = page_links(request.GET, page)
    context = {
        "form": form,
        "visits": [(v, format_tracking_no(v.tracking_no)) for v in page.items] if page else [],
        "next_query": next_query,
        "first_query": first_query,
    }
    return render(request, "intake/list.html", context, status=status)
