"""Writes to cases. Each public function runs inside its caller's transaction or its own."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.cases import attachments, deadlines, events, lifecycle, notify, rollups, routing
from ombud.cases.models import Case, CaseEvent, DeadlineRule, Nature, Rating, TransitionKey
from ombud.cases.queries import access_case
from ombud.directory.access import bureau_holding, is_company_user, is_regulator, scope_for
from ombud.directory.models import Organization, Region, User
from ombud.errors import Conflict, Forbidden, InvalidInput, NotFound
from ombud.intake.models import Visit
from ombud.intake.services import CaseOpening, VisitInput, record_visit
from ombud.timebounds import occurred_error


def open_case_for_visit(visit: Visit, actor: User | None, *, nature: str = "", bureau_id: int | None = None) -> Case:
    """Open the case a complaint visit brings, in the state its outcome leaves it.

    Resolved on site: decided and the consumer informed during the visit, so the case is born
    closed. Time-limited: accepted on the spot with the promised date as its due date (24:00
    that day), handled by the company or, when referred for investigation, the regulator. No
    outcome (phone, letter, online, backlog): received, routed by the rules for its nature,
    and due within the legal time limit counted from receipt. A visit without a city gives
    its case to `bureau_id` to supervise (see `register_complaint`).
    """
    assert transaction.get_connection().in_atomic_block, "call inside the visit's transaction"
    assert visit.kind == Visit.Kind.COMPLAINT and visit.company_id and visit.company_root_id
    on_site = visit.outcome == Visit.Outcome.RESOLVED_ON_SITE
    nature = nature or (Nature.SUSPECTED_VIOLATION if visit.is_referred else Nature.CONTRACT_DISPUTE)
    case = Case(
        visit=visit,
        tracking_no=visit.tracking_no,
        nature=nature,
        site_id=visit.site_id,
        city_id=visit.city_id,
        bureau_id=None if visit.city_id else bureau_id,
        company_id=visit.company_id,
        company_root_id=visit.company_root_id,
        resolved_on_site=on_site,
        time_limited=visit.outcome == Visit.Outcome.TIME_LIMITED,
        has_phone=bool(visit.visitor_phone),
        opened_at=visit.received_at,
    )
    if on_site:
        case.status, case.handled_by, case.closed_at = Case.Status.CLOSED, Visit.HandledBy.COMPANY, visit.received_at
    elif visit.outcome == Visit.Outcome.TIME_LIMITED:
        if visit.due_date is None:  # record_visit refuses a time-limited complaint without it first
            raise InvalidInput(
                _("A time-limited complaint needs the promised date."),
                fields={"due_date": _("A time-limited complaint needs the promised date.")},
            )
        promised = visit.due_date
        case.status, case.handled_by = Case.Status.IN_PROGRESS, visit.handled_by or Visit.HandledBy.COMPANY
        case.due_date, case.due_at = promised, deadlines.Due(promised, provisional=False).at
    else:
        company = visit.company
        if company is None:  # record_visit refuses a complaint without its company first
            raise InvalidInput(
                _("A complaint must name the company complained about."), fields={"company_id": _("Unknown company.")}
            )
        case.status = Case.Status.RECEIVED
        case.handled_by, handler = routing.route(company, visit.city_id, nature)
        case.company = handler
        due = _set_due(case, "complaint.decision", visit.received_at)
    case.save()
    rollups.move(None, rollups.place_of(case, answers=rollups.NO_ANSWERS))  # new: no rating, no call-back
    if on_site:
        events.case_resolved_on_site_event(case, actor, visit.received_at)
    elif case.status == Case.Status.RECEIVED:
        event = events.case_transition_event(
            case,
            CaseEvent.Type.RECEIVED,
            actor,
            visit.received_at,
            handled_by=case.handled_by,
            company_id=case.company_id,
            due_date=due.date.isoformat(),
        )
        notify.case_milestone(case, event)  # SMS to the consumer, sent after commit
    elif visit.handled_by == Visit.HandledBy.REGULATOR:
        events.case_referred_event(case, actor, visit.received_at, due_date=promised)
    else:
        events.case_promised_event(case, actor, visit.received_at, due_date=promised)
    return case


def _open_case(visit: Visit, actor: User | None, nature: str, bureau_id: int | None) -> int:
    return open_case_for_visit(visit, actor, nature=nature, bureau_id=bureau_id).pk


# What intake's record_visit needs to open a complaint's case (registered in CasesConfig.ready).
CASE_OPENING = CaseOpening(natures=tuple(Nature.values), open=_open_case)


# ---- the lifecycle ------------------------------------------------------------------------------


def parties(actor: User, case: Case) -> set[str]:
    """Which lifecycle parties `actor` is for `case` (see cases/lifecycle.py)."""
    found: set[str] = set()
    scope = scope_for(actor)
    regulator_here = is_regulator(actor) and scope.covers_case(case.city_id, case.bureau_id)
    if regulator_here:
        found.add(lifecycle.REGULATOR)
    if case.handled_by == Visit.HandledBy.REGULATOR:
        if regulator_here:
            found.add(lifecycle.HANDLER)
    elif is_company_user(actor) and scope.company_id == case.company_root_id:
        found.add(lifecycle.HANDLER)
    return found


def allowed_actions(actor: User, case: Case) -> list[str]:
    """The actions `actor` may take on `case` now: allowed from its status, and the actor is
    one of the parties the lifecycle lets take them. The one answer for the case page, its
    templates and `GET /api/v1/cases/{id}`; `take_action` checks the same."""
    mine = parties(actor, case)
    return [
        a
        for a in lifecycle.allowed_from(case.status)
        if lifecycle.TRANSITIONS[a].parties & mine and not _in_place(case, a)
    ]


def _in_place(case: Case, action: str) -> bool:
    """Whether a status-keeping action's effect is already in place, so that taking it would
    change nothing (409 `no_change`): the regulator handles the case already (escalate), or it
    is referred for enforcement and not reopened since (refer). Reroute depends on its target."""
    if action == "escalate":
        return case.handled_by == Visit.HandledBy.REGULATOR
    if action == "refer":
        last = (
            case.events.filter(type__in=[CaseEvent.Type.REFERRED_FOR_ENFORCEMENT, CaseEvent.Type.REOPENED])
            .order_by("-created_at", "-id")
            .first()
        )
        return last is not None and last.type == CaseEvent.Type.REFERRED_FOR_ENFORCEMENT
    return False


def _require(fields: dict[str, Any], *names: str) -> dict[str, str]:
    return {n: _("This field is required for this action.") for n in names if not str(fields.get(n) or "").strip()}


def _set_due(case: Case, rule: str, start: datetime) -> deadlines.Due:
    due = deadlines.due_for(rule, start)
    case.due_date, case.due_at, case.due_provisional = due.date, due.at, due.provisional
    return due


def _clear_due(case: Case) -> None:
    case.due_date, case.due_at, case.due_provisional = None, None, False


def _accept(case: Case, fields: dict, now: datetime) -> dict:
    if case.due_at is None:
        _set_due(case, "complaint.decision", case.opened_at)
    return {}


def _reject(case: Case, fields: dict, now: datetime) -> dict:
    errors = _require(fields, "reason")
    if errors:
        raise InvalidInput(_("Give the legal reason for not accepting the complaint."), fields=errors)
    _clear_due(case)
    return {"reason": fields["reason"].strip()}


_EXTENSION_RULES: dict[str, str] = {
    Case.Extension.COMPLEX: "complaint.decision_complex",
    Case.Extension.ESPECIALLY_COMPLEX: "complaint.decision_especially_complex",
}


def _extend(case: Case, fields: dict, now: datetime) -> dict:
    """Complex: to 30 days; especially complex: to 60 in all (CBIRC Order 2020 No. 3). The
    consumer must be told why: the reason is required and goes on the timeline."""
    errors = _require(fields, "level", "reason")
    order = list(_EXTENSION_RULES)
    level = str(fields.get("level") or "")
    if level and level not in order:
        errors["level"] = _("Use complex or especially_complex.")
    elif level and case.extension and order.index(level) <= order.index(case.extension):
        errors["level"] = _("The case is already extended that far.")
    if errors:
        raise InvalidInput(_("The time limit was not extended."), fields=errors)
    case.extension = level
    due = _set_due(case, _EXTENSION_RULES[level], case.opened_at)
    return {"level": level, "reason": fields["reason"].strip(), "due_date": due.date.isoformat()}


# A reply template's blank for the handler to fill (［金额］, ［日期］: cases.models.ReplyTemplate).
TEMPLATE_BLANK = re.compile(r"［[^］]*］")


def _decide(case: Case, fields: dict, now: datetime) -> dict:
    errors = _require(fields, "decision", "reply")
    blank = TEMPLATE_BLANK.search(str(fields.get("reply") or ""))
    if blank:
        # The consumer would receive "［金额］元": the page asks too, but the rule is here.
        errors["reply"] = _("The reply still has the template's blank %(blank)s: fill it in first.") % {
            "blank": blank.group(0)
        }
    if fields.get("decision") and fields["decision"] not in Case.Decision.values:
        errors["decision"] = _("Use upheld, partly_upheld or not_upheld.")
    amount = None
    if fields.get("amount_paid") not in (None, ""):
        try:
            amount = Decimal(str(fields["amount_paid"])).quantize(Decimal("0.01"))
            if amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors["amount_paid"] = _("Give an amount in yuan, e.g. 1200.50.")
    if errors:
        raise InvalidInput(_("The decision was not recorded."), fields=errors)
    case.decision, case.reply, case.amount_paid, case.decided_at = (
        fields["decision"],
        fields["reply"].strip(),
        amount,
        now,
    )
    case.decided_in_time = case.due_at is None or now <= case.due_at
    return {
        "decision": case.decision,
        "amount_paid": str(amount) if amount is not None else None,
        "in_time": case.decided_in_time,
    }


def _notify(case: Case, fields: dict, now: datetime) -> dict:
    case.informed_at = now
    _clear_due(case)
    return {"channel": fields.get("channel") or "recorded"}


def _close(case: Case, fields: dict, now: datetime) -> dict:
    case.closed_at = now
    _clear_due(case)
    return {}


def _request_review(case: Case, fields: dict, now: datetime) -> dict:
    window = deadlines.due_for("complaint.review_apply", case.informed_at or now)
    if now > window.at:
        raise Conflict(
            _("The 30-day window for a review closed on %(date)s.") % {"date": window.date.isoformat()},
            code="review_window_closed",
        )
    _set_due(case, "complaint.review_decide", now)
    case.had_review = True  # saved with the REVIEW_REQUESTED event (staff's or consumer's)
    return {"reason": (fields.get("reason") or "").strip()}


def _decide_review(case: Case, fields: dict, now: datetime) -> dict:
    data = _decide(case, fields, now)
    return {**data, "review": True}


def _mediate(case: Case, fields: dict, now: datetime) -> dict:
    body = None
    if fields.get("mediation_body_id"):
        body = Organization.objects.filter(pk=fields["mediation_body_id"], kind=Organization.Kind.MEDIATION).first()
    if body is None:
        raise InvalidInput(_("Choose the mediation body."), fields={"mediation_body_id": _("unknown mediation body")})
    case.mediation_body = body
    case.had_mediation = True  # saved with the MEDIATION_STARTED event
    _clear_due(case)  # no confirmed time limit for insurance dispute mediation (RULES.md)
    return {"mediation_body": body.name}


def _no_change(message: str) -> Conflict:
    """An action whose effect is already in place: refused (409), so that a retried or doubled
    request (20 clicks, a client's retries) leaves one event, not twenty."""
    return Conflict(message, code="no_change")


def _escalate(case: Case, fields: dict, now: datetime) -> dict:
    if _in_place(case, "escalate"):
        raise _no_change(_("The regulator already handles this case: escalating it would change nothing."))
    errors = _require(fields, "reason")
    if errors:
        raise InvalidInput(_("Say why the case is escalated."), fields=errors)
    case.escalated_at = now
    case.handled_by = Visit.HandledBy.REGULATOR
    return {"reason": fields["reason"].strip()}


def _refer(case: Case, fields: dict, now: datetime) -> dict:
    # Referred once per handling: a case reopened since its referral may be referred again.
    if _in_place(case, "refer"):
        raise _no_change(_("This case is already referred for enforcement: referring it again would change nothing."))
    errors = _require(fields, "reason")
    if errors:
        raise InvalidInput(_("Describe the suspected violation."), fields=errors)
    return {"reason": fields["reason"].strip()}


def _reroute(case: Case, fields: dict, now: datetime) -> dict:
    errors = _require(fields, "reason")
    handled_by = fields.get("handled_by") or case.handled_by
    if handled_by not in Visit.HandledBy.values:
        errors["handled_by"] = _("Use company or regulator.")
    company = case.company
    if fields.get("company_id"):
        named = Organization.objects.filter(
            pk=fields["company_id"], kind__in=[Organization.Kind.INSURER, Organization.Kind.INTERMEDIARY]
        ).first()
        if named is None:
            errors["company_id"] = _("Unknown company.")
        else:
            company = named
    if errors:
        raise InvalidInput(_("The case was not rerouted."), fields=errors)
    if company.pk == case.company_id and handled_by == case.handled_by:
        raise _no_change(_("The case is already routed there: rerouting it would change nothing."))
    before = {"company_id": case.company_id, "handled_by": case.handled_by}
    head_office_id = company.head_office_id or company.pk  # a head office is its own head office
    case.company, case.company_root_id, case.handled_by = company, head_office_id, handled_by
    return {
        "reason": fields["reason"].strip(),
        "from": before,
        "to": {"company_id": company.pk, "handled_by": handled_by},
    }


def _withdraw(case: Case, fields: dict, now: datetime) -> dict:
    """The consumer withdrew the complaint: the procedure ends on the day it is received."""
    case.closed_at = now
    _clear_due(case)
    return {"reason": (fields.get("reason") or "").strip()}


def _reopen(case: Case, fields: dict, now: datetime) -> dict:
    """Back to the handler with a fresh decision deadline counted from today."""
    errors = _require(fields, "reason")
    if errors:
        raise InvalidInput(_("Say why the case is reopened."), fields=errors)
    case.closed_at = None
    case.decided_in_time = None
    due = _set_due(case, "complaint.decision", now)
    return {"reason": fields["reason"].strip(), "due_date": due.date.isoformat()}


_APPLY: dict[str, tuple[Callable[[Case, dict, datetime], dict], str]] = {
    "accept": (_accept, CaseEvent.Type.ACCEPTED),
    "reject": (_reject, CaseEvent.Type.NOT_ACCEPTED),
    "extend": (_extend, CaseEvent.Type.EXTENDED),
    "decide": (_decide, CaseEvent.Type.DECIDED),
    "notify": (_notify, CaseEvent.Type.INFORMED),
    "close": (_close, CaseEvent.Type.CLOSED),
    "request_review": (_request_review, CaseEvent.Type.REVIEW_REQUESTED),
    "decide_review": (_decide_review, CaseEvent.Type.REVIEW_DECIDED),
    "mediate": (_mediate, CaseEvent.Type.MEDIATION_STARTED),
    "withdraw": (_withdraw, CaseEvent.Type.WITHDRAWN),
    "escalate": (_escalate, CaseEvent.Type.ESCALATED),
    "refer": (_refer, CaseEvent.Type.REFERRED_FOR_ENFORCEMENT),
    "reroute": (_reroute, CaseEvent.Type.REROUTED),
    "reopen": (_reopen, CaseEvent.Type.REOPENED),
}


@transaction.atomic
def take_action(
    actor: User, case_id: int, action: str, fields: dict | None = None, *, now: datetime | None = None
) -> Case:
    """Move a case through its lifecycle (cases/lifecycle.py).

    Checks, in order: the case is visible (404), the actor is a party allowed to take the
    action (403), the action is allowed from the current status (409), the fields it needs
    (400), and that it would change something (409 `no_change`: escalating a case the
    regulator handles, referring a referred one, rerouting to where it is). The case row is
    locked for the transaction before any check (PostgreSQL: SELECT … FOR UPDATE; SQLite's
    IMMEDIATE transactions serialise writers), so of 20 identical requests at once one acts
    and 19 find its effect in place; one timeline event is written.
    """
    return _take_action(actor, case_id, action, fields, now=now)[0]


@dataclass(frozen=True)
class TakenAction:
    case: Case
    replayed: bool  # True when an idempotent retry returned the first result


def take_action_once(
    actor: User,
    case_id: int,
    action: str,
    fields: dict | None = None,
    *,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> TakenAction:
    """`take_action` for requests that may be retried (the API, the case page): with an
    `Idempotency-Key`, the same key and body again return the case without acting a second
    time (`replayed`); the same key with another body is a 409 `idempotency_key_reused`.
    Keys are per user — the contract of `POST /visits` (intake/services.py `record_visit`)."""
    fields = fields or {}
    if idempotency_key is not None and len(idempotency_key) > 128:
        raise InvalidInput(
            _("Idempotency-Key has 1 to 128 characters."), fields={"Idempotency-Key": _("1 to 128 characters")}
        )
    if not idempotency_key:
        return TakenAction(take_action(actor, case_id, action, fields, now=now), replayed=False)
    payload = {"case": case_id, "action": action, "fields": fields}
    fingerprint = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
    with transaction.atomic():
        # Lock first: a retry of the same request racing the first waits for it, then replays.
        access_case(actor, case_id, for_update=True)
        replay = _replay_transition(actor, idempotency_key, fingerprint)
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                case, event = _take_action(actor, case_id, action, fields, now=now)
                TransitionKey.objects.create(
                    user=actor, key=idempotency_key, fingerprint=fingerprint, case=case, event=event
                )
        except IntegrityError:
            # The same key, committed meanwhile by a request about another case.
            replay = _replay_transition(actor, idempotency_key, fingerprint)
            if replay is None:
                raise
            return replay
    return TakenAction(case, replayed=False)


def _replay_transition(actor: User, key: str, fingerprint: str) -> TakenAction | None:
    row = TransitionKey.objects.filter(user=actor, key=key).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Conflict(
            _("This Idempotency-Key was already used for a different request."),
            fields={"Idempotency-Key": _("reused with a different request")},
            code="idempotency_key_reused",
        )
    return TakenAction(access_case(actor, row.case_id), replayed=True)


def _take_action(
    actor: User, case_id: int, action: str, fields: dict | None, *, now: datetime | None
) -> tuple[Case, CaseEvent]:
    fields = fields or {}
    now = now or timezone.now()
    transition = lifecycle.TRANSITIONS.get(action)
    if transition is None:
        raise InvalidInput(_("Unknown action."), fields={"action": ", ".join(lifecycle.TRANSITIONS)})
    case = access_case(actor, case_id, for_update=True)
    if not transition.parties & parties(actor, case):
        raise Forbidden(_("You may not take this action on this case."), fields={"action": action})
    if case.status not in transition.sources:
        raise Conflict(
            _("A case that is %(status)s cannot take the action %(action)s.")
            % {"status": case.get_status_display(), "action": action},
            fields={"action": _("allowed now: %s") % ", ".join(lifecycle.allowed_from(case.status))},
            code="transition_not_allowed",
        )
    apply, event_type = _APPLY[action]
    before = rollups.place_of(case)
    data = apply(case, fields, now)
    if transition.target:
        case.status = transition.target
    case.save()
    rollups.move(before, rollups.place_of(case))
    event = events.case_transition_event(case, event_type, actor, now, **data)
    notify.case_milestone(case, event)  # SMS to the consumer, sent after commit
    return case, event


# ---- the consumer's own actions (the public case page, portal/casepage/) ------------------------

SUPPLEMENT_RESTART_RULE = "complaint.supplement_restart"
TEXT_MAX = 5000
REASON_MAX = 2000
# Statuses in which a supplement restarts the decision period (in review, the review's own
# period runs on: the new facts are for the reviewer).
_DECISION_PENDING = frozenset({Case.Status.RECEIVED, Case.Status.IN_PROGRESS})


def _text(fields: dict[str, Any], name: str, *, required: bool, limit: int, errors: dict[str, str]) -> str:
    value = fields.get(name)
    if value is None or value == "":
        if required:
            errors[name] = _("This field is required for this action.")
        return ""
    if not isinstance(value, str):
        errors[name] = _("Give text.")
        return ""
    value = value.strip()
    if required and not value:
        errors[name] = _("This field is required for this action.")
    elif len(value) > limit:
        errors[name] = _("At most %(n)d characters.") % {"n": limit}
    return value


def rating_open(case: Case) -> bool:
    """Whether the consumer may rate now: the latest decision is notified and not yet rated."""
    if case.decided_at is None or case.informed_at is None or case.informed_at < case.decided_at:
        return False
    rating = Rating.objects.filter(case=case).values_list("decided_at", flat=True).first()
    return rating is None or rating != case.decided_at


def _review_window_open(case: Case, now: datetime) -> bool:
    return now <= deadlines.due_for("complaint.review_apply", case.informed_at or now).at


def consumer_actions(case: Case, *, now: datetime | None = None) -> list[str]:
    """The actions the consumer may take on `case` now, in the order the case page offers
    them: allowed from its status and, for a review, inside its 30-day window; for a rating,
    once the latest decision is notified and not rated yet. `take_consumer_action` checks the
    same."""
    now = now or timezone.now()
    out = []
    for action in lifecycle.CONSUMER_ACTIONS:
        transition = lifecycle.consumer_transition(action)
        if transition is None or case.status not in transition.sources:
            continue
        if action == "request_review" and not _review_window_open(case, now):
            continue
        if action == "rate" and not rating_open(case):
            continue
        out.append(action)
    return out


def _not_open(case: Case, action: str) -> Conflict:
    return Conflict(
        _("This cannot be done on your case now."),
        fields={"action": _("open now: %s") % (", ".join(consumer_actions(case)) or "—")},
        code="action_not_open",
    )


def _consumer_supplement(case: Case, fields: dict, now: datetime, upload: Any) -> Callable[[], dict]:
    errors: dict[str, str] = {}
    text = _text(fields, "text", required=False, limit=TEXT_MAX, errors=errors)
    checked = None
    if upload is not None:
        try:
            checked = attachments.check_upload(upload)
        except InvalidInput as e:
            errors.update(e.fields)
    if not text and upload is None and "text" not in errors:
        errors["text"] = _("Write what you want to add, or choose a file.")
    if errors:
        raise InvalidInput(_("Nothing was added to your case."), fields=errors)

    def apply() -> dict:
        data: dict[str, Any] = {"text": text}
        if upload is not None:
            assert checked is not None
            att = attachments.store_attachment(case, checked, uploaded_by=None, now=now)
            data.update(attachment_id=att.pk, filename=att.filename)
        rule = DeadlineRule.objects.filter(code=SUPPLEMENT_RESTART_RULE, is_active=True).first()
        data["restarted"] = False
        if rule is not None and case.status in _DECISION_PENDING:
            due = deadlines.due_for(rule, now)
            if case.due_at is None or due.at > case.due_at:
                case.due_date, case.due_at, case.due_provisional = due.date, due.at, due.provisional
                data.update(restarted=True, due_date=due.date.isoformat())
        return data

    return apply


def _consumer_review(case: Case, fields: dict, now: datetime, upload: Any) -> Callable[[], dict]:
    errors: dict[str, str] = {}
    reason = _text(fields, "reason", required=True, limit=REASON_MAX, errors=errors)
    if errors:
        raise InvalidInput(_("Say why you ask for a review."), fields=errors)
    return lambda: _request_review(case, {"reason": reason}, now)


def _consumer_withdraw(case: Case, fields: dict, now: datetime, upload: Any) -> Callable[[], dict]:
    errors: dict[str, str] = {}
    reason = _text(fields, "reason", required=False, limit=REASON_MAX, errors=errors)
    if errors:
        raise InvalidInput(_("The complaint was not withdrawn."), fields=errors)
    return lambda: _withdraw(case, {"reason": reason}, now)


def _consumer_rate(case: Case, fields: dict, now: datetime, upload: Any) -> Callable[[], dict]:
    errors: dict[str, str] = {}
    solved = fields.get("solved")
    if isinstance(solved, str) and solved.lower() in ("true", "yes", "1", "false", "no", "0"):
        solved = solved.lower() in ("true", "yes", "1")
    if not isinstance(solved, bool):
        errors["solved"] = _("Say whether your problem was solved: yes or no.")
    satisfaction = fields.get("satisfaction")
    if isinstance(satisfaction, str) and satisfaction.strip().isdigit():
        satisfaction = int(satisfaction.strip())
    if isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = _("Choose how satisfied you are, from 1 to 5.")
    comment = _text(fields, "comment", required=False, limit=REASON_MAX, errors=errors)
    if errors:
        raise InvalidInput(_("Your rating was not recorded."), fields=errors)
    if not rating_open(case):
        raise Conflict(
            _("This decision is already rated; you can rate again after a new decision."),
            fields={"action": _("already rated")},
            code="already_rated",
        )

    def apply() -> dict:
        assert case.decided_at is not None
        Rating.objects.update_or_create(
            case=case,
            defaults={
                "solved": solved,
                "satisfaction": satisfaction,
                "comment": comment,
                "decided_at": case.decided_at,
                "rated_at": now,
            },
        )
        return {"solved": solved, "satisfaction": satisfaction}

    return apply


_CONSUMER_APPLY: dict[str, tuple[Callable[..., Callable[[], dict]], str]] = {
    "supplement": (_consumer_supplement, CaseEvent.Type.SUPPLEMENTED),
    "request_review": (_consumer_review, CaseEvent.Type.REVIEW_REQUESTED),
    "withdraw": (_consumer_withdraw, CaseEvent.Type.WITHDRAWN),
    "rate": (_consumer_rate, CaseEvent.Type.RATED),
}


@transaction.atomic
def take_consumer_action(
    case_id: int, action: str, fields: dict | None = None, *, upload: Any = None, now: datetime | None = None
) -> Case:
    """The consumer's own action on their case: supplement, request_review, withdraw or rate.

    The caller has proven the consumer (the portal checks the tracking number and secret code,
    or an SMS code to the phone on the case); cases never knows how. Checks, in order: a known
    action (400, field `action`), the case exists (404), the action is open now — its status,
    the review window, a notified decision not yet rated — (409 `action_not_open`,
    `review_window_closed`, `already_rated`), and every field (400 naming each); only then
    writes, in one transaction: the change, one timeline event (actor None, data
    `{"by": "consumer", …}`) and the consumer's SMS where the milestone has one.
    """
    fields = fields or {}
    now = now or timezone.now()
    transition = lifecycle.consumer_transition(action)
    if transition is None:
        raise InvalidInput(_("Unknown action."), fields={"action": ", ".join(lifecycle.CONSUMER_ACTIONS)})
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    case = Case.objects.select_related("visit", "company", "company_root").filter(pk=case_id).first()
    if case is None:
        raise NotFound(_("No such case."))
    if case.status not in transition.sources:
        raise _not_open(case, action)
    if action == "request_review" and not _review_window_open(case, now):
        window = deadlines.due_for("complaint.review_apply", case.informed_at or now)
        raise Conflict(
            _("The 30-day window for a review closed on %(date)s.") % {"date": window.date.isoformat()},
            fields={"action": _("the review window has closed")},
            code="review_window_closed",
        )
    check, event_type = _CONSUMER_APPLY[action]
    apply = check(case, fields, now, upload)  # validates every field; writes nothing
    before = rollups.place_of(case)
    data = apply()
    if transition.target:
        case.status = transition.target
    case.save()
    rollups.move(before, rollups.place_of(case))
    event = events.case_transition_event(case, event_type, None, now, by="consumer", **data)
    notify.case_milestone(case, event)  # SMS to the consumer, sent after commit
    return case


# ---- complaints that arrive without a visit to a site ---------------------------------------------


@dataclass(frozen=True)
class ComplaintInput:
    """A complaint by hotline, letter or online, or an old one from the backlog."""

    company_id: int
    complainant_name: str
    summary: str
    channel: str
    received_at: datetime
    complainant_phone: str = ""
    complainant_id_number: str = ""
    category: str = ""
    city_code: str = ""
    nature: str = ""


def _place_without_city(actor: User, company_id: int) -> tuple[str, int | None]:
    """Where a complaint filed without the consumer's city belongs: (city, "") when the company
    named has a city of its own (a county: its city); else ("", bureau) for the bureau whose
    jurisdiction holds the company's region or, when it has none (a head office), the filing
    officer's own bureau; ("", None) when neither is known."""
    company = Organization.objects.filter(pk=company_id).select_related("region").first()
    region = company.region if company else None
    if region is not None and region.level == Region.Level.PREFECTURE:
        return region.code, None
    if region is not None and region.level == Region.Level.COUNTY and region.parent_id:
        return region.parent_id, None
    if region is not None:
        return "", bureau_holding(region.code)
    scope = scope_for(actor)
    return "", scope.bureau_id if is_regulator(actor) else None


@transaction.atomic
def register_complaint(actor: User, data: ComplaintInput, *, now: datetime | None = None) -> Case:
    """Record the complaint as a visit of its channel (the one intake service) and open its
    case: received, routed, due within the legal limit counted from `received_at`."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if data.channel == Visit.Channel.ON_SITE:
        errors["channel"] = _("On-site complaints are recorded as visits at their site.")
    received_error = occurred_error(data.received_at, now, future=_("The complaint cannot be received in the future."))
    if received_error:
        errors["received_at"] = received_error
    if len(data.category) > 48:
        errors["category"] = _("A category has at most 48 characters.")
    city, bureau_id = data.city_code, None
    if not city:
        city, bureau_id = _place_without_city(actor, data.company_id)
        if not city and bureau_id is None:
            errors["city_code"] = _("Give the consumer's city (the company named has no city of its own).")
    if errors:
        raise InvalidInput(_("The complaint was not recorded."), fields=errors)
    recorded = record_visit(
        actor,
        VisitInput(
            kind=Visit.Kind.COMPLAINT,
            channel=data.channel,
            city_code=city,
            company_id=data.company_id,
            visitor_name=data.complainant_name,
            visitor_phone=data.complainant_phone,
            visitor_id_number=data.complainant_id_number,
            summary=data.summary,
            nature=data.nature,
            bureau_id=bureau_id,
        ),
        received_at=data.received_at,
    )
    case = Case.objects.select_related("visit").get(visit=recorded.visit)
    if data.category:
        set_category(case, data.category)
    return case


def set_category(case: Case, category: str) -> None:
    """Give a case just opened the category its filer chose (the complaint's issue): saved,
    and the case moved to its tally of that category, in the caller's transaction. `case.visit`
    should come loaded with it (`select_related("visit")`)."""
    assert transaction.get_connection().in_atomic_block, "call inside the opening's transaction"
    before = rollups.place_of(case)
    case.category = category.strip()
    case.save(update_fields=["category", "updated_at"])
    rollups.move(before, rollups.place_of(case))
