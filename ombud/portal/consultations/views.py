"""Pages of public consultations (征求意见): the officers' (their bureau's consultations, the
answers with their tags and counts, the summary) and the public's (the list, one consultation
with its answer form or its summary, the optional phone check).

Thin by design: parse with a form, call the part's `services` and `queries`, render. A service's
refusal becomes a form message with the refusal's status (400, 409, 429), never a 500. Writes are
POSTs with a CSRF token, answered with a redirect.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ombud.directory.access import REGULATOR_ROLES, page, scope_for
from ombud.directory.models import Organization
from ombud.errors import Conflict, DomainError, InvalidInput
from ombud.http import AuthedRequest
from ombud.pagination import page_links
from ombud.personal_data import mask_phone
from ombud.portal import limits, verification
from ombud.portal.consultations import queries, services
from ombud.portal.consultations.forms import AnswerForm, ConsultationForm, PhoneForm, SummaryForm, TagsForm
from ombud.portal.models import Consultation, PhoneChallenge

PAGE_SIZE = 50
ANSWERS_PAGE_SIZE = 25
PUBLIC_PAGE_SIZE = 20
PURPOSE = PhoneChallenge.Purpose.CONSULTATION


# ---- officers ------------------------------------------------------------------------------------


def _bureaus(request: AuthedRequest) -> list[Organization] | None:
    """The bureaus a nationwide admin without a bureau chooses from (None: the officer's own)."""
    if scope_for(request.user).everything and request.user.organization_id is None:
        return list(Organization.objects.filter(kind=Organization.Kind.REGULATOR).order_by("name"))
    return None


@page(*REGULATOR_ROLES)
@require_GET
def manage_list(request: AuthedRequest) -> HttpResponse:
    try:
        result = queries.consultation_page(request.user, cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
    except InvalidInput:
        result = queries.consultation_page(request.user, cursor=None, limit=PAGE_SIZE)
    next_query, _first = page_links(request.GET, result)
    rows = [{"c": c, "state": queries.state(c), "state_label": queries.state_label(c)} for c in result.items]
    return render(request, "portal/consultations/manage_list.html", {"rows": rows, "next_query": next_query})


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def manage_new(request: AuthedRequest) -> HttpResponse:
    bureaus = _bureaus(request)
    status = 200
    if request.method == "POST":
        form = ConsultationForm(request.POST, bureaus=bureaus)
        if form.is_valid():
            try:
                c = services.open_consultation(request.user, form.to_input())
            except InvalidInput as e:
                form.add_service_errors(e)
                status = 400
            else:
                messages.success(request, _("The consultation is announced. It takes answers from the time it opens."))
                return redirect("portal:consultation-manage", consultation_id=c.pk)
        else:
            status = 400
    else:
        form = ConsultationForm(bureaus=bureaus)
    context = {"form": form, "consultation": None}
    return render(request, "portal/consultations/manage_form.html", context, status=status)


@page(*REGULATOR_ROLES)
@require_http_methods(["GET", "POST"])
def manage_edit(request: AuthedRequest, consultation_id: int) -> HttpResponse:
    c = queries.access_consultation(request.user, consultation_id)
    if queries.state(c) != queries.SCHEDULED:
        messages.error(request, _("This consultation has opened: it can no longer be changed."))
        return redirect("portal:consultation-manage", consultation_id=c.pk)
    status = 200
    if request.method == "POST":
        form = ConsultationForm(request.POST)
        if form.is_valid():
            try:
                services.update_consultation(request.user, c.pk, form.to_input())
            except (InvalidInput, Conflict) as e:
                form.add_service_errors(e)
                status = e.status
            else:
                messages.success(request, _("Saved."))
                return redirect("portal:consultation-manage", consultation_id=c.pk)
        else:
            status = 400
    else:
        form = ConsultationForm(initial=ConsultationForm.initial_for(c))
    return render(request, "portal/consultations/manage_form.html", {"form": form, "consultation": c}, status=status)


def _render_manage(request: AuthedRequest, c: Consultation, *, summary_form=None, status: int = 200) -> HttpResponse:
    current = queries.state(c)
    context = {
        "c": c,
        "state": current,
        "state_label": queries.state_label(c),
        "questions": queries.questions(c),
        "counts": queries.counts(c),
        "summary_form": summary_form or (SummaryForm(initial={"summary": c.summary}) if current == "closed" else None),
        "public_url": reverse("portal:consultation", args=[c.pk]),
    }
    return render(request, "portal/consultations/manage_detail.html", context, status=status)


@page(*REGULATOR_ROLES)
@require_GET
def manage_detail(request: AuthedRequest, consultation_id: int) -> HttpResponse:
    return _render_manage(request, queries.access_consultation(request.user, consultation_id))


@page(*REGULATOR_ROLES)
@require_POST
def manage_summary(request: AuthedRequest, consultation_id: int) -> HttpResponse:
    c = queries.access_consultation(request.user, consultation_id)
    form = SummaryForm(request.POST)
    publish = request.POST.get("action") == "publish"
    if not form.is_valid():
        return _render_manage(request, c, summary_form=form, status=400)
    try:
        services.save_summary(request.user, c.pk, form.cleaned_data["summary"], publish=publish)
    except (InvalidInput, Conflict) as e:
        form.add_service_errors(e)
        return _render_manage(request, c, summary_form=form, status=e.status)
    if publish:
        messages.success(request, _("The summary is published on the consultation's public page."))
    else:
        messages.success(request, _("Summary saved."))
    return redirect("portal:consultation-manage", consultation_id=c.pk)


def _filters(request: HttpRequest) -> queries.ResponseFilters:
    tag = request.GET.get("tag") or ""
    return queries.ResponseFilters(
        tag_id=int(tag) if tag.isdigit() and len(tag) < 19 else None,
        unread=request.GET.get("unread") == "1",
        city_code=(request.GET.get("city") or "")[:6] or None,
    )


@page(*REGULATOR_ROLES)
@require_GET
def manage_answers(request: AuthedRequest, consultation_id: int) -> HttpResponse:
    c = queries.access_consultation(request.user, consultation_id)
    filters = _filters(request)
    cursor = request.GET.get("cursor") or None
    try:
        result = queries.response_page(request.user, c.pk, filters=filters, cursor=cursor, limit=ANSWERS_PAGE_SIZE)
    except InvalidInput:
        result = queries.response_page(request.user, c.pk, filters=filters, cursor=None, limit=ANSWERS_PAGE_SIZE)
    next_query, first_query = page_links(request.GET, result)
    questions = {q.pk: q for q in queries.questions(c)}
    rows = []
    for r in result.items:
        by_question = {a.question_id: a for a in r.answers.all()}
        tags = [t.name for t in r.tags.all()]
        rows.append(
            {
                "r": r,
                "answers": [(q, by_question.get(qid)) for qid, q in questions.items()],
                "tags": tags,
                "tags_form": TagsForm(initial={"tags": "，".join(tags)}, prefix=f"r{r.pk}"),
            }
        )
    context = {
        "c": c,
        "rows": rows,
        "counts": queries.counts(c),
        "filters": filters,
        "next_query": next_query,
        "first_query": first_query,
        "here": request.get_full_path(),
    }
    return render(request, "portal/consultations/manage_answers.html", context)


def _back(request: HttpRequest, c: Consultation) -> HttpResponse:
    # Back to the list the officer came from: a path of this site only (never another site, and
    # never a bare word, which redirect() would take for a URL name).
    target = request.POST.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return redirect("portal:consultation-answers", consultation_id=c.pk)


@page(*REGULATOR_ROLES)
@require_POST
def manage_tags(request: AuthedRequest, consultation_id: int, response_id: int) -> HttpResponse:
    response = queries.access_response(request.user, consultation_id, response_id)
    form = TagsForm(request.POST, prefix=f"r{response.pk}")
    if form.is_valid():
        try:
            services.set_tags(
                request.user, consultation_id, response.pk, services.parse_tags(form.cleaned_data["tags"])
            )
        except InvalidInput as e:
            messages.error(request, " ".join(str(m) for m in e.fields.values()) or str(e.message))
        else:
            messages.success(request, _("Tags saved."))
    else:
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
    return _back(request, response.consultation)


@page(*REGULATOR_ROLES)
@require_POST
def manage_read(request: AuthedRequest, consultation_id: int, response_id: int) -> HttpResponse:
    response = queries.access_response(request.user, consultation_id, response_id)
    services.mark_read(request.user, consultation_id, response.pk, read=request.POST.get("read") != "0")
    return _back(request, response.consultation)


# ---- the public (no login) -----------------------------------------------------------------------


@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    try:
        result = queries.public_page(cursor=request.GET.get("cursor") or None, limit=PUBLIC_PAGE_SIZE)
    except InvalidInput:
        result = queries.public_page(cursor=None, limit=PUBLIC_PAGE_SIZE)
    rows = [{"c": c, "state": queries.state(c), "state_label": queries.state_label(c)} for c in result.items]
    next_query, _first = page_links(request.GET, result)
    context = {"rows": rows, "next_query": next_query, "hotline": settings.OMBUD_HOTLINE}
    return render(request, "portal/consultations/public_list.html", context)


def _answer_form(c: Consultation, data=None) -> AnswerForm:
    return AnswerForm(data, questions=queries.questions(c), cities=queries.bureau_cities(c.bureau_id))


def _render_public(
    request: HttpRequest,
    c: Consultation,
    *,
    form: AnswerForm | None = None,
    phone_form: PhoneForm | None = None,
    code_sent: bool = False,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    current = queries.state(c)
    proven = verification.verified_phone(request.session, PURPOSE)
    published = current == queries.CLOSED and c.summary_published_at is not None
    context = {
        "c": c,
        "state": current,
        "state_label": queries.state_label(c),
        "form": (form or _answer_form(c)) if current == queries.OPEN else None,
        "phone_form": phone_form or PhoneForm(),
        "code_sent": code_sent,
        "proven": mask_phone(proven) if proven else "",
        "published": published,
        "public_counts": queries.public_counts(c) if published else None,
        "error": error,
        "answered": request.method == "GET" and request.GET.get("answered") == "1",
    }
    return render(request, "portal/consultations/public_detail.html", context, status=status)


def _thanks(c: Consultation) -> str:
    # The public pages say "thank you" themselves (not through django.contrib.messages): the
    # page after the redirect shows it for ?answered=1.
    return reverse("portal:consultation", args=[c.pk]) + "?answered=1"


@never_cache
@require_http_methods(["GET", "POST"])
def public_detail(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """One consultation: its answer form while open. Answers are the service's (its limits and
    the one answer per verified number); a robot that fills the hidden field is thanked and
    nothing is stored."""
    c = queries.public_consultation(consultation_id)
    if request.method == "GET":
        return _render_public(request, c)
    if queries.state(c) != queries.OPEN:
        try:
            services.ensure_open(c)
        except Conflict as e:
            return _render_public(request, c, error=str(e.message), status=e.status)
    form = _answer_form(c, request.POST)
    if form.is_robot():
        return redirect(_thanks(c))
    if not form.is_valid():
        return _render_public(request, c, form=form, status=400)
    try:
        services.submit_response(
            c.pk,
            form.to_input(),
            address=limits.client_address(request),
            proven_phone=verification.verified_phone(request.session, PURPOSE),
        )
    except limits.TooManyAttempts as e:
        response = _render_public(request, c, form=form, error=str(e.message), status=429)
        response["Retry-After"] = str(e.retry_after)
        return response
    except InvalidInput as e:
        form.add_service_errors(e)
        return _render_public(request, c, form=form, status=e.status)
    except DomainError as e:  # 409: closed meanwhile, or this number has answered already
        return _render_public(request, c, form=form, error=str(e.message), status=e.status)
    return redirect(_thanks(c))


@never_cache
@require_POST
def public_verify(request: HttpRequest, consultation_id: int) -> HttpResponse:
    """The optional phone check: `action=send` sends an SMS code, `action=check` checks it and
    keeps the proof in this browser's session for half an hour (verification.remember)."""
    c = queries.public_consultation(consultation_id)
    phone_form = PhoneForm(request.POST)
    action = request.POST.get("action")
    if queries.state(c) != queries.OPEN:
        return _render_public(request, c, error=_("This consultation is not open for answers."), status=409)
    if not phone_form.is_valid():
        return _render_public(request, c, phone_form=phone_form, code_sent=action == "check", status=400)
    phone = phone_form.cleaned_data["phone"]
    try:
        if action == "check":
            challenge = verification.verify(phone, PURPOSE, phone_form.cleaned_data["code"])
            verification.consume(challenge)
            verification.remember(request.session, PURPOSE, phone)
            return redirect(reverse("portal:consultation", args=[c.pk]) + "#answer")
        verification.send_code(phone, PURPOSE, limits.client_address(request))
    except DomainError as e:
        for key, text in e.fields.items():
            phone_form.add_error("code" if key == "otp" else ("phone" if key == "phone" else None), str(text))
        if not e.fields:
            phone_form.add_error(None, str(e.message))
        response = _render_public(request, c, phone_form=phone_form, code_sent=action == "check", status=e.status)
        if isinstance(e, limits.TooManyAttempts):
            response["Retry-After"] = str(e.retry_after)
        return response
    return _render_public(request, c, phone_form=phone_form, code_sent=True)
