"""The filing page `/file/` (docs/portal.md, "Filing online"): one flow for a complaint, a
consultation and a suggestion, in three steps on one address:

1. the mobile number → an SMS code (verification.send_code, purpose `file`);
2. the code (verification.verify outside the transaction, consume inside one, then remember:
   the session holds the proof for half an hour);
3. the form → portal.filing.services.file_online → the receipt, shown once.

The receipt (`/file/done/`) is kept in the session for one showing: reloading it, or opening
it in another browser, shows no number (the tracking page asks for number and code).
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ombud.cases import notify_backends
from ombud.cases.attachments import check_request_size
from ombud.errors import DomainError
from ombud.intake import queries as intake_queries
from ombud.intake.models import Visit
from ombud.intake.receipts import receipt_context
from ombud.intake.tracking import format_tracking_no, tracking_url
from ombud.personal_data import mask_phone
from ombud.portal import limits, verification
from ombud.portal.filing import queries, services
from ombud.portal.filing.forms import CodeForm, FilingForm, PhoneForm
from ombud.portal.models import PhoneChallenge

PURPOSE = PhoneChallenge.Purpose.FILE
PENDING_KEY = "ombud.portal.filing.pending"  # the number a code was sent to, until it is entered
RECEIPT_KEY = "ombud.portal.filing.receipt"  # the receipt, shown once


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or ""
    return kind if kind in Visit.Kind.values else Visit.Kind.COMPLAINT


def _filing_form(request: HttpRequest, data=None, files=None, initial=None) -> FilingForm:
    return FilingForm(
        data,
        files,
        initial=initial,
        cities=queries.filing_cities(),
        product_lines=intake_queries.product_line_choices(get_language() or "zh-hans"),
    )


def _respond(request: HttpRequest, template: str, context: dict, status: int = 200, retry_after: int | None = None):
    context.setdefault("kind", _kind(request))
    context.setdefault("kinds", Visit.Kind.choices)
    context["privacy_version"] = services.PRIVACY_VERSION
    context["hotline"] = settings.OMBUD_HOTLINE
    response = render(request, template, context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@never_cache
def file_page(request: HttpRequest) -> HttpResponse:
    phone = verification.verified_phone(request.session, PURPOSE)
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    if step == "change":  # another number
        verification.forget(request.session, PURPOSE)
        request.session.pop(PENDING_KEY, None)
        return redirect(f"{reverse('portal:file')}?kind={_kind(request)}")
    if phone is None:
        if step == "code" and request.session.get(PENDING_KEY):
            return _enter_code(request, request.session[PENDING_KEY])
        if step == "phone":
            return _send_code(request)
        pending = request.session.get(PENDING_KEY) if request.GET.get("code") == "1" else None
        if pending:
            return _respond(request, "portal/filing/code.html", {"form": CodeForm(), "masked": mask_phone(pending)})
        return _respond(request, "portal/filing/phone.html", {"form": PhoneForm()})
    if step == "file":
        return _file(request, phone)
    initial = {"kind": _kind(request), "filed_as": "self"}
    return _respond(
        request,
        "portal/filing/form.html",
        {"form": _filing_form(request, initial=initial), "masked": mask_phone(phone)},
    )


def _send_code(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST)
    status, retry_after = 400, None
    if form.is_valid():
        try:
            verification.send_code(form.cleaned_data["phone"], PURPOSE, limits.client_address(request))
        except limits.TooManyAttempts as e:
            if e.code == "otp_resend_too_soon" and request.session.get(PENDING_KEY) == verification.mobile_or_error(
                form.cleaned_data["phone"]
            ):
                # The code of a moment ago is still good: go on to enter it.
                return redirect(f"{reverse('portal:file')}?kind={_kind(request)}&code=1")
            form.add_error(None, str(e.message))
            status, retry_after = 429, e.retry_after
        except DomainError as e:
            form.add_error("phone" if "phone" in e.fields else None, str(e.fields.get("phone", e.message)))
            status = e.status
        else:
            request.session[PENDING_KEY] = verification.mobile_or_error(form.cleaned_data["phone"])
            return redirect(f"{reverse('portal:file')}?kind={_kind(request)}&code=1")
    return _respond(request, "portal/filing/phone.html", {"form": form}, status=status, retry_after=retry_after)


def _enter_code(request: HttpRequest, pending: str) -> HttpResponse:
    form = CodeForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            # verify in autocommit (a wrong try counts even if what follows fails), consume in a
            # transaction of its own: this page's code proves the number for half an hour.
            challenge = verification.verify(pending, PURPOSE, form.cleaned_data["otp"])
            with transaction.atomic():
                verification.consume(challenge)
        except DomainError as e:
            form.add_error("otp", str(e.fields.get("otp", e.message)))
            status = e.status
        else:
            verification.remember(request.session, PURPOSE, pending)
            request.session.pop(PENDING_KEY, None)
            return redirect(f"{reverse('portal:file')}?kind={_kind(request)}")
    return _respond(request, "portal/filing/code.html", {"form": form, "masked": mask_phone(pending)}, status=status)


def _file(request: HttpRequest, phone: str) -> HttpResponse:
    try:
        check_request_size_total(request)
    except DomainError as e:
        form = _filing_form(request)
        form.add_error(None, str(e.message))
        return _respond(request, "portal/filing/form.html", {"form": form, "masked": mask_phone(phone)}, status=413)
    form = _filing_form(request, request.POST, request.FILES)
    status, retry_after = 400, None
    if form.is_valid():
        try:
            filed = services.file_online(
                form.to_input(request.FILES),
                phone_proof=services.PhoneProof.from_session(phone),
                address=limits.client_address(request),
            )
        except limits.TooManyAttempts as e:
            form.add_error(None, str(e.message))
            status, retry_after = 429, e.retry_after
        except DomainError as e:
            form.add_service_errors(e)
            status = e.status
        else:
            request.session[RECEIPT_KEY] = {
                "quiet": filed.quiet,
                "tracking_no": filed.tracking_no,
                "code": filed.code,
                "kind": filed.kind,
                "due_at": filed.due_at.isoformat() if filed.due_at else None,
                "at": timezone.now().isoformat(),
            }
            return redirect("portal:file_done")
    context = {"form": form, "masked": mask_phone(phone)}
    return _respond(request, "portal/filing/form.html", context, status=status, retry_after=retry_after)


def check_request_size_total(request: HttpRequest) -> None:
    """A filing carries up to 11 files: its body may be that many times one file's limit."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    check_request_size(length // (services.MAX_EVIDENCE + 1))


