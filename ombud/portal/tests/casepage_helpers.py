"""A complaint's case brought to each state the consumer meets, for the case page's tests."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from ombud.cases.models import Case
from ombud.cases.services import ComplaintInput, register_complaint, take_action

PHONE = "13812345678"


def new_case(world, *, phone: str = PHONE, received_at: datetime | None = None, company=None) -> Case:
    """A phone complaint: received, routed to the company, due within the legal limit."""
    return register_complaint(
        world.officer,
        ComplaintInput(
            company_id=(company or world.company_a_maoming).pk,
            complainant_name="李秀英",
            complainant_phone=phone,
            summary="理赔被拒 QXCASEPAGE",
            channel="phone",
            received_at=received_at or timezone.now(),
            city_code="440900",
        ),
    )


def decided(world, case: Case, *, notify: bool = True, now: datetime | None = None) -> Case:
    handler = world.handler_a
    take_action(handler, case.pk, "accept", now=now)
    fields = {"decision": "partly_upheld", "reply": "经核实，同意赔付部分医疗费用。", "amount_paid": "1200.50"}
    take_action(handler, case.pk, "decide", fields, now=now)
    if notify:
        take_action(handler, case.pk, "notify", now=now)
    return Case.objects.get(pk=case.pk)


def code_of(case: Case) -> str:
    return case.visit.secret_code
