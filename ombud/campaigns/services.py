"""Writes to campaigns and sites: one transaction each, validated before anything is written."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ombud.campaigns.models import Campaign, RosterEntry, Site, SiteOrganization
from ombud.directory.access import holds_region, require_regulator, scope_for
from ombud.directory.models import Organization, Region, Staff, User
from ombud.errors import Forbidden, InvalidInput


@dataclass(frozen=True)
class CampaignInput:
    name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str


def create_campaign(actor: User, data: CampaignInput) -> Campaign:
    require_regulator(actor)
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = _("A campaign needs a name.")
    if data.starts_at.tzinfo is None:
        errors["starts_at"] = _("Give a time zone, e.g. 2026-03-24T10:00:00+08:00.")
    if data.ends_at.tzinfo is None:
        errors["ends_at"] = _("Give a time zone, e.g. 2026-03-24T18:00:00+08:00.")
    elif data.starts_at.tzinfo is not None and data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The campaign must end after it starts.")
    region = Region.objects.filter(code=data.region_code).first()
    if region is None:
        errors["region_code"] = _("Unknown region code.")
    if errors:
        raise InvalidInput(_("The campaign was not created."), fields=errors)
    if not holds_region(actor, region.code):
        # A Shenzhen officer may run a campaign in Shenzhen, not over all of Guangdong.
        raise Forbidden(
            _("This region is outside your jurisdiction."), fields={"region_code": _("outside your jurisdiction")}
        )
    organizer = actor.organization if actor.organization and actor.organization.kind == "regulator" else None
    return Campaign.objects.create(
        name=name,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        region=region,
        organizer=organizer,
        created_by=actor,
    )


@dataclass(frozen=True)
class SiteInput:
    city_code: str
    name: str
    address: str = ""


def add_site(actor: User, campaign: Campaign, data: SiteInput, *, now: datetime | None = None) -> Site:
    require_regulator(actor)
    errors: dict[str, str] = {}
    city = Region.objects.filter(code=data.city_code).first()
    if city is None:
        errors["city_code"] = _("Unknown region code.")
    elif city.level != Region.Level.PREFECTURE:
        errors["city_code"] = _("A site belongs to a prefecture-level city.")
    elif city.parent_id != campaign.region_id and city.code != campaign.region_id:
        errors["city_code"] = _("This city is outside the campaign's region.")
    elif not scope_for(actor).covers_city(city.code):
        raise Forbidden(
            _("This city is outside your jurisdiction."), fields={"city_code": _("outside your jurisdiction")}
        )
    name = data.name.strip()
    if not name:
        errors["name"] = _("A site needs a name.")
    elif Site.objects.filter(campaign=campaign, name=name).exists():
        errors["name"] = _("The campaign already has a site of this name.")
    if (now or timezone.now()) > campaign.ends_at:
        errors["campaign_id"] = _("The campaign has ended.")
    if errors:
        raise InvalidInput(_("The site was not added."), fields=errors)
    return Site.objects.create(campaign=campaign, city=city, name=name, address=data.address.strip())


@transaction.atomic
def roster(site: Site, organizations: list[Organization], staff: list[Staff]) -> None:
    """Add organizations and people to a site's roster (idempotent)."""
    SiteOrganization.objects.bulk_create(
        [SiteOrganization(site=site, organization=o) for o in organizations], ignore_conflicts=True
    )
    RosterEntry.objects.bulk_create(
        [
            RosterEntry(
                site=site,
                staff=s,
                organization_id=s.organization_id,
                duty=RosterEntry.Duty.EXECUTIVE if s.is_executive else RosterEntry.Duty.RECEPTION,
            )
            for s in staff
        ],
        ignore_conflicts=True,
    )