@never_cache
@require_GET
def done(request: HttpRequest) -> HttpResponse:
    """The receipt, once: taken out of the session as it is shown."""
    receipt = request.session.pop(RECEIPT_KEY, None)
    if receipt is None:
        return _respond(request, "portal/filing/done.html", {"receipt": None})
    if not receipt["quiet"]:
        receipt["tracking_no_formatted"] = format_tracking_no(receipt["tracking_no"])
        receipt["url"] = tracking_url(receipt["tracking_no"])
        receipt["qr_svg"] = receipt_context(receipt["tracking_no"], receipt["code"])["qr_svg"]  # the address only
        receipt["kind_label"] = Visit.Kind(receipt["kind"]).label
        if receipt["due_at"]:
            receipt["due"] = timezone.localtime(datetime.fromisoformat(receipt["due_at"]))
    return _respond(request, "portal/filing/done.html", {"receipt": receipt})


@never_cache
@require_GET
def dev_sms(request: HttpRequest) -> HttpResponse:
    """Development and demo only: the last 20 text messages of the console or file backend, so a
    newcomer can read the code. 404 with any other backend."""
    backend = settings.OMBUD_SMS_BACKEND
    if backend not in ("console", "file"):
        raise Http404
    rows = notify_backends.read_file_outbox(20) if backend == "file" else []
    messages = [{"at": r.get("at", ""), "to": mask_phone(r.get("to", "")), "text": r.get("text", "")} for r in rows]
    return render(request, "portal/filing/dev_sms.html", {"sms": messages, "backend": backend})
