"""Inspection visits: only the regulator records them, at sites in its jurisdiction, during
the campaign; every bad input is a 400 naming the field and writes nothing; each reader sees
the inspections of its scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ombud.campaigns.inspections import InspectionInput, record_inspection
from ombud.campaigns.models import Inspection
from ombud.errors import InvalidInput
from ombud.testing import SHANGHAI

pytestmark = [pytest.mark.django_db, pytest.mark.urls("ombud.campaigns.tests.urls")]

FINDINGS = "现场秩序良好，21家公司高管均在岗；个别公司台账登记不全，已要求当场补齐。"


def _body(world, **overrides) -> dict:
    start = world.campaign.starts_at + timedelta(minutes=30)
    body = {
        "started_at": start.astimezone(SHANGHAI).isoformat(),
        "ended_at": (start + timedelta(minutes=20)).astimezone(SHANGHAI).isoformat(),
        "findings": FINDINGS,
        "issues_found": True,
        "led_by": "广东保监局副局长",
    }
    body.update(overrides)
    return body


def test_an_officer_records_an_inspection_and_lists_it(world):
    api = world.api(world.officer)
    r = api.post(f"/api/v1/sites/{world.site_mm.pk}/inspections", _body(world))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["site_name"] == "茂名市文化广场"
    assert body["officer"] == "officer"
    assert body["led_by"] == "广东保监局副局长"
    assert body["issues_found"] is True
    assert body["started_at"].endswith("+08:00")
    saved = Inspection.objects.get()
    assert saved.officer == world.officer
    assert saved.findings == FINDINGS
    listed = api.get(f"/api/v1/campaigns/{world.campaign.pk}/inspections").json()
    assert listed == [body]


def test_the_end_is_optional_and_findings_are_trimmed(world):
    r = world.api(world.officer).post(
        f"/api/v1/sites/{world.site_gz.pk}/inspections",
        {"started_at": timezone.now().isoformat(), "findings": "  一切正常  "},
    )
    assert r.status_code == 201, r.content
    saved = Inspection.objects.get()
    assert (saved.ended_at, saved.findings, saved.issues_found, saved.led_by) == (None, "一切正常", False, "")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"findings": "   "}, "findings"),
        ({"findings": "很" * 5001}, "findings"),
        ({"findings": None}, "findings"),
        ({"started_at": "2026-03-24T10:00:00"}, "started_at"),  # no time zone
        ({"started_at": "soon"}, "started_at"),
        ({"started_at": "2099-01-01T10:00:00+08:00"}, "started_at"),  # in the future
        ({"started_at": "2000-01-01T10:00:00+08:00"}, "started_at"),  # long before the campaign
        ({"ended_at": "2000-01-01T10:00:00+08:00"}, "ended_at"),  # before the start
        ({"ended_at": "2099-01-01T10:00:00+08:00"}, "ended_at"),  # in the future
        ({"ended_at": "2026-03-24T10:00:00"}, "ended_at"),
        ({"led_by": "长" * 101}, "led_by"),
        ({"issues_found": "perhaps"}, "issues_found"),
    ],
)
def test_bad_inspections_are_400s_naming_the_field(world, override, field):
    r = world.api(world.officer).post(f"/api/v1/sites/{world.site_mm.pk}/inspections", _body(world, **override))
    assert r.status_code == 400, r.content
    assert field in r.json()["error"]["fields"]
    assert not Inspection.objects.exists()


def test_the_service_rejects_an_inspection_before_attendance_opens(world):
    start = world.campaign.starts_at
    with pytest.raises(InvalidInput) as e:
        record_inspection(world.officer, world.site_mm.pk, InspectionInput(start - timedelta(hours=3), FINDINGS))
    assert "started_at" in e.value.fields
    # Two hours before the start is within the window (setting up the site).
    record_inspection(world.officer, world.site_mm.pk, InspectionInput(start - timedelta(hours=1), FINDINGS))
    assert Inspection.objects.count() == 1


@pytest.mark.parametrize("user", ["sz_officer", "staff_mm", "handler_a", "nobody"])
def test_only_the_bureau_of_the_city_records(world, user):
    r = world.api(getattr(world, user)).post(f"/api/v1/sites/{world.site_mm.pk}/inspections", _body(world))
    assert r.status_code == 403, r.content
    assert not Inspection.objects.exists()


def test_an_unknown_site_is_a_404(world):
    r = world.api(world.officer).post("/api/v1/sites/999999/inspections", _body(world))
    assert r.status_code == 404
    assert world.api(world.officer).get("/api/v1/campaigns/999999/inspections").status_code == 404


def _two(world) -> None:
    start = world.campaign.starts_at + timedelta(minutes=10)
    record_inspection(world.officer, world.site_mm.pk, InspectionInput(start, "茂名：正常"))
    record_inspection(world.admin, world.site_gz.pk, InspectionInput(start, "广州：正常"))


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("admin", ["茂名：正常", "广州：正常"]),
        ("officer", ["茂名：正常", "广州：正常"]),
        ("staff_mm", ["茂名：正常"]),
        ("sz_officer", []),
    ],
)
def test_each_reader_sees_the_inspections_of_its_scope(world, user, expected):
    _two(world)
    r = world.api(getattr(world, user)).get(f"/api/v1/campaigns/{world.campaign.pk}/inspections")
    assert r.status_code == 200
    assert [i["findings"] for i in r.json()] == expected


@pytest.mark.parametrize("user", ["handler_a", "nobody"])
def test_companies_do_not_read_inspections(world, user):
    _two(world)
    r = world.api(getattr(world, user)).get(f"/api/v1/campaigns/{world.campaign.pk}/inspections")
    assert r.status_code == 403


# ---- the page -------------------------------------------------------------------------------


def _url(world) -> str:
    return reverse("campaigns:inspections", kwargs={"campaign_id": world.campaign.pk})


def _form(world, **overrides) -> dict:
    start = timezone.localtime(world.campaign.starts_at + timedelta(minutes=30))
    data = {
        "site": world.site_mm.pk,
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": "",
        "led_by": "",
        "findings": FINDINGS,
        "issues_found": "on",
    }
    data.update(overrides)
    return data


def test_an_officer_records_from_the_page(world):
    client = world.browser_client(world.officer)
    page = client.get(_url(world)).content.decode()
    assert 'name="findings"' in page and 'type="datetime-local"' in page
    r = client.post(_url(world), _form(world))
    assert r.status_code == 302, r.content.decode()[:3000]
    saved = Inspection.objects.get()
    assert saved.issues_found and saved.site == world.site_mm
    # Read in Asia/Shanghai, as typed.
    assert saved.started_at == (world.campaign.starts_at + timedelta(minutes=30)).replace(second=0, microsecond=0)
    html = client.get(_url(world)).content.decode()
    assert f'data-inspection="{saved.pk}"' in html and FINDINGS in html


@pytest.mark.parametrize(
    ("override", "field"),
    [({"findings": " "}, "findings"), ({"started_at": "2099-01-01T10:00"}, "started_at"), ({"site": "0"}, "site")],
)
def test_the_page_shows_errors_next_to_the_field(world, override, field):
    r = world.browser_client(world.officer).post(_url(world), _form(world, **override))
    assert r.status_code == 400
    html = r.content.decode()
    assert 'class="field-error"' in html
    assert not Inspection.objects.exists()


def test_the_page_shows_a_bureau_only_its_sites_and_companies_nothing(world):
    html = world.browser_client(world.sz_officer).get(_url(world)).content.decode()
    assert 'name="findings"' not in html  # Shenzhen has no site in this campaign
    r = world.browser_client(world.sz_officer).post(_url(world), _form(world))
    assert r.status_code == 403
    assert world.browser_client(world.handler_a).get(_url(world)).status_code == 403
    html = world.browser_client(world.staff_mm).get(_url(world)).content.decode()
    assert 'name="findings"' not in html
    assert not Inspection.objects.exists()
