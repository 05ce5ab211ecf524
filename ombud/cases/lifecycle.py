"""The case lifecycle as one table: which action moves a case from which states to which, and
which party may take it. Services in `cases/services.py` consult it before any write; nothing
else changes `Case.status`.

    received ──accept──▶ in_progress ──decide──▶ decided ──notify──▶ informed ──close──▶ closed
        └──reject──▶ not_accepted ──close──▶ closed          │
                     in_progress ──extend──▶ in_progress      ├─request_review─▶ in_review ─decide_review─▶ decided
                                                              └─mediate─▶ in_mediation ─decide─▶ decided
    any open state: withdraw (the consumer, → closed), escalate (to the regulator), reroute (regulator only)
    received, in_progress, in_review: supplement (the consumer adds facts or evidence; status kept)
    informed or closed, once a decision is notified: rate (the consumer; status kept)
    any state: refer (suspected violation, for enforcement; regulator only)
    closed or informed ──reopen (regulator, after a spot check)──▶ in_progress

"handler" is the party now handling the case: the company's users when `handled_by` is
company, the regulator's when it is regulator. The regulator oversees every case in its
jurisdiction but decides only those it handles. "consumer" is the complainant, proven by the
tracking number and secret code (or an SMS code to the phone on the case) on the public case
page (portal/casepage/): the consumer's own actions are `CONSUMER_TRANSITIONS`, apart from the
staff table so that no staff page, form or `allowed_actions` ever lists them; request_review and
withdraw are in both hands (the consumer's own, or recorded by whoever received them).
"""

from __future__ import annotations

from dataclasses import dataclass

from ombud.cases.models import Case

S = Case.Status
# Every status but not accepted and closed; models.OPEN_STATUSES is the same set, sorted, for the
# partial indexes (a test checks they agree).
OPEN = frozenset({S.RECEIVED, S.IN_PROGRESS, S.DECIDED, S.INFORMED, S.IN_REVIEW, S.IN_MEDIATION})

# Decided and beyond: what can be told as a typical case (oversight/typical/).
DECIDED_OR_LATER = (S.DECIDED, S.INFORMED, S.CLOSED)

HANDLER = "handler"
REGULATOR = "regulator"
CONSUMER = "consumer"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    parties: frozenset[str]


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("accept", frozenset({S.RECEIVED}), S.IN_PROGRESS, frozenset({HANDLER})),
        Transition("reject", frozenset({S.RECEIVED}), S.NOT_ACCEPTED, frozenset({HANDLER})),
        Transition("extend", frozenset({S.IN_PROGRESS}), None, frozenset({HANDLER})),
        Transition("decide", frozenset({S.IN_PROGRESS, S.IN_MEDIATION}), S.DECIDED, frozenset({HANDLER})),
        Transition("notify", frozenset({S.DECIDED}), S.INFORMED, frozenset({HANDLER})),
        Transition("close", frozenset({S.INFORMED, S.NOT_ACCEPTED}), S.CLOSED, frozenset({HANDLER, REGULATOR})),
        # Recorded on the consumer's behalf by whoever received the request.
        Transition("request_review", frozenset({S.INFORMED}), S.IN_REVIEW, frozenset({HANDLER, REGULATOR, CONSUMER})),
        Transition("decide_review", frozenset({S.IN_REVIEW}), S.DECIDED, frozenset({HANDLER})),
        Transition("mediate", frozenset({S.DECIDED, S.INFORMED}), S.IN_MEDIATION, frozenset({HANDLER, REGULATOR})),
        # The consumer withdrew the complaint: the procedure ends that day (Order 2020 No. 3,
        # art. 15); recorded by whoever received the withdrawal.
        Transition("withdraw", OPEN, S.CLOSED, frozenset({HANDLER, REGULATOR, CONSUMER})),
        Transition("escalate", OPEN, None, frozenset({HANDLER, REGULATOR})),
        # A suspected violation can come to light after the case ended (a spot check, a
        # call-back): referring it does not change the case's status.
        Transition("refer", OPEN | {S.CLOSED, S.NOT_ACCEPTED}, None, frozenset({REGULATOR})),
        Transition("reroute", OPEN, None, frozenset({REGULATOR})),
        # A spot check (oversight/) found the case handled improperly: the regulator sends it
        # back to the handler, with the finding as the reason.
        Transition("reopen", frozenset({S.CLOSED, S.INFORMED}), S.IN_PROGRESS, frozenset({REGULATOR})),
    ]
}


# The consumer's own actions, which no staff party takes (the case page, portal/casepage/).
CONSUMER_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        # New facts or evidence: while a decision is awaited (or a review), status kept; the
        # decision period restarts from their receipt (DeadlineRule complaint.supplement_restart).
        Transition("supplement", frozenset({S.RECEIVED, S.IN_PROGRESS, S.IN_REVIEW}), None, frozenset({CONSUMER})),
        # The outcome, once the (latest) decision is notified: solved or not, satisfaction 1–5.
        Transition("rate", frozenset({S.INFORMED, S.CLOSED}), None, frozenset({CONSUMER})),
    ]
}

# Every action the consumer may take, in the order the case page offers them.
CONSUMER_ACTIONS = ("supplement", "request_review", "rate", "withdraw")


def allowed_from(status: str) -> list[str]:
    """The actions that may be taken on a case in `status`, in table order."""
    return [a for a, t in TRANSITIONS.items() if status in t.sources]


def consumer_transition(action: str) -> Transition | None:
    """The transition of a consumer's action (None: not one the consumer takes)."""
    if action not in CONSUMER_ACTIONS:
        return None
    return CONSUMER_TRANSITIONS.get(action) or TRANSITIONS[action]
