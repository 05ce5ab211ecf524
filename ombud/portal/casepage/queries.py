"""Reads of the consumer's case page: number + code → visit, and the consumer's view of it.

`consumer_view` is the one answer the page (`views.py`) and the API (`api.py`) both show: the
status in plain words, the legal due date in words, the company's decision letter once the
consumer is told of it, the timeline in consumer language (no internal event, no staff name, no
template key) and the actions open now. Never any personal data of the case.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import dateformat, timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from ombud.cases import deadlines
from ombud.cases.models import Case, CaseEvent
from ombud.cases.services import consumer_actions
from ombud.intake.models import Visit
from ombud.personal_data import blind_index, normalise_phone

T = CaseEvent.Type
S = Case.Status


def normalise_tracking_no(tracking_no: str) -> str | None:
    """The 16 digits of a tracking number as typed (spaces and dashes forgiven); None if it
    cannot be one."""
    number = re.sub(r"[\s-]", "", tracking_no or "")
    return number if re.fullmatch(r"\d{16}", number) else None


def track(tracking_no: str, code: str) -> Visit | None:
    """The visit with this number *and* code; None for an unknown number or a wrong code alike,
    so that the page never tells which numbers exist. Not limited: callers use
    `casepage.services.look_up`, which counts the tries."""
    number = normalise_tracking_no(tracking_no)
    if number is None:
        return None
    visit = by_number(number)
    given = (code or "").strip().upper().encode()
    if visit is None or not hmac.compare_digest(visit.secret_code.encode(), given):
        return None
    return visit


def by_number(number: str) -> Visit | None:
    """The visit of a (normalised) number, for a caller that has proven it otherwise."""
    return Visit.objects.select_related("company", "site", "case", "case__company").filter(tracking_no=number).first()


def visits_for_phone(phone: str) -> QuerySet[Visit]:
    """The visits whose consumer gave this phone (matched by its blind index), newest first."""
    index = blind_index(normalise_phone(phone))
    return Visit.objects.select_related("case", "company").filter(visitor_phone_index=index).order_by("-received_at")


# ---- plain words --------------------------------------------------------------------------------


WEEKDAYS_ZH = "一二三四五六日"


def date_in_words(day: date) -> str:
    """「2026年12月21日（星期一）」 in Chinese, "Monday, 21 December 2026" in English."""
    if (get_language() or "").startswith("zh"):
        return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS_ZH[day.weekday()]}）"
    return dateformat.format(day, "l, j F Y")


# The status of a case as the consumer reads it; %(handler)s is the company or the regulator.
STATUS_WORDS: dict[str, Any] = {
    S.RECEIVED: gettext_lazy("Your complaint has been received. %(handler)s will decide whether to accept it."),
    S.NOT_ACCEPTED: gettext_lazy("Your complaint was not accepted."),
    S.IN_PROGRESS: gettext_lazy("%(handler)s is looking into your complaint."),
    S.DECIDED: gettext_lazy("A decision has been made. You will be told of it shortly."),
    S.INFORMED: gettext_lazy("The decision has been sent to you. You can read it below."),
    S.IN_REVIEW: gettext_lazy("Your request for a review is being handled."),
    S.IN_MEDIATION: gettext_lazy("Your complaint is in mediation."),
    S.CLOSED: gettext_lazy("Your case is closed."),
}

# What each event tells the consumer. Types not listed (reminders, escalations to the company's
# executive, notification delivery, imports, referrals for enforcement) are internal: hidden.
EVENT_WORDS: dict[str, Any] = {
    T.RESOLVED_ON_SITE: gettext_lazy("Your complaint was resolved during your visit."),
    T.PROMISED: gettext_lazy("The company promised to resolve your complaint by %(date)s."),
    T.REFERRED: gettext_lazy(
        "Your complaint was passed to the regulator to investigate, with an answer due by %(date)s."
    ),
    T.RECEIVED: gettext_lazy("Your complaint was received."),
    T.ACCEPTED: gettext_lazy("Your complaint was accepted and is being handled."),
    T.NOT_ACCEPTED: gettext_lazy("Your complaint was not accepted."),
    T.EXTENDED: gettext_lazy("The time to decide was extended to %(date)s."),
    T.DECIDED: gettext_lazy("A decision was made on your complaint."),
    T.INFORMED: gettext_lazy("You were told of the decision."),
    T.CLOSED: gettext_lazy("Your case was closed."),
    T.WITHDRAWN: gettext_lazy("Your complaint was withdrawn."),
    T.REVIEW_REQUESTED: gettext_lazy("A review of the decision was requested."),
    T.REVIEW_DECIDED: gettext_lazy("The review was decided."),
    T.MEDIATION_STARTED: gettext_lazy("Your complaint was passed to mediation."),
    T.ESCALATED: gettext_lazy("The regulator now handles your complaint."),
    T.REROUTED: gettext_lazy("Your complaint was passed to the office responsible for it."),
    T.REOPENED: gettext_lazy("After a check by the regulator, your case is being handled again."),
    T.ATTACHED: gettext_lazy("Evidence was added to your case."),
    T.SUPPLEMENTED: gettext_lazy("You added information to your case."),
    T.RATED: gettext_lazy("You rated the outcome: %(n)s of 5."),
}
# The consumer's own words of an event, where the event came from them.
BY_CONSUMER: dict[str, Any] = {
    T.WITHDRAWN: gettext_lazy("You withdrew your complaint."),
    T.REVIEW_REQUESTED: gettext_lazy("You asked for a review of the decision."),
}
# Reasons written for the consumer (the law says they must be told why); others are internal.
TOLD_WHY = {T.NOT_ACCEPTED, T.EXTENDED}

ACTION_WORDS = {
    "supplement": gettext_lazy("Add information or evidence"),
    "request_review": gettext_lazy("Ask for a review"),
    "withdraw": gettext_lazy("Withdraw the complaint"),
    "rate": gettext_lazy("Rate the outcome"),
}


def _day(value: Any) -> str:
    try:
        return date_in_words(date.fromisoformat(str(value)))
    except ValueError:
        return ""


def event_sentence(event: CaseEvent) -> str | None:
    """The consumer's sentence for one event; None for an internal one."""
    data = event.data or {}
    words = BY_CONSUMER.get(event.type) if data.get("by") == "consumer" else None
    words = words or EVENT_WORDS.get(event.type)
    if words is None:
        return None
    text = str(words) % {"date": _day(data.get("due_date")), "n": data.get("satisfaction", "")}
    if event.type == T.SUPPLEMENTED and data.get("restarted"):
        text += " " + _("The time to decide now runs to %(date)s.") % {"date": _day(data.get("due_date"))}
    if event.type in TOLD_WHY and data.get("reason"):
        text += " " + _("Reason: %(reason)s") % {"reason": data["reason"]}
    return text


