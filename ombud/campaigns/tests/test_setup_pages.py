"""The pages that set a campaign up: list, create, change, finish, sites, roster import and its
template; bad input is a 4xx with the form again, never a 500; a finished campaign's dashboard
is not labelled live and does not poll."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from ombud.campaigns.models import Campaign, RosterEntry, Site
from ombud.campaigns.services import finish_campaign
from ombud.campaigns.tests.test_setup_services import GD, csv_file, good_rows
from ombud.directory.models import User
from ombud.testing import PASSWORD, SHENZHEN

pytestmark = pytest.mark.django_db


def _local(at) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%dT%H:%M")


def test_the_officer_lists_the_campaigns_to_set_up(world):
    client = world.browser_client(world.officer)
    r = client.get(reverse("campaigns:setup_list"))
    assert r.status_code == 200
    assert f'data-campaign="{world.campaign.pk}"' in r.content.decode()
    # linked from the campaigns list and the menu
    page = client.get(reverse("reports:campaigns")).content.decode()
    assert reverse("campaigns:setup_list") in page


@pytest.mark.parametrize("persona", ["staff_mm", "handler_a", "nobody", "officer_no_bureau"])
def test_only_regulators_reach_the_setup_pages(world, persona):
    client = world.browser_client(getattr(world, persona))
    for url in (
        reverse("campaigns:setup_list"),
        reverse("campaigns:new"),
        reverse("campaigns:setup", args=[world.campaign.pk]),
        reverse("campaigns:roster_import", args=[world.campaign.pk]),
        reverse("campaigns:roster_template", args=[world.campaign.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert reverse("campaigns:setup_list") not in client.get(reverse("reports:campaigns")).content.decode()


def test_shenzhen_does_not_see_the_guangdong_campaign_to_set_up(world):
    client = world.browser_client(world.sz_officer)
    assert f'data-campaign="{world.campaign.pk}"' not in client.get(reverse("campaigns:setup_list")).content.decode()
    for name in ("setup", "edit", "roster_import", "roster_template"):
        assert client.get(reverse(f"campaigns:{name}", args=[world.campaign.pk])).status_code == 404
    r = client.post(reverse("campaigns:setup", args=[world.campaign.pk]), {"city": SHENZHEN, "name": "深圳"})
    assert r.status_code == 404
    assert client.post(reverse("campaigns:finish", args=[world.campaign.pk])).status_code == 404
    assert Site.objects.count() == 2 and world.campaign.is_live


def test_an_officer_creates_a_campaign_then_adds_a_site(world):
    client = world.browser_client(world.officer)
    start = timezone.now() + timedelta(days=3)
    r = client.post(
        reverse("campaigns:new"),
        {
            "name": "湛江保险服务日",
            "region": "440000",
            "starts_at": _local(start),
            "ends_at": _local(start + timedelta(hours=8)),
        },
    )
    campaign = Campaign.objects.get(name="湛江保险服务日")
    assert r.status_code == 302 and r["Location"] == reverse("campaigns:setup", args=[campaign.pk])
    r = client.post(r["Location"], {"city": "440800", "name": "湛江接待点", "address": "赤坎区"})
    assert r.status_code == 302
    assert Site.objects.get(campaign=campaign).city_id == "440800"
    page = client.get(reverse("campaigns:setup", args=[campaign.pk])).content.decode()
    assert "湛江接待点" in page and 'data-status="upcoming"' in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "region": "440000"}, "name"),
        ({"name": "x", "region": "440300"}, "region"),  # not a choice for Guangdong: Shenzhen's
        ({"name": "x", "region": "440000", "starts_at": "soon"}, "starts_at"),
        ({"name": "x", "region": "440000", "flip": True}, "ends_at"),  # ends before it starts
    ],
)
def test_bad_campaigns_are_400_with_the_form(world, data, field):
    start = timezone.now() + timedelta(days=1)
    body = {"starts_at": _local(start), "ends_at": _local(start + timedelta(hours=2)), **data}
    if body.pop("flip", False):
        body["starts_at"], body["ends_at"] = body["ends_at"], body["starts_at"]
    r = world.browser_client(world.officer).post(reverse("campaigns:new"), body)
    assert r.status_code == 400
    assert r.context["form"].errors.get(field), r.context["form"].errors
    assert Campaign.objects.count() == 1


def test_bad_sites_are_400_with_the_form(world):
    client = world.browser_client(world.officer)
    url = reverse("campaigns:setup", args=[world.campaign.pk])
    r = client.post(url, {"city": "440900", "name": "茂名市文化广场"})  # the name is taken
    assert r.status_code == 400 and r.context["form"].errors["name"]
    r = client.post(url, {"city": SHENZHEN, "name": "x"})  # not a city of the officer's
    assert r.status_code == 400 and r.context["form"].errors["city"]
    assert Site.objects.count() == 2


def test_change_and_finish_a_campaign(world):
    client = world.browser_client(world.officer)
    c = world.campaign
    r = client.post(
        reverse("campaigns:edit", args=[c.pk]),
        {
            "name": "广东保险服务大接访（改）",
            "region": "440900",
            "starts_at": _local(c.starts_at),
            "ends_at": _local(c.ends_at),
        },
    )
    assert r.status_code == 302  # the region field is fixed: what was posted for it is ignored
    c.refresh_from_db()
    assert (c.name, c.region_id) == ("广东保险服务大接访（改）", "440000")
    r = client.post(reverse("campaigns:finish", args=[c.pk]))
    assert r.status_code == 302
    c.refresh_from_db()
    assert c.is_finished
    page = client.get(reverse("campaigns:setup", args=[c.pk])).content.decode()
    assert 'data-status="finished"' in page and 'id="site-form"' not in page and 'id="campaign-finish"' not in page
    assert client.get(reverse("campaigns:finish", args=[c.pk])).status_code == 405


def test_a_finished_campaign_offers_no_roster_import_and_refuses_one(world):
    finish_campaign(world.officer, world.campaign)
    client = world.browser_client(world.officer)
    url = reverse("campaigns:roster_import", args=[world.campaign.pk])
    page = client.get(url).content.decode()
    assert 'id="roster-import-closed"' in page and 'id="roster-import-form"' not in page
    before = RosterEntry.objects.count()
    upload = SimpleUploadedFile("roster.csv", csv_file(good_rows()), content_type="text/csv")
    r = client.post(url, {"file": upload})
    assert r.status_code == 400 and 'id="roster-import-closed"' in r.content.decode()
    assert RosterEntry.objects.count() == before


def test_a_roster_import_with_one_bad_row_shows_it_and_stores_the_rest(world):
    User.objects.create_user(username="site_gz01", password=PASSWORD, role="site_staff", organization=world.gd_bureau)
    rows = [*good_rows(), ["茂名市文化广场", "接访人员", GD, "赵六", "", "", "nosuchlogin"]]
    client = world.browser_client(world.officer)
    client.cookies["django_language"] = "en"  # the English page, to read the message as written
    upload = SimpleUploadedFile("roster.csv", csv_file(rows), content_type="text/csv")
    r = client.post(reverse("campaigns:roster_import", args=[world.campaign.pk]), {"file": upload})
    assert r.status_code == 200
    page = r.content.decode()
    assert 'data-row="5"' in page and "Unknown account nosuchlogin" in page
    assert RosterEntry.objects.filter(staff__name="李娜", site=world.site_mm).exists()
    assert not RosterEntry.objects.filter(staff__name="赵六").exists()


def test_a_roster_import_for_one_site(world):
    client = world.browser_client(world.officer)
    rows = [["", "参与机构", "中国人寿保险股份有限公司", "", "", "", ""]]
    upload = SimpleUploadedFile("roster.csv", csv_file(rows), content_type="text/csv")
    r = client.post(
        reverse("campaigns:roster_import", args=[world.campaign.pk]), {"file": upload, "site": world.site_gz.pk}
    )
    assert r.status_code == 200 and r.context["result"].unchanged == 1  # make_world put it there


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 400),  # no file
        ({"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04junk")}, 400),
        ({"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")}, 400),  # not the template's header
        ({"file": SimpleUploadedFile("x.csv", csv_file([["广州", "保安", "无", "", "", "", ""]]))}, 400),  # all bad
        ({"file": SimpleUploadedFile("x.csv", b"x"), "site": "99999"}, 400),  # not a site of it
        ({"file": SimpleUploadedFile("x.csv", b"x"), "site": "abc"}, 400),
    ],
)
def test_bad_roster_imports_are_4xx_with_the_form(world, body, status):
    before = RosterEntry.objects.count()
    r = world.browser_client(world.officer).post(reverse("campaigns:roster_import", args=[world.campaign.pk]), body)
    assert r.status_code == status
    assert RosterEntry.objects.count() == before


def test_the_roster_template_downloads(world):
    r = world.browser_client(world.officer).get(reverse("campaigns:roster_template", args=[world.campaign.pk]))
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment")
    wb = load_workbook(io.BytesIO(r.content))
    assert [c.value for c in wb.worksheets[0][1]][:3] == ["接待点", "类型", "机构"]


def test_a_running_campaign_dashboard_is_live_and_polls(world):
    page = (
        world.browser_client(world.officer).get(reverse("reports:dashboard", args=[world.campaign.pk])).content.decode()
    )
    assert "hx-trigger" in page and "live-dot" in page and 'data-status="running"' in page


def test_a_finished_campaign_dashboard_has_no_live_label_and_no_polling(world):
    finish_campaign(world.officer, world.campaign)
    client = world.browser_client(world.officer)
    for name in ("reports:dashboard", "reports:dashboard_live"):
        with translation.override("en"):
            page = client.get(reverse(name, args=[world.campaign.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "hx-trigger" not in page and "hx-get" not in page and "every " not in page
        assert "live-dot" not in page and 'data-status="finished"' in page
    cases = client.get(reverse("reports:dashboard_cases", args=[world.campaign.pk])).content.decode()
    assert 'id="case-handling"' in cases and "hx-trigger" not in cases and "hx-get" not in cases


def test_a_campaign_that_ended_by_its_dates_is_not_live_either(world):
    Campaign.objects.filter(pk=world.campaign.pk).update(
        starts_at=timezone.now() - timedelta(days=2), ends_at=timezone.now() - timedelta(days=1)
    )
    page = (
        world.browser_client(world.handler_a)
        .get(reverse("reports:dashboard", args=[world.campaign.pk]))
        .content.decode()
    )
    assert "hx-trigger" not in page and "live-dot" not in page
