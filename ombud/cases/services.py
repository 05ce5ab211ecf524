"""Writes to cases. Each public function runs inside its caller's transaction or its own."""

from __future__ import annotations

from django.db import transaction

from ombud.cases import events
from ombud.cases.models import Case
from ombud.directory.models import User
from ombud.intake.models import Visit


def open_case_for_visit(visit: Visit, actor: User | None) -> Case:
    """Open the case a complaint visit brings, in the state its on-site outcome leaves it.

    Resolved on site: the complaint was decided and the consumer informed during the visit,
    so the case is born closed. Time-limited: accepted on the spot with the promised date as
    its due date, handled by the company or, when referred for investigation, the regulator.
    """
    assert transaction.get_connection().in_atomic_block, "call inside the visit's transaction"
    assert visit.kind == Visit.Kind.COMPLAINT and visit.company_id and visit.company_root_id
    on_site = visit.outcome == Visit.Outcome.RESOLVED_ON_SITE
    case = Case.objects.create(
        visit=visit,
        tracking_no=visit.tracking_no,
        status=Case.Status.CLOSED if on_site else Case.Status.IN_PROGRESS,
        handled_by=visit.handled_by or Visit.HandledBy.COMPANY,
        site_id=visit.site_id,
        city_id=visit.city_id,
        company_id=visit.company_id,
        company_root_id=visit.company_root_id,
        resolved_on_site=on_site,
        opened_at=visit.received_at,
        due_date=visit.due_date,
        closed_at=visit.received_at if on_site else None,
    )
    if on_site:
        events.case_resolved_on_site_event(case, actor, visit.received_at)
    elif visit.handled_by == Visit.HandledBy.REGULATOR:
        assert visit.due_date is not None
        events.case_referred_event(case, actor, visit.received_at, due_date=visit.due_date)
    else:
        assert visit.due_date is not None
        events.case_promised_event(case, actor, visit.received_at, due_date=visit.due_date)
    return case
