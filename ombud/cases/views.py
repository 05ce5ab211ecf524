"""The workspace: a handler's queue, the case page, its actions and its evidence.

Thin by design: parse with a form, call a service (`cases.services.take_action`,
`cases.attachments.add_attachment`) or a scoped query (`cases.queries`), render. Errors the
services raise become form errors (400) or messages (403, 409), never a 500. Every write is a
POST with a CSRF token, answered with a redirect (POST-redirect-GET).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from ombud.cases import attachments as evidence
from ombud.cases import queries
from ombud.cases.forms import ActionForm, QueueFilterForm, UploadForm, spec_for
from ombud.cases.imports.queries import may_import
from ombud.cases.lifecycle import DECIDED_OR_LATER, TRANSITIONS
from ombud.cases.models import Attachment, Case, CaseEvent, MessageTemplate, template_name
from ombud.cases.services import allowed_actions, parties, take_action_once
from ombud.directory.access import page, scope_for
from ombud.directory.models import Organization, User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.http import AuthedRequest
from ombud.intake.forms import new_token
from ombud.intake.models import Visit
from ombud.intake.tracking import format_tracking_no
from ombud.pagination import page_links
from ombud.personal_data import mask_phone

PAGE_SIZE = 50


# ---- the queue -----------------------------------------------------------------------------------


def _company_filter_choices(user: User) -> list[tuple[int, str]]:
    """Regulators filter by company (head offices); a company user by branch of its own company."""
    kinds = [Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY]
    if user.is_regulator:
        rows = Organization.objects.filter(kind__in=kinds, parent__isnull=True).order_by("name")
        return list(rows.values_list("id", "name"))
    scope = scope_for(user)
    if scope.company_id is None:
        return []
    rows = Organization.objects.filter(head_office_id=scope.company_id)
    if scope.company_city_codes is not None:
        rows = rows.filter(region_id__in=sorted(scope.company_city_codes))
    choices = list(rows.order_by("parent_id", "name").values_list("id", "name"))
    return choices if len(choices) > 1 else []


def _due_cell(case: Case, now: datetime) -> dict:
    state = queries.due_state(case, now)
    return {**state, "late_days": -state["days_left"] if state["days_left"] is not None else None}


@page()
@require_GET
def queue(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = QueueFilterForm(request.GET or None, companies=_company_filter_choices(user), regulator=user.is_regulator)
    page, status = None, 200
    if not form.is_bound or form.is_valid():
        try:
            page = queries.queue_page(user, form.filters(), cursor=request.GET.get("cursor") or None, limit=PAGE_SIZE)
        except InvalidInput as e:
            form.add_error(None, str(e.message))
            status = 400
    else:
        status = 400
    now = timezone.now()
    rows = [
        {"case": c, "tracking_no": format_tracking_no(c.tracking_no), "due": _due_cell(c, now)}
        for c in (page.items if page else [])
    ]
    next_query, first_query = page_links(request.GET, page)
    context = {
        "form": form,
        "rows": rows,
        "counts": queries.queue_counts(user, now=now),
        "regulator": user.is_regulator,
        # The same check the import page makes: no link that answers 403.
        "may_import": may_import(user),
        "next_query": next_query,
        "first_query": first_query,
        "soon_days": queries.SOON_DAYS,
    }
    return render(request, "cases/queue.html", context, status=status)


# ---- the case page -------------------------------------------------------------------------------


def _money(value: object) -> str:
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


def _when(value: object) -> str:
    parsed = parse_datetime(str(value)) if isinstance(value, str) else value
    if isinstance(parsed, datetime):
        return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _masked_address(value: object) -> str:
    """Notification addresses are stored masked; mask again anything that still looks clear."""
    text = str(value)
    if "*" in text:
        return text
    if "@" in text:
        local, _at, domain = text.partition("@")
        return (local[:1] + "***@" + domain) if local else text
    return mask_phone(text)


_LABELS = {
    "reason": gettext_lazy("Reason"),
    "decision": gettext_lazy("Decision"),
    "amount_paid": gettext_lazy("Amount paid"),
    "in_time": gettext_lazy("Within the deadline"),
    "due_date": gettext_lazy("Due date"),
    "due_at": gettext_lazy("Deadline"),
    "level": gettext_lazy("Extension"),
    "channel": gettext_lazy("Channel"),
    "audience": gettext_lazy("Recipient"),
    "address": gettext_lazy("Address"),
    "template": gettext_lazy("Template"),
    "subject": gettext_lazy("Subject"),
    "recipients": gettext_lazy("Recipients"),
    "mediation_body": gettext_lazy("Mediation body"),
    "handled_by": gettext_lazy("Handled by"),
    "company_id": gettext_lazy("Company"),
    "from": gettext_lazy("From"),
    "to": gettext_lazy("To"),
    "filename": gettext_lazy("File"),
    "source": gettext_lazy("Source file"),
    "row": gettext_lazy("Row"),
    "error": gettext_lazy("Error"),
    "last_error": gettext_lazy("Error"),
    "attempts": gettext_lazy("Attempts"),
    "interrupted": gettext_lazy("Interrupted hand-overs"),
    "idempotency_id": gettext_lazy("Idempotency id"),
}
# Shown elsewhere in the entry (the message text, the file link) or only internal.
_NOT_LISTED = {"body", "attachment_id", "review", "notification_id", "recipient_user_id"}


def _choice_label(choices: type, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _routing(value: object, companies: dict[int, str]) -> str:
    if not isinstance(value, dict):
        return str(value)
    company = companies.get(value.get("company_id"), "")
    handled = _choice_label(Visit.HandledBy, value.get("handled_by", ""))
    return f"{company} ({handled})" if company else handled


def _detail_value(key: str, value: object, companies: dict[int, str]) -> str:
    if key == "decision":
        return _choice_label(Case.Decision, value)
    if key == "amount_paid":
        return _money(value)
    if key == "in_time":
        return _("yes") if value else _("no — decided after the deadline")
    if key == "level":
        return _choice_label(Case.Extension, value)
    if key == "due_at":
        return _when(value)
    if key == "audience":
        return _choice_label(MessageTemplate.Audience, value)
    if key == "address":
        return _masked_address(value)
    if key == "template":
        return template_name(str(value))
    if key == "handled_by":
        return _choice_label(Visit.HandledBy, value)
    if key == "company_id":
        return companies.get(value, str(value))  # type: ignore[call-overload]
    if key in ("from", "to"):
        # A reroute's from/to are {company_id, handled_by}; a notification's `to` is an address.
        return _routing(value, companies) if isinstance(value, dict) else _masked_address(value)
    if key == "channel":
        return {
            "recorded": _("recorded"),
            "phone": _("phone call"),
            "sms": _("SMS"),
            "letter": _("letter"),
            "in_person": _("in person"),
            "email": _("email"),
        }.get(str(value), str(value))
    if isinstance(value, (dict, list)):
        return (
            ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else ", ".join(map(str, value))
        )
    return str(value)


def timeline_entries(case: Case, events: list[CaseEvent], files: dict[int, Attachment]) -> list[dict]:
    """Each event as the page shows it: what happened, who, when, and its data in words."""
    company_ids = set()
    for e in events:
        if isinstance(e.data.get("company_id"), int):
            company_ids.add(e.data["company_id"])
        for key in ("from", "to"):
            if isinstance(e.data.get(key), dict) and isinstance(e.data[key].get("company_id"), int):
                company_ids.add(e.data[key]["company_id"])
    companies = dict(Organization.objects.filter(pk__in=sorted(company_ids)).values_list("id", "name"))
    entries = []
    for e in events:
        details = []
        attachment = files.get(e.data.get("attachment_id")) if e.type == CaseEvent.Type.ATTACHED else None
        for key, value in e.data.items():
            if key in _NOT_LISTED or value in (None, "", [], {}) or (attachment and key == "filename"):
                continue
            label = _LABELS.get(key, key.replace("_", " "))
            details.append({"key": key, "label": label, "value": _detail_value(key, value, companies)})
        actor = e.actor.get_full_name() or e.actor.username if e.actor else ""
        entries.append(
            {
                "event": e,
                "label": e.get_type_display(),
                "actor": actor,
                "details": details,
                "message": str(e.data.get("body") or ""),
                "attachment": attachment,
                "tone": _tone(e.type),
            }
        )
    return entries


def _tone(event_type: str) -> str:
    T = CaseEvent.Type
    if event_type in (T.OVERDUE, T.NOTIFICATION_FAILED, T.ESCALATED, T.REFERRED_FOR_ENFORCEMENT, T.NOT_ACCEPTED):
        return "bad"
    if event_type in (T.REMINDED, T.EXTENDED, T.REVIEW_REQUESTED, T.REROUTED, "reopened", T.NOTIFICATION_RESENT):
        return "warn"
    if event_type in (T.DECIDED, T.REVIEW_DECIDED, T.INFORMED, T.CLOSED, T.RESOLVED_ON_SITE):
        return "good"
    return ""


def reply_template_options(user: User, case: Case) -> list[dict]:
    """Reply templates for the picker, their placeholders filled with this case's facts."""
    facts = {
        "{tracking_no}": format_tracking_no(case.tracking_no),
        "{received_date}": timezone.localtime(case.opened_at).strftime("%Y-%m-%d"),
        "{company}": case.company.name,
    }
    options = []
    for t in queries.reply_templates_for(user).order_by("decision", "title", "id"):
        body = t.body
        for key, value in facts.items():
            body = body.replace(key, value)
        options.append({"id": t.pk, "title": t.title, "decision": t.decision, "body": body})
    return options


