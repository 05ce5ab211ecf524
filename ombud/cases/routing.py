"""Routing by jurisdiction (按法律规定的职责范围受理): who handles a case.

The rule for the complaint's nature (RoutingRule, data) says company or regulator. A company
case goes to the company's branch in the consumer's city when it has one there, else to the
named organization (its head office or the branch the consumer named). The first place
contacted owns the case (首问负责制): routing happens once, at opening; afterwards only an
officer's `reroute`, with a reason on the timeline, moves it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from ombud.cases.models import Nature, RoutingRule
from ombud.directory.models import Organization
from ombud.errors import InvalidInput


def route(company: Organization, city_id: str | None, nature: str) -> tuple[str, Organization]:
    """(handled_by, the organization that handles it) for a new case."""
    rule = RoutingRule.objects.filter(nature=nature or Nature.CONTRACT_DISPUTE).first()
    if rule is None:
        raise InvalidInput(_("No routing rule for this kind of complaint."), fields={"nature": nature})
    if rule.handled_by != "company" or not city_id:
        return rule.handled_by, company
    if company.region_id == city_id:
        return rule.handled_by, company
    branch = (
        Organization.objects.filter(head_office_id=company.head_office_id, region_id=city_id, is_active=True)
        .order_by("id")
        .first()
    )
    return rule.handled_by, branch or company
