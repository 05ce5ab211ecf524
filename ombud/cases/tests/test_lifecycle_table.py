"""The transition table itself: every state is reachable and every open case can end."""

from ombud.cases.lifecycle import OPEN, TRANSITIONS, allowed_from
from ombud.cases.models import Case


def test_every_status_but_received_is_reachable():
    targets = {t.target for t in TRANSITIONS.values() if t.target}
    assert set(Case.Status.values) - {Case.Status.RECEIVED} <= targets


def test_every_open_status_leads_to_closed():
    def reaches_closed(status, seen=()):
        if status == Case.Status.CLOSED:
            return True
        nexts = {TRANSITIONS[a].target for a in allowed_from(status)} - {None, *seen}
        return any(reaches_closed(n, (*seen, status)) for n in nexts)

    assert all(reaches_closed(s) for s in OPEN | {Case.Status.NOT_ACCEPTED})


def test_a_closed_case_is_only_referred_or_reopened_by_the_regulator():
    assert allowed_from(Case.Status.CLOSED) == ["refer", "reopen"]
    assert TRANSITIONS["refer"].parties == {"regulator"}
    assert TRANSITIONS["reopen"].parties == {"regulator"}
