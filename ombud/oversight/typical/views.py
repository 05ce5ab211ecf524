"""Typical-case pages: the officers' list, the "new" form, one typical case (edit, review the
scrubbing, confirm, submit, publish, withdraw), and the public list and page.

Thin by design: parse with a form (`forms.py`), call the part's `services` and `queries`,
render. Service errors become form errors (400) or an alert on the page with the service's
status (403, 409), never a 500. Writes are POSTs with a CSRF token, answered with a redirect.
The public pages render only the scrubbed text.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ombud.cases.queries import cases_for, normalise_tracking_no
from ombud.directory.access import REGULATOR_ROLES, page, require_regulator
from ombud.directory.models import User
from ombud.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from ombud.http import AuthedRequest
from ombud.intake.tracking import format_tracking_no
from ombud.oversight.models import TypicalCase
from ombud.oversight.typical import queries, services
from ombud.oversight.typical.forms import NewTypicalForm, TypicalForm
from ombud.pagination import page_links

PAGE_SIZE = 50
PUBLIC_PAGE_SIZE = 20


STATUS_FILTERS = [("", gettext_lazy("all")), *TypicalCase.Status.choices]


@page(*REGULATOR_ROLES)
@require_GET
def typical_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    status = request.GET.get("status") or None
    if status not in (None, *TypicalCase.Status.values):
        status = None
    try:
        page = queries.typical_case_page(user, status=status, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except InvalidInput:
        page = queries.typical_case_page(user, status=status, cursor=None, limit=PAGE_SIZE)
    next_query, _first = page_links(request.GET, page)
    rows = [{"tc": tc, "tracking_no": format_tracking_no(tc.case.tracking_no)} for tc in page.items]
    context = {"rows": rows, "status": status or "", "filters": STATUS_FILTERS, "next_query": next_query}
    return render(request, "oversight/typical/list.html", context)


def _case_from_query(user: User, raw: str | None):
    """?case=<id> from a case page: the case, if the user sees it."""
    if not raw or not raw.isdigit():
        return None
    return cases_for(user).select_related("visit", "company").filter(pk=int(raw)).first()


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def typical_new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    status = 200
    if request.method == "POST":
        form = NewTypicalForm(request.POST)
        if form.is_valid():
            tracking_no = normalise_tracking_no(form.cleaned_data["case"])
            case = cases_for(user).filter(tracking_no=tracking_no).first()
            if case is None:
                form.add_error("case", _("No case with this tracking number in your jurisdiction."))
                status = 404
            else:
                try:
                    tc = services.create_typical_case(user, case.pk, form.to_input())
                except (InvalidInput, Conflict) as e:
                    form.add_service_errors(e)
                    status = e.status
                except NotFound:
                    form.add_error("case", _("No case with this tracking number in your jurisdiction."))
                    status = 404
                else:
                    messages.success(request, _("Draft saved and scrubbed. Read the highlighted text and confirm it."))
                    return redirect("oversight:typical-detail", typical_id=tc.pk)
        else:
            status = 400
    else:
        initial = {}
        case = _case_from_query(user, request.GET.get("case"))
        if case is not None:
            # Start from what the case says; the officer rewrites it for the public.
            initial["case"] = format_tracking_no(case.tracking_no)
            initial["narrative"] = "\n\n".join(t for t in (case.visit.summary, case.reply) if t)
        form = NewTypicalForm(initial=initial)
    candidates = [{"case": c, "tracking_no": format_tracking_no(c.tracking_no)} for c in queries.qualifying_cases(user)]
    return render(request, "oversight/typical/new.html", {"form": form, "candidates": candidates}, status=status)


def _labelled(segments) -> list[dict]:
    return [
        {"text": s.text, "kind": s.kind, "replacement": s.replacement, "label": queries.KIND_LABELS.get(s.kind, s.kind)}
        for s in segments
    ]


def _render_detail(
    request: AuthedRequest,
    tc: TypicalCase,
    *,
    form: TypicalForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    editable = queries.may_edit(user, tc)
    if form is None and editable:
        form = TypicalForm(
            initial={
                "title": tc.title,
                "narrative": tc.narrative,
                "lesson": tc.lesson,
                "also_remove": "\n".join(queries.manual_terms(tc)),
            }
        )
    r = queries.review(tc)
    context = {
        "tc": tc,
        "tracking_no": format_tracking_no(tc.case.tracking_no),
        "form": form if editable else None,
        "original": _labelled(r.original),
        "published": _labelled(r.published),
        "counts": [(queries.KIND_LABELS.get(kind, kind), kind, n) for kind, n in r.counts],
        "actions": [(a, queries.ACTION_LABELS[a]) for a in queries.allowed_actions(user, tc)],
        "is_author": tc.author_id == user.pk,
        "error": error,
    }
    return render(request, "oversight/typical/detail.html", context, status=status)


def _load(user: User, typical_id: int) -> TypicalCase:
    require_regulator(user)
    return queries.access_typical_case(user, typical_id)


@page()
@require_http_methods(["GET", "POST"])
def typical_detail(request: AuthedRequest, typical_id: int) -> HttpResponse:
    user = request.user
    tc = _load(user, typical_id)
    if request.method == "GET":
        return _render_detail(request, tc)
    form = TypicalForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, tc, form=form, status=400)
    try:
        saved = services.update_typical_case(user, tc.pk, form.to_input())
    except InvalidInput as e:
        form.add_service_errors(e)
        return _render_detail(request, tc, form=form, status=400)
    except (Forbidden, Conflict) as e:
        return _render_detail(request, _load(user, typical_id), error=str(e.message), status=e.status)
    if saved.title != form.cleaned_data["title"] or saved.lesson != form.cleaned_data["lesson"]:
        messages.warning(request, _("Personal data was removed from the title or the lesson too."))
    messages.success(request, _("Saved and scrubbed again. Read the highlighted text and confirm it."))
    return redirect("oversight:typical-detail", typical_id=tc.pk)


_ACTIONS: dict[str, Callable[[User, int], TypicalCase]] = {
    "confirm": services.confirm_spans,
    "submit": services.submit_typical_case,
    "return": services.return_to_draft,
    "publish": services.publish_typical_case,
    "withdraw": services.withdraw_typical_case,
}

_DONE = {
    "confirm": gettext_lazy("Scrubbing confirmed."),
    "submit": gettext_lazy("Submitted: another officer must now approve and publish it."),
    "return": gettext_lazy("Returned to draft."),
    "publish": gettext_lazy("Published: the typical case is now on the public page."),
    "withdraw": gettext_lazy("Withdrawn: it is no longer public."),
}


@page()
@require_POST
def typical_action(request: AuthedRequest, typical_id: int, action: str) -> HttpResponse:
    service = _ACTIONS.get(action)
    if service is None:
        raise NotFound(_("No such action."))
    user = request.user
    tc = _load(user, typical_id)
    try:
        service(user, tc.pk)
    except NotFound:
        raise  # the 404 page, not the detail page with an error
    except DomainError as e:
        # 403 (the author may not approve), 409 (wrong state), 400 (personal data left): the
        # page again, with the reason, and the status of the refusal.
        return _render_detail(request, _load(user, typical_id), error=str(e.message), status=e.status)
    messages.success(request, str(_DONE[action]))
    return redirect("oversight:typical-detail", typical_id=tc.pk)


# ---- public pages (no login) ---------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    try:
        page = queries.public_page(campaign_id=None, cursor=request.GET.get("cursor") or None, limit=PUBLIC_PAGE_SIZE)
    except InvalidInput:
        page = queries.public_page(campaign_id=None, cursor=None, limit=PUBLIC_PAGE_SIZE)
    next_query = f"cursor={page.next_cursor}" if page.next_cursor else None
    return render(request, "oversight/typical/public_list.html", {"items": page.items, "next_query": next_query})


@require_GET
def public_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    tc = queries.public_typical_case(public_id)
    return render(request, "oversight/typical/public_detail.html", {"tc": tc})