def _render_case(
    request: AuthedRequest,
    case: Case,
    *,
    bound: ActionForm | None = None,
    upload_error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    actions = allowed_actions(user, case)
    forms = [bound if bound is not None and bound.action == a else ActionForm(a, case) for a in actions]
    # The usual next step first (and open, when it has fields), the rarer ones below.
    forms.sort(key=lambda f: not f.spec.primary)
    if bound is not None:
        open_form = bound.action
    else:
        open_form = next((f.action for f in forms if f.spec.primary and f.fields), None)
    files = evidence.attachments_of(user, case.pk)
    events = list(queries.timeline(case))
    templates = reply_template_options(user, case) if any(f.spec.needs_templates for f in forms) else []
    visit = case.visit
    now = timezone.now()
    context = {
        "case": case,
        "visit": visit,
        "tracking_no": format_tracking_no(case.tracking_no),
        "due": _due_cell(case, now),
        "consumer": {
            "name": visit.masked_name,
            "phone": visit.masked_phone,
            "id_number": visit.masked_id_number,
        },
        "forms": forms,
        "open_form": open_form,
        "timeline": timeline_entries(case, events, {a.pk: a for a in files}),
        "amount_paid": _money(case.amount_paid) if case.amount_paid is not None else "",
        "attachments": files,
        "may_attach": bool(parties(user, case)),
        "upload_form": UploadForm(),
        "upload_error": upload_error,
        "reply_templates": templates,
        "max_mb": evidence.MAX_BYTES // (1024 * 1024),
        "max_bytes": evidence.MAX_BYTES,
        "allowed_types": evidence.ALLOWED_LABEL,
        "accept": evidence.ACCEPT_ATTRIBUTE,
        # Cases a regulator may tell as a typical case (oversight/typical/).
        "typical_statuses": DECIDED_OR_LATER,
        # One per rendered page: a form posted twice (a double click, a resent request) acts once.
        "action_token": new_token(),
    }
    return render(request, "cases/case.html", context, status=status)


@page()
@require_GET
def case_page(request: AuthedRequest, case_id: int) -> HttpResponse:
    case = queries.access_case(request.user, case_id)
    return _render_case(request, case)


def _case_url(case_id: int, anchor: str = "") -> str:
    return reverse("cases:detail", args=[case_id]) + (f"#{anchor}" if anchor else "")


@page()
@require_POST
def case_action(request: AuthedRequest, case_id: int, action: str) -> HttpResponse:
    if action not in TRANSITIONS:
        raise NotFound(_("No such action."))
    user = request.user
    case = queries.access_case(user, case_id)
    form = ActionForm(action, case, request.POST)
    if not form.is_valid():
        return _render_case(request, case, bound=form, status=400)
    # The page's token, per action: Back and a different action on the same page is a new request.
    token = request.POST.get("token", "")[:100]
    key = f"page:{token}:{action}" if token else None
    try:
        updated = take_action_once(user, case.pk, action, form.action_fields(), idempotency_key=key).case
    except InvalidInput as e:
        form.add_service_errors(e)  # the message at the top, each field's at its input
        return _render_case(request, queries.access_case(user, case_id), bound=form, status=400)
    except Conflict as e:
        if e.code == "idempotency_key_reused":
            messages.error(
                request, _("This page had already taken this action with other values: check the case and try again.")
            )
        else:
            messages.error(request, _("No longer allowed: %(message)s") % {"message": e.message})
        return redirect(_case_url(case_id))
    except Forbidden as e:
        messages.error(request, str(e.message))
        return redirect(_case_url(case_id))
    messages.success(
        request,
        _("Done: %(action)s. The case is now %(status)s.")
        % {"action": spec_for(action).label, "status": updated.get_status_display()},
    )
    return redirect(_case_url(case_id))


# ---- evidence ------------------------------------------------------------------------------------


@csrf_exempt  # checked below, once the body is known to be of a size worth parsing
@page()
@require_POST
def upload(request: AuthedRequest, case_id: int) -> HttpResponse:
    """Refuse an over-large body from its Content-Length before Django parses (and spools to
    disk) a byte of it; then the usual CSRF check and the service."""
    case = queries.access_case(request.user, case_id)
    try:
        evidence.check_request_size(request.META.get("CONTENT_LENGTH"))
    except evidence.TooLarge as e:
        return _render_case(request, case, upload_error=str(e.message), status=413)
    return _upload(request, case)


@csrf_protect
def _upload(request: AuthedRequest, case: Case) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    form.is_valid()
    try:
        attachment = evidence.add_attachment(request.user, case.pk, request.FILES.get("file"))
    except InvalidInput as e:
        return _render_case(request, case, upload_error=str(e.message), status=400)
    except Forbidden as e:
        messages.error(request, str(e.message))
        return redirect(_case_url(case.pk, "attachments"))
    messages.success(request, _("Attached: %(name)s") % {"name": attachment.filename})
    return redirect(_case_url(case.pk, "attachments"))


def attachment_response(attachment: Attachment) -> HttpResponse:
    """The decrypted file as a download that no browser renders or sniffs in place."""
    response = HttpResponse(evidence.content_of(attachment), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment.filename)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    # Opened directly anyway, it runs nothing and reaches nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@page()
@require_GET
def download(request: AuthedRequest, case_id: int, attachment_id: int) -> HttpResponse:
    attachment = evidence.access_attachment(request.user, case_id, attachment_id)
    return attachment_response(attachment)
