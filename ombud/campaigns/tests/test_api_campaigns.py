"""Campaigns and sites through the API: who may set them up, and every bad input."""

import pytest

from ombud.campaigns.models import Campaign, Site

pytestmark = pytest.mark.django_db

CAMPAIGN = {
    "name": "佛山保险服务接访日",
    "starts_at": "2026-12-01T09:00:00+08:00",
    "ends_at": "2026-12-01T17:00:00+08:00",
    "region_code": "440000",
}


def test_a_regulator_creates_a_campaign_and_lists_it(world):
    api = world.api(world.officer)
    r = api.post("/api/v1/campaigns", CAMPAIGN)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["region_code"] == "440000"
    assert body["starts_at"] == "2026-12-01T09:00:00+08:00"  # shown in Asia/Shanghai
    listed = api.get("/api/v1/campaigns").json()
    assert body in listed
    assert set(listed[0]) == {"id", "name", "starts_at", "ends_at", "region_code"}


@pytest.mark.parametrize("user", ["staff_mm", "handler_a", "nobody"])
def test_only_the_regulator_creates_campaigns(world, user):
    before = Campaign.objects.count()
    r = world.api(getattr(world, user)).post("/api/v1/campaigns", CAMPAIGN)
    assert r.status_code == 403
    assert Campaign.objects.count() == before


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"ends_at": "2026-12-01T08:00:00+08:00"}, "ends_at"),
        ({"region_code": "999999"}, "region_code"),
        ({"name": "  "}, "name"),
        ({"starts_at": "2026-12-01T09:00:00"}, "starts_at"),
        ({"starts_at": "tomorrow"}, "starts_at"),
        ({"name": None}, "name"),
    ],
)
def test_bad_campaigns_are_400s_naming_the_field(world, override, field):
    before = Campaign.objects.count()
    r = world.api(world.officer).post("/api/v1/campaigns", {**CAMPAIGN, **override})
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["fields"]
    assert Campaign.objects.count() == before


def test_a_regulator_adds_a_site(world):
    r = world.api(world.officer).post(
        f"/api/v1/campaigns/{world.campaign.pk}/sites",
        {"city_code": "440600", "name": "佛山接待点", "address": "禅城区"},
    )
    assert r.status_code == 201, r.content
    assert r.json()["city_name"] == "佛山市"
    assert Site.objects.filter(campaign=world.campaign, city_id="440600").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"city_code": "999999", "name": "x"}, "city_code"),
        ({"city_code": "440000", "name": "x"}, "city_code"),  # a province, not a city
        ({"city_code": "440103", "name": "x"}, "city_code"),  # a district
        ({"city_code": "450100", "name": "x"}, "city_code"),  # Nanning: outside Guangdong
        ({"city_code": "440600", "name": "茂名市文化广场"}, "name"),  # duplicate name
        ({"city_code": "440600", "name": ""}, "name"),
        ({"name": "x"}, "city_code"),
    ],
)
def test_bad_sites_are_400s_naming_the_field(world, body, field):
    before = Site.objects.count()
    r = world.api(world.officer).post(f"/api/v1/campaigns/{world.campaign.pk}/sites", body)
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["fields"]
    assert Site.objects.count() == before


def test_a_bureau_may_not_add_a_site_outside_its_jurisdiction(world):
    r = world.api(world.sz_officer).post(
        f"/api/v1/campaigns/{world.campaign.pk}/sites", {"city_code": "440600", "name": "佛山"}
    )
    assert r.status_code == 403
    assert not Site.objects.filter(city_id="440600").exists()


def test_site_staff_may_not_add_sites(world):
    r = world.api(world.staff_mm).post(
        f"/api/v1/campaigns/{world.campaign.pk}/sites", {"city_code": "440600", "name": "x"}
    )
    assert r.status_code == 403


def test_a_finished_campaign_takes_no_new_site(world):
    from datetime import timedelta

    from django.utils import timezone

    world.campaign.starts_at = timezone.now() - timedelta(days=5)
    world.campaign.ends_at = timezone.now() - timedelta(days=4)
    world.campaign.save()
    r = world.api(world.officer).post(
        f"/api/v1/campaigns/{world.campaign.pk}/sites", {"city_code": "440600", "name": "x"}
    )
    assert r.status_code == 400
    assert "campaign_id" in r.json()["error"]["fields"]


def test_an_unknown_campaign_is_a_404(world):
    api = world.api(world.officer)
    assert api.post("/api/v1/campaigns/999999/sites", {"city_code": "440600", "name": "x"}).status_code == 404
    assert api.get("/api/v1/campaigns/999999/report").status_code == 404
    assert api.get("/api/v1/campaigns/999999").json()["error"]["code"] == "not_found"


def test_site_staff_list_only_their_sites(world):
    sites = world.api(world.staff_mm).get(f"/api/v1/campaigns/{world.campaign.pk}/sites").json()
    assert [s["id"] for s in sites] == [world.site_mm.pk]
    assert len(world.api(world.officer).get(f"/api/v1/campaigns/{world.campaign.pk}/sites").json()) == 2
