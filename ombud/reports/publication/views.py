"""Pages of reports to the media: publish (with a preview), the list of published reports
(with withdraw), and the public report page with its files and the readers' reaction poll.

Thin by design: parse with a form, call the part's services and queries, render. A published report's
page and files are rendered from its frozen snapshot only. Service errors become form errors
(400) or 403/404/409 answers, never a 500. Writes are POSTs with a CSRF token, answered with a
redirect (POST-redirect-GET).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ombud.campaigns.queries import campaigns_for
from ombud.directory.access import REGULATOR_ROLES, page
from ombud.errors import Conflict, Forbidden, InvalidInput
from ombud.http import AuthedRequest
from ombud.portal import limits
from ombud.replica import replica_reads
from ombud.reports.models import PublishedReport
from ombud.reports.publication import exports, poll, queries, services
from ombud.reports.publication.formatting import for_display
from ombud.reports.publication.forms import PublishForm

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')


def _page_context(snapshot: dict) -> dict:
    return {"snap": for_display(snapshot), "charts": snapshot["charts"]}


# ---- publishing (regulator officers) ----------------------------------------------------------


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def publish_page(request: AuthedRequest) -> HttpResponse:
    user = request.user
    campaigns = [(c.pk, c.name) for c in campaigns_for(user)]
    snapshot, status = None, 200
    if request.method == "POST":
        form = PublishForm(request.POST, campaigns=campaigns)
        action = request.POST.get("action", "preview")
        if form.is_valid():
            try:
                if action == "publish":
                    report = services.publish(user, **form.service_kwargs())
                    messages.success(request, _("The report is published."))
                    return redirect(f"{reverse('publication:published')}?{urlencode({'new': report.public_id})}")
                snapshot = queries.preview(user, **form.service_kwargs())
            except InvalidInput as e:
                form.add_service_errors(e)
            except Forbidden as e:
                form.add_error(None, str(e.message))
                status = 403
        if form.errors and status == 200:
            status = 400
    else:
        initial = {}
        if (campaign := request.GET.get("campaign", "")).isdigit():
            initial["campaign"] = int(campaign)
        form = PublishForm(initial=initial, campaigns=campaigns)
    context = {"form": form, "preview": snapshot is not None}
    if snapshot is not None:
        context.update(_page_context(snapshot))
    return render(request, "reports/publication/publish.html", context, status=status)


@page(*REGULATOR_ROLES)
@require_GET
@replica_reads
def published_list(request: AuthedRequest) -> HttpResponse:
    reports = list(queries.published_reports_for(request.user).annotate(n_reactions=Count("reactions"))[:200])
    new = request.GET.get("new", "")
    return render(
        request,
        "reports/publication/published.html",
        {"reports": reports, "new": next((r for r in reports if r.public_id == new), None)},
    )


@page(*REGULATOR_ROLES)
@require_POST
def withdraw_view(request: AuthedRequest, public_id: str) -> HttpResponse:
    try:
        report = services.withdraw(request.user, public_id)
    except Conflict as e:
        messages.error(request, str(e.message))
    else:
        messages.success(request, _("“%(title)s” is withdrawn from the public site.") % {"title": report.title})
    return redirect("publication:published")


# ---- the public report ------------------------------------------------------------------------


def _public_or_404(public_id: str) -> PublishedReport:
    return queries.public_report(public_id)


def _render_public(
    request: HttpRequest, report: PublishedReport, *, status: int = 200, error: str = ""
) -> HttpResponse:
    """The public page. A browser without a valid reader id for this report gets one: a signed
    token in the `ombud_reader_id` cookie, scoped to the report's path (so each report has its own)."""
    token = request.COOKIES.get(poll.VOTER_COOKIE)
    fresh = poll.voter_id(report, token) is None
    if fresh:
        token = poll.new_voter_token(report)
    reactions = queries.reaction_counts(report)
    context = {
        "report": report,
        **_page_context(report.snapshot),
        "reactions": reactions,
        "reactions_total": sum(r["count"] for r in reactions),
        "choice": None if fresh else queries.reader_choice(report, token),
        "reaction_error": error,
    }
    response = render(request, "reports/publication/public.html", context, status=status)
    if fresh:
        response.set_cookie(
            poll.VOTER_COOKIE,
            token,
            max_age=poll.VOTER_COOKIE_AGE,
            path=reverse("publication:public", args=[report.public_id]),
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        patch_cache_control(response, private=True)  # a shared cache must not hand one id to many
    if poll.LEGACY_VOTER_COOKIE in request.COOKIES:
        response.delete_cookie(poll.LEGACY_VOTER_COOKIE, samesite="Lax")
    return response


@require_GET
@replica_reads
def public_list(request: HttpRequest) -> HttpResponse:
    """The reports the public may read, newest first (no login)."""
    return render(request, "reports/publication/public_list.html", {"reports": queries.public_reports()})


@require_GET
@replica_reads
def public_page(request: HttpRequest, public_id: str) -> HttpResponse:
    return _render_public(request, _public_or_404(public_id))


@require_POST
def react_view(request: HttpRequest, public_id: str) -> HttpResponse:
    """A vote: needs the reader id the page issued (403 without), limited per address and
    report (429 with Retry-After), one per reader id (docs/publication.md)."""
    report = _public_or_404(public_id)
    try:
        services.react(
            report,
            request.COOKIES.get(poll.VOTER_COOKIE),
            request.POST.get("reaction", ""),
            address=limits.client_address(request),
        )
    except InvalidInput:
        return _render_public(request, report, status=400, error=_("Choose one of the reactions."))
    except limits.TooManyAttempts as e:
        response = _render_public(request, report, status=429, error=str(e.message))
        response["Retry-After"] = str(e.retry_after)
        return response
    except (Forbidden, Conflict) as e:
        return _render_public(request, report, status=e.status, error=str(e.message))
    messages.success(request, _("Thank you: your reaction is counted."))
    return redirect(reverse("publication:public", args=[report.public_id]) + "#reactions")


def _filename(report: PublishedReport, extension: str) -> str:
    stem = _UNSAFE_FILENAME.sub("_", report.title).strip(" ._")[:80] or "report"
    day = timezone.localdate(report.published_at).isoformat()
    return f"{stem}-{day}.{extension}"


def _file(request: HttpRequest, public_id: str, extension: str) -> HttpResponse:
    report = _public_or_404(public_id)
    url = request.build_absolute_uri(reverse("publication:public", args=[report.public_id]))
    published_at = timezone.localdate(report.published_at).isoformat()
    if extension == "docx":
        body, content_type = exports.report_docx(report.snapshot, url=url, published_at=published_at), DOCX
    else:
        body, content_type = exports.report_xlsx(report.snapshot, url=url, published_at=published_at), XLSX
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, _filename(report, extension))
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@replica_reads
def public_docx(request: HttpRequest, public_id: str) -> HttpResponse:
    return _file(request, public_id, "docx")


@require_GET
@replica_reads
def public_xlsx(request: HttpRequest, public_id: str) -> HttpResponse:
    return _file(request, public_id, "xlsx")