@dataclass(frozen=True)
class Due:
    at: datetime
    words: str
    overdue: bool


def _handler(case: Case) -> str:
    if case.handled_by == Visit.HandledBy.REGULATOR:
        return _("The regulator")
    return case.company.name


def due_of(case: Case, now: datetime) -> Due | None:
    """The running legal deadline in words, or None (no deadline runs)."""
    if case.due_at is None or case.due_date is None or case.status not in {S.RECEIVED, S.IN_PROGRESS, S.IN_REVIEW}:
        return None
    values = {"handler": _handler(case), "date": date_in_words(case.due_date)}
    if case.due_at < now:
        words = _(
            "Overdue: %(handler)s had to answer by %(date)s and has not. You can call the %(hotline)s hotline."
        ) % {**values, "hotline": settings.OMBUD_HOTLINE}
        return Due(case.due_at, words, True)
    return Due(case.due_at, _("%(handler)s must answer by %(date)s.") % values, False)


def consumer_view(visit: Visit, *, now: datetime | None = None) -> dict[str, Any]:
    """What the consumer sees of a visit: plain data for the page and the API."""
    now = now or timezone.now()
    case: Case | None = getattr(visit, "case", None)
    view: dict[str, Any] = {
        "tracking_no": visit.tracking_no,
        "kind": visit.kind,
        "kind_label": visit.get_kind_display(),
        "received_at": visit.received_at,
        "company": visit.company.name if visit.company else "",
        "status": S.RECEIVED.value,
        "status_words": _("Received."),
        "due_at": None,
        "due_words": "",
        "overdue": False,
        "events": [],
        "actions": [],
    }
    if case is None:
        return view
    due = due_of(case, now)
    view.update(
        status=case.status,
        status_words=str(STATUS_WORDS[case.status]) % {"handler": _handler(case)},
        company=case.company.name,
        due_at=due.at if due else None,
        due_words=due.words if due else "",
        overdue=due.overdue if due else False,
        actions=[{"action": a, "label": str(ACTION_WORDS[a])} for a in consumer_actions(case, now=now)],
    )
    if case.informed_at is not None and case.decision:
        view["decision"] = {
            "decision": case.decision,
            "decision_label": case.get_decision_display(),
            "amount_paid": str(case.amount_paid) if case.amount_paid is not None else None,
            "decided_at": case.decided_at,
            "informed_at": case.informed_at,
        }
        view["reply"] = case.reply
        window = deadlines.due_for("complaint.review_apply", case.informed_at)
        view["review_until_words"] = date_in_words(window.date)
    events = []
    for e in case.events.order_by("created_at", "id"):
        sentence = event_sentence(e)
        if sentence is not None:
            events.append({"at": e.created_at, "type": e.type, "text": sentence})
    view["events"] = events
    rating = getattr(case, "rating", None) if hasattr(case, "rating") else None
    if rating is not None:
        view["rating"] = {"solved": rating.solved, "satisfaction": rating.satisfaction, "rated_at": rating.rated_at}
    return view
