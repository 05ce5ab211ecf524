"""The consumer's case page: `/track/` (number + code), `/track/<number>/` (the case, once this
browser proved it), its actions, and `/track/mine/` (every visit of a phone proven by an SMS
code). No login; the limits are `services.look_up`'s (docs/tracking.md)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ombud.cases.attachments import check_request_size
from ombud.errors import Conflict, DomainError, InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.intake.tracking import format_tracking_no
from ombud.portal import limits
from ombud.portal.casepage import queries, services
from ombud.portal.casepage.forms import ACTION_FORMS, ActionForm, CodeForm, PhoneForm, TrackForm


def _with_retry(response: HttpResponse, retry_after: int | None) -> HttpResponse:
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _case_page(
    request: HttpRequest, visit: Visit, *, bound: ActionForm | None = None, status: int = 200, done: str = ""
) -> HttpResponse:
    view = queries.consumer_view(visit)
    open_now = [a["action"] for a in view["actions"]]
    forms = {a: (bound if bound is not None and bound.action == a else ACTION_FORMS[a](prefix=a)) for a in open_now}
    context = {
        "view": view,
        "tracking_no": format_tracking_no(visit.tracking_no),
        "number": visit.tracking_no,
        "action_forms": [(a, forms[a]) for a in open_now],
        "labels": {a["action"]: a["label"] for a in view["actions"]},
        "done": done,
    }
    return render(request, "portal/casepage/case.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Number + code. `?no=` (the receipt's and the SMS's link) fills in the number. A right
    pair shows the case page at once and keeps the proof in the session."""
    initial = (
        {"tracking_no": format_tracking_no(n)}
        if (n := queries.normalise_tracking_no(request.GET.get("no", "")))
        else {}
    )
    form = TrackForm(request.POST or None, initial=initial)
    status, retry_after = 200, None
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        else:
            try:
                visit = services.look_up(
                    form.cleaned_data["tracking_no"], form.cleaned_data["code"], limits.client_address(request)
                )
            except limits.TooManyAttempts as e:
                form.add_error(None, str(e.message))
                status, retry_after = 429, e.retry_after
            except NotFound as e:
                form.add_error(None, str(e.message))
                status = 404
            else:
                services.prove(request.session, visit)
                return _case_page(request, visit)
    response = render(request, "portal/casepage/track.html", {"form": form}, status=status)
    return _with_retry(response, retry_after)


def _not_proven(request: HttpRequest, number: str) -> HttpResponse:
    """The number's form again, for a browser that has not proven the case (403 whether or not
    the number exists)."""
    n = queries.normalise_tracking_no(number)
    form = TrackForm(initial={"tracking_no": format_tracking_no(n)} if n else {})
    context = {"form": form, "ask_code": True}
    return render(request, "portal/casepage/track.html", context, status=403)


@never_cache
@require_http_methods(["GET"])
def case(request: HttpRequest, tracking_no: str) -> HttpResponse:
    visit = services.proven_visit(request.session, tracking_no)
    if visit is None:
        return _not_proven(request, tracking_no)
    return _case_page(request, visit, done=request.GET.get("done", "")[:20])


@never_cache
@require_POST
def case_action(request: HttpRequest, tracking_no: str, action: str) -> HttpResponse:
    visit = services.proven_visit(request.session, tracking_no)
    if visit is None:
        return _not_proven(request, tracking_no)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise NotFound(_("No such action."))
    check_request_size(request.META.get("CONTENT_LENGTH"))
    form = form_class(request.POST, request.FILES, prefix=action)
    if not form.is_valid():
        return _case_page(request, visit, bound=form, status=400)
    try:
        services.act(visit, action, form.service_input(), upload=request.FILES.get(f"{action}-file"))
    except Conflict as e:  # not open now: the reason, at the top of the form
        form.add_error(None, gettext(str(e.message)))
        return _case_page(request, visit, bound=form, status=409)
    except InvalidInput as e:
        form.add_service_errors(e)
        return _case_page(request, visit, bound=form, status=400)
    return redirect(reverse("portal:case", args=[visit.tracking_no]) + f"?done={action}#done")


@never_cache
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """ "My cases": a code by SMS to the phone, then every visit with that phone. Sending a code
    says the same whether or not the phone has visits."""
    visits = services.my_visits(request.session)
    if visits is not None and request.method == "GET":
        rows = [queries.consumer_view(v) for v in visits]
        for row in rows:
            row["tracking_no_shown"] = format_tracking_no(row["tracking_no"])
        return render(request, "portal/casepage/mine.html", {"rows": rows})
    phone_form, code_form, status, retry_after = PhoneForm(), None, 200, None
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "send":
        phone_form = PhoneForm(request.POST)
        if not phone_form.is_valid():
            status = 400
        else:
            phone = phone_form.cleaned_data["phone"]
            try:
                services.send_my_cases_code(phone, limits.client_address(request))
            except limits.TooManyAttempts as e:
                phone_form.add_error(None, str(e.message))
                status, retry_after = 429, e.retry_after
            except DomainError as e:
                phone_form.add_service_errors(e)
                status = e.status
            else:
                code_form = CodeForm(initial={"phone": phone})
    elif step == "verify":
        code_form = CodeForm(request.POST)
        if not code_form.is_valid():
            status = 400
        else:
            try:
                services.verify_my_cases(
                    request.session, code_form.cleaned_data["phone"], code_form.cleaned_data["otp"]
                )
            except DomainError as e:
                code_form.add_service_errors(e)
                status = e.status
            else:
                return redirect("portal:mine")
    elif request.method == "POST":
        status = 400  # neither step: the phone step again, with its field errors
        phone_form = PhoneForm(request.POST)
        if phone_form.is_valid():
            phone_form.add_error(None, _("Give your mobile number."))
    context = {"phone_form": phone_form, "code_form": code_form}
    return _with_retry(render(request, "portal/casepage/mine.html", context, status=status), retry_after)
