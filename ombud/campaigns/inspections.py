"""Inspection visits (检查指导): a regulator officer records who inspected a site, when, and
what they found (SEED.md: a deputy director of the bureau inspected the Maoming site)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.attendance import window
from ombud.campaigns.models import Inspection, Site
from ombud.directory.access import require_regulator, scope_for
from ombud.directory.models import User
from ombud.errors import Forbidden, InvalidInput, NotFound

FINDINGS_MAX = 5000
LED_BY_MAX = 100


@dataclass(frozen=True)
class InspectionInput:
    started_at: datetime
    findings: str
    ended_at: datetime | None = None
    issues_found: bool = False
    led_by: str = ""


def record_inspection(actor: User, site_id: int, data: InspectionInput, *, now: datetime | None = None) -> Inspection:
    """Regulator officers only, at a site in their jurisdiction; the visit lies within the
    campaign's attendance window (docs/attendance.md) and not in the future."""
    require_regulator(actor, _("Only the regulator records inspections."))
    site = Site.objects.select_related("campaign").filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such site."), fields={"site_id": _("unknown site")})
    if not scope_for(actor).covers_city(site.city_id):
        raise Forbidden(
            _("This site is outside your jurisdiction."), fields={"site_id": _("outside your jurisdiction")}
        )
    now = now or timezone.now()
    opens, closes = window(site.campaign)
    errors: dict[str, str] = {}
    if data.started_at.tzinfo is None:
        errors["started_at"] = _("Give a time zone, e.g. 2026-03-24T14:00:00+08:00.")
    elif data.started_at > now:
        errors["started_at"] = _("An inspection is recorded once it has begun, not in advance.")
    elif not opens <= data.started_at <= site.campaign.ends_at:
        errors["started_at"] = _("The inspection must take place during the campaign.")
    if data.ended_at is not None:
        if data.ended_at.tzinfo is None:
            errors["ended_at"] = _("Give a time zone, e.g. 2026-03-24T15:30:00+08:00.")
        elif "started_at" not in errors and data.ended_at <= data.started_at:
            errors["ended_at"] = _("The inspection must end after it starts.")
        elif data.ended_at > now or data.ended_at > closes:
            errors["ended_at"] = _("The end cannot be in the future or after the campaign.")
    findings = data.findings.strip()
    if not findings:
        errors["findings"] = _("Write down what the inspection found, even if all was in order.")
    elif len(findings) > FINDINGS_MAX:
        errors["findings"] = _("At most %d characters.") % FINDINGS_MAX
    led_by = data.led_by.strip()
    if len(led_by) > LED_BY_MAX:
        errors["led_by"] = _("At most %d characters.") % LED_BY_MAX
    if errors:
        raise InvalidInput(_("The inspection was not recorded."), fields=errors)
    return Inspection.objects.create(
        site=site,
        officer=actor,
        led_by=led_by,
        started_at=data.started_at,
        ended_at=data.ended_at,
        issues_found=data.issues_found,
        findings=findings,
    )
