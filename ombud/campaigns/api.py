from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from ombud.campaigns import queries, services
from ombud.campaigns.models import Campaign, Site
from ombud.schemas import Id

router = Router(tags=["campaigns"])


class CampaignIn(Schema):
    name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str


class CampaignOut(Schema):
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    region_code: str


def _campaign(c: Campaign) -> dict:
    # Times in Asia/Shanghai (+08:00), the zone every user of a Chinese regulator reads.
    return {
        "id": c.pk,
        "name": c.name,
        "starts_at": timezone.localtime(c.starts_at),
        "ends_at": timezone.localtime(c.ends_at),
        "region_code": c.region_id,
    }


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request: HttpRequest) -> list[dict]:
    return [_campaign(c) for c in queries.campaigns_for(request.user)]


@router.post("/campaigns", response={201: CampaignOut})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    campaign = services.create_campaign(request.user, services.CampaignInput(**payload.dict()))
    return Status(201, _campaign(campaign))


@router.get("/campaigns/{campaign_id}", response=CampaignOut)
def get_campaign(request: HttpRequest, campaign_id: Id) -> dict:
    return _campaign(queries.access_campaign(request.user, campaign_id))


class SiteIn(Schema):
    city_code: str
    name: str
    address: str = ""


class SiteOut(Schema):
    id: int
    campaign_id: int
    city_code: str
    city_name: str
    name: str
    address: str


def _site(s: Site) -> dict:
    return {
        "id": s.pk,
        "campaign_id": s.campaign_id,
        "city_code": s.city_id,
        "city_name": s.city.name,
        "name": s.name,
        "address": s.address,
    }


@router.get("/campaigns/{campaign_id}/sites", response=list[SiteOut])
def list_sites(request: HttpRequest, campaign_id: Id) -> list[dict]:
    campaign = queries.access_campaign(request.user, campaign_id)
    return [_site(s) for s in queries.sites_for(request.user, campaign)]


@router.post("/campaigns/{campaign_id}/sites", response={201: SiteOut})
def add_site(request: HttpRequest, campaign_id: Id, payload: SiteIn) -> Status:
    campaign = queries.access_campaign(request.user, campaign_id)
    site = services.add_site(request.user, campaign, services.SiteInput(**payload.dict()))
    return Status(201, _site(site))
