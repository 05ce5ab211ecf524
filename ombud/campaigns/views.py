"""Campaigns pages: setting a campaign up (its sites, its rosters from a spreadsheet), the
site's check-in roster, the attendance report, the inspections of a campaign, and an index.

Thin by design: parse, call a service (`campaigns.services`, `campaigns.attendance`,
`campaigns.inspections`) or a scoped query (`campaigns.queries`), render. Errors the services
raise become messages or form errors with a 4xx status, never a 500. Every write is a POST with a CSRF token; without
JavaScript it is answered with a redirect, with htmx by the updated roster row.
"""

from __future__ import annotations

from itertools import groupby
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ombud.campaigns import attendance, queries, rosterfile, services
from ombud.campaigns.forms import CampaignForm, InspectionForm, RosterFilterForm, RosterImportForm, SiteForm
from ombud.campaigns.inspections import record_inspection
from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.directory.access import REGULATOR_ROLES, SITE_ROLES, has_role, page, scope_for
from ombud.directory.models import Staff, User
from ombud.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from ombud.http import AuthedRequest

RANK_ORDER = Case(
    When(staff__rank=Staff.Rank.HEAD, then=Value(0)),
    When(staff__rank=Staff.Rank.DEPUTY, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def _campaign(user: User, campaign_id: int) -> Campaign:
    return queries.access_campaign(user, campaign_id)


def _window(campaign: Campaign) -> dict:
    opens, closes = attendance.window(campaign)
    return {"state": attendance.window_state(campaign), "opens": opens, "closes": closes}


# ---- index ---------------------------------------------------------------------------------


@page()
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Campaigns with the rosters the user may open; site staff go straight to their roster."""
    user = request.user
    rows = []
    for campaign in queries.campaigns_for(user)[:20]:
        sites = queries.roster_sites(user, campaign)
        rows.append({"campaign": campaign, "sites": sites, "window": _window(campaign)})
    if has_role(user, *SITE_ROLES):
        current = [(r["campaign"], s) for r in rows if r["window"]["state"] == "open" for s in r["sites"]]
        if len(current) == 1:
            campaign, site = current[0]
            return redirect("campaigns:roster", campaign_id=campaign.pk, site_id=site.pk)
    context = {"rows": rows, "sees_inspections": has_role(user, *REGULATOR_ROLES, *SITE_ROLES)}
    return render(request, "campaigns/index.html", context)


# ---- the site's roster: check-in and check-out ---------------------------------------------


def _row_context(user: User, entry: RosterEntry, whole_site: bool, window: dict) -> dict:
    # Times formatted here, not with template filters: a roster of 800 rows renders twice as fast.
    came = timezone.localtime(entry.checked_in_at) if entry.checked_in_at else None
    left = timezone.localtime(entry.checked_out_at) if entry.checked_out_at else None
    return {
        "entry": entry,
        "may_mark": window["state"] == "open" and (whole_site or entry.staff.user_id == user.pk),
        "late": came is not None and came > entry.site.campaign.starts_at,
        "came": came and {"short": f"{came:%H:%M}", "full": f"{came:%Y-%m-%d %H:%M:%S}"},
        "left": left and {"short": f"{left:%H:%M}", "full": f"{left:%Y-%m-%d %H:%M:%S}"},
    }


@page()
@require_GET
def roster(request: HttpRequest, campaign_id: int, site_id: int) -> HttpResponse:
    user = request.user
    campaign = _campaign(user, campaign_id)
    scope = scope_for(user)
    site = queries.access_roster_site(user, campaign, site_id, scope)
    form = RosterFilterForm(request.GET or None)
    filters = form.filters()
    # The filters narrow the table in SQL (the API's own filter); the counts cover the whole
    # visible roster.
    shown = list(
        queries.filter_roster(queries.visible_roster(user, scope).filter(site=site), **filters)
        .select_related("staff", "organization", "site__campaign")
        .annotate(rank_order=RANK_ORDER)
        .order_by("organization__kind", "organization_id", "rank_order", "staff__name", "pk")
    )
    counts = queries.site_counts(user, site, scope)
    whole_site = queries.marks_whole_site(user, scope, site)
    window = _window(campaign)
    groups = []
    for _org_id, members in groupby(shown, key=lambda e: e.organization_id):
        rows = [_row_context(user, e, whole_site, window) for e in members]
        org = rows[0]["entry"].organization
        groups.append(
            {
                "organization": org,
                "rows": rows,
                "present": sum(1 for r in rows if r["entry"].checked_in_at is not None),
            }
        )
    context = {
        "campaign": campaign,
        "site": site,
        "form": form,
        "groups": groups,
        "counts": counts,
        "shown": len(shown),
        "whole_site": whole_site,
        "window": window,
        "query": request.GET.urlencode(),
    }
    return render(request, "campaigns/roster.html", context)


@page()
@require_POST
def mark(request: HttpRequest, campaign_id: int, site_id: int, entry_id: int, action: str) -> HttpResponse:
    """Check a person in or out; answer htmx with the updated row, a browser with a redirect."""
    user = request.user
    service = {"check-in": attendance.check_in, "check-out": attendance.check_out}.get(action)
    if service is None:
        raise NotFound(_("No such action."))
    campaign = _campaign(user, campaign_id)
    # Back to the roster as it was filtered, at the row just marked.
    filters = QueryDict(request.POST.get("query", ""))
    query = urlencode({k: filters[k] for k in ("name", "duty", "present") if filters.get(k)})
    back = reverse("campaigns:roster", kwargs={"campaign_id": campaign.pk, "site_id": site_id})
    back = f"{back}?{query}#entry-{entry_id}" if query else f"{back}#entry-{entry_id}"
    error, status = None, 200
    try:
        entry = RosterEntry.objects.filter(pk=entry_id, site_id=site_id, site__campaign=campaign).first()
        if entry is None:
            raise NotFound(_("No such roster entry."))
        marked = service(user, entry_id)
    except (Forbidden, Conflict, InvalidInput) as e:
        error, status = str(e.message), e.status
    if not request.headers.get("HX-Request"):
        if error:
            messages.error(request, error)
        else:
            done = _("Checked in: %(name)s") if action == "check-in" else _("Checked out: %(name)s")
            messages.success(request, done % {"name": marked.entry.staff.name})
        return redirect(back)
    # htmx swaps the row only on a 2xx answer: an error is shown in the row, with its status
    # in a header for anyone who cares.
    scope = scope_for(user)
    entry = (
        queries.visible_roster(user, scope)
        .select_related("staff", "organization", "site__campaign", "site__city")
        .get(pk=entry_id)
    )
    context = _row_context(user, entry, queries.marks_whole_site(user, scope, entry.site), _window(campaign))
    context.update(
        {
            "error": error,
            "campaign": campaign,
            "site": entry.site,
            "query": query,
            "oob_counts": queries.site_counts(user, entry.site, scope),  # the page's totals, swapped out of band
        }
    )
    response = render(request, "campaigns/_roster_row.html", context)
    if error:
        response["X-Ombud-Status"] = str(status)
    return response


# ---- the attendance report -----------------------------------------------------------------


@page()
@require_GET
def attendance_report(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = request.user
    campaign = _campaign(user, campaign_id)
    try:
        report = queries.attendance_report(user, campaign.pk)
    except Forbidden as e:
        return render(request, "campaigns/forbidden.html", {"message": e.message, "campaign": campaign}, status=403)
    city_code = request.GET.get("city", "")
    city = next((c for c in report["by_city"] if c["city_code"] == city_code), None)
    context = {
        "campaign": campaign,
        "report": report,
        "city": city,
        "sites": queries.roster_sites(user, campaign),
        "window": _window(campaign),
    }
    return render(request, "campaigns/attendance.html", context)


# ---- inspections ---------------------------------------------------------------------------


@page()
@require_http_methods(["GET", "POST"])
def inspections(request: HttpRequest, campaign_id: int) -> HttpResponse:
    user = request.user
    campaign = _campaign(user, campaign_id)
    try:
        visible = list(queries.inspections_for(user, campaign))
    except Forbidden as e:
        return render(request, "campaigns/forbidden.html", {"message": e.message, "campaign": campaign}, status=403)
    sites: list[Site] = []
    if user.is_regulator:
        scope = scope_for(user)
        sites = [
            s for s in Site.objects.filter(campaign=campaign).select_related("city") if scope.covers_city(s.city_id)
        ]
    status = 200
    form = None
    if sites:
        if request.method == "POST":
            form = InspectionForm(request.POST, sites=sites)
            if form.is_valid():
                try:
                    record_inspection(user, form.cleaned_data["site"], form.to_input())
                except DomainError as e:
                    form.add_service_errors(e)
                    status = e.status
                else:
                    messages.success(request, _("The inspection was recorded."))
                    return redirect("campaigns:inspections", campaign_id=campaign.pk)
            else:
                status = 400
        else:
            now = timezone.localtime().replace(second=0, microsecond=0)
            form = InspectionForm(initial={"started_at": now}, sites=sites)
    elif request.method == "POST":
        messages.error(request, _("Only the regulator records inspections, at sites in its jurisdiction."))
        status = 403
    context = {"campaign": campaign, "inspections": visible, "form": form, "window": _window(campaign)}
    return render(request, "campaigns/inspections.html", context, status=status)


# ---- setting a campaign up: campaigns, sites, rosters (regulator officers) ------------------------


@page(*REGULATOR_ROLES)
@require_GET
def setup_list(request: AuthedRequest) -> HttpResponse:
    """The campaigns the officer's bureau sets up, newest first."""
    campaigns = list(queries.campaigns_to_set_up(request.user).annotate(site_count=Count("sites", distinct=True))[:200])
    return render(request, "campaigns/setup/list.html", {"campaigns": campaigns})


def _campaign_form(request: AuthedRequest, data=None, **kwargs) -> CampaignForm:
    return CampaignForm(data, regions=queries.regions_to_set_up(request.user), **kwargs)


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_new(request: AuthedRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = _campaign_form(request, request.POST)
        if form.is_valid():
            try:
                campaign = services.create_campaign(request.user, form.to_input())
            except DomainError as e:
                form.add_service_errors(e)
                status = e.status
            else:
                messages.success(request, _("The campaign was created: now add its sites."))
                return redirect("campaigns:setup", campaign_id=campaign.pk)
        else:
            status = 400
    else:
        form = _campaign_form(request)
    return render(request, "campaigns/setup/campaign_form.html", {"form": form, "campaign": None}, status=status)


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_edit(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_to_set_up(request.user, campaign_id)
    initial = {
        "name": campaign.name,
        "region": campaign.region_id,
        "starts_at": timezone.localtime(campaign.starts_at),
        "ends_at": timezone.localtime(campaign.ends_at),
    }
    status = 200
    if request.method == "POST":
        form = _campaign_form(request, request.POST, initial=initial, fixed_region=True)
        if form.is_valid():
            try:
                services.update_campaign(request.user, campaign, form.to_input())
            except DomainError as e:
                form.add_service_errors(e)
                status = e.status
            else:
                messages.success(request, _("The campaign was changed."))
                return redirect("campaigns:setup", campaign_id=campaign.pk)
        else:
            status = 400
    else:
        form = _campaign_form(request, initial=initial, fixed_region=True)
    return render(request, "campaigns/setup/campaign_form.html", {"form": form, "campaign": campaign}, status=status)


@page(*REGULATOR_ROLES)
@require_POST
def campaign_finish(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_to_set_up(request.user, campaign_id)
    try:
        services.finish_campaign(request.user, campaign)
    except (Conflict, InvalidInput) as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("The campaign is finished."))
    return redirect("campaigns:setup", campaign_id=campaign.pk)


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def campaign_setup(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    """The campaign's page: its sites, a form to add one (POST), links to edit, finish, import."""
    user = request.user
    campaign = queries.access_campaign_to_set_up(user, campaign_id)
    cities = queries.cities_for_sites(user, campaign)
    status = 200
    if request.method == "POST":
        form = SiteForm(request.POST, cities=cities)
        if form.is_valid():
            try:
                site = services.add_site(user, campaign, form.to_input())
            except DomainError as e:
                form.add_service_errors(e)
                status = e.status
            else:
                messages.success(request, _("Site added: %(name)s") % {"name": site.name})
                return redirect("campaigns:setup", campaign_id=campaign.pk)
        else:
            status = 400
    else:
        form = SiteForm(cities=cities)
    sites = (
        Site.objects.filter(campaign=campaign)
        .select_related("city")
        .annotate(
            people=Count("roster", distinct=True),
            executives=Count("roster", filter=Q(roster__duty=RosterEntry.Duty.EXECUTIVE), distinct=True),
            companies=Count("organizations", distinct=True),
        )
        .order_by("city_id", "id")
    )
    context = {"campaign": campaign, "sites": list(sites), "form": form, "may_add": bool(cities)}
    return render(request, "campaigns/setup/campaign.html", context, status=status)


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def roster_import(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    """Import a roster file; the result lists every bad row (none of it stored). 200 when rows
    were stored, 400 when the file or every row was refused."""
    user = request.user
    campaign = queries.access_campaign_to_set_up(user, campaign_id)
    sites = list(Site.objects.filter(campaign=campaign).select_related("city").order_by("city_id", "id"))
    result = None
    status = 200
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES, sites=sites)
        if form.is_valid():
            site_id = form.cleaned_data.get("site")
            target = next((s for s in sites if s.pk == site_id), campaign)
            upload = form.cleaned_data["file"]
            try:
                result = services.import_roster(user, target, upload.read(), filename=upload.name or "")
            except DomainError as e:
                form.add_service_errors(e)
                status = e.status
            else:
                if result.rows and not result.stored_rows:
                    status = 400
        else:
            status = 400
    else:
        form = RosterImportForm(sites=sites, initial={"site": request.GET.get("site", "")})
    context = {"campaign": campaign, "form": form, "result": result, "columns": rosterfile.COLUMNS}
    return render(request, "campaigns/setup/roster_import.html", context, status=status)


@page(*REGULATOR_ROLES)
@require_GET
def roster_template(request: AuthedRequest, campaign_id: int) -> HttpResponse:
    campaign = queries.access_campaign_to_set_up(request.user, campaign_id)
    names = list(Site.objects.filter(campaign=campaign).order_by("city_id", "id").values_list("name", flat=True))
    response = HttpResponse(
        rosterfile.template_workbook(names),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="roster-template-{campaign.pk}.xlsx"'
    return response
